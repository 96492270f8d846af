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
	X(M_SSO_LOGGED_OUT, "You have been signed out.", "ログアウトしました。")

#endif
