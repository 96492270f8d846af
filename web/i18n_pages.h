/*
 * Words of the account pages (password change, reset, invitation) and the
 * neutral pages outside a tenant.  Part of the catalogue of web/i18n.h.
 */
#ifndef WEB_I18N_PAGES_H
#define WEB_I18N_PAGES_H

/* M_PWP_*: the tenant's password rules, listed before the first attempt
 * (web_password_policy).  Each reads after M_PWP_TITLE ("Your password
 * must:"); %d is a policy figure. */
#define WEB_MESSAGES_PAGES(X)                                                                                                                 \
	X(M_PWP_TITLE, "Your password must:", "パスワードの条件:")                                                                            \
	X(M_PWP_LENGTH, "be %d to %d characters long", "%d〜%d 文字")                                                                         \
	X(M_PWP_LENGTH_EXACT, "be exactly %d characters long", "ちょうど %d 文字")                                                            \
	X(M_PWP_UPPER, "contain an upper-case letter (A-Z)", "英大文字 (A-Z) を含む")                                                         \
	X(M_PWP_LOWER, "contain a lower-case letter (a-z)", "英小文字 (a-z) を含む")                                                          \
	X(M_PWP_DIGIT, "contain a digit (0-9)", "数字 (0-9) を含む")                                                                          \
	X(M_PWP_SYMBOL, "contain a symbol (any character other than A-Z, a-z and 0-9)",                                                       \
	  "記号 (A-Z、a-z、0-9 以外の文字) を含む")                                                                                           \
	X(M_PWP_CLASSES,                                                                                                                      \
	  "contain at least %d of these four kinds: upper-case letters, lower-case letters, "                                                 \
	  "digits, symbols",                                                                                                                  \
	  "英大文字・英小文字・数字・記号のうち %d 種類以上を含む")                                                                           \
	X(M_PWP_EMAIL, "not contain the part of your e-mail address before the @",                                                            \
	  "メールアドレスの @ より前の部分を含まない")                                                                                        \
	X(M_PWP_COMMON, "not be a commonly used password", "よく使われるパスワードではない")                                                  \
	X(M_PWP_CURRENT, "differ from your current password", "現在のパスワードと異なる")                                                     \
	X(M_PWP_HISTORY, "differ from your last %d passwords",                                                                                \
	  "直近 %d 回に使用したパスワードと異なる")                                                                                           \
	X(M_PWP_STRENGTH, "be hard to guess (strength at least %d on a scale from 0 to 4)",                                                   \
	  "推測されにくい (強度 0〜4 のうち %d 以上)")                                                                                        \
	X(M_PWP_NOT_MET, "not met", "未達成")                                                                                                 \
	X(M_ROOT_TITLE, "Use your organisation's sign-in link",                                                                               \
	  "組織のログイン用リンクをご利用ください")                                                                                           \
	X(M_ROOT_TEXT,                                                                                                                        \
	  "This service signs you in for your organisation. Open the sign-in link your "                                                      \
	  "organisation gave you; if you do not have it, ask your administrator.",                                                            \
	  "このサービスは組織ごとのログインを提供しています。組織から案内されたログイン用リンクを" \
	  "開いてください。リンクがわからない場合は、管理者にお問い合わせください。")

#endif
