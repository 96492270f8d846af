/*
 * Tables of the pages (web/page.c): wrapped so that below 720 px each row
 * becomes a card, every cell labelled with its column's heading for that.
 */
#ifndef WEB_TABLE_H
#define WEB_TABLE_H

#include <stddef.h>

#include "web/i18n.h"
#include "web/web.h"

/* Append "<table id=id><tr>" and a header cell for each of the n messages
 * of heads, closing the row. */
void web_table_open(struct web_buf *b, const struct web_req *r, const char *id,
                    const enum web_msg *heads, size_t n);
/* Close the table; when it had no rows (n == 0) say message none below it. */
void web_table_close(struct web_buf *b, const struct web_req *r, int n, enum web_msg none);
/* Open a cell labelled with its column's heading (shown before the value
 * when the table turns into cards on a phone; M__COUNT: no label) and
 * class cls (may be NULL). */
void web_td(struct web_buf *b, const struct web_req *r, enum web_msg label, const char *cls);

#endif
