/*
 * The audit log's words: the filter form, the table, and the sentence for each action
 * (web/admin_audit.c, web/audit_text.c). Part of the catalogue of web/i18n.h, which includes it.
 */
#ifndef WEB_I18N_AUDIT_H
#define WEB_I18N_AUDIT_H

#define WEB_MESSAGES_AUDIT(X)                                                                                                         \
	X(M_ADM_AUD_FROM, "From", "開始日時")                                                                                         \
	X(M_ADM_AUD_TO, "To", "終了日時")                                                                                             \
	X(M_ADM_AUD_ACTION, "Action", "アクション")                                                                                   \
	X(M_ADM_AUD_ACTOR, "Actor (e-mail address)", "実行者 (メールアドレス)")                                                       \
	X(M_ADM_AUD_FILTER, "Apply filters", "絞り込む")                                                                              \
	X(M_ADM_AUD_CLEAR, "Clear filters", "条件をクリア")                                                                           \
	X(M_ADM_AUD_EXPORT, "Export CSV", "CSV をエクスポート")                                                                       \
	X(M_ADM_AUD_TIME, "Time", "日時")                                                                                             \
	X(M_ADM_AUD_WHO, "Actor", "実行者")                                                                                           \
	X(M_ADM_AUD_TARGET, "Target", "対象")                                                                                         \
	X(M_ADM_AUD_RESULT, "Result", "結果")                                                                                         \
	X(M_ADM_AUD_DETAIL, "Detail", "詳細")                                                                                         \
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
	  "日付は YYYY-MM-DD または YYYY-MM-DDTHH:MM の形式で入力してください。")

#endif
