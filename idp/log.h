/*
 * Structured operator log: one line per event on stderr, logfmt
 * (time=2026-11-22T03:04:05.123Z level=info msg="...") or JSON
 * ({"time":...,"level":...,"msg":...}) by the log_format key.  Secrets
 * never go here.
 *
 * The ground floor, like idp/err.h: every folder may include this, and it
 * includes nothing else of ours.  Keep it that way.
 */
#ifndef IDP_LOG_H
#define IDP_LOG_H

#include <stddef.h>

enum idp_log_level { IDP_LOG_DEBUG, IDP_LOG_INFO, IDP_LOG_WARN, IDP_LOG_ERROR };

void idp_log_set_level(enum idp_log_level level);

/* How a line looks: logfmt (time=... level=... msg="...") or one JSON
 * object {"time","level","msg"} per line, for Loki or Elasticsearch. */
enum idp_log_format { IDP_LOG_LOGFMT, IDP_LOG_JSON };
void idp_log_set_format(enum idp_log_format f);

/* The line for one event into out (outsz bytes, at least 64), newline
 * included; returns its length (0 when out is too small).  A message that
 * does not fit is cut at a character boundary, the line stays well-formed. */
size_t idp_log_format_line(enum idp_log_format f, enum idp_log_level level, const char *time,
                           const char *msg, char *out, size_t outsz);
void idp_log(enum idp_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define idp_debug(...) idp_log(IDP_LOG_DEBUG, __VA_ARGS__)
#define idp_info(...)  idp_log(IDP_LOG_INFO, __VA_ARGS__)
#define idp_warn(...)  idp_log(IDP_LOG_WARN, __VA_ARGS__)
#define idp_error(...) idp_log(IDP_LOG_ERROR, __VA_ARGS__)

#endif
