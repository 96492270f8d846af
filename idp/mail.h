/*
 * Outgoing mail: SMTP through libcurl, or files in the outbox (idp/mail.c).
 */
#ifndef IDP_MAIL_H
#define IDP_MAIL_H

#include <stdbool.h>

#include "idp/err.h"

/* Send a mail: SMTP when smtp_url is set, else a file in <data_dir>/outbox/.
 * Body is plain UTF-8 text. */
enum idp_err idp_mail_send(const char *to, const char *subject, const char *body);

/* True when mail goes out by SMTP (smtp_url is set); false when it only
 * lands in the outbox directory, where nobody but the operator reads it. */
bool idp_mail_configured(void);

/* True when the database answers a trivial query on this thread's
 * connection (readiness). */
bool idp_ready(void);

/* Release what the calling thread holds in the layers below (its database
 * connection); for worker threads that are about to end. */
void idp_thread_done(void);

#endif
