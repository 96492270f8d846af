/*
 * Time as Sekisho writes it (idp/time.c).
 */
#ifndef IDP_TIME_H
#define IDP_TIME_H

#include <stdbool.h>
#include <stdint.h>

/* Format t (Unix seconds, UTC) as "2026-11-22T03:04:05Z" into out (21 bytes). */
void idp_time_iso(int64_t t, char out[21]);

/* Current Unix time in microseconds (CLOCK_REALTIME). */
int64_t idp_now_us(void);

#define IDP_TZ_NAME_MAX 64 /* bytes of an IANA zone name, with its NUL */

/* True for a plausible IANA zone name ("Asia/Tokyo") that exists as a
 * compiled zone file under /usr/share/zoneinfo; the character rules keep the
 * name inside that directory before the file system is asked. */
bool idp_tz_valid(const char *name);

/* UTC offset in seconds of zone name at Unix time t; false if the zone
 * cannot be read.  Zones are cached for the life of the process. */
bool idp_tz_offset(int64_t t, const char *name, long *off);

/* Format Unix time t in zone tz as "2026-11-22 12:04:05 +09:00" ("-" for
 * no time); an unreadable zone shows UTC. */
void idp_time_local(int64_t t, const char *tz, char out[40]);

#endif
