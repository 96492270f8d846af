/*
 * Words of the applications behind the gateway: the console's apps tab, the
 * home page's list of them, and the audit log's sentences about apps and
 * the gateway's refusals.  Part of the catalogue of web/i18n.h.
 */
#ifndef WEB_I18N_APPS_H
#define WEB_I18N_APPS_H

#define WEB_MESSAGES_APPS(X)                                                                                                             \
	X(M_ADM_APPS, "Apps", "アプリ")                                                                                                  \
	X(M_APP_INTRO,                                                                                                                   \
	  "The applications behind the gateway. A request passes the gateway only when its URL "                                         \
	  "belongs to one of them and the user's role is ticked for it; anything else is "                                               \
	  "refused.",                                                                                                                    \
	  "ゲートウェイの背後にあるアプリケーションです。リクエストの URL "                                 \
	  "がいずれかに属し、そのアプリケーションでユーザーのロールが許可されている場合にだけ"  \
	  "ゲートウェイを通過します。それ以外は拒否されます。")                                                                          \
	X(M_APP_NAME, "Name", "名前")                                                                                                    \
	X(M_APP_URL, "Base URL", "ベース URL")                                                                                           \
	X(M_APP_ROLES, "Roles admitted", "許可するロール")                                                                               \
	X(M_APP_CREATED, "Added", "追加日時")                                                                                            \
	X(M_APP_NONE, "No application yet: the gateway lets no request through.",                                                        \
	  "アプリケーションが登録されていないため、ゲートウェイはどのリクエストも通しません。")                                          \
	X(M_APP_ADD, "Add an application", "アプリケーションを追加")                                                                     \
	X(M_APP_URL_HINT,                                                                                                                \
	  "The app's base URL: scheme, host, optional port and path prefix, e.g. "                                                       \
	  "https://wiki.example.com or https://apps.example.com:8443/wiki. Requests to it (and "                                         \
	  "below its path) pass the gateway only for the roles ticked.",                                                                 \
	  "アプリケーションのベース URL (スキーム、ホスト、必要ならポートとパスの接頭辞) "            \
	  "です。例: "                                                                                                               \
	  "https://wiki.example.com、https://apps.example.com:8443/wiki。この URL "                                                  \
	  "(とそのパスの下) へのリクエストは、チェックしたロールのユーザーだけがゲートウェイを"  \
	  "通過できます。")                                                                                                              \
	X(M_APP_ROLES_SEP, ", ", "、")                                                                                                   \
	X(M_APP_INVALID,                                                                                                                 \
	  "Nothing was added. Please correct:", "追加しませんでした。次を修正してください:")                                             \
	X(M_APP_ERR_NAME, "Enter a name of 1 to 100 characters without control characters.",                                             \
	  "名前は制御文字を含まない 1〜100 文字で入力してください。")                                                                    \
	X(M_APP_ERR_URL,                                                                                                                 \
	  "Enter an http:// or https:// URL of at most 512 characters, without user name, query, "                                       \
	  "fragment, backslash, \"..\", \"//\" or encoded \"/\", in ASCII.",                                                             \
	  "http:// または https:// で始まる 512 文字以内の ASCII の URL "                                                   \
	  "を入力してください。ユーザー名、クエリ、フラグメント、バックスラッシュ、「..」、「//" \
	  "」、エンコードされた「/」は使えません。")                                                                                     \
	X(M_APP_ERR_URL_TAKEN, "An application is registered at this URL already.",                                                      \
	  "この URL にはすでにアプリケーションが登録されています。")                                                                     \
	X(M_APP_ERR_ROLES, "Tick at least one role.", "ロールを 1 つ以上チェックしてください。")                                         \
	X(M_APP_ERR_TOO_MANY,                                                                                                            \
	  "This organisation has the maximum of {0} applications; remove one before adding "                                             \
	  "another.",                                                                                                                    \
	  "この組織のアプリケーションは上限の {0} "                                                                     \
	  "件に達しています。追加する前にいずれかを削除して"                                                     \
	  "ください。")                                                                                                                  \
	X(M_APP_CONFIRM, "Remove the application {0}?", "アプリケーション {0} を削除しますか?")                                          \
	X(M_APP_CONFIRM_WHAT,                                                                                                            \
	  "{0} disappears from users' home pages, and the gateway refuses requests to its URL at "                                       \
	  "once (unless another registered application covers them).",                                                                   \
	  "{0} "                                                                                                                         \
	  "はユーザーのホーム画面から消え、ゲートウェイはその URL "                                             \
	  "へのリクエストをただちに拒否します (他の登録済みアプリケーションが含む URL を除く)。")                                        \
	X(M_ADM_DONE_APP_ADDED, "The application has been added.",                                                                       \
	  "アプリケーションを追加しました。")                                                                                            \
	X(M_ADM_DONE_APP_REMOVED, "The application has been removed.",                                                                   \
	  "アプリケーションを削除しました。")                                                                                            \
	X(M_HOME_APPS, "Applications", "アプリケーション")                                                                               \
	X(M_AUD_G_APP, "Applications", "アプリケーション")                                                                               \
	X(M_AUD_A_APP_CREATED, "Application added", "アプリケーションの追加")                                                            \
	X(M_AUD_A_APP_DELETED, "Application removed", "アプリケーションの削除")                                                          \
	X(M_AUD_A_GATEWAY_DENIED, "Refused by the gateway", "ゲートウェイによる拒否")                                                    \
	X(M_AUD_S_APP_CREATED, "{0} added the application “{2}” at {3}; roles admitted: {4}",                                            \
	  "{0} がアプリケーション「{2}」({3}) を追加しました。許可するロール: {4}")                                                      \
	X(M_AUD_S_APP_DELETED, "{0} removed the application “{2}” at {3}",                                                               \
	  "{0} がアプリケーション「{2}」({3}) を削除しました")                                                                           \
	X(M_AUD_S_GW_DENIED, "The gateway refused {1} access to {3}: {2}{4}",                                                            \
	  "ゲートウェイが {1} の {3} へのアクセスを拒否しました: {2}{4}")                                                                \
	X(M_AUD_S_GW_DENIED_ANON, "The gateway refused a request for {3}: {2}{4}",                                                       \
	  "ゲートウェイが {3} へのリクエストを拒否しました: {2}{4}")                                                                     \
	X(M_AUD_GW_APP, " (application “{0}”)", " (アプリケーション「{0}」)")                                                            \
	X(M_AUD_GW_REPEATED, " ({0} similar refusals before it were counted, not recorded)",                                             \
	  " (この前の同様の拒否 {0} 件は記録せず数のみ数えました)")                                                                      \
	X(M_AUD_R_GW_IP, "address not allowed", "許可されていないアドレス")                                                              \
	X(M_AUD_R_GW_ROLE, "role not admitted by the application",                                                                       \
	  "アプリケーションが許可していないロール")                                                                                      \
	X(M_AUD_R_GW_NO_APP, "no registered application at this URL",                                                                    \
	  "この URL に登録されたアプリケーションがない")                                                                                 \
	X(M_AUD_R_GW_PASSWORD, "password change required", "パスワードの変更が必要")                                                     \
	X(M_AUD_R_GW_CERT, "no valid client certificate", "有効なクライアント証明書がない")                                              \
	X(M_AUD_R_GW_BAD_URL, "the requested URL could not be read",                                                                     \
	  "要求された URL を解釈できない")                                                                                               \
	X(M_AUD_R_GW_AMBIGUOUS, "the URL names another application when letter case is ignored",                                         \
	  "大文字と小文字を区別しないと別のアプリケーションを指す URL")

#endif
