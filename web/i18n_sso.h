/*
 * Words of SAML single sign-on and logout as users meet them: the page that
 * carries a response to a service provider, and the refusals.  Part of the
 * catalogue of web/i18n.h.
 */
#ifndef WEB_I18N_SSO_H
#define WEB_I18N_SSO_H

#define WEB_MESSAGES_SSO(X)                                                                                                                   \
	X(M_SSO_TITLE, "Signing you in", "ログインしています")                                                                                \
	X(M_SSO_CONTINUE_TO, "Taking you to ", "移動先: ")                                                                                    \
	X(M_SSO_CONTINUE, "Continue", "続ける")                                                                                               \
	X(M_SSO_LOGOUT_TITLE, "Signing you out", "ログアウトしています")                                                                      \
	X(M_SSO_REFUSED_TITLE, "Sign-in refused", "ログインできません")                                                                       \
	X(M_SSO_BAD_REQUEST,                                                                                                                  \
	  "The application sent a sign-in request that cannot be accepted. Go back to the "                                                   \
	  "application and try again; if it happens again, tell your administrator.",                                                         \
	  "アプリケーションから受け付けられないログイン要求が届きました。アプリケーションに戻って" \
	  "もう一度お試しください。繰り返す場合は管理者に連絡してください。")                                                                 \
	X(M_SSO_UNKNOWN_SP, "This application is not registered with your organisation.",                                                     \
	  "このアプリケーションは組織に登録されていません。")                                                                                 \
	X(M_SSO_EXPIRED,                                                                                                                      \
	  "This sign-in request has expired or was used already. Go back to the application and "                                             \
	  "start again.",                                                                                                                     \
	  "このログイン要求は期限切れか、すでに使われています。アプリケーションに戻ってやり直して" \
	  "ください。")                                                                                                                       \
	X(M_SSO_ROLE, "Your account may not use this application.",                                                                           \
	  "あなたのアカウントではこのアプリケーションを利用できません。")                                                                     \
	X(M_SSO_LOGGED_OUT, "You have been signed out.", "ログアウトしました。")                                                              \
	X(M_AUD_A_SAML_ASSERTION, "SAML sign-in", "SAML ログイン")                                                                            \
	X(M_AUD_A_SAML_REFUSED, "SAML request refused", "SAML 要求の拒否")                                                                    \
	X(M_AUD_A_SAML_LOGOUT, "SAML single logout", "SAML シングルログアウト")                                                               \
	X(M_AUD_S_SAML_ASSERTION,                                                                                                             \
	  "{1} signed in to the service provider {2} (NameID format {3}, authenticated by {4})",                                              \
	  "{1} がサービスプロバイダー {2} にログインしました (NameID 形式: {3}、認証方式: {4})")                                              \
	X(M_AUD_S_SAML_REFUSED, "A SAML request from {2} was refused: {3}{4}",                                                                \
	  "{2} からの SAML 要求を拒否しました: {3}{4}")                                                                                       \
	X(M_AUD_S_SAML_LOGOUT, "The service provider {2} ended a session by single logout",                                                   \
	  "サービスプロバイダー {2} のシングルログアウトでセッションを終了しました")                                                          \
	X(M_AUD_R_SAML_INVALID, "the message was not acceptable", "受け付けられないメッセージ")                                               \
	X(M_AUD_R_SAML_REPLAYED, "a request seen before (replay)", "再送されたリクエスト")                                                    \
	X(M_AUD_R_SAML_UNKNOWN_SP, "not a registered service provider",                                                                       \
	  "登録されていないサービスプロバイダー")                                                                                             \
	X(M_AUD_R_SAML_IP, "address outside the allow list", "許可リスト外のアドレス")                                                        \
	X(M_AUD_R_SAML_CERT, "no valid client certificate", "有効なクライアント証明書がない")                                                 \
	X(M_AUD_R_SAML_ROLE, "role not admitted by the service provider",                                                                     \
	  "サービスプロバイダーが許可していないロール")                                                                                       \
	X(M_AUD_R_SAML_PASSWORD, "password change required", "パスワード変更が必要")                                                          \
	X(M_AUD_R_SAML_PASSIVE, "a passive request without a usable session",                                                                 \
	  "有効なセッションのないパッシブ要求")                                                                                               \
	X(M_AUD_R_SAML_NAMEID, "a NameID format that is not supported",                                                                       \
	  "サポートしていない NameID 形式")

#endif
