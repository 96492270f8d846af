/* The operator log.  One write(2) per line so threads never interleave. */
#include "idp/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum idp_log_level min_level = IDP_LOG_INFO;
static enum idp_log_format format = IDP_LOG_LOGFMT;

void idp_log_set_level(enum idp_log_level level)
{
	min_level = level;
}

void idp_log_set_format(enum idp_log_format f)
{
	format = f;
}

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when it is not
 * one: JSON must be valid UTF-8, and a message may hold a cut one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80             ? 1
	             : (s[0] & 0xe0) == 0xc0 ? 2
	             : (s[0] & 0xf0) == 0xe0 ? 3
	             : (s[0] & 0xf8) == 0xf0 ? 4
	                                     : 0;

	if (!len || len > n || (len == 2 && s[0] < 0xc2) || (len == 4 && s[0] > 0xf4))
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (len == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0;
	if (len == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return len;
}

size_t idp_log_format_line(enum idp_log_format f, enum idp_log_level level, const char *time,
                           const char *msg, char *out, size_t outsz)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	size_t n, mlen = strlen(msg);
	int k;

	if (outsz < 64)
		return 0;
	k = f == IDP_LOG_JSON ? snprintf(out, outsz, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"",
	                                 time, names[level])
	                      : snprintf(out, outsz, "time=%s level=%s msg=\"", time, names[level]);
	if (k < 0 || (size_t)k >= outsz)
		return 0;
	n = (size_t)k;
	/* One event per line, and the message stays one field: control
	 * characters are escaped (JSON) or become spaces (logfmt), quotes and
	 * backslashes are escaped, and in JSON a byte that is not UTF-8 is
	 * U+FFFD.  Room is kept for the closing quote, brace and newline. */
	for (size_t i = 0; i < mlen;) {
		const unsigned char *p = (const unsigned char *)msg + i;
		char esc[8] = "";
		size_t len = 1;

		if (*p < 0x20 || *p == 0x7f) {
			if (f == IDP_LOG_JSON)
				snprintf(esc, sizeof esc, "\\u%04x", *p);
			else
				strcpy(esc, " ");
		} else if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			esc[2] = 0;
		} else if (*p >= 0x80 && f == IDP_LOG_JSON) {
			len = utf8_len(p, mlen - i);
			if (!len) {
				strcpy(esc, "\\ufffd");
				len = 1;
			}
		}
		if (esc[0]) {
			if (n + strlen(esc) + 4 > outsz)
				break;
			memcpy(out + n, esc, strlen(esc));
			n += strlen(esc);
		} else {
			if (n + len + 4 > outsz)
				break;
			memcpy(out + n, p, len);
			n += len;
		}
		i += len;
	}
	out[n++] = '"';
	if (f == IDP_LOG_JSON)
		out[n++] = '}';
	out[n++] = '\n';
	out[n] = 0;
	return n;
}

void idp_log(enum idp_log_level level, const char *fmt, ...)
{
	char line[2048], msg[1800], time[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(time, sizeof time, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
		msg[0] = 0;
	va_end(ap);
	n = idp_log_format_line(format, level, time, msg, line, sizeof line);
	if (n)
		(void)!write(STDERR_FILENO, line, n);
}
