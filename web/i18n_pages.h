/*
 * Words of the account pages (password change, reset, invitation) and the
 * neutral pages outside a tenant.  Part of the catalogue of web/i18n.h.
 */
#ifndef WEB_I18N_PAGES_H
#define WEB_I18N_PAGES_H

#define WEB_MESSAGES_PAGES(X)

#endif
