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
	  "The authenticator app, recovery codes and client certificates of {0} stop working at "                                             \
	  "once; sign-ins in progress end. If the policy requires it, they set up a new app at "                                              \
	  "their next sign-in.",                                                                                                              \
	  "{0} "                                                                                                                              \
	  "の認証アプリ、リカバリーコード、クライアント証明書はただちに無効になり、進行中のログイ" \
	  "ンは終了します。ポリシーで必要な場合、次回ログイン時に新しいアプリを設定します。")                                                 \
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
	X(M_MFA_CODE_APP, "6-digit code from the app", "アプリに表示された 6 桁のコード")                                                     \
	X(M_CERT_REQUIRED_TITLE, "Certificate required", "証明書が必要です")                                                                  \
	X(M_CERT_REQUIRED,                                                                                                                    \
	  "Your organisation admits only devices with a certificate it issued. Use a device that "                                            \
	  "has one, or ask your administrator.",                                                                                              \
	  "組織が発行した証明書のある端末からのみ利用できます。証明書のある端末を使うか、管理者に" \
	  "お問い合わせください。")                                                                                                           \
	X(M_CERT_HOME_TITLE, "Client certificates", "クライアント証明書")                                                                     \
	X(M_CERT_NONE, "No certificate is linked to your account.",                                                                           \
	  "アカウントに紐付いた証明書はありません。")                                                                                         \
	X(M_CERT_THIS, "This browser presents a certificate of your organisation:",                                                           \
	  "このブラウザは組織の証明書を提示しています:")                                                                                      \
	X(M_CERT_USE, "Use this browser's certificate", "このブラウザの証明書を使う")                                                         \
	X(M_CERT_NO_VALID, "This browser presents no valid certificate of your organisation.",                                                \
	  "このブラウザは組織の有効な証明書を提示していません。")                                                                             \
	X(M_CERT_TAKEN, "This certificate is linked to another account.",                                                                     \
	  "この証明書は別のアカウントに紐付いています。")                                                                                     \
	X(M_CERT_BOUND, "The certificate is linked to your account.",                                                                         \
	  "証明書をアカウントに紐付けました。")                                                                                               \
	X(M_ADM_CERTS, "Certificates", "証明書")                                                                                              \
	X(M_CA_INTRO,                                                                                                                         \
	  "The CAs whose client certificates this organisation accepts, and their revocation "                                                \
	  "lists (CRLs). With a CA's CRL here, a certificate it revoked is refused; a CRL past "                                              \
	  "its next update makes every certificate of its CA fail until a new one is added.",                                                 \
	  "この組織が受け入れるクライアント証明書の CA と失効リスト (CRL) です。CA の CRL "                     \
	  "を登録すると、失効した証明書は拒否されます。次回更新日時を過ぎた CRL があると、新しい "    \
	  "CRL を登録するまでその CA の証明書はすべて拒否されます。")                                                                         \
	X(M_CA_KIND, "Kind", "種類")                                                                                                          \
	X(M_CA_KIND_CERT, "CA certificate", "CA 証明書")                                                                                      \
	X(M_CA_KIND_CRL, "Revocation list", "失効リスト")                                                                                     \
	X(M_CA_SUBJECT, "Subject (issuer of a CRL)", "サブジェクト (CRL は発行者)")                                                           \
	X(M_CA_UNTIL, "Valid until / next update", "有効期限 / 次回更新")                                                                     \
	X(M_CA_SHA256, "SHA-256", "SHA-256")                                                                                                  \
	X(M_CA_EXPIRED, "past", "期限切れ")                                                                                                   \
	X(M_CA_SOON, "soon", "まもなく期限")                                                                                                  \
	X(M_CA_NONE, "No CA yet: client certificates cannot be checked.",                                                                     \
	  "CA が登録されていないため、クライアント証明書を確認できません。")                                                                  \
	X(M_CA_ADD, "Add CA certificates or CRLs", "CA 証明書または CRL を追加")                                                              \
	X(M_CA_PEM, "PEM text (CERTIFICATE and X509 CRL blocks)",                                                                             \
	  "PEM テキスト (CERTIFICATE と X509 CRL のブロック)")                                                                                \
	X(M_CA_REFUSED, "Nothing was added:", "追加しませんでした:")                                                                          \
	X(M_CA_DUPLICATE, "One of these is registered already; nothing was added.",                                                           \
	  "いずれかはすでに登録済みのため、何も追加しませんでした。")                                                                         \
	X(M_CA_CONFIRM, "Remove {0}?", "{0} を削除しますか?")                                                                                 \
	X(M_CA_CONFIRM_WHAT,                                                                                                                  \
	  "Certificates issued under {0} stop being accepted at once (or, for a CRL, its "                                                    \
	  "revocations stop being checked).",                                                                                                 \
	  "{0} の下で発行された証明書はただちに受け入れられなくなります (CRL "                                    \
	  "の場合は失効の確認が行われなくなります)。")                                                                                        \
	X(M_ADM_DONE_CA_ADDED, "The certificates have been added.", "証明書を追加しました。")                                                 \
	X(M_ADM_DONE_CA_REMOVED, "The entry has been removed.", "削除しました。")                                                             \
	X(M_AUD_A_CA_ADDED, "Client CA added", "クライアント CA の追加")                                                                      \
	X(M_AUD_A_CA_REMOVED, "Client CA removed", "クライアント CA の削除")                                                                  \
	X(M_AUD_A_DENIED_CERT, "Refused without a valid certificate",                                                                         \
	  "有効な証明書がないための拒否")                                                                                                     \
	X(M_AUD_A_CERT_HEADER, "Certificate header ignored", "証明書ヘッダーの無視")                                                          \
	X(M_AUD_A_CERT_BOUND, "Certificate linked", "証明書の紐付け")                                                                         \
	X(M_AUD_A_CERT_UNBOUND, "Certificate unlinked", "証明書の紐付け解除")                                                                 \
	X(M_AUD_S_CA_ADDED, "{0} added a client CA or CRL: {1}",                                                                              \
	  "{0} がクライアント CA または CRL を追加しました: {1}")                                                                             \
	X(M_AUD_S_CA_REMOVED, "{0} removed a client CA or CRL: {1}",                                                                          \
	  "{0} がクライアント CA または CRL を削除しました: {1}")                                                                             \
	X(M_AUD_S_DENIED_CERT, "A request was refused for want of a valid client certificate",                                                \
	  "有効なクライアント証明書がないためリクエストを拒否しました")                                                                       \
	X(M_AUD_S_CERT_HEADER,                                                                                                                \
	  "A client certificate header from an untrusted address was ignored",                                                                \
	  "信頼されていないアドレスからのクライアント証明書ヘッダーを無視しました")                                                           \
	X(M_AUD_S_CERT_BOUND, "{0} linked a client certificate to {1}",                                                                       \
	  "{0} が {1} にクライアント証明書を紐付けました")                                                                                    \
	X(M_AUD_S_CERT_UNBOUND, "{0} unlinked a client certificate from {1}",                                                                 \
	  "{0} が {1} のクライアント証明書の紐付けを解除しました")                                                                            \
	X(M_AUD_S_LOGIN_X509, "{1} signed in with their password and a client certificate",                                                   \
	  "{1} がパスワードとクライアント証明書でログインしました")

#endif
