/*
 * The message catalogue: every user-visible string in English and Japanese,
 * chosen per request from Accept-Language.  Keys are an enum so a missing
 * translation is a compile error, not a blank on the page.
 */
#ifndef WEB_I18N_H
#define WEB_I18N_H

#include "web/web.h"

#define WEB_MESSAGES(X)                                                                        \
	X(M_PRODUCT, "Sekisho", "関所 Sekisho")                                                     \
	X(M_LOGIN_TITLE, "Sign in", "ログイン")                                                    \
	X(M_EMAIL, "E-mail address", "メールアドレス")                                             \
	X(M_PASSWORD, "Password", "パスワード")                                                    \
	X(M_PASSWORD2, "Confirm password", "パスワード (確認)")                                    \
	X(M_NAME, "Display name", "表示名")                                                        \
	X(M_SIGN_IN, "Sign in", "ログイン")                                                        \
	X(M_SIGN_OUT, "Sign out", "ログアウト")                                                    \
	X(M_LOGIN_FAILED, "The e-mail address or password is incorrect.",                          \
	  "メールアドレスまたはパスワードが正しくありません。")                                    \
	X(M_LOGIN_RATE, "Too many attempts from your address. Please wait a few minutes.",         \
	  "このアドレスからの試行が多すぎます。数分待ってから再度お試しください。")                \
	X(M_LOGIN_CONCURRENT,                                                                      \
	  "You are already signed in elsewhere. Sign out there first.",                            \
	  "別の場所ですでにログインしています。先にそちらからログアウトしてください。")            \
	X(M_IP_DENIED_TITLE, "Access denied", "アクセスが拒否されました")                          \
	X(M_IP_DENIED, "Access from your address is not allowed by your organisation's policy: ",  \
	  "組織のポリシーにより、このアドレスからのアクセスは許可されていません: ")                \
	X(M_NOT_FOUND_TITLE, "Not found", "見つかりません")                                        \
	X(M_NOT_FOUND, "The page you asked for does not exist.",                                   \
	  "お探しのページは存在しません。")                                                        \
	X(M_BAD_REQUEST_TITLE, "Bad request", "不正なリクエスト")                                  \
	X(M_BAD_REQUEST, "The request could not be understood. Please go back and try again.",     \
	  "リクエストを処理できませんでした。戻ってもう一度お試しください。")                      \
	X(M_TOO_LARGE_TITLE, "Request too large", "リクエストが大きすぎます")                      \
	X(M_TOO_LARGE, "The request is larger than this service accepts.",                         \
	  "リクエストが許容される大きさを超えています。")                                          \
	X(M_CSRF_TITLE, "Form expired", "フォームの有効期限切れ")                                  \
	X(M_CSRF, "This form has expired or was not sent from this site. Please reload and try again.", \
	  "フォームの有効期限が切れたか、このサイトから送信されていません。再読み込みしてください。") \
	X(M_UNAVAILABLE_TITLE, "Temporarily unavailable", "一時的に利用できません")                \
	X(M_UNAVAILABLE, "The service is temporarily unavailable. Please try again shortly.",      \
	  "サービスが一時的に利用できません。しばらくしてから再度お試しください。")                \
	X(M_FORBIDDEN_TITLE, "Forbidden", "権限がありません")                                      \
	X(M_FORBIDDEN, "You do not have permission to do this.",                                   \
	  "この操作を行う権限がありません。")                                                      \
	X(M_INVITE_TITLE, "Activate your account", "アカウントの有効化")                          \
	X(M_INVITE_INTRO, "Choose your display name and password to activate the account for ",    \
	  "表示名とパスワードを設定して、次のアカウントを有効にしてください: ")                    \
	X(M_INVITE_SUBMIT, "Activate account", "アカウントを有効にする")                           \
	X(M_INVITE_INVALID_TITLE, "Invitation not valid", "招待が無効です")                        \
	X(M_INVITE_INVALID,                                                                        \
	  "This invitation link is not valid: it may have been used already, expired or been "     \
	  "revoked. Ask your administrator for a new invitation.",                                 \
	  "この招待リンクは無効です。使用済み、期限切れ、または取り消された可能性があります。"    \
	  "管理者に新しい招待を依頼してください。")                                                \
	X(M_NAME_INVALID, "Enter a display name of 1 to 100 characters.",                          \
	  "表示名は 1〜100 文字で入力してください。")                                              \
	X(M_PW_RULES_FAILED, "The password does not meet these rules:",                            \
	  "パスワードが次の条件を満たしていません:")                                               \
	X(M_PW_TOO_SHORT, "at least %d characters", "%d 文字以上")                                 \
	X(M_PW_TOO_LONG, "at most %d characters", "%d 文字以下")                                   \
	X(M_PW_NEED_UPPER, "an upper-case letter (A-Z)", "英大文字 (A-Z) を含む")                  \
	X(M_PW_NEED_LOWER, "a lower-case letter (a-z)", "英小文字 (a-z) を含む")                   \
	X(M_PW_NEED_DIGIT, "a digit (0-9)", "数字 (0-9) を含む")                                   \
	X(M_PW_NEED_SYMBOL, "a symbol", "記号を含む")                                              \
	X(M_PW_FEW_CLASSES, "at least %d of: upper-case, lower-case, digit, symbol",               \
	  "英大文字・英小文字・数字・記号のうち %d 種類以上")                                      \
	X(M_PW_HAS_EMAIL, "must not contain your e-mail address",                                  \
	  "メールアドレスを含まない")                                                              \
	X(M_PW_BLOCKLISTED, "must not be a commonly used password",                                \
	  "よく使われるパスワードではない")                                                        \
	X(M_PW_REUSED, "must not be one of your last %d passwords",                                \
	  "直近 %d 回に使用したパスワードではない")                                                \
	X(M_PW_SAME_AS_CURRENT, "must differ from your current password",                          \
	  "現在のパスワードと異なる")                                                              \
	X(M_PW_MISMATCH, "both entries must be the same", "確認用と一致する")                     \
	X(M_PW_BAD_UTF8, "must be valid text", "有効な文字列である")                               \
	X(M_HOME_TITLE, "My account", "マイアカウント")                                            \
	X(M_WELCOME, "Signed in as", "ログイン中:")                                                \
	X(M_ROLE, "Role", "ロール")                                                                \
	X(M_ROLE_ADMIN, "Administrator", "管理者")                                                 \
	X(M_ROLE_USER, "User", "ユーザー")                                                         \
	X(M_SESSIONS, "My sessions", "ログイン中のセッション")                                     \
	X(M_SESSION_STARTED, "Started", "開始")                                                   \
	X(M_SESSION_LAST, "Last activity", "最終操作")                                             \
	X(M_SESSION_IP, "IP address", "IP アドレス")                                               \
	X(M_SESSION_UA, "Browser", "ブラウザ")                                                     \
	X(M_SESSION_END, "End", "終了")                                                            \
	X(M_SESSION_THIS, "this session", "このセッション")                                        \
	X(M_ADMIN_CONSOLE, "Administrator console", "管理コンソール")                              \
	X(M_LOGGED_OUT, "You have signed out.", "ログアウトしました。")                            \
	X(M_SESSION_EXPIRED, "Your session has ended. Please sign in again.",                      \
	  "セッションが終了しました。もう一度ログインしてください。")                              \
	X(M_CHANGE_PASSWORD, "Change password", "パスワード変更")                                  \
	X(M_CURRENT_PASSWORD, "Current password", "現在のパスワード")                              \
	X(M_NEW_PASSWORD, "New password", "新しいパスワード")                                      \
	X(M_PASSWORD_CHANGED, "Your password has been changed.", "パスワードを変更しました。")     \
	X(M_PASSWORD_FORCED, "You must set a new password before you continue.",                   \
	  "続行する前に新しいパスワードを設定してください。")                                      \
	X(M_CURRENT_WRONG, "The current password is incorrect.",                                   \
	  "現在のパスワードが正しくありません。")                                                  \
	X(M_FORGOT, "Forgot your password?", "パスワードをお忘れですか?")                          \
	X(M_RESET_TITLE, "Reset password", "パスワードの再設定")                                   \
	X(M_RESET_INTRO, "Enter your e-mail address and we will send you a link to set a new password.", \
	  "メールアドレスを入力してください。新しいパスワードを設定するリンクをお送りします。")    \
	X(M_RESET_SEND, "Send link", "リンクを送信")                                               \
	X(M_RESET_SENT,                                                                            \
	  "If the address belongs to an account, a link to reset the password is on its way.",     \
	  "アカウントが存在する場合、パスワード再設定のリンクを送信しました。")                    \
	X(M_RESET_INVALID_TITLE, "Link not valid", "リンクが無効です")                             \
	X(M_RESET_INVALID, "This password reset link is not valid or has expired. Request a new one.", \
	  "このパスワード再設定リンクは無効か期限切れです。もう一度リクエストしてください。")      \
	X(M_RESET_DONE, "Your password has been reset. You can sign in now.",                      \
	  "パスワードを再設定しました。ログインできます。")                                        \
	X(M_SAVE, "Save", "保存")                                                                  \
	X(M_LANG_SWITCH, "日本語", "English")

enum web_msg {
#define WEB_MSG_ENUM(id, en, ja) id,
	WEB_MESSAGES(WEB_MSG_ENUM)
#undef WEB_MSG_ENUM
	M__COUNT
};

/* The text of id in r's language. Never NULL. */
const char *web_t(const struct web_req *r, enum web_msg id);

/* Choose en or ja from an Accept-Language header (q-values honoured;
 * English when neither is acceptable or the header is absent). */
enum web_lang web_lang_from_header(const char *accept_language);

#endif
