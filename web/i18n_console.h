/*
 * The console's words for its overview, the user page, confirmations and
 * invitation links.  Part of the catalogue of web/i18n.h, which includes it.
 */
#ifndef WEB_I18N_CONSOLE_H
#define WEB_I18N_CONSOLE_H

#define WEB_MESSAGES_CONSOLE(X)                                                                                                               \
	X(M_CANCEL, "Cancel", "キャンセル")                                                                                                   \
	X(M_ADM_NEVER, "never", "なし")                                                                                                       \
	X(M_ADM_BACK_TO_USERS, "← All users", "← ユーザー一覧")                                                                               \
	X(M_ADM_CONFIRM_SUSPEND, "Suspend {0}?", "{0} を利用停止にしますか?")                                                                 \
	X(M_ADM_CONFIRM_SUSPEND_WHAT,                                                                                                         \
	  "{0} will be signed out everywhere at once and cannot sign in until an administrator "                                              \
	  "resumes the account.",                                                                                                             \
	  "{0} "                                                                                                                              \
	  "はただちにすべての場所からログアウトされ、管理者が利用を再開するまでログインできなくな" \
	  "ります。")                                                                                                                         \
	X(M_ADM_CONFIRM_LOGOUT, "Sign {0} out everywhere?",                                                                                   \
	  "{0} をすべての場所からログアウトさせますか?")                                                                                      \
	X(M_ADM_CONFIRM_LOGOUT_WHAT,                                                                                                          \
	  "Every session of {0} ends now; they can sign in again with their password.",                                                       \
	  "{0} のすべてのセッションがただちに終了します。パスワードで再度ログインできます。")                                                 \
	X(M_ADM_CONFIRM_DELETE, "Delete {0}?", "{0} を削除しますか?")                                                                         \
	X(M_ADM_CONFIRM_DELETE_WHAT,                                                                                                          \
	  "The account of {0}, its sessions and its open invitations are removed for good. This "                                             \
	  "cannot be undone; the audit log keeps its history.",                                                                               \
	  "{0} "                                                                                                                              \
	  "のアカウント、セッション、未使用の招待を完全に削除します。元に戻せません。監査ログの履" \
	  "歴は残ります。")                                                                                                                   \
	X(M_ADM_CONFIRM_REVOKE, "Revoke the invitation to {0}?", "{0} への招待を取り消しますか?")                                             \
	X(M_ADM_CONFIRM_REVOKE_WHAT,                                                                                                          \
	  "The link sent to {0} stops working at once. You can invite the address again later.",                                              \
	  "{0} に送ったリンクはただちに無効になります。後で再度招待できます。")                                                               \
	X(M_ADM_CONFIRM_SESSION, "End this session of {0}?",                                                                                  \
	  "{0} のこのセッションを終了しますか?")                                                                                              \
	X(M_ADM_CONFIRM_SESSION_WHAT,                                                                                                         \
	  "The browser using this session is signed out at its next request; other sessions of "                                              \
	  "{0} stay open.",                                                                                                                   \
	  "このセッションのブラウザは次の操作でログアウトされます。{0} "                                          \
	  "の他のセッションはそのままです。")                                                                                                 \
	X(M_ADM_LINK_CREATED, "An invitation for {0} has been created.",                                                                      \
	  "{0} への招待を作成しました。")                                                                                                     \
	X(M_ADM_LINK_RESENT,                                                                                                                  \
	  "A new invitation for {0} has been created; earlier links no longer work.",                                                         \
	  "{0} への新しい招待を作成しました。以前のリンクは無効です。")                                                                       \
	X(M_ADM_LINK_NO_MAIL, "No mail server is configured, so pass this link on yourself.",                                                 \
	  "メールサーバーが設定されていないため、このリンクをご自身でお伝えください。")                                                       \
	X(M_ADM_LINK_MAIL_FAILED,                                                                                                             \
	  "The mail could not be sent (the operator's log says why), so pass this link on "                                                   \
	  "yourself.",                                                                                                                        \
	  "メールを送信できなかったため "                                                                                       \
	  "(理由は運用ログにあります)、このリンクをご自身でお伝えください。")                                                                 \
	X(M_ADM_LINK_LABEL, "Acceptance link", "招待リンク")                                                                                  \
	X(M_ADM_LINK_ONCE, "This link is shown only now. If it is lost, re-send the invitation.",                                             \
	  "このリンクは今回のみ表示されます。紛失した場合は招待を再送信してください。")                                                       \
	X(M_ADM_OV_ACCOUNTS, "Accounts", "アカウント")                                                                                        \
	X(M_ADM_OV_NO_MFA, "Without a second factor", "二要素目が未設定")                                                                     \
	X(M_ADM_OV_NO_MFA_HINT,                                                                                                               \
	  "The policy requires a second factor; these active users have not set one up yet.",                                                 \
	  "ポリシーで二要素目が必須ですが、これらの有効なユーザーはまだ設定していません。")                                                   \
	X(M_ADM_OV_UNUSED, "Not used for {0} days", "{0} 日以上未使用")                                                                       \
	X(M_ADM_OV_PW_EXPIRED, "Passwords expired", "期限切れのパスワード")                                                                   \
	X(M_ADM_OV_PW_EXPIRING, "Passwords expiring within {0} days",                                                                         \
	  "{0} 日以内に期限切れになるパスワード")                                                                                             \
	X(M_ADM_OV_SIGNINS, "Sign-ins", "ログイン")                                                                                           \
	X(M_ADM_OV_OK_24H, "Sign-ins, last 24 hours", "ログイン成功 (24 時間)")                                                               \
	X(M_ADM_OV_FAIL_24H, "Failed sign-ins, last 24 hours", "ログイン失敗 (24 時間)")                                                      \
	X(M_ADM_OV_OK_7D, "Sign-ins, last 7 days", "ログイン成功 (7 日間)")                                                                   \
	X(M_ADM_OV_FAIL_7D, "Failed sign-ins, last 7 days", "ログイン失敗 (7 日間)")                                                          \
	X(M_ADM_OV_CHANGES, "Last administrative changes", "最近の管理操作")                                                                  \
	X(M_ADM_OV_NO_CHANGES, "No administrative changes yet.", "管理操作はまだありません。")                                                \
	X(M_ADM_OV_ALL_EVENTS, "Open the audit log", "監査ログを開く")                                                                        \
	X(M_ADM_PW_SET_AT, "Password set", "パスワード設定日時")                                                                              \
	X(M_ADM_PW_MUST_CHANGE, "must be changed at the next sign-in",                                                                        \
	  "次回ログイン時に変更が必要")                                                                                                       \
	X(M_ADM_FAILED_COUNT, "Failed sign-ins in a row", "連続ログイン失敗回数")                                                             \
	X(M_ADM_ROLE_CHANGE, "Change the role", "ロールを変更")                                                                               \
	X(M_ADM_ROLE_HINT,                                                                                                                    \
	  "Administrators manage users, invitations and the policy. The tenant always keeps at "                                              \
	  "least one active administrator; a new role applies from the user's next request.",                                                 \
	  "管理者はユーザー、招待、ポリシーを管理できます。有効な管理者は常に 1 "                            \
	  "人以上必要です。新しいロールはユーザーの次の操作から適用されます。")                                                               \
	X(M_ADM_SET_PASSWORD_WHAT, "Setting a password ends all their sessions at once.",                                                     \
	  "パスワードを設定すると、このユーザーのすべてのセッションがただちに終了します。")                                                   \
	X(M_ADM_SET_PASSWORD_WHAT_FORCED,                                                                                                     \
	  "Setting a password ends all their sessions at once; they must choose a new one at "                                                \
	  "their next sign-in.",                                                                                                              \
	  "パスワードを設定すると、このユーザーのすべてのセッションがただちに終了し、次回ログイン" \
	  "時に新しいパスワードの設定が必要になります。")                                                                                     \
	X(M_ADM_USER_SESSIONS, "Active sessions", "有効なセッション")                                                                         \
	X(M_ADM_NO_SESSIONS, "No active sessions.", "有効なセッションはありません。")                                                         \
	X(M_ADM_USER_TRAIL, "History", "履歴")                                                                                                \
	X(M_ADM_USER_NO_EVENTS, "No events for this user.",                                                                                   \
	  "このユーザーのイベントはありません。")                                                                                             \
	X(M_ADM_USER_TRAIL_ALL, "Everything this user did, in the audit log",                                                                 \
	  "このユーザーの操作を監査ログで見る")                                                                                               \
	X(M_ADM_DONE_ROLE, "The role of {0} has been saved.", "{0} のロールを保存しました。")                                                 \
	X(M_ADM_DONE_SESSION, "The session of {0} has ended.", "{0} のセッションを終了しました。")

#endif
