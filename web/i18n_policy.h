/*
 * The policy tab's words: its sections, fields, choices and errors (web/admin_policy.c).
 * Part of the catalogue of web/i18n.h, which includes it.
 */
#ifndef WEB_I18N_POLICY_H
#define WEB_I18N_POLICY_H

#define WEB_MESSAGES_POLICY(X)                                                                               \
	X(M_ADM_POL_PASSWORD, "Passwords", "パスワード")                                                     \
	X(M_ADM_POL_MIN_LENGTH, "Minimum length (8–64 characters)", "最小文字数 (8〜64)")                    \
	X(M_ADM_POL_MAX_LENGTH, "Maximum length (up to 128 characters)", "最大文字数 (128 以下)")            \
	X(M_ADM_POL_REQ_UPPER, "Require an upper-case letter (A-Z)",                                         \
	  "英大文字 (A-Z) を必須にする")                                                                     \
	X(M_ADM_POL_REQ_LOWER, "Require a lower-case letter (a-z)", "英小文字 (a-z) を必須にする")           \
	X(M_ADM_POL_REQ_DIGIT, "Require a digit (0-9)", "数字 (0-9) を必須にする")                           \
	X(M_ADM_POL_REQ_SYMBOL, "Require a symbol", "記号を必須にする")                                      \
	X(M_ADM_POL_MIN_CLASSES,                                                                             \
	  "At least this many of upper-case, lower-case, digit, symbol (0–4)",                               \
	  "英大文字・英小文字・数字・記号のうち必要な種類数 (0〜4)")                                         \
	X(M_ADM_POL_HISTORY, "Previous passwords that cannot be reused (0–24)",                              \
	  "再利用を禁止する過去のパスワード数 (0〜24)")                                                      \
	X(M_ADM_POL_EXPIRY, "Expiry in days (0 = never, up to 999)",                                         \
	  "有効期限の日数 (0 = 無期限、999 以下)")                                                           \
	X(M_ADM_POL_FIRST_LOGIN,                                                                             \
	  "Users must replace an administrator-set password at their first sign-in",                         \
	  "管理者が設定したパスワードは初回ログイン時に変更させる")                                          \
	X(M_ADM_POL_MIN_SCORE,                                                                               \
	  "Minimum strength, 0-4 (0 = no check; 1, 2, 3, 4 = at least 10^3, 10^6, 10^8, 10^10 "              \
	  "guesses to find it)",                                                                             \
	  "パスワードの最低強度 0〜4 (0 = 検査しない、1〜4 = 推測に必要な回数が " \
	  "10^3・10^6・10^8・10^10 回以上)")                                                                 \
	X(M_ADM_POL_LOCKOUT, "Account lockout", "アカウントロック")                                          \
	X(M_ADM_POL_MAX_FAILURES,                                                                            \
	  "Consecutive failed sign-ins before the account locks (0 = never lock, up to 100)",                \
	  "アカウントをロックするまでの連続失敗回数 (0 = ロックしない、100 以下)")                           \
	X(M_ADM_POL_UNLOCK_AFTER,                                                                            \
	  "Unlock automatically after this many seconds (0 = only an administrator unlocks)",                \
	  "自動でロックを解除するまでの秒数 (0 = 管理者のみ解除可能)")                                       \
	X(M_ADM_POL_SESSION, "Sessions", "セッション")                                                       \
	X(M_ADM_POL_IDLE, "Idle timeout in seconds (60 – 2592000)",                                          \
	  "無操作タイムアウトの秒数 (60〜2592000)")                                                          \
	X(M_ADM_POL_ABSOLUTE,                                                                                \
	  "Absolute timeout in seconds (at least the idle timeout, up to 31536000)",                         \
	  "最大セッション時間の秒数 (無操作タイムアウト以上、31536000 以下)")                                \
	X(M_ADM_POL_CONCURRENT, "Concurrent sessions", "同時ログイン")                                       \
	X(M_ADM_POL_CONC_ALLOW, "Allow", "許可する")                                                         \
	X(M_ADM_POL_CONC_DENY, "Refuse a new sign-in while a session is active",                             \
	  "ログイン中は新しいログインを拒否する")                                                            \
	X(M_ADM_POL_CONC_END, "End the older session", "古いセッションを終了する")                           \
	X(M_ADM_POL_MFA, "Multi-factor authentication", "多要素認証")                                        \
	X(M_ADM_POL_MFA_REQUIRE, "Second factor required for", "二要素目を必須にする対象")                   \
	X(M_ADM_POL_MFA_OFF, "Nobody", "なし")                                                               \
	X(M_ADM_POL_MFA_ADMINS, "Administrators", "管理者のみ")                                              \
	X(M_ADM_POL_MFA_ALL, "Everyone", "全員")                                                             \
	X(M_ADM_POL_CERT, "Client certificates", "クライアント証明書")                                       \
	X(M_ADM_POL_CERT_OFF, "Not used", "使用しない")                                                      \
	X(M_ADM_POL_CERT_REQUIRED, "Required for every browser", "すべてのブラウザで必須")                   \
	X(M_ADM_POL_CERT_FACTOR, "Counts as the second factor", "二要素目として扱う")                        \
	X(M_ADM_POL_IP, "IP address restrictions", "IP アドレス制限")                                        \
	X(M_ADM_POL_IP_ALLOW,                                                                                \
	  "Addresses allowed for everyone (one CIDR per line; empty = any address)",                         \
	  "全員に許可するアドレス (1 行に 1 つの CIDR、空欄 = すべて許可)")                                  \
	X(M_ADM_POL_IP_ADMIN,                                                                                \
	  "Addresses allowed for administrators (one CIDR per line; empty = any address)",                   \
	  "管理者に許可するアドレス (1 行に 1 つの CIDR、空欄 = すべて許可)")                                \
	X(M_ADM_POL_YOUR_IP,                                                                                 \
	  "Your current address is {0}. Keep it allowed, or you will lock yourself out.",                    \
	  "現在のアドレスは {0} です。許可しておかないと、ご自身もアクセスできなくなります。")               \
	X(M_ADM_POL_RETENTION, "Retention in days (1–3650)", "保存期間の日数 (1〜3650)")                     \
	X(M_ADM_POL_TIMEZONE, "Time zone for display (IANA name, e.g. Asia/Tokyo)",                          \
	  "表示に使うタイムゾーン (IANA 名。例: Asia/Tokyo)")                                                \
	X(M_ADM_POL_INVALID, "Please correct this setting: {0}",                                             \
	  "次の設定を修正してください: {0}")                                                                 \
	X(M_ADM_POL_NUMBER, "Enter a whole number using the digits 0-9.",                                    \
	  "半角数字の整数で入力してください。")                                                              \
	X(M_ADM_POL_ENTRY, "The entry “{0}” is not a valid address range.",                                  \
	  "「{0}」は正しいアドレス範囲ではありません。")                                                     \
	X(M_ADM_POL_CURRENT, "Current policy document (JSON)", "現在のポリシー (JSON)")

#endif
