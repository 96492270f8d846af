/*
 * The policy tab's words: its sections, fields, the notes under them, choices,
 * special values, units and errors (web/admin_policy.c, and the audit log
 * through web_policy_label / web_policy_value).
 * Part of the catalogue of web/i18n.h, which includes it.
 */
#ifndef WEB_I18N_POLICY_H
#define WEB_I18N_POLICY_H

#define WEB_MESSAGES_POLICY(X)                                                                     \
	X(M_ADM_POL_PASSWORD, "Passwords", "パスワード")                                           \
	X(M_ADM_POL_MIN_LENGTH, "Minimum length", "最小文字数")                                    \
	X(M_ADM_POL_MAX_LENGTH, "Maximum length", "最大文字数")                                    \
	X(M_ADM_POL_MAX_LENGTH_NOTE, "Not less than the minimum length.",                          \
	  "最小文字数以上にしてください。")                                                        \
	X(M_ADM_POL_REQ_UPPER, "Require an upper-case letter (A-Z)",                               \
	  "英大文字 (A-Z) を必須にする")                                                           \
	X(M_ADM_POL_REQ_LOWER, "Require a lower-case letter (a-z)", "英小文字 (a-z) を必須にする") \
	X(M_ADM_POL_REQ_DIGIT, "Require a digit (0-9)", "数字 (0-9) を必須にする")                 \
	X(M_ADM_POL_REQ_SYMBOL, "Require a symbol", "記号を必須にする")                            \
	X(M_ADM_POL_MIN_CLASSES, "Kinds of characters to mix", "組み合わせる文字の種類数")         \
	X(M_ADM_POL_MIN_CLASSES_NOTE,                                                              \
	  "How many of upper-case, lower-case, digit and symbol a password must contain.",         \
	  "英大文字・英小文字・数字・記号のうち、何種類を含める必要があるか。")                    \
	X(M_ADM_POL_HISTORY, "Password history", "パスワード履歴")                                 \
	X(M_ADM_POL_HISTORY_NOTE, "How many previous passwords cannot be reused.",                 \
	  "再利用を禁止する過去のパスワードの数。")                                                \
	X(M_ADM_POL_EXPIRY, "Password expiry", "パスワードの有効期限")                             \
	X(M_ADM_POL_EXPIRY_NOTE, "0 = passwords never expire.", "0 = 無期限。")                    \
	X(M_ADM_POL_FIRST_LOGIN,                                                                   \
	  "Users must replace an administrator-set password at their first sign-in",               \
	  "管理者が設定したパスワードは初回ログイン時に変更させる")                                \
	X(M_ADM_POL_MIN_SCORE, "Minimum strength", "パスワードの最低強度")                         \
	X(M_ADM_POL_MIN_SCORE_NOTE,                                                                \
	  "0 = no check; 1, 2, 3, 4 = at least 10^3, 10^6, 10^8, 10^10 guesses to find it.",       \
	  "0 = 検査しない、1〜4 = 推測に必要な回数が 10^3・10^6・10^8・10^10 回以上。")            \
	X(M_ADM_POL_LOCKOUT, "Account lockout", "アカウントロック")                                \
	X(M_ADM_POL_MAX_FAILURES, "Failed sign-ins before the account locks",                      \
	  "ロックまでの連続失敗回数")                                                              \
	X(M_ADM_POL_MAX_FAILURES_NOTE, "Consecutive failures; 0 = never lock.",                    \
	  "連続した失敗の回数。0 = ロックしない。")                                                \
	X(M_ADM_POL_UNLOCK_AFTER, "Unlock automatically after",                                    \
	  "自動でロックを解除するまでの時間")                                                      \
	X(M_ADM_POL_UNLOCK_AFTER_NOTE, "0 = only an administrator unlocks.",                       \
	  "0 = 管理者のみ解除できる。")                                                            \
	X(M_ADM_POL_SESSION, "Sessions", "セッション")                                             \
	X(M_ADM_POL_IDLE, "Idle timeout", "無操作タイムアウト")                                    \
	X(M_ADM_POL_IDLE_NOTE, "A session with no activity for this long ends.",                   \
	  "この時間操作がないとセッションを終了します。")                                          \
	X(M_ADM_POL_ABSOLUTE, "Maximum session length", "最大セッション時間")                      \
	X(M_ADM_POL_ABSOLUTE_NOTE, "Not shorter than the idle timeout.",                           \
	  "無操作タイムアウト以上にしてください。")                                                \
	X(M_ADM_POL_CONCURRENT, "Concurrent sessions", "同時ログイン")                             \
	X(M_ADM_POL_CONC_ALLOW, "Allow", "許可する")                                               \
	X(M_ADM_POL_CONC_DENY, "Refuse a new sign-in while a session is active",                   \
	  "ログイン中は新しいログインを拒否する")                                                  \
	X(M_ADM_POL_CONC_END, "End the older session", "古いセッションを終了する")                 \
	X(M_ADM_POL_MFA, "Multi-factor authentication", "多要素認証")                              \
	X(M_ADM_POL_MFA_REQUIRE, "Second factor required for", "二要素目を必須にする対象")         \
	X(M_ADM_POL_MFA_OFF, "Nobody", "なし")                                                     \
	X(M_ADM_POL_MFA_ADMINS, "Administrators", "管理者のみ")                                    \
	X(M_ADM_POL_MFA_ALL, "Everyone", "全員")                                                   \
	X(M_ADM_POL_CERT, "Client certificates", "クライアント証明書")                             \
	X(M_ADM_POL_SAML, "SAML", "SAML")                                                          \
	X(M_ADM_POL_SAML_SIGNED, "Require signed authentication requests",                         \
	  "認証リクエストの署名を必須にする")                                                      \
	X(M_ADM_POL_SAML_SIGNED_NOTE,                                                              \
	  "Service providers that do not sign their requests are then refused.",                   \
	  "署名のないリクエストを送るサービスプロバイダーは拒否されます。")                        \
	X(M_ADM_POL_CERT_OFF, "Not used", "使用しない")                                            \
	X(M_ADM_POL_CERT_REQUIRED, "Required for every browser", "すべてのブラウザで必須")         \
	X(M_ADM_POL_CERT_FACTOR, "Counts as the second factor", "二要素目として扱う")              \
	X(M_ADM_POL_IP, "IP address restrictions", "IP アドレス制限")                              \
	X(M_ADM_POL_IP_ALLOW, "Addresses allowed for everyone", "全員に許可するアドレス")          \
	X(M_ADM_POL_IP_ADMIN, "Addresses allowed for administrators", "管理者に許可するアドレス")  \
	X(M_ADM_POL_CIDR_NOTE, "One CIDR range per line; empty = any address.",                    \
	  "1 行に 1 つの CIDR。空欄 = すべてのアドレスを許可。")                                   \
	X(M_ADM_POL_YOUR_IP,                                                                       \
	  "Your current address is {0}. Keep it allowed, or you will lock yourself out.",          \
	  "現在のアドレスは {0} です。許可しておかないと、ご自身もアクセスできなくなります。")     \
	X(M_ADM_POL_RETENTION, "Audit log retention", "監査ログの保存期間")                        \
	X(M_ADM_POL_TIMEZONE, "Time zone for display", "表示に使うタイムゾーン")                   \
	X(M_ADM_POL_TIMEZONE_NOTE, "An IANA name such as Asia/Tokyo.",                             \
	  "IANA 名 (例: Asia/Tokyo)。")                                                            \
	X(M_ADM_POL_NEVER, "never", "無期限")                                                      \
	X(M_ADM_POL_NEVER_LOCK, "never lock", "ロックしない")                                      \
	X(M_ADM_POL_ADMIN_UNLOCKS, "never (an administrator unlocks)",                             \
	  "自動解除しない (管理者が解除)")                                                         \
	X(M_ADM_POL_NO_CHECK, "no check", "検査しない")                                            \
	X(M_ADM_POL_YES, "Yes", "はい")                                                            \
	X(M_ADM_POL_NO, "No", "いいえ")                                                            \
	X(M_ADM_POL_NONE, "none", "なし")                                                          \
	X(M_ADM_POL_V_SECONDS, "{0} s", "{0} 秒")                                                  \
	X(M_ADM_POL_V_MINUTES, "{0} min", "{0} 分")                                                \
	X(M_ADM_POL_V_HOURS, "{0} h", "{0} 時間")                                                  \
	X(M_ADM_POL_V_HOURS_MINUTES, "{0} h {1} min", "{0} 時間 {1} 分")                           \
	X(M_ADM_POL_V_DAY, "{0} day", "{0} 日")                                                    \
	X(M_ADM_POL_V_DAYS, "{0} days", "{0} 日")                                                  \
	X(M_ADM_POL_U_HOURS, "hours", "時間")                                                      \
	X(M_ADM_POL_U_MINUTES, "minutes", "分")                                                    \
	X(M_ADM_POL_U_SECONDS, "seconds", "秒")                                                    \
	X(M_ADM_POL_U_DAYS, "days", "日")                                                          \
	X(M_ADM_POL_SEP, " ", "") /* between two sentences */                                      \
	X(M_ADM_POL_RANGE, "Allowed: {0} to {1}.", "設定範囲: {0}〜{1}。")                         \
	X(M_ADM_POL_INVALID, "Please correct these settings:", "次の設定を修正してください:")      \
	X(M_ADM_POL_NUMBER, "Enter a whole number using the digits 0-9.",                          \
	  "半角数字の整数で入力してください。")                                                    \
	X(M_ADM_POL_ERR_RANGE, "Enter a value from {0} to {1}.",                                   \
	  "{0}〜{1} の範囲で入力してください。")                                                   \
	X(M_ADM_POL_ENTRY, "The entry “{0}” is not a valid address range.",                        \
	  "「{0}」は正しいアドレス範囲ではありません。")                                           \
	X(M_ADM_POL_ERR_TOO_MANY, "Enter at most {0} ranges.", "{0} 件以内で入力してください。")   \
	X(M_ADM_POL_ERR_VALUE, "This value is not accepted.", "この値は使用できません。")          \
	X(M_ADM_POL_API, "For automation, read and change this policy as JSON through the API:",   \
	  "自動化には、API でこのポリシーを JSON として読み書きできます:")

#endif
