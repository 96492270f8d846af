/* Per-address login throttling: see idp/throttle.h. */
#include "idp/throttle.h"

#include "idp/crypto.h"

#include <pthread.h>
#include <string.h>

#define SLOTS 8192

struct slot {
	struct idp_addr addr;
	int64_t window_start;
	unsigned failures;
	bool used;
};

static struct slot table[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned max_fail = 30;
static unsigned window = 300;

void idp_throttle_configure(unsigned max_failures, unsigned window_seconds)
{
	pthread_mutex_lock(&lock);
	max_fail = max_failures;
	window = window_seconds;
	pthread_mutex_unlock(&lock);
}

static unsigned bucket(const struct idp_addr *a)
{
	unsigned char h[IDP_SHA256_LEN];
	unsigned v;

	idp_sha256(a->b, sizeof a->b, h);
	memcpy(&v, h, sizeof v);
	return v % SLOTS;
}

/* Find a's slot within 8 probes; with create, reuse an expired or the oldest. */
static struct slot *find(const struct idp_addr *a, int64_t now, bool create)
{
	unsigned b = bucket(a);
	struct slot *victim = NULL;

	for (unsigned i = 0; i < 8; i++) {
		struct slot *s = &table[(b + i) % SLOTS];
		if (s->used && memcmp(&s->addr, a, sizeof *a) == 0) {
			if (now - s->window_start >= (int64_t)window) {
				s->window_start = now;
				s->failures = 0;
			}
			return s;
		}
		if (!victim || !s->used || (victim->used && s->window_start < victim->window_start))
			victim = s;
	}
	if (!create)
		return NULL;
	victim->used = true;
	victim->addr = *a;
	victim->window_start = now;
	victim->failures = 0;
	return victim;
}

/* IPv6 hosts usually hold a whole /64: count them by that prefix, or one
 * host could rotate addresses past the limit. IPv4 stays per address. */
static struct idp_addr key_of(const struct idp_addr *a)
{
	static const unsigned char v4map[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	struct idp_addr k = *a;

	if (memcmp(k.b, v4map, sizeof v4map) != 0)
		memset(k.b + 8, 0, 8);
	return k;
}

bool idp_throttle_blocked(const struct idp_addr *addr, int64_t now)
{
	struct idp_addr k = key_of(addr);
	const struct idp_addr *a = &k;
	struct slot *s;
	bool blocked;

	pthread_mutex_lock(&lock);
	s = find(a, now, false);
	blocked = s && s->failures >= max_fail;
	pthread_mutex_unlock(&lock);
	return blocked;
}

unsigned idp_throttle_fail(const struct idp_addr *addr, int64_t now)
{
	struct idp_addr k = key_of(addr);
	const struct idp_addr *a = &k;
	unsigned n;

	pthread_mutex_lock(&lock);
	struct slot *s = find(a, now, true);
	if (s->failures < 0xffffffffu)
		s->failures++;
	n = s->failures;
	pthread_mutex_unlock(&lock);
	return n;
}

bool idp_throttle_worth_logging(unsigned n)
{
	unsigned limit;

	pthread_mutex_lock(&lock);
	limit = max_fail;
	pthread_mutex_unlock(&lock);
	return n == 1 || n == limit;
}

void idp_throttle_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(table, 0, sizeof table);
	pthread_mutex_unlock(&lock);
}
