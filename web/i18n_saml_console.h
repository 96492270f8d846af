/*
 * The words of the console's SAML tab (web/admin_saml.c): the identity
 * provider's address, its signing keys, the service providers and their
 * settings, and the audit log's sentences about them.  Part of the
 * catalogue of web/i18n.h, which includes it.
 */
#ifndef WEB_I18N_SAML_CONSOLE_H
#define WEB_I18N_SAML_CONSOLE_H

#define WEB_MESSAGES_SAML_CONSOLE(X)                                                                                                          \
	/* the tab */                                                                                                                         \
	X(M_ADM_SAML, "SAML", "SAML")                                                                                                         \
	X(M_SAML_IDP, "This identity provider", "この ID プロバイダー")                                                                       \
	X(M_SAML_IDP_HINT,                                                                                                                    \
	  "Give service providers this address: they read Sekisho's metadata (its "                                                           \
	  "endpoints and signing keys) from it, and it is also Sekisho's entity ID.",                                                         \
	  "サービスプロバイダーにはこのアドレスを伝えてください。"                                                 \
	  "Sekisho のメタデータ (エンドポイントと署名鍵) をここから読み込みます。"                               \
	  "このアドレスは Sekisho のエンティティ ID でもあります。")                                                                          \
	X(M_SAML_METADATA_URL, "Metadata URL", "メタデータ URL")                                                                              \
	X(M_SAML_ENTITY_ID, "Entity ID", "エンティティ ID")                                                                                   \
	/* signing keys */                                                                                                                    \
	X(M_SAML_KEYS, "Signing keys", "署名鍵")                                                                                              \
	X(M_SAML_KEYS_INTRO,                                                                                                                  \
	  "Responses are signed with the active key. To change keys, create the next key "                                                    \
	  "(the metadata publishes it at once), wait until every service provider has read "                                                  \
	  "the metadata again, then activate it; the old key stays published as the "                                                         \
	  "previous key until you delete it.",                                                                                                \
	  "レスポンスは使用中の鍵で署名されます。鍵を切り替えるには、"                                           \
	  "次の鍵を作成し (メタデータにすぐ公開されます)、"                                                             \
	  "すべてのサービスプロバイダーがメタデータを読み込み直すのを待ってから有効化します。"       \
	  "古い鍵は削除するまで以前の鍵として公開されたままです。")                                                                           \
	X(M_SAML_KEY_STATE, "State", "状態")                                                                                                  \
	X(M_SAML_KEY_BITS, "Size", "鍵長")                                                                                                    \
	X(M_SAML_KEY_SHA256, "SHA-256 fingerprint", "SHA-256 フィンガープリント")                                                             \
	X(M_SAML_KEY_CREATED, "Created", "作成日時")                                                                                          \
	X(M_SAML_KEY_NOT_AFTER, "Valid until", "有効期限")                                                                                    \
	X(M_SAML_KEY_ACTIVE, "Active", "使用中")                                                                                              \
	X(M_SAML_KEY_NEXT, "Next", "次の鍵")                                                                                                  \
	X(M_SAML_KEY_PREVIOUS, "Previous", "以前の鍵")                                                                                        \
	/* {0}: a number */                                                                                                                   \
	X(M_SAML_KEY_N_BITS, "{0} bits", "{0} ビット")                                                                                        \
	X(M_SAML_KEY_NONE,                                                                                                                    \
	  "No signing key yet: one is made when the metadata is first read, or create one "                                                   \
	  "here.",                                                                                                                            \
	  "署名鍵はまだありません。メタデータが初めて読み込まれたときに作成されます。"                   \
	  "ここで作成することもできます。")                                                                                                   \
	X(M_SAML_KEY_SIZE, "Key size", "鍵長")                                                                                                \
	X(M_SAML_KEY_CREATE, "Create next key", "次の鍵を作成")                                                                               \
	X(M_SAML_KEY_ACTIVATE, "Activate", "有効化")                                                                                          \
	/* {0}: the key's fingerprint, shortened */                                                                                           \
	X(M_SAML_KEY_CONFIRM, "Delete the signing key {0}?", "署名鍵 {0} を削除しますか?")                                                    \
	X(M_SAML_KEY_CONFIRM_WHAT,                                                                                                            \
	  "The key {0} leaves the metadata at once and cannot be used again. This cannot "                                                    \
	  "be undone.",                                                                                                                       \
	  "鍵 {0} はただちにメタデータから外れ、"                                                                             \
	  "再び使うことはできません。元に戻せません。")                                                                                       \
	X(M_SAML_ERR_KEY_ACTIVE, "The active key cannot be deleted: activate another key first.",                                             \
	  "使用中の鍵は削除できません。先に別の鍵を有効化してください。")                                                                     \
	/* {0}: the maximum */                                                                                                                \
	X(M_SAML_ERR_TOO_MANY_KEYS,                                                                                                           \
	  "This organisation has the maximum of {0} signing keys; delete one before "                                                         \
	  "creating another.",                                                                                                                \
	  "この組織の署名鍵は上限の {0} 個に達しています。"                                                              \
	  "作成する前にいずれかを削除してください。")                                                                                         \
	X(M_SAML_ERR_BITS, "Choose a key size of 2048 or 3072 bits.",                                                                         \
	  "鍵長は 2048 ビットまたは 3072 ビットを選んでください。")                                                                           \
	X(M_ADM_DONE_KEY_CREATED,                                                                                                             \
	  "The signing key has been created and is published in the metadata.",                                                               \
	  "署名鍵を作成し、メタデータに公開しました。")                                                                                       \
	X(M_ADM_DONE_KEY_ACTIVATED,                                                                                                           \
	  "The key has been activated: responses are signed with it from now on.",                                                            \
	  "鍵を有効化しました。これからのレスポンスはこの鍵で署名されます。")                                                                 \
	X(M_ADM_DONE_KEY_DELETED, "The signing key has been deleted.", "署名鍵を削除しました。")                                              \
	/* service providers */                                                                                                               \
	X(M_SAML_SPS, "Service providers", "サービスプロバイダー")                                                                            \
	X(M_SAML_SPS_INTRO,                                                                                                                   \
	  "Applications that sign their users in through Sekisho with SAML 2.0. Users "                                                       \
	  "whose role is admitted see them on their home page.",                                                                              \
	  "SAML 2.0 で Sekisho を使ってログインするアプリケーションです。"                                              \
	  "ロールが許可されているユーザーのホーム画面に表示されます。")                                                                       \
	X(M_SAML_SP_NAME, "Name", "名前")                                                                                                     \
	X(M_SAML_SP_ENTITY, "Entity ID", "エンティティ ID")                                                                                   \
	X(M_SAML_SP_FORMAT, "NameID format", "NameID 形式")                                                                                   \
	X(M_SAML_SP_ATTRS, "Attributes sent", "送信する属性")                                                                                 \
	X(M_SAML_SP_SIGN, "Signed", "署名")                                                                                                   \
	X(M_SAML_SP_ENCRYPT, "Encryption", "暗号化")                                                                                          \
	X(M_SAML_SP_ROLES, "Roles admitted", "許可するロール")                                                                                \
	X(M_SAML_SP_NONE, "No service provider yet.",                                                                                         \
	  "サービスプロバイダーはまだ登録されていません。")                                                                                   \
	X(M_SAML_SP_SETTINGS, "Settings", "設定")                                                                                             \
	X(M_SAML_FMT_PERSISTENT, "Persistent", "永続 (persistent)")                                                                           \
	X(M_SAML_FMT_EMAIL, "E-mail address", "メールアドレス")                                                                               \
	X(M_SAML_FMT_TRANSIENT, "Transient", "一時 (transient)")                                                                              \
	X(M_SAML_FMT_UNSPECIFIED, "Unspecified", "指定なし (unspecified)")                                                                    \
	X(M_SAML_SIGN_BOTH, "Response and assertion", "レスポンスとアサーション")                                                             \
	X(M_SAML_SIGN_RESPONSE, "Response only", "レスポンスのみ")                                                                            \
	X(M_SAML_SIGN_ASSERTION, "Assertion only", "アサーションのみ")                                                                        \
	X(M_SAML_ENC_YES, "Encrypted", "暗号化する")                                                                                          \
	X(M_SAML_ENC_NO, "Not encrypted", "暗号化しない")                                                                                     \
	X(M_SAML_ATTR_EMAIL, "E-mail address", "メールアドレス")                                                                              \
	X(M_SAML_ATTR_NAME, "Display name", "表示名")                                                                                         \
	X(M_SAML_ATTR_ROLE, "Role", "ロール")                                                                                                 \
	X(M_SAML_ATTRS_NONE, "none", "なし")                                                                                                  \
	/* registering one */                                                                                                                 \
	X(M_SAML_SP_ADD, "Register a service provider", "サービスプロバイダーを登録")                                                         \
	X(M_SAML_SP_REGISTER, "Register", "登録")                                                                                             \
	X(M_SAML_SP_NAME_HINT,                                                                                                                \
	  "Shown to users on their home page; left empty, the entity ID is used.",                                                            \
	  "ユーザーのホーム画面に表示されます。空欄の場合はエンティティ ID を使います。")                                                     \
	X(M_SAML_SP_METADATA, "Metadata (XML)", "メタデータ (XML)")                                                                           \
	X(M_SAML_SP_METADATA_HINT,                                                                                                            \
	  "Paste the service provider's SAML 2.0 metadata, at most 64 KiB. Its settings "                                                     \
	  "start from it (the first NameID format it lists that Sekisho supports, "                                                           \
	  "encryption when it has an encryption key, every attribute, both signed, both "                                                     \
	  "roles); change them afterwards under Settings.",                                                                                   \
	  "サービスプロバイダーの SAML 2.0 メタデータ (64 KiB まで) を貼り付けて"                                     \
	  "ください。"                                                                                                                   \
	  "設定はメタデータから決まります (Sekisho が対応する最初の NameID 形式、"                                  \
	  "暗号化用の鍵があれば暗号化、すべての属性、"                                                                   \
	  "両方に署名、両方のロール)。登録後に「設定」で変更できます。")                                                                      \
	X(M_SAML_SP_INVALID,                                                                                                                  \
	  "Nothing was registered. Please correct:", "登録しませんでした。次を修正してください:")                                             \
	X(M_SAML_ERR_METADATA_EMPTY, "Paste the service provider's metadata.",                                                                \
	  "サービスプロバイダーのメタデータを貼り付けてください。")                                                                           \
	/* {0}: what is wrong with it (M_SAML_MD_*) */                                                                                        \
	X(M_SAML_ERR_METADATA,                                                                                                                \
	  "This is not SAML 2.0 service provider metadata Sekisho can use: {0}.",                                                             \
	  "Sekisho が利用できる SAML 2.0 サービスプロバイダーのメタデータではありま"                               \
	  "せん: {0}。")                                                                                                                      \
	X(M_SAML_ERR_METADATA_LARGE, "The metadata is larger than Sekisho accepts.",                                                          \
	  "メタデータが受け付けられる大きさを超えています。")                                                                                 \
	/* {0}: the entity ID */                                                                                                              \
	X(M_SAML_ERR_ENTITY_TAKEN,                                                                                                            \
	  "A service provider with the entity ID {0} is registered already.",                                                                 \
	  "エンティティ ID {0} のサービスプロバイダーはすでに登録されています。")                                                             \
	/* {0}: the maximum */                                                                                                                \
	X(M_SAML_ERR_TOO_MANY_SPS,                                                                                                            \
	  "This organisation has the maximum of {0} service providers; remove one before "                                                    \
	  "registering another.",                                                                                                             \
	  "この組織のサービスプロバイダーは上限の {0} 件に達しています。"                                         \
	  "登録する前にいずれかを削除してください。")                                                                                         \
	/* why metadata is refused (saml/spmeta.c) */                                                                                         \
	X(M_SAML_MD_ENDPOINT, "an endpoint has no Binding or Location",                                                                       \
	  "Binding または Location のないエンドポイントがあります")                                                                           \
	X(M_SAML_MD_LOCATION, "an endpoint's Location is not an absolute http(s) URL",                                                        \
	  "エンドポイントの Location が http(s) の絶対 URL ではありません")                                                                   \
	X(M_SAML_MD_INDEX, "an AssertionConsumerService index is not a number",                                                               \
	  "AssertionConsumerService の index が数値ではありません")                                                                           \
	X(M_SAML_MD_KEY_USE, "a KeyDescriptor's use is neither signing nor encryption",                                                       \
	  "KeyDescriptor の use が signing でも encryption で"                                                                           \
	  "もありません")                                                                                                                     \
	X(M_SAML_MD_KEY_CERT, "a KeyDescriptor has no X.509 certificate that can be read",                                                    \
	  "読み取れる X.509 証明書のない KeyDescriptor があります")                                                                           \
	X(M_SAML_MD_CERTS, "it has too many certificates", "証明書が多すぎます")                                                              \
	X(M_SAML_MD_PROTOCOL, "its SPSSODescriptor does not support SAML 2.0",                                                                \
	  "SPSSODescriptor が SAML 2.0 に対応していません")                                                                                   \
	X(M_SAML_MD_ENDPOINTS, "it has too many endpoints", "エンドポイントが多すぎます")                                                     \
	X(M_SAML_MD_FORMAT, "a NameIDFormat is empty or too long",                                                                            \
	  "空または長すぎる NameIDFormat があります")                                                                                         \
	X(M_SAML_MD_ACS, "it has no AssertionConsumerService with the HTTP-POST binding",                                                     \
	  "HTTP-POST バインディングの AssertionConsumerService が"                                                                   \
	  "ありません")                                                                                                                       \
	X(M_SAML_MD_EMPTY, "it is empty or holds a NUL byte",                                                                                 \
	  "空であるか NUL バイトを含んでいます")                                                                                              \
	X(M_SAML_MD_XML, "it is not well-formed XML", "整形式の XML ではありません")                                                          \
	X(M_SAML_MD_DOCTYPE, "it has a DOCTYPE", "DOCTYPE を含んでいます")                                                                    \
	X(M_SAML_MD_ROOT, "it is not one EntityDescriptor",                                                                                   \
	  "1 つの EntityDescriptor ではありません")                                                                                           \
	X(M_SAML_MD_ENTITY, "it has no entityID, or one longer than 1024 characters",                                                         \
	  "entityID がないか、1024 文字を超えています")                                                                                       \
	X(M_SAML_MD_SPSSO, "it does not have exactly one SPSSODescriptor",                                                                    \
	  "SPSSODescriptor がちょうど 1 つではありません")                                                                                    \
	/* one service provider's page */                                                                                                     \
	X(M_SAML_SP_BACK, "← SAML", "← SAML")                                                                                                 \
	X(M_SAML_SP_ENC_KEY, "Encryption key", "暗号化用の鍵")                                                                                \
	X(M_SAML_SP_ENC_KEY_YES, "in the metadata", "メタデータにあり")                                                                       \
	X(M_SAML_SP_ENC_KEY_NO, "none in the metadata", "メタデータになし")                                                                   \
	X(M_SAML_SP_REGISTERED, "Registered", "登録日時")                                                                                     \
	X(M_SAML_SP_ENCRYPT_BOX, "Encrypt assertions", "アサーションを暗号化する")                                                            \
	X(M_SAML_SP_ENCRYPT_NO_KEY,                                                                                                           \
	  "The metadata has no encryption key, so assertions cannot be encrypted for this "                                                   \
	  "service provider.",                                                                                                                \
	  "メタデータに暗号化用の鍵がないため、このサービスプロバイダー向けのアサーションは暗号化" \
	  "でき"                                                                                                                            \
	  "ません。")                                                                                                                         \
	X(M_SAML_SP_ATTRS_HINT, "Sent in every assertion besides the NameID.",                                                                \
	  "NameID のほかに、すべてのアサーションで送信します。")                                                                              \
	X(M_SAML_SP_SAVE_INVALID,                                                                                                             \
	  "Nothing was saved. Please correct:", "保存しませんでした。次を修正してください:")                                                  \
	X(M_SAML_ERR_FORMAT, "Choose one of the NameID formats listed.",                                                                      \
	  "一覧の NameID 形式から選んでください。")                                                                                           \
	X(M_SAML_ERR_SIGN, "Choose what to sign from the list.",                                                                              \
	  "署名する対象を一覧から選んでください。")                                                                                           \
	X(M_SAML_ERR_ATTRS, "Tick only the attributes listed, each once.",                                                                    \
	  "一覧の属性だけを、それぞれ 1 回チェックしてください。")                                                                            \
	X(M_SAML_ERR_ENCRYPT,                                                                                                                 \
	  "Its metadata has no encryption key, so assertions cannot be encrypted for it. "                                                    \
	  "Untick encryption.",                                                                                                               \
	  "メタデータに暗号化用の鍵がないため、アサーションを暗号化できません。"                            \
	  "暗号化のチェックを外してください。")                                                                                               \
	/* {0}: the service provider's name */                                                                                                \
	X(M_SAML_SP_CONFIRM, "Remove the service provider {0}?",                                                                              \
	  "サービスプロバイダー {0} を削除しますか?")                                                                                         \
	X(M_SAML_SP_CONFIRM_WHAT,                                                                                                             \
	  "{0} disappears from users' home pages, and Sekisho stops signing anyone in to "                                                    \
	  "it, at once.",                                                                                                                     \
	  "{0} はただちにユーザーのホーム画面から消え、"                                                                  \
	  "Sekisho はこのサービスプロバイダーへのログインを受け付けなくなります。")                                                           \
	X(M_ADM_DONE_SP_ADDED, "The service provider has been registered.",                                                                   \
	  "サービスプロバイダーを登録しました。")                                                                                             \
	X(M_ADM_DONE_SP_CHANGED, "The settings of the service provider have been saved.",                                                     \
	  "サービスプロバイダーの設定を保存しました。")                                                                                       \
	X(M_ADM_DONE_SP_REMOVED, "The service provider has been removed.",                                                                    \
	  "サービスプロバイダーを削除しました。")                                                                                             \
	/* the audit log */                                                                                                                   \
	X(M_AUD_G_SAML, "SAML", "SAML")                                                                                                       \
	X(M_AUD_A_SAML_KEY_CREATED, "Signing key created", "署名鍵の作成")                                                                    \
	X(M_AUD_A_SAML_KEY_ACTIVATED, "Signing key activated", "署名鍵の有効化")                                                              \
	X(M_AUD_A_SAML_KEY_DELETED, "Signing key deleted", "署名鍵の削除")                                                                    \
	X(M_AUD_A_SAML_SP_ADDED, "Service provider registered", "サービスプロバイダーの登録")                                                 \
	X(M_AUD_A_SAML_SP_REMOVED, "Service provider removed", "サービスプロバイダーの削除")                                                  \
	X(M_AUD_A_SAML_SP_CHANGED, "Service provider changed", "サービスプロバイダーの設定変更")                                              \
	/* {2}: the key's number, {3}: its size in bits */                                                                                    \
	X(M_AUD_S_SAML_KEY_ACTIVE,                                                                                                            \
	  "{0} created SAML signing key #{2} ({3} bits) and made it the active key",                                                          \
	  "{0} が SAML 署名鍵 #{2} ({3} ビット) を作成し、"                                                                       \
	  "使用中の鍵にしました")                                                                                                             \
	X(M_AUD_S_SAML_KEY_NEXT, "{0} created SAML signing key #{2} ({3} bits) as the next key",                                              \
	  "{0} が SAML 署名鍵 #{2} ({3} ビット) を次の鍵として作成しました")                                                                  \
	X(M_AUD_S_SAML_KEY_ACTIVATED,                                                                                                         \
	  "{0} activated SAML signing key #{2}: responses are signed with it",                                                                \
	  "{0} が SAML 署名鍵 #{2} を有効化しました (以後のレスポンスはこの鍵で署名"                               \
	  ")")                                                                                                                                \
	X(M_AUD_S_SAML_KEY_DELETED, "{0} deleted SAML signing key #{2}",                                                                      \
	  "{0} が SAML 署名鍵 #{2} を削除しました")                                                                                           \
	/* {2}: the service provider's name, {3}: its entity ID */                                                                            \
	X(M_AUD_S_SAML_SP_ADDED, "{0} registered the service provider “{2}” ({3})",                                                           \
	  "{0} がサービスプロバイダー「{2}」({3}) を登録しました")                                                                            \
	X(M_AUD_S_SAML_SP_REMOVED, "{0} removed the service provider “{2}” ({3})",                                                            \
	  "{0} がサービスプロバイダー「{2}」({3}) を削除しました")                                                                            \
	X(M_AUD_S_SAML_SP_CHANGED, "{0} changed the service provider “{2}” ({3}):",                                                           \
	  "{0} がサービスプロバイダー「{2}」({3}) の設定を変更しました:")

#endif
