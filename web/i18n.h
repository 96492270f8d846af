/*
 * The message catalogue: every user-visible string in English and Japanese,
 * chosen per request from Accept-Language.  Keys are an enum so a missing
 * translation is a compile error, not a blank on the page.
 */
#ifndef WEB_I18N_H
#define WEB_I18N_H

#include "web/web.h"

#include "web/i18n_apps.h"
#include "web/i18n_audit.h"
#include "web/i18n_console.h"
#include "web/i18n_mfa.h"
#include "web/i18n_pages.h"
#include "web/i18n_policy.h"
#include "web/i18n_saml_console.h"
#include "web/i18n_sso.h"

#define WEB_MESSAGES_CORE(X)                                                                                                                  \
	X(M_PRODUCT, "Sekisho", "関所 Sekisho")                                                                                               \
	X(M_LOGIN_TITLE, "Sign in", "ログイン")                                                                                               \
	X(M_EMAIL, "E-mail address", "メールアドレス")                                                                                        \
	X(M_PASSWORD, "Password", "パスワード")                                                                                               \
	X(M_PASSWORD2, "Confirm password", "パスワード (確認)")                                                                               \
	X(M_NAME, "Display name", "表示名")                                                                                                   \
	X(M_SIGN_IN, "Sign in", "ログイン")                                                                                                   \
	X(M_SIGN_OUT, "Sign out", "ログアウト")                                                                                               \
	X(M_LOGIN_FAILED, "The e-mail address or password is incorrect.",                                                                     \
	  "メールアドレスまたはパスワードが正しくありません。")                                                                               \
	X(M_LOGIN_RATE, "Too many attempts from your address. Please wait a few minutes.",                                                    \
	  "このアドレスからの試行が多すぎます。数分待ってから再度お試しください。")                                                           \
	X(M_LOGIN_CONCURRENT, "You are already signed in elsewhere. Sign out there first.",                                                   \
	  "別の場所ですでにログインしています。先にそちらからログアウトしてください。")                                                       \
	X(M_PW_CHANGED_MEANWHILE,                                                                                                             \
	  "Your password was changed by another request at the same time. Nothing was changed by "                                            \
	  "this one.",                                                                                                                        \
	  "同時に別のリクエストでパスワードが変更されました。このリクエストでは何も変更していませ" \
	  "ん。")                                                                                                                             \
	X(M_SESSION_ENDED_TITLE, "Session ended", "セッションが終了しました")                                                                 \
	X(M_SESSION_ENDED,                                                                                                                    \
	  "Your session ended while this request was being handled, so nothing was changed. "                                                 \
	  "Please sign in again.",                                                                                                            \
	  "このリクエストの処理中にセッションが終了したため、何も変更していません。もう一度ログイ" \
	  "ンしてください。")                                                                                                                 \
	X(M_IP_DENIED_TITLE, "Access denied", "アクセスが拒否されました")                                                                     \
	X(M_IP_DENIED, "Access from your address is not allowed by your organisation's policy: ",                                             \
	  "組織のポリシーにより、このアドレスからのアクセスは許可されていません: ")                                                           \
	X(M_NOT_FOUND_TITLE, "Not found", "見つかりません")                                                                                   \
	X(M_NOT_FOUND, "The page you asked for does not exist.", "お探しのページは存在しません。")                                            \
	X(M_BAD_REQUEST_TITLE, "Bad request", "不正なリクエスト")                                                                             \
	X(M_BAD_REQUEST, "The request could not be understood. Please go back and try again.",                                                \
	  "リクエストを処理できませんでした。戻ってもう一度お試しください。")                                                                 \
	X(M_TOO_LARGE_TITLE, "Request too large", "リクエストが大きすぎます")                                                                 \
	X(M_TOO_LARGE, "The request is larger than this service accepts.",                                                                    \
	  "リクエストが許容される大きさを超えています。")                                                                                     \
	X(M_CSRF_TITLE, "Form expired", "フォームの有効期限切れ")                                                                             \
	X(M_CSRF,                                                                                                                             \
	  "This form has expired or was not sent from this site. Please reload and try again.",                                               \
	  "フォームの有効期限が切れたか、このサイトから送信されていません。再読み込みしてください" \
	  "。")                                                                                                                               \
	X(M_UNAVAILABLE_TITLE, "Temporarily unavailable", "一時的に利用できません")                                                           \
	X(M_UNAVAILABLE, "The service is temporarily unavailable. Please try again shortly.",                                                 \
	  "サービスが一時的に利用できません。しばらくしてから再度お試しください。")                                                           \
	X(M_FORBIDDEN_TITLE, "Forbidden", "権限がありません")                                                                                 \
	X(M_FORBIDDEN, "You do not have permission to do this.",                                                                              \
	  "この操作を行う権限がありません。")                                                                                                 \
	X(M_INVITE_TITLE, "Activate your account", "アカウントの有効化")                                                                      \
	X(M_INVITE_INTRO, "Choose your display name and password to activate the account for ",                                               \
	  "表示名とパスワードを設定して、次のアカウントを有効にしてください: ")                                                               \
	X(M_INVITE_SUBMIT, "Activate account", "アカウントを有効にする")                                                                      \
	X(M_INVITE_INVALID_TITLE, "Invitation not valid", "招待が無効です")                                                                   \
	X(M_INVITE_INVALID,                                                                                                                   \
	  "This invitation link is not valid: it may have been used already, expired or been "                                                \
	  "revoked. Ask your administrator for a new invitation.",                                                                            \
	  "この招待リンクは無効です。使用済み、期限切れ、または取り消された可能性があります。"       \
	  "管理者に新しい招待を依頼してください。")                                                                                           \
	X(M_NAME_INVALID, "Enter a display name of 1 to 100 characters.",                                                                     \
	  "表示名は 1〜100 文字で入力してください。")                                                                                         \
	X(M_PW_RULES_FAILED,                                                                                                                  \
	  "The password does not meet these rules:", "パスワードが次の条件を満たしていません:")                                               \
	X(M_PW_TOO_SHORT, "at least %d characters", "%d 文字以上")                                                                            \
	X(M_PW_TOO_LONG, "at most %d characters", "%d 文字以下")                                                                              \
	X(M_PW_NEED_UPPER, "an upper-case letter (A-Z)", "英大文字 (A-Z) を含む")                                                             \
	X(M_PW_NEED_LOWER, "a lower-case letter (a-z)", "英小文字 (a-z) を含む")                                                              \
	X(M_PW_NEED_DIGIT, "a digit (0-9)", "数字 (0-9) を含む")                                                                              \
	X(M_PW_NEED_SYMBOL, "a symbol", "記号を含む")                                                                                         \
	X(M_PW_FEW_CLASSES, "at least %d of: upper-case, lower-case, digit, symbol",                                                          \
	  "英大文字・英小文字・数字・記号のうち %d 種類以上")                                                                                 \
	X(M_PW_HAS_EMAIL, "must not contain your e-mail address", "メールアドレスを含まない")                                                 \
	X(M_PW_BLOCKLISTED, "must not be a commonly used password",                                                                           \
	  "よく使われるパスワードではない")                                                                                                   \
	X(M_PW_REUSED, "must not be one of your last %d passwords",                                                                           \
	  "直近 %d 回に使用したパスワードではない")                                                                                           \
	X(M_PW_SAME_AS_CURRENT, "must differ from your current password",                                                                     \
	  "現在のパスワードと異なる")                                                                                                         \
	X(M_PW_MISMATCH, "both entries must be the same", "確認用と一致する")                                                                 \
	X(M_PW_BAD_UTF8, "must be valid text", "有効な文字列である")                                                                          \
	X(M_PW_GUESSABLE, "must not be too easy to guess", "推測されやすいパスワードではない")                                                \
	X(M_PW_HINT_COMMON, "it is, or contains, a common password or word",                                                                  \
	  "よく使われるパスワードや単語を含んでいます")                                                                                       \
	X(M_PW_HINT_KEYBOARD, "it follows a keyboard pattern (qwerty, asdf, ...)",                                                            \
	  "キーボードの並び (qwerty など) になっています")                                                                                    \
	X(M_PW_HINT_DATE, "it contains a date or a year", "日付や年を含んでいます")                                                           \
	X(M_PW_HINT_REPEAT, "it repeats characters or follows a sequence (aaa, abc, 123)",                                                    \
	  "同じ文字の繰り返しや連続 (aaa、abc、123 など) を含んでいます")                                                                     \
	X(M_PW_HINT_PERSONAL,                                                                                                                 \
	  "it contains your name, your e-mail address or your organisation's name",                                                           \
	  "あなたの名前、メールアドレス、組織名を含んでいます")                                                                               \
	X(M_HOME_TITLE, "My account", "マイアカウント")                                                                                       \
	X(M_WELCOME, "Signed in as", "ログイン中:")                                                                                           \
	X(M_ROLE, "Role", "ロール")                                                                                                           \
	X(M_ROLE_ADMIN, "Administrator", "管理者")                                                                                            \
	X(M_ROLE_USER, "User", "ユーザー")                                                                                                    \
	X(M_SESSIONS, "My sessions", "ログイン中のセッション")                                                                                \
	X(M_SESSION_STARTED, "Started", "開始")                                                                                               \
	X(M_SESSION_LAST, "Last activity", "最終操作")                                                                                        \
	X(M_SESSION_IP, "IP address", "IP アドレス")                                                                                          \
	X(M_SESSION_UA, "Browser", "ブラウザ")                                                                                                \
	X(M_SESSION_END, "End", "終了")                                                                                                       \
	X(M_SESSION_THIS, "this session", "このセッション")                                                                                   \
	X(M_ADMIN_CONSOLE, "Administrator console", "管理コンソール")                                                                         \
	X(M_LOGGED_OUT, "You have signed out.", "ログアウトしました。")                                                                       \
	X(M_SESSION_EXPIRED, "Your session has ended. Please sign in again.",                                                                 \
	  "セッションが終了しました。もう一度ログインしてください。")                                                                         \
	X(M_CHANGE_PASSWORD, "Change password", "パスワード変更")                                                                             \
	X(M_CURRENT_PASSWORD, "Current password", "現在のパスワード")                                                                         \
	X(M_NEW_PASSWORD, "New password", "新しいパスワード")                                                                                 \
	X(M_PASSWORD_CHANGED, "Your password has been changed.", "パスワードを変更しました。")                                                \
	X(M_PASSWORD_FORCED, "You must set a new password before you continue.",                                                              \
	  "続行する前に新しいパスワードを設定してください。")                                                                                 \
	X(M_CURRENT_WRONG, "The current password is incorrect.",                                                                              \
	  "現在のパスワードが正しくありません。")                                                                                             \
	X(M_FORGOT, "Forgot your password?", "パスワードをお忘れですか?")                                                                     \
	X(M_RESET_TITLE, "Reset password", "パスワードの再設定")                                                                              \
	X(M_RESET_INTRO,                                                                                                                      \
	  "Enter your e-mail address and we will send you a link to set a new password.",                                                     \
	  "メールアドレスを入力してください。新しいパスワードを設定するリンクをお送りします。")                                               \
	X(M_RESET_SEND, "Send link", "リンクを送信")                                                                                          \
	X(M_RESET_SENT,                                                                                                                       \
	  "If the address belongs to an account, a link to reset the password is on its way.",                                                \
	  "アカウントが存在する場合、パスワード再設定のリンクを送信しました。")                                                               \
	X(M_RESET_INVALID_TITLE, "Link not valid", "リンクが無効です")                                                                        \
	X(M_RESET_INVALID,                                                                                                                    \
	  "This password reset link is not valid or has expired. Request a new one.",                                                         \
	  "このパスワード再設定リンクは無効か期限切れです。もう一度リクエストしてください。")                                                 \
	X(M_RESET_DONE, "Your password has been reset. You can sign in now.",                                                                 \
	  "パスワードを再設定しました。ログインできます。")                                                                                   \
	X(M_SAVE, "Save", "保存")                                                                                                             \
	X(M_ADM_OVERVIEW, "Overview", "概要")                                                                                                 \
	X(M_ADM_USERS, "Users", "ユーザー")                                                                                                   \
	X(M_ADM_INVITATIONS, "Invitations", "招待")                                                                                           \
	X(M_ADM_POLICY, "Policy", "ポリシー")                                                                                                 \
	X(M_ADM_AUDIT, "Audit log", "監査ログ")                                                                                               \
	X(M_ADM_SEARCH, "Search by e-mail address or name", "メールアドレスまたは表示名で検索")                                               \
	X(M_ADM_SEARCH_BUTTON, "Search", "検索")                                                                                              \
	X(M_ADM_STATUS, "Status", "状態")                                                                                                     \
	X(M_ADM_LAST_LOGIN, "Last sign-in", "最終ログイン")                                                                                   \
	X(M_ADM_ACTIONS, "Actions", "操作")                                                                                                   \
	X(M_ADM_ST_ACTIVE, "Active", "有効")                                                                                                  \
	X(M_ADM_ST_INVITED, "Invited", "招待中")                                                                                              \
	X(M_ADM_ST_SUSPENDED, "Suspended", "利用停止中")                                                                                      \
	X(M_ADM_ST_LOCKED, "Locked", "ロック中")                                                                                              \
	X(M_ADM_SUSPEND, "Suspend", "利用停止")                                                                                               \
	X(M_ADM_RESUME, "Resume", "利用再開")                                                                                                 \
	X(M_ADM_UNLOCK, "Unlock", "ロック解除")                                                                                               \
	X(M_ADM_FORCE_LOGOUT, "Force sign-out", "強制ログアウト")                                                                             \
	X(M_ADM_DELETE, "Delete", "削除")                                                                                                     \
	X(M_ADM_SET_PASSWORD, "Set temporary password", "仮パスワードを設定")                                                                 \
	X(M_ADM_SET, "Set", "設定")                                                                                                           \
	X(M_ADM_YOU, "you", "あなた")                                                                                                         \
	X(M_ADM_NO_USERS, "No users match.", "該当するユーザーはいません。")                                                                  \
	X(M_ADM_PAGE, "Page {0}", "{0} ページ目")                                                                                             \
	X(M_ADM_PREV, "Previous", "前へ")                                                                                                     \
	X(M_ADM_NEXT, "Next", "次へ")                                                                                                         \
	X(M_ADM_INVITE, "Invite a user", "ユーザーを招待")                                                                                    \
	X(M_ADM_INVITE_SEND, "Send invitation", "招待を送信")                                                                                 \
	X(M_ADM_DONE_SUSPENDED, "{0} has been suspended and signed out everywhere.",                                                          \
	  "{0} を利用停止にし、すべてのセッションを終了しました。")                                                                           \
	X(M_ADM_DONE_RESUMED, "{0} can sign in again.", "{0} の利用を再開しました。")                                                         \
	X(M_ADM_DONE_UNLOCKED, "{0} has been unlocked.", "{0} のロックを解除しました。")                                                      \
	X(M_ADM_DONE_LOGOUT, "All sessions of {0} have ended.",                                                                               \
	  "{0} のセッションをすべて終了しました。")                                                                                           \
	X(M_ADM_DONE_DELETED, "{0} has been deleted.", "{0} を削除しました。")                                                                \
	X(M_ADM_DONE_PASSWORD,                                                                                                                \
	  "A temporary password has been set for {0}; their sessions have ended.",                                                            \
	  "{0} に仮パスワードを設定し、セッションを終了しました。")                                                                           \
	X(M_ADM_DONE_PASSWORD_FORCED, "They must choose a new password at their next sign-in.",                                               \
	  "次回ログイン時に新しいパスワードの設定が必要です。")                                                                               \
	X(M_ADM_DONE_INVITED, "An invitation has been sent to {0}.", "{0} に招待を送信しました。")                                            \
	X(M_ADM_DONE_RESENT,                                                                                                                  \
	  "The invitation to {0} has been sent again; earlier links no longer work.",                                                         \
	  "{0} に招待を再送信しました。以前のリンクは無効になりました。")                                                                     \
	X(M_ADM_VALID_UNTIL, "Valid until {0}.", "有効期限: {0}")                                                                             \
	X(M_ADM_DONE_REVOKED, "The invitation has been revoked.", "招待を取り消しました。")                                                   \
	X(M_ADM_DONE_POLICY, "The policy has been saved and applies from now on.",                                                            \
	  "ポリシーを保存しました。ただちに適用されます。")                                                                                   \
	X(M_ADM_ERR_LAST_ADMIN,                                                                                                               \
	  "{0} is the last active administrator and cannot be suspended, deleted or made a user. "                                            \
	  "Make another user an administrator first.",                                                                                        \
	  "{0} "                                                                                                                              \
	  "は最後の有効な管理者のため、利用停止・削除・一般ユーザーへの変更はできません。先に別の" \
	  "ユーザーを管理者にしてください。")                                                                                                 \
	X(M_ADM_ERR_STATE,                                                                                                                    \
	  "This action does not apply to {0} in its current state. The list below shows the "                                                 \
	  "current state.",                                                                                                                   \
	  "現在の状態の {0} にはこの操作を行えません。最新の状態は下の一覧をご確認ください。")                                                \
	X(M_ADM_ERR_EXISTS, "{0} already has an account.",                                                                                    \
	  "{0} はすでにアカウントを持っています。")                                                                                           \
	X(M_ADM_ERR_EMAIL, "Enter a valid e-mail address and role.",                                                                          \
	  "有効なメールアドレスとロールを入力してください。")                                                                                 \
	X(M_ADM_INVITED_BY, "Invited by", "招待者")                                                                                           \
	X(M_ADM_CREATED, "Created", "作成日時")                                                                                               \
	X(M_ADM_EXPIRES, "Expires", "有効期限")                                                                                               \
	X(M_ADM_RESEND, "Re-send", "再送信")                                                                                                  \
	X(M_ADM_REVOKE, "Revoke", "取り消し")                                                                                                 \
	X(M_ADM_NO_INVITATIONS, "There are no open invitations.", "未使用の招待はありません。")                                               \
	X(M_LANG_SWITCH, "日本語", "English")

#define WEB_MESSAGES(X)                                                                            \
	WEB_MESSAGES_CORE(X)                                                                       \
	WEB_MESSAGES_CONSOLE(X)                                                                    \
	WEB_MESSAGES_POLICY(X)                                                                     \
	WEB_MESSAGES_AUDIT(X)                                                                      \
	WEB_MESSAGES_PAGES(X)                                                                      \
	WEB_MESSAGES_MFA(X) WEB_MESSAGES_APPS(X) WEB_MESSAGES_SSO(X) WEB_MESSAGES_SAML_CONSOLE(X)

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
