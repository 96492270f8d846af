/*
 * Words of two-step verification: the code page of a sign-in, enrolment,
 * recovery codes, the home page's settings and the administrator's reset.
 * Part of the catalogue of web/i18n.h, which includes it.
 */
#ifndef WEB_I18N_MFA_H
#define WEB_I18N_MFA_H

#define WEB_MESSAGES_MFA(X)                                                                                                                   \
	X(M_MFA_TITLE, "Two-step verification", "2 段階認証")                                                                                 \
	X(M_MFA_CODE, "Code from your authenticator app, or a recovery code",                                                                 \
	  "認証アプリのコード、またはリカバリーコード")                                                                                       \
	X(M_MFA_CODE_INTRO,                                                                                                                   \
	  "Enter the 6-digit code your authenticator app shows, or one of your recovery codes.",                                              \
	  "認証アプリに表示されている 6 桁のコード、またはリカバリーコードを入力してください。")                                              \
	X(M_MFA_VERIFY, "Verify", "確認")                                                                                                     \
	X(M_MFA_WRONG,                                                                                                                        \
	  "The code is not correct, or it was already used. Wait for the next code and try "                                                  \
	  "again.",                                                                                                                           \
	  "コードが正しくないか、すでに使用されています。次のコードを待って再度お試しください。")                                             \
	X(M_MFA_EXPIRED, "This sign-in has expired. Please sign in again.",                                                                   \
	  "このログインは期限切れです。もう一度ログインしてください。")                                                                       \
	X(M_MFA_SETUP_TITLE, "Set up an authenticator app", "認証アプリの設定")                                                               \
	X(M_MFA_SETUP_REQUIRED,                                                                                                               \
	  "Your organisation requires two-step verification. Set it up to continue.",                                                         \
	  "組織のポリシーにより 2 段階認証が必要です。続行するには設定してください。")                                                        \
	X(M_MFA_SETUP_STEP1,                                                                                                                  \
	  "Scan this QR code with an authenticator app (Google Authenticator, Microsoft "                                                     \
	  "Authenticator, FreeOTP, 1Password, …), or enter the key below by hand.",                                                           \
	  "認証アプリ (Google Authenticator、Microsoft Authenticator、FreeOTP、1Password など) "                                    \
	  "でこの QR コードを読み取るか、下のキーを手で入力してください。")                                                                   \
	X(M_MFA_SECRET, "Key (base32)", "キー (base32)")                                                                                      \
	X(M_MFA_OPEN_APP, "Open in an authenticator app on this device",                                                                      \
	  "この端末の認証アプリで開く")                                                                                                       \
	X(M_MFA_SETUP_STEP2, "Then enter the 6-digit code the app shows.",                                                                    \
	  "次に、アプリに表示される 6 桁のコードを入力してください。")                                                                        \
	X(M_MFA_CONFIRM, "Turn on", "有効にする")                                                                                             \
	X(M_MFA_CODES_TITLE, "Your recovery codes", "リカバリーコード")                                                                       \
	X(M_MFA_CODES_INTRO,                                                                                                                  \
	  "Keep these codes somewhere safe. Each one signs you in once if you lose your "                                                     \
	  "authenticator. They are shown only now.",                                                                                          \
	  "これらのコードを安全な場所に保管してください。認証アプリを失くしたとき、各コードで 1 "    \
	  "回ログインできます。表示されるのは今回だけです。")                                                                                 \
	X(M_MFA_CONTINUE, "Continue", "続行")                                                                                                 \
	X(M_MFA_HOME_TITLE, "Two-step verification", "2 段階認証")                                                                            \
	X(M_MFA_HOME_ON, "On since {0}.", "{0} から有効です。")                                                                               \
	X(M_MFA_HOME_OFF, "Off. Protect your account with an authenticator app.",                                                             \
	  "無効です。認証アプリでアカウントを保護しましょう。")                                                                               \
	X(M_MFA_HOME_LEFT, "Recovery codes left: {0}", "残りのリカバリーコード: {0}")                                                         \
	X(M_MFA_SET_UP, "Set up", "設定する")                                                                                                 \
	X(M_MFA_NEW_CODES, "New recovery codes", "リカバリーコードを再発行")                                                                  \
	X(M_MFA_REMOVE, "Turn off", "無効にする")                                                                                             \
	X(M_MFA_REMOVE_CODE, "Current code (to turn it off)", "現在のコード (無効にするため)")                                                \
	X(M_MFA_REMOVE_REFUSED,                                                                                                               \
	  "Your organisation requires two-step verification, so it cannot be turned off.",                                                    \
	  "組織のポリシーで 2 段階認証が必要なため、無効にできません。")                                                                      \
	X(M_MFA_REMOVED, "Two-step verification is off.", "2 段階認証を無効にしました。")                                                     \
	X(M_MFA_ENABLED, "Two-step verification is on.", "2 段階認証を有効にしました。")                                                      \
	X(M_ADM_RESET_MFA, "Reset two-step verification", "2 段階認証をリセット")                                                             \
	X(M_ADM_CONFIRM_RESET_MFA, "Reset two-step verification of {0}?",                                                                     \
	  "{0} の 2 段階認証をリセットしますか?")                                                                                             \
	X(M_ADM_CONFIRM_RESET_MFA_WHAT,                                                                                                       \
	  "The authenticator app and recovery codes of {0} stop working at once; sign-ins in "                                                \
	  "progress end. If the policy requires it, they set up a new app at their next sign-in.",                                            \
	  "{0} "                                                                                                                              \
	  "の認証アプリとリカバリーコードはただちに無効になり、進行中のログインは終了します。ポリ" \
	  "シーで必要な場合、次回ログイン時に新しいアプリを設定します。")                                                                     \
	X(M_ADM_DONE_RESET_MFA, "Two-step verification of {0} has been reset.",                                                               \
	  "{0} の 2 段階認証をリセットしました。")                                                                                            \
	X(M_ADM_MFA, "Two-step verification", "2 段階認証")                                                                                   \
	X(M_ADM_MFA_ON, "on (authenticator app)", "有効 (認証アプリ)")                                                                        \
	X(M_ADM_MFA_OFF, "off", "無効")                                                                                                       \
	X(M_AUD_G_MFA, "Two-step verification", "2 段階認証")                                                                                 \
	X(M_AUD_A_MFA_ENROLLED, "Authenticator app set up", "認証アプリの設定")                                                               \
	X(M_AUD_A_MFA_FAILURE, "Wrong second-factor code", "2 段階認証コードの誤り")                                                          \
	X(M_AUD_A_MFA_REMOVED, "Authenticator app removed", "認証アプリの解除")                                                               \
	X(M_AUD_A_RECOVERY_USED, "Recovery code used", "リカバリーコードの使用")                                                              \
	X(M_AUD_A_RECOVERY_NEW, "Recovery codes renewed", "リカバリーコードの再発行")                                                         \
	X(M_AUD_A_MFA_RESET, "Two-step verification reset", "2 段階認証のリセット")                                                           \
	X(M_AUD_S_MFA_ENROLLED, "{0} set up an authenticator app for two-step verification",                                                  \
	  "{0} が 2 段階認証の認証アプリを設定しました")                                                                                      \
	X(M_AUD_S_MFA_FAILURE, "A second-factor code for {1} was refused: {2}",                                                               \
	  "{1} の 2 段階認証コードが拒否されました: {2}")                                                                                     \
	X(M_AUD_R_WRONG_CODE, "wrong code", "コードの誤り")                                                                                   \
	X(M_AUD_R_REPLAYED, "code already used", "使用済みのコード")                                                                          \
	X(M_AUD_R_MALFORMED_CODE, "not a code", "コードの形式ではない")                                                                       \
	X(M_AUD_R_WRONG_RECOVERY, "unknown or used recovery code",                                                                            \
	  "不明または使用済みのリカバリーコード")                                                                                             \
	X(M_AUD_S_MFA_REMOVED, "{0} turned off two-step verification",                                                                        \
	  "{0} が 2 段階認証を無効にしました")                                                                                                \
	X(M_AUD_S_RECOVERY_USED, "{0} used a recovery code",                                                                                  \
	  "{0} がリカバリーコードを使用しました")                                                                                             \
	X(M_AUD_S_RECOVERY_NEW, "{0} made new recovery codes; the old ones no longer work",                                                   \
	  "{0} がリカバリーコードを再発行しました (以前のコードは無効です)")                                                                  \
	X(M_AUD_S_MFA_RESET, "{0} reset two-step verification of {1}",                                                                        \
	  "{0} が {1} の 2 段階認証をリセットしました")                                                                                       \
	X(M_AUD_S_LOGIN_OTP, "{1} signed in with their password and an authenticator code",                                                   \
	  "{1} がパスワードと認証アプリのコードでログインしました")                                                                           \
	X(M_AUD_S_LOGIN_REC, "{1} signed in with their password and a recovery code",                                                         \
	  "{1} がパスワードとリカバリーコードでログインしました")                                                                             \
	X(M_MFA_CODE_APP, "6-digit code from the app", "アプリに表示された 6 桁のコード")

#endif
