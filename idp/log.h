/*
 * Structured operator log: one line per event on stderr,
 * "2026-11-22T03:04:05.123Z level=info msg=\"...\"".  Secrets never go here.
 *
 * The ground floor, like idp/err.h: every folder may include this, and it
 * includes nothing else of ours.  Keep it that way.
 */
#ifndef IDP_LOG_H
#define IDP_LOG_H

enum idp_log_level { IDP_LOG_DEBUG, IDP_LOG_INFO, IDP_LOG_WARN, IDP_LOG_ERROR };

void idp_log_set_level(enum idp_log_level level);
void idp_log(enum idp_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define idp_debug(...) idp_log(IDP_LOG_DEBUG, __VA_ARGS__)
#define idp_info(...)  idp_log(IDP_LOG_INFO, __VA_ARGS__)
#define idp_warn(...)  idp_log(IDP_LOG_WARN, __VA_ARGS__)
#define idp_error(...) idp_log(IDP_LOG_ERROR, __VA_ARGS__)

#endif
