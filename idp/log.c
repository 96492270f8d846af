/* The operator log.  One write(2) per line so threads never interleave. */
#include "idp/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum idp_log_level min_level = IDP_LOG_INFO;

void idp_log_set_level(enum idp_log_level level)
{
	min_level = level;
}

void idp_log(enum idp_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	char line[2048], msg[1800];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;
	int m;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s msg=\"",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	             ts.tv_nsec / 1000000, names[level]);
	va_start(ap, fmt);
	m = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	/* One event per line, and msg="..." stays one field: newlines become
	 * spaces, quotes and backslashes are escaped. */
	for (const char *p = msg; *p && (size_t)n < sizeof line - 4; p++) {
		if (*p == '\n' || *p == '\r') {
			line[n++] = ' ';
			continue;
		}
		if (*p == '"' || *p == '\\')
			line[n++] = '\\';
		line[n++] = *p;
	}
	line[n++] = '"';
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}
