/*
 * Time as Sekisho writes it: UTC in ISO 8601 for APIs, logs and mail,
 * microseconds for the audit log, and local time in a tenant's IANA zone
 * for the console.  Zones are read from Debian's compiled zone files
 * (tzdata, RFC 8536 TZif) by our own reader, because localtime_r() follows
 * the process-wide TZ, which threads cannot switch safely.
 */
#include "idp/time.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZONEINFO_DIR "/usr/share/zoneinfo/"

/* Write v as exactly width decimal digits ending before p. */
static void put_digits(char *p, unsigned v, int width)
{
	while (width-- > 0) {
		*--p = (char)('0' + v % 10);
		v /= 10;
	}
}

void idp_time_iso(int64_t t, char out[21])
{
	/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the four-digit years. */
	const int64_t min = INT64_C(-62167219200);
	const int64_t max = INT64_C(253402300799);
	struct tm tm;
	time_t tt;

	if (t < min)
		t = min;
	if (t > max)
		t = max;
	tt = (time_t)t;
	if (!gmtime_r(&tt, &tm)) {
		/* Cannot happen for the clamped range with a 64-bit time_t. */
		memcpy(out, "1970-01-01T00:00:00Z", 21);
		return;
	}
	memcpy(out, "0000-00-00T00:00:00Z", 21);
	put_digits(out + 4, (unsigned)(tm.tm_year + 1900), 4);
	put_digits(out + 7, (unsigned)(tm.tm_mon + 1), 2);
	put_digits(out + 10, (unsigned)tm.tm_mday, 2);
	put_digits(out + 13, (unsigned)tm.tm_hour, 2);
	put_digits(out + 16, (unsigned)tm.tm_min, 2);
	put_digits(out + 19, (unsigned)tm.tm_sec, 2);
}

int64_t idp_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* True for a plausible IANA zone name that exists as a compiled zone file
 * under /usr/share/zoneinfo (Debian tzdata).  The character rules keep the
 * name inside that directory before the file system is asked. */
bool idp_tz_valid(const char *tz)
{
	char path[sizeof ZONEINFO_DIR + IDP_TZ_NAME_MAX];
	char magic[4];
	struct stat st;
	size_t n = strlen(tz);
	int fd = -1;
	bool ok = false;

	if (n == 0 || n >= IDP_TZ_NAME_MAX || tz[0] == '/' || tz[n - 1] == '/')
		goto out;
	if (strstr(tz, "..") || strstr(tz, "//"))
		goto out;
	for (size_t i = 0; i < n; i++) {
		char c = tz[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-' || c == '/'))
			goto out;
	}
	snprintf(path, sizeof path, "%s%s", ZONEINFO_DIR, tz);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		goto out;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	/* Not every regular file there is a zone ("leapseconds" is text). */
	if (read(fd, magic, sizeof magic) != (ssize_t)sizeof magic)
		goto out;
	ok = memcmp(magic, "TZif", sizeof magic) == 0;
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * Time zones.  localtime_r() reads the process-wide TZ, which threads cannot
 * switch safely, so we read the zone's TZif file (RFC 8536) ourselves: the
 * version-2 64-bit transition table is enough to find the UTC offset at a
 * given instant.  Parsed zones are cached for the life of the process.
 */
#define TZ_CACHE     16
#define TZ_MAX_TRANS 2000

struct tz_zone {
	char name[64];
	int n;
	int64_t *at;     /* transition times */
	int32_t *off_at; /* offset in effect from at[i] */
	int32_t first_off;
};

static struct tz_zone tz_cache[TZ_CACHE];
static int tz_n;
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool tz_load(const char *name, struct tz_zone *z)
{
	char path[128];
	unsigned char *buf = NULL;
	bool ok = false;
	FILE *f;
	long len;

	if (snprintf(path, sizeof path, ZONEINFO_DIR "%s", name) >= (int)sizeof path ||
	    strstr(name, ".."))
		return false;
	f = fopen(path, "rb");
	if (!f)
		return false;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 44 || len > 1 << 20 ||
	    fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)len);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len || memcmp(buf, "TZif", 4))
		goto out;
	/* Skip the version-1 block to the 64-bit one. */
	uint32_t c[6];
	for (int i = 0; i < 6; i++)
		c[i] = be32(buf + 20 + 4 * i);
	size_t v1 =
	    44 + (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
	if (buf[4] < '2' || v1 + 44 > (size_t)len)
		goto out;
	const unsigned char *h = buf + v1;
	if (memcmp(h, "TZif", 4))
		goto out;
	for (int i = 0; i < 6; i++)
		c[i] = be32(h + 20 + 4 * i);
	/* c: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
	size_t need = 44 + (size_t)c[3] * 9 + (size_t)c[4] * 6;
	if (c[3] > TZ_MAX_TRANS || c[4] == 0 || c[4] > 256 || v1 + need > (size_t)len)
		goto out;
	const unsigned char *times = h + 44, *idx = times + c[3] * 8, *types = idx + c[3];
	z->at = calloc(c[3] ? c[3] : 1, sizeof *z->at);
	z->off_at = calloc(c[3] ? c[3] : 1, sizeof *z->off_at);
	if (!z->at || !z->off_at)
		goto out;
	for (uint32_t i = 0; i < c[3]; i++) {
		z->at[i] = (int64_t)((uint64_t)be32(times + 8 * i) << 32 | be32(times + 8 * i + 4));
		unsigned t = idx[i] < c[4] ? idx[i] : 0;
		z->off_at[i] = (int32_t)be32(types + 6 * t);
	}
	z->first_off = (int32_t)be32(types);
	z->n = (int)c[3];
	snprintf(z->name, sizeof z->name, "%s", name);
	ok = true;
out:
	if (!ok) {
		free(z->at);
		free(z->off_at);
		z->at = NULL;
		z->off_at = NULL;
	}
	free(buf);
	fclose(f);
	return ok;
}

bool idp_tz_offset(int64_t t, const char *name, long *off)
{
	struct tz_zone *z = NULL;

	pthread_mutex_lock(&tz_lock);
	for (int i = 0; i < tz_n; i++)
		if (strcmp(tz_cache[i].name, name) == 0)
			z = &tz_cache[i];
	if (!z && tz_n < TZ_CACHE && tz_load(name, &tz_cache[tz_n]))
		z = &tz_cache[tz_n++];
	if (z) {
		int lo = 0, hi = z->n; /* first transition after t */
		while (lo < hi) {
			int mid = (lo + hi) / 2;
			if (z->at[mid] <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		*off = lo == 0 ? z->first_off : z->off_at[lo - 1];
	}
	pthread_mutex_unlock(&tz_lock);
	return z != NULL;
}

void idp_time_local(int64_t t, const char *tz, char out[40])
{
	struct tm tm;
	time_t tt;
	long off = 0;

	if (t <= 0 || t > 253402300799LL) {
		snprintf(out, 40, "-");
		return;
	}
	if (!idp_tz_offset(t, tz, &off))
		off = 0;
	tt = (time_t)(t + off);
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, 40, "-");
		return;
	}
	snprintf(out, 40, "%04d-%02d-%02d %02d:%02d:%02d %c%02ld:%02ld", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	         labs(off) / 3600, (labs(off) % 3600) / 60);
}
