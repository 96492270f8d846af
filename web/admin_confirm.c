/*
 * The confirmation page every destructive or session-ending console action
 * goes through: the GET of the action's address names the object and what
 * will happen, and changes nothing; its form POSTs to the same address with
 * the CSRF token and where to return; Cancel leads back where the
 * administrator was.
 */
#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

int web_admin_confirm_page(struct web_req *r, const struct web_admin_confirm *c)
{
	struct web_buf b;
	web_admin_begin(&b, r, c->tab);
	web_buf_puts(&b, "<section class=\"card narrow\" id=\"confirm\"><h2>");
	web_admin_subst_email(&b, r, c->title, c->object);
	web_buf_puts(&b, "</h2><p id=\"consequence\">");
	web_admin_subst_email(&b, r, c->consequence, c->object);
	web_buf_puts(&b, "</p><form method=\"post\" action=\"");
	web_buf_esc(&b, c->action);
	web_buf_puts(&b, "\">");
	web_page_csrf(&b, r);
	web_admin_hidden(&b, "back", c->back);
	web_buf_puts(&b, "<div class=\"actions\"><button type=\"submit\" class=\"danger strong\" "
	                 "id=\"confirm-yes\">");
	web_admin_text(&b, r, c->button);
	web_buf_puts(&b, "</button><a class=\"button secondary\" id=\"confirm-cancel\" href=\"");
	web_buf_esc(&b, c->back);
	web_buf_puts(&b, "\">");
	web_admin_text(&b, r, M_CANCEL);
	web_buf_puts(&b, "</a></div></form></section>");
	return web_admin_send(r, 200, &b);
}
