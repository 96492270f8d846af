/*
 * The audit log's words: the filter form, the table, and the sentence for each action
 * (web/admin_audit.c, web/audit_text.c). Part of the catalogue of web/i18n.h, which includes it.
 *
 * In a sentence {0} is who acted (an e-mail address, an API token, the operator or Sekisho
 * itself) and {1} the event's target; the other placeholders are named beside each message.
 */
#ifndef WEB_I18N_AUDIT_H
#define WEB_I18N_AUDIT_H

#define WEB_MESSAGES_AUDIT(X)                                                                                                         \
	X(M_ADM_AUD_FROM, "From", "開始日時")                                                                                         \
	X(M_ADM_AUD_TO, "To", "終了日時")                                                                                             \
	X(M_ADM_AUD_ACTION, "Action", "アクション")                                                                                   \
	X(M_ADM_AUD_ACTOR, "Actor (e-mail address)", "実行者 (メールアドレス)")                                                       \
	X(M_ADM_AUD_ANY, "Any action", "すべてのアクション")                                                                          \
	X(M_ADM_AUD_GROUP_ALL, "{0}: all", "{0}: すべて")                                                                             \
	X(M_ADM_AUD_FILTER, "Apply filters", "絞り込む")                                                                              \
	X(M_ADM_AUD_CLEAR, "Clear filters", "条件をクリア")                                                                           \
	X(M_ADM_AUD_EXPORT, "Export CSV", "CSV をエクスポート")                                                                       \
	X(M_ADM_AUD_TIME, "Time", "日時")                                                                                             \
	X(M_ADM_AUD_EVENT, "Event", "イベント")                                                                                       \
	X(M_ADM_AUD_SOURCE, "Source IP", "送信元 IP")                                                                                 \
	X(M_ADM_AUD_RESULT, "Result", "結果")                                                                                         \
	X(M_ADM_AUD_DETAIL, "Details", "詳細")                                                                                        \
	X(M_ADM_AUD_RAW, "Raw data", "元データ")                                                                                      \
	X(M_ADM_AUD_SUCCESS, "Success", "成功")                                                                                       \
	X(M_ADM_AUD_FAILURE, "Failure", "失敗")                                                                                       \
	X(M_ADM_AUD_RANGE_ONE, "Showing {0}–{1} of {2} event", "全 {2} 件中 {0}〜{1} 件を表示")                                       \
	X(M_ADM_AUD_RANGE, "Showing {0}–{1} of {2} events", "全 {2} 件中 {0}〜{1} 件を表示")                                          \
	X(M_ADM_AUD_NONE, "No events match these filters.",                                                                           \
	  "条件に一致するイベントはありません。")                                                                                     \
	X(M_ADM_AUD_TZ_HINT,                                                                                                          \
	  "Times are shown and entered in {0}. A date without a time covers the whole day; the "                                      \
	  "export contains up to 10,000 events.",                                                                                     \
	  "日時は {0} "                                                                                                            \
	  "で表示・指定します。時刻を省略した日付はその日全体が対象です。エクスポートは最大 " \
	  "10,000 件です。")                                                                                                          \
	X(M_ADM_AUD_BAD_TIME, "Enter the date as YYYY-MM-DD or YYYY-MM-DDTHH:MM.",                                                    \
	  "日付は YYYY-MM-DD または YYYY-MM-DDTHH:MM の形式で入力してください。")                                                     \
	/* the action filter's groups (dotted prefixes) and actions */                                                                \
	X(M_AUD_G_LOGIN, "Sign-in", "ログイン")                                                                                       \
	X(M_AUD_G_SESSION, "Sessions", "セッション")                                                                                  \
	X(M_AUD_G_USER, "Users", "ユーザー")                                                                                          \
	X(M_AUD_G_INVITATION, "Invitations", "招待")                                                                                  \
	X(M_AUD_G_PASSWORD, "Passwords", "パスワード")                                                                                \
	X(M_AUD_A_LOGIN_SUCCESS, "Signed in", "ログイン成功")                                                                         \
	X(M_AUD_A_LOGIN_FAILURE, "Sign-in failed", "ログイン失敗")                                                                    \
	X(M_AUD_A_LOGIN_LOCKED, "Account locked", "アカウントのロック")                                                               \
	X(M_AUD_A_LOGOUT, "Signed out", "ログアウト")                                                                                 \
	X(M_AUD_A_SESSION_ENDED, "Session ended", "セッション終了")                                                                   \
	X(M_AUD_A_FORCED_LOGOUT, "Signed out everywhere by an administrator",                                                         \
	  "管理者による強制ログアウト")                                                                                               \
	X(M_AUD_A_USER_INVITED, "User invited", "ユーザーの招待")                                                                     \
	X(M_AUD_A_USER_SUSPENDED, "User suspended", "利用停止")                                                                       \
	X(M_AUD_A_USER_RESUMED, "User resumed", "利用再開")                                                                           \
	X(M_AUD_A_USER_UNLOCKED, "User unlocked", "ロック解除")                                                                       \
	X(M_AUD_A_USER_DELETED, "User deleted", "ユーザーの削除")                                                                     \
	X(M_AUD_A_PASSWORD_SET, "Password set by an administrator", "管理者によるパスワード設定")                                     \
	X(M_AUD_A_ROLE_CHANGED, "Role changed", "ロールの変更")                                                                       \
	X(M_AUD_A_INVITATION_ACCEPTED, "Invitation accepted", "招待の受け入れ")                                                       \
	X(M_AUD_A_INVITATION_REVOKED, "Invitation revoked", "招待の取り消し")                                                         \
	X(M_AUD_A_PASSWORD_CHANGED, "Password changed", "パスワードの変更")                                                           \
	X(M_AUD_A_RESET_REQUESTED, "Password reset requested", "パスワード再設定の要求")                                              \
	X(M_AUD_A_PASSWORD_RESET, "Password reset", "パスワードの再設定")                                                             \
	X(M_AUD_A_POLICY_UPDATED, "Policy changed", "ポリシーの変更")                                                                 \
	X(M_AUD_A_DENIED_IP, "Access refused for its address", "アドレスによるアクセス拒否")                                          \
	X(M_AUD_A_TOKEN_CREATED, "API token created", "API トークンの作成")                                                           \
	X(M_AUD_A_TENANT_CREATED, "Tenant created", "テナントの作成")                                                                 \
	X(M_AUD_A_TENANT_TERMINATED, "Tenant terminated", "テナントの解約")                                                           \
	X(M_AUD_A_TENANT_RESTORED, "Tenant restored", "テナントの復元")                                                               \
	X(M_AUD_A_AUDIT_PRUNED, "Old events removed", "古いイベントの削除")                                                           \
	/* who acted, when it is not a user ({0}: the token's name) */                                                                \
	X(M_AUD_ACTOR_TOKEN, "API token “{0}”", "API トークン「{0}」")                                                                \
	X(M_AUD_ACTOR_OPERATOR, "The operator (command line)", "運用者 (コマンドライン)")                                             \
	X(M_AUD_ACTOR_SYSTEM, "Sekisho (automatic)", "Sekisho (自動処理)")                                                            \
	/* a day ({0} year, {1} month, {2} day) and its time ({0} HH:MM, {1} offset) */                                               \
	X(M_AUD_DAY, "{2} {1} {0}", "{0}年{1}{2}日")                                                                                  \
	X(M_AUD_HOUR, "{0} ({1})", "{0} ({1})")                                                                                       \
	X(M_AUD_MONTHS, "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",                                                            \
	  "1月 2月 3月 4月 5月 6月 7月 8月 9月 10月 11月 12月")                                                                       \
	X(M_AUD_N_SESSION, "{0} session", "{0} 件")                                                                                   \
	X(M_AUD_N_SESSIONS, "{0} sessions", "{0} 件")                                                                                 \
	X(M_AUD_N_EVENT, "{0} event", "{0} 件")                                                                                       \
	X(M_AUD_N_EVENTS, "{0} events", "{0} 件")                                                                                     \
	X(M_AUD_N_DAY, "{0} day", "{0} 日")                                                                                           \
	X(M_AUD_N_DAYS, "{0} days", "{0} 日")                                                                                         \
	/* sentences */                                                                                                               \
	X(M_AUD_S_LOGIN_PASSWORD, "{1} signed in with their password",                                                                \
	  "{1} がパスワードでログインしました")                                                                                       \
	X(M_AUD_S_LOGIN_REHASHED,                                                                                                     \
	  "{1} signed in with their password (its stored hash was renewed with the current "                                          \
	  "settings)",                                                                                                                \
	  "{1} がパスワードでログインしました (保存済みのハッシュを現在の設定で更新)")                                                \
	X(M_AUD_S_LOGIN_INVITATION, "{1} signed in on accepting their invitation",                                                    \
	  "{1} が招待の受け入れと同時にログインしました")                                                                             \
	X(M_AUD_S_LOGIN, "{1} signed in", "{1} がログインしました")                                                                   \
	/* {2}: the reason (M_AUD_R_...) */                                                                                           \
	X(M_AUD_S_LOGIN_FAILURE, "Sign-in as {1} failed: {2}",                                                                        \
	  "{1} のログインに失敗しました: {2}")                                                                                        \
	X(M_AUD_R_BAD_PASSWORD, "wrong password", "パスワードの誤り")                                                                 \
	X(M_AUD_R_UNKNOWN_USER, "there is no account with this address",                                                              \
	  "このアドレスのアカウントはありません")                                                                                     \
	X(M_AUD_R_MALFORMED, "not a valid e-mail address, or a password too long to be one",                                          \
	  "メールアドレスの形式が不正か、パスワードが長すぎます")                                                                     \
	X(M_AUD_R_NO_PASSWORD, "the account has no password yet",                                                                     \
	  "アカウントにパスワードが設定されていません")                                                                               \
	X(M_AUD_R_LOCKED, "the account is locked", "アカウントがロックされています")                                                  \
	X(M_AUD_R_SUSPENDED, "the account is suspended", "アカウントが利用停止中です")                                                \
	X(M_AUD_R_INVITED, "the invitation has not been accepted yet",                                                                \
	  "招待がまだ受け入れられていません")                                                                                         \
	X(M_AUD_R_CREDENTIAL_CHANGED, "the password was changed while the sign-in was checked",                                       \
	  "確認中にパスワードが変更されました")                                                                                       \
	X(M_AUD_R_CONCURRENT,                                                                                                         \
	  "already signed in elsewhere, and the policy refuses a second session",                                                     \
	  "別の場所でログイン中で、ポリシーにより同時ログインが拒否されました")                                                       \
	X(M_AUD_S_WRONG_CURRENT, "{1} gave a wrong current password when changing their password",                                    \
	  "{1} がパスワード変更時に現在のパスワードを誤って入力しました")                                                             \
	X(M_AUD_S_LOCKED, "{1} was locked after too many failed sign-ins",                                                            \
	  "{1} はログインの失敗が続いたためロックされました")                                                                         \
	X(M_AUD_S_LOGOUT, "{1} signed out", "{1} がログアウトしました")                                                               \
	/* {2}: the session's number */                                                                                               \
	X(M_AUD_S_SESSION_OWN, "{0} ended their session #{2}",                                                                        \
	  "{0} が自分のセッション #{2} を終了しました")                                                                               \
	X(M_AUD_S_SESSION_OTHER, "{0} ended session #{2} of {1}",                                                                     \
	  "{0} が {1} のセッション #{2} を終了しました")                                                                              \
	X(M_AUD_S_SESSION_RELOGIN,                                                                                                    \
	  "Session #{2} of {1} ended: a new sign-in by {0} in the same browser replaced it",                                          \
	  "{1} のセッション #{2} は、同じブラウザでの {0} の新たなログインにより終了しました")                                        \
	/* {2}: how many sessions (M_AUD_N_SESSION[S]) */                                                                             \
	X(M_AUD_S_FORCED_LOGOUT, "{0} signed {1} out everywhere ({2} ended)",                                                         \
	  "{0} が {1} を強制ログアウトしました (終了したセッション: {2})")                                                            \
	/* {2}: the role, {3}: when the invitation expires */                                                                         \
	X(M_AUD_S_INVITED, "{0} invited {1} as {2}, valid until {3}",                                                                 \
	  "{0} が {1} を招待しました (ロール: {2}、有効期限: {3})")                                                                   \
	X(M_AUD_S_SUSPENDED, "{0} suspended {1}", "{0} が {1} を利用停止にしました")                                                  \
	X(M_AUD_S_SUSPENDED_N, "{0} suspended {1} ({2} ended)",                                                                       \
	  "{0} が {1} を利用停止にしました (終了したセッション: {2})")                                                                \
	X(M_AUD_S_RESUMED, "{0} let {1} sign in again", "{0} が {1} の利用を再開しました")                                            \
	X(M_AUD_S_UNLOCKED, "{0} unlocked {1}", "{0} が {1} のロックを解除しました")                                                  \
	X(M_AUD_S_UNLOCKED_NOT, "{0} unlocked {1}, which was not locked",                                                             \
	  "{0} が {1} のロックを解除しました (ロックされていませんでした)")                                                           \
	X(M_AUD_S_UNLOCK_TIMEOUT, "The lock on {1} ran out and was lifted at the next sign-in",                                       \
	  "{1} のロックは期限が過ぎたため、次のログイン時に解除されました")                                                           \
	X(M_AUD_S_DELETED, "{0} deleted {1}", "{0} が {1} を削除しました")                                                            \
	X(M_AUD_S_PASSWORD_TEMP,                                                                                                      \
	  "{0} set a temporary password for {1}, to be replaced at their next sign-in",                                               \
	  "{0} が {1} に仮パスワードを設定しました (次回ログイン時に変更が必要)")                                                     \
	X(M_AUD_S_PASSWORD_SET, "{0} set a new password for {1}",                                                                     \
	  "{0} が {1} の新しいパスワードを設定しました")                                                                              \
	/* {2}, {3}: the roles before and after */                                                                                    \
	X(M_AUD_S_ROLE_CHANGED, "{0} changed the role of {1} from {2} to {3}",                                                        \
	  "{0} が {1} のロールを{2}から{3}に変更しました")                                                                            \
	X(M_AUD_S_ACCEPTED, "{1} accepted their invitation and activated the account",                                                \
	  "{1} が招待を受け入れ、アカウントを有効にしました")                                                                         \
	X(M_AUD_S_REVOKED, "{0} revoked the invitation to {1}",                                                                       \
	  "{0} が {1} への招待を取り消しました")                                                                                      \
	X(M_AUD_S_PW_CHANGED, "{1} changed their password", "{1} がパスワードを変更しました")                                         \
	X(M_AUD_S_PW_CHANGED_EXPIRED, "{1} replaced their expired password",                                                          \
	  "{1} が期限切れのパスワードを変更しました")                                                                                 \
	X(M_AUD_S_PW_CHANGED_FIRST, "{1} replaced the password an administrator had set",                                             \
	  "{1} が管理者の設定したパスワードを変更しました")                                                                           \
	X(M_AUD_S_RESET_SENT, "A password reset link was sent to {1}",                                                                \
	  "{1} にパスワード再設定リンクを送信しました")                                                                               \
	X(M_AUD_S_RESET_UNKNOWN,                                                                                                      \
	  "A password reset was asked for {1}, which has no account: nothing was sent",                                               \
	  "アカウントのない {1} のパスワード再設定が要求されました (送信なし)")                                                       \
	X(M_AUD_S_RESET_INACTIVE,                                                                                                     \
	  "A password reset was asked for {1}, whose account is not active: nothing was sent",                                        \
	  "有効でないアカウント {1} のパスワード再設定が要求されました (送信なし)")                                                   \
	X(M_AUD_S_RESET_TOO_SOON,                                                                                                     \
	  "A password reset was asked for {1} again within five minutes: no new link was sent",                                       \
	  "{1} のパスワード再設定が 5 分以内に再び要求されました (新しいリンクの送信なし)")                                           \
	/* {2}: the reason's code */                                                                                                  \
	X(M_AUD_S_RESET_REFUSED, "A password reset asked for {1} was refused ({2})",                                                  \
	  "{1} のパスワード再設定の要求を拒否しました ({2})")                                                                         \
	X(M_AUD_S_RESET_DONE, "{1} set a new password with a reset link",                                                             \
	  "{1} が再設定リンクで新しいパスワードを設定しました")                                                                       \
	X(M_AUD_S_POLICY, "{0} changed the policy:", "{0} がポリシーを変更しました:")                                                 \
	X(M_AUD_S_POLICY_SAME, "{0} saved the policy without changing it",                                                            \
	  "{0} がポリシーを変更せずに保存しました")                                                                                   \
	/* one changed field: {0} its label, {1} before, {2} after */                                                                 \
	X(M_AUD_CHANGE, "{0}: {1} → {2}", "{0}: {1} → {2}")                                                                           \
	/* {2}: the refused address */                                                                                                \
	X(M_AUD_S_DENIED_ADMIN,                                                                                                       \
	  "{1} was refused as an administrator from {2}: the address is not on the "                                                  \
	  "administrators' list",                                                                                                     \
	  "{1} の {2} からの管理者アクセスを拒否しました (管理者に許可されたアドレス外)")                                             \
	X(M_AUD_S_DENIED, "Access by {1} from {2} was refused: the address is not allowed",                                           \
	  "{1} による {2} からのアクセスを拒否しました (許可されていないアドレス)")                                                   \
	X(M_AUD_S_DENIED_ANON, "Access from {2} was refused: the address is not allowed",                                             \
	  "{2} からのアクセスを拒否しました (許可されていないアドレス)")                                                              \
	X(M_AUD_S_TOKEN, "{0} created the API token “{1}”",                                                                           \
	  "{0} が API トークン「{1}」を作成しました")                                                                                 \
	/* {2}: the tenant's name */                                                                                                  \
	X(M_AUD_S_TENANT, "{0} created the tenant {1} (“{2}”)",                                                                       \
	  "{0} がテナント {1} (「{2}」) を作成しました")                                                                              \
	/* {2}: when its data is deleted (UTC) */                                                                                     \
	X(M_AUD_S_TENANT_TERMINATED,                                                                                                  \
	  "{0} terminated the tenant {1}; its data is deleted after {2}",                                                             \
	  "{0} がテナント {1} を解約しました。データは {2} 以降に削除されます")                                                       \
	X(M_AUD_S_TENANT_RESTORED, "{0} restored the tenant {1}",                                                                     \
	  "{0} がテナント {1} を復元しました")                                                                                        \
	/* {2}: how many events, {3}: the retention period, {4}: the last one's number */                                             \
	X(M_AUD_S_PRUNED, "{0} removed {2} older than {3}, up to #{4}",                                                               \
	  "{0} が {3}より古いイベント {2}を削除しました (#{4} まで)")                                                                 \
	/* an action this console has no sentence for: {2} its name */                                                                \
	X(M_AUD_S_OTHER, "{0}: {2} {1}", "{0}: {2} {1}")

#endif
