/*
 * The session cache: each node keeps the sessions it has answered for, keyed
 * by the SHA-256 of their cookie, so that the gateway (and whatever else asks
 * idp_session_check_cached) decides from memory.  What a cached session is
 * decided by is kept as raw facts (times, the user's status and lock) and
 * judged on every request against the tenant's current policy
 * (idp_session_verdict), so a policy change needs no invalidation.
 *
 * Coherence: the database notifies every node when a session ends or a user
 * changes (store/migrations/007_gateway.sql); the watcher (idp/watch.c)
 * forwards those here.  While the watcher is not listening, nothing is
 * served from memory.  A fill races a notification through the epoch and
 * the log of recent forgets: what was read before a forget of that session
 * or its user is not kept.
 *
 * Activity: a hit records the time in the entry; the flusher writes what
 * changed every IDP_SESSION_FLUSH_SECONDS, so another node's idle check can
 * lag by that much.  A verdict other than "good" is never taken from memory:
 * the database decides (and ends the session when it really is over).
 *
 * Cookies that are no session (unknown, ended) are remembered too, in a
 * bounded ring, so repeating one costs no database round trip; a stream of
 * different unknown cookies counts against the source address like failed
 * logins (idp/throttle.h) and stops reaching the database at the limit.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "idp/rules.h"
#include "idp/throttle.h"
#include "store/session.h"

/* A cached session is kept small (a hundred-odd bytes with its texts):
 * 100,000 of them fit in a few tens of megabytes. */
struct entry {
	struct entry *next;      /* bucket chain */
	struct entry *next_user; /* live sessions: the chain of the user's bucket */
	unsigned char hash[IDP_SHA256_LEN];
	bool negative; /* no session: unknown or ended */
	unsigned ring; /* negative entries: slot in the ring */
	/* live sessions: */
	bool must_change;
	enum idp_role role;
	int64_t tenant_id, id, user_id;
	int64_t created_at, last_seen_at, expires_at, password_changed_at;
	int64_t seen;    /* last activity seen by this node */
	int64_t flushed; /* last activity the database has from us */
	char text[];     /* e-mail, name and amr, each NUL-terminated */
};

/* Fill out from e (its last activity and password expiry the caller's). */
static void entry_session(const struct entry *e, struct idp_session *out)
{
	const char *name = e->text + strlen(e->text) + 1, *amr = name + strlen(name) + 1;

	memset(out, 0, sizeof *out);
	out->id = e->id;
	out->user_id = e->user_id;
	idp_copy(out->email, sizeof out->email, e->text);
	idp_copy(out->name, sizeof out->name, name);
	idp_copy(out->amr, sizeof out->amr, amr);
	out->role = e->role;
	out->created_at = e->created_at;
	out->last_seen_at = e->last_seen_at;
	out->expires_at = e->expires_at;
	out->must_change_password = e->must_change;
	out->password_changed_at = e->password_changed_at;
	memcpy(out->token_hash, e->hash, IDP_SHA256_LEN);
}

static struct {
	pthread_mutex_t lock;
	struct entry **buckets;
	size_t nbuckets;      /* power of two */
	struct entry **users; /* live sessions by user id (nbuckets / 4 chains) */
	unsigned max_sessions, max_unknown;
	unsigned sessions, unknown;
	struct entry **ring; /* negative entries, oldest replaced first */
	unsigned ring_next;
	uint64_t epoch;
	bool trusted;
	unsigned long hits, misses, db_lookups;
	unsigned evict_hand;
} sc = {.lock = PTHREAD_MUTEX_INITIALIZER, .max_sessions = 200000, .max_unknown = 20000};

void idp_session_cache_configure(unsigned max_sessions, unsigned max_unknown)
{
	pthread_mutex_lock(&sc.lock);
	if (max_sessions)
		sc.max_sessions = max_sessions;
	if (max_unknown)
		sc.max_unknown = max_unknown;
	pthread_mutex_unlock(&sc.lock);
}

static size_t bucket_of(const unsigned char *hash)
{
	size_t v;

	memcpy(&v, hash, sizeof v); /* a SHA-256: already uniform */
	return v & (sc.nbuckets - 1);
}

/* Lock held.  Allocate the table on first use. */
static bool table_ready(void)
{
	size_t n = 1024;

	if (sc.buckets)
		return true;
	while (n < (size_t)sc.max_sessions + sc.max_unknown)
		n <<= 1;
	sc.buckets = calloc(n, sizeof *sc.buckets);
	sc.users = calloc(n / 4, sizeof *sc.users);
	sc.ring = calloc(sc.max_unknown, sizeof *sc.ring);
	if (!sc.buckets || !sc.users || !sc.ring) {
		free(sc.buckets);
		free(sc.users);
		free(sc.ring);
		sc.buckets = sc.users = sc.ring = NULL;
		return false;
	}
	sc.nbuckets = n;
	return true;
}

static struct entry **user_chain(int64_t user_id)
{
	uint64_t v = (uint64_t)user_id * 0x9E3779B97F4A7C15ull; /* Fibonacci hashing */

	return &sc.users[(v >> 20) & (sc.nbuckets / 4 - 1)];
}

static struct entry **find_link(const unsigned char *hash)
{
	struct entry **p = &sc.buckets[bucket_of(hash)];

	while (*p && memcmp((*p)->hash, hash, IDP_SHA256_LEN) != 0)
		p = &(*p)->next;
	return p;
}

/* Lock held.  Unlink and free *p. */
static void drop(struct entry **p)
{
	struct entry *e = *p;

	*p = e->next;
	if (e->negative) {
		sc.ring[e->ring] = NULL;
		sc.unknown--;
	} else {
		struct entry **u = user_chain(e->user_id);
		while (*u && *u != e)
			u = &(*u)->next_user;
		if (*u)
			*u = e->next_user;
		sc.sessions--;
	}
	free(e);
}

/* Lock held.  Make room for one more live session: evict one the
 * database needs nothing from (its activity written, or too recent to be
 * due: the database path accepts that lag) or that is over anyway,
 * looking at a few buckets from the hand; false when none was found (the
 * caller then does not cache). */
static bool make_room(int64_t now)
{
	if (sc.sessions < sc.max_sessions)
		return true;
	for (int tries = 0; tries < 64; tries++) {
		struct entry **p = &sc.buckets[sc.evict_hand++ & (sc.nbuckets - 1)];
		for (; *p; p = &(*p)->next)
			if (!(*p)->negative && (!idp_session_touch_due((*p)->seen, (*p)->flushed) ||
			                        (*p)->expires_at <= now)) {
				drop(p);
				return true;
			}
	}
	return false;
}

/* Lock held.  Remember hash as no session of tenant_id (0: of any tenant,
 * for a session that ended), the oldest such entry making way when the
 * ring is full. */
static void put_negative(const unsigned char *hash, int64_t tenant_id)
{
	struct entry **p = find_link(hash), *e;

	if (*p)
		drop(p);
	if (sc.ring[sc.ring_next])
		drop(find_link(sc.ring[sc.ring_next]->hash));
	e = calloc(1, sizeof *e);
	if (!e)
		return;
	memcpy(e->hash, hash, IDP_SHA256_LEN);
	e->negative = true;
	e->tenant_id = tenant_id;
	e->ring = sc.ring_next;
	sc.ring[sc.ring_next] = e;
	sc.ring_next = (sc.ring_next + 1) % sc.max_unknown;
	sc.unknown++;
	p = find_link(hash);
	*p = e;
}

/* Every forget bumps the epoch and is remembered here (the last FORGOTTEN
 * of them), so that a fill that raced one is refused only when the forget
 * concerned what it read. */
#define FORGOTTEN 1024

enum forget_kind { FORGET_ALL, FORGET_HASH, FORGET_USER };

static struct {
	enum forget_kind kind;
	unsigned char hash[IDP_SHA256_LEN];
	int64_t user_id;
} forgotten[FORGOTTEN];

/* Lock held.  Bump the epoch for a forget of kind (hash or user_id). */
static void forget_event(enum forget_kind kind, const unsigned char *hash, int64_t user_id)
{
	unsigned i = (unsigned)(++sc.epoch % FORGOTTEN);

	forgotten[i].kind = kind;
	forgotten[i].user_id = user_id;
	if (hash)
		memcpy(forgotten[i].hash, hash, IDP_SHA256_LEN);
}

/* Lock held.  Whether what was read of hash (user_id, 0 = unknown) while
 * the epoch was since may still be kept: no forget since concerned it. */
static bool fill_ok(uint64_t since, const unsigned char *hash, int64_t user_id)
{
	if (!sc.trusted || sc.epoch - since >= FORGOTTEN)
		return false;
	for (uint64_t e = since + 1; e <= sc.epoch; e++) {
		unsigned i = (unsigned)(e % FORGOTTEN);
		if (forgotten[i].kind == FORGET_ALL ||
		    (forgotten[i].kind == FORGET_HASH &&
		     memcmp(forgotten[i].hash, hash, IDP_SHA256_LEN) == 0) ||
		    (forgotten[i].kind == FORGET_USER && forgotten[i].user_id == user_id))
			return false;
	}
	return true;
}

/* Lock held.  Keep session s of tenant_id (fill_ok said it may). */
static void put_session(int64_t tenant_id, const struct idp_session *s, int64_t now)
{
	struct entry **p, *e;

	p = find_link(s->token_hash);
	if (*p)
		drop(p);
	if (!make_room(now))
		return;
	size_t le = strlen(s->email) + 1, ln = strlen(s->name) + 1, la = strlen(s->amr) + 1;
	e = calloc(1, sizeof *e + le + ln + la);
	if (!e)
		return;
	memcpy(e->hash, s->token_hash, IDP_SHA256_LEN);
	e->tenant_id = tenant_id;
	e->id = s->id;
	e->user_id = s->user_id;
	e->role = s->role;
	e->must_change = s->must_change_password;
	e->created_at = s->created_at;
	e->last_seen_at = s->last_seen_at;
	e->expires_at = s->expires_at;
	e->password_changed_at = s->password_changed_at;
	memcpy(e->text, s->email, le);
	memcpy(e->text + le, s->name, ln);
	memcpy(e->text + le + ln, s->amr, la);
	e->seen = now;
	e->flushed = s->last_seen_at;
	sc.sessions++;
	p = find_link(s->token_hash);
	*p = e;
	e->next_user = *user_chain(e->user_id);
	*user_chain(e->user_id) = e;
}

enum cached { CACHE_MISS, CACHE_GOOD, CACHE_NONE, CACHE_ASK_DB };

/* Lock held.  What the cache says of hash for tenant t at now. */
static enum cached lookup(const struct idp_tenant *t, const unsigned char *hash, int64_t now,
                          struct idp_session *out)
{
	struct entry *e;
	struct idp_session_facts f;

	if (!sc.trusted || !table_ready())
		return CACHE_MISS;
	e = *find_link(hash);
	if (!e)
		return CACHE_MISS;
	/* Unknown to one tenant says nothing of another's: a token first
	 * shown under the wrong tenant must not lock its owner out. */
	if (e->negative)
		return e->tenant_id == 0 || e->tenant_id == t->id ? CACHE_NONE : CACHE_MISS;
	/* Another tenant's session is no session here. */
	if (e->tenant_id != t->id)
		return CACHE_NONE;
	f = (struct idp_session_facts){
	    .now = now,
	    .created_at = e->created_at,
	    .last_seen_at = e->seen > e->last_seen_at ? e->seen : e->last_seen_at,
	    .expires_at = e->expires_at,
	    .ended = false,
	    .status = IDP_STATUS_ACTIVE, /* a user change drops the entry */
	    .locked = false,
	};
	if (idp_session_verdict(&f, &t->policy) != IDP_SESSION_OK)
		return CACHE_ASK_DB;
	entry_session(e, out);
	out->last_seen_at = f.last_seen_at;
	out->password_expired = idp_password_expired(&t->policy, e->password_changed_at, now);
	return CACHE_GOOD;
}

enum idp_err idp_session_check_cached(const struct idp_tenant *t, const char *token,
                                      const struct idp_reqinfo *ri, struct idp_session *out)
{
	unsigned char hash[IDP_SHA256_LEN];
	int64_t now = (int64_t)time(NULL);
	enum cached got;
	uint64_t epoch;
	bool unknown = false;
	enum idp_err err;

	memset(out, 0, sizeof *out);
	if (!token || !idp_token_syntax_ok(token))
		return IDP_ERR_AUTH;
	idp_sha256(token, strlen(token), hash);
	pthread_mutex_lock(&sc.lock);
	got = lookup(t, hash, now, out);
	epoch = sc.epoch;
	if (got == CACHE_GOOD)
		sc.hits++;
	else if (got == CACHE_NONE)
		sc.hits++;
	else
		sc.misses++;
	pthread_mutex_unlock(&sc.lock);
	if (got == CACHE_GOOD)
		return IDP_OK;
	if (got == CACHE_NONE)
		return IDP_ERR_AUTH;
	/* A prober past its limit learns nothing more from the database. */
	if (got == CACHE_MISS && idp_throttle_blocked(&ri->addr, now))
		return IDP_ERR_AUTH;
	err = idp_session_check_hash(t, hash, out, &unknown);
	pthread_mutex_lock(&sc.lock);
	sc.db_lookups++;
	if (table_ready() && fill_ok(epoch, hash, err ? 0 : out->user_id)) {
		if (!err)
			put_session(t->id, out, now);
		else if (err == IDP_ERR_AUTH)
			put_negative(hash, unknown ? t->id : 0);
	} else if (got == CACHE_ASK_DB && err == IDP_ERR_AUTH && sc.trusted) {
		struct entry **p = find_link(hash);
		if (*p)
			drop(p);
	}
	pthread_mutex_unlock(&sc.lock);
	if (unknown && idp_throttle_worth_logging(idp_throttle_fail(&ri->addr, now)))
		idp_info("unknown session cookie for tenant %s from %s", t->slug, ri->ip);
	return err;
}

void idp_session_cache_seen(const struct idp_session *s)
{
	struct entry *e;

	pthread_mutex_lock(&sc.lock);
	e = sc.buckets ? *find_link(s->token_hash) : NULL;
	if (e && !e->negative && e->id == s->id)
		e->seen = (int64_t)time(NULL);
	pthread_mutex_unlock(&sc.lock);
}

static void clear_all(void)
{
	for (size_t i = 0; sc.buckets && i < sc.nbuckets; i++) {
		while (sc.buckets[i]) {
			struct entry *e = sc.buckets[i];
			sc.buckets[i] = e->next;
			free(e);
		}
	}
	if (sc.users)
		memset(sc.users, 0, sc.nbuckets / 4 * sizeof *sc.users);
	if (sc.ring)
		memset(sc.ring, 0, sc.max_unknown * sizeof *sc.ring);
	sc.sessions = sc.unknown = 0;
}

void idp_session_cache_trust(bool trusted)
{
	/* At once, with no database I/O: a node that stops listening must stop
	 * answering from memory before anything else.  Activity not written
	 * yet is lost (sessions may idle out up to IDP_SESSION_FLUSH_SECONDS
	 * early: that errs on the safe side). */
	pthread_mutex_lock(&sc.lock);
	clear_all();
	forget_event(FORGET_ALL, NULL, 0);
	sc.trusted = trusted;
	pthread_mutex_unlock(&sc.lock);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void idp_session_cache_forget_hash(const char *hex)
{
	unsigned char hash[IDP_SHA256_LEN];

	if (!hex || strlen(hex) != 2 * IDP_SHA256_LEN)
		return;
	for (int i = 0; i < IDP_SHA256_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return;
		hash[i] = (unsigned char)(hi << 4 | lo);
	}
	pthread_mutex_lock(&sc.lock);
	forget_event(FORGET_HASH, hash, 0);
	/* An ended session never comes back: remember it as none. */
	if (sc.trusted && table_ready())
		put_negative(hash, 0);
	pthread_mutex_unlock(&sc.lock);
}

void idp_session_cache_forget_user(int64_t user_id)
{
	pthread_mutex_lock(&sc.lock);
	forget_event(FORGET_USER, NULL, user_id);
	while (sc.users) {
		struct entry *e = *user_chain(user_id);
		while (e && e->user_id != user_id)
			e = e->next_user;
		if (!e)
			break;
		drop(find_link(e->hash));
	}
	pthread_mutex_unlock(&sc.lock);
}

/* ---- writing activity back ---- */

#define FLUSH_MAX 4096 /* sessions per statement */

struct touch {
	int64_t tenant_id, id, seen;
};

static int by_tenant(const void *a, const void *b)
{
	const struct touch *x = a, *y = b;

	return (x->tenant_id > y->tenant_id) - (x->tenant_id < y->tenant_id);
}

struct flush_args {
	const struct touch *t;
	int n;
};

static enum idp_err flush_tx(struct store_conn *c, void *arg)
{
	struct flush_args *a = arg;
	int64_t ids[FLUSH_MAX], seen[FLUSH_MAX];

	for (int i = 0; i < a->n; i++) {
		ids[i] = a->t[i].id;
		seen[i] = a->t[i].seen;
	}
	return store_session_touch_batch(c, ids, seen, a->n);
}

/* Collect into out (room for max) the sessions of the next slice of the
 * table, from *cursor, whose activity is newer than what the database has
 * (by the touch rule of idp/rules.c), marking them written.  One slice per
 * hold of the lock, so that requests wait microseconds, not the whole walk. */
static int collect(struct touch *out, int max, size_t *cursor)
{
	size_t stop = *cursor + 4096;
	int n = 0;

	pthread_mutex_lock(&sc.lock);
	for (; sc.buckets && *cursor < sc.nbuckets && *cursor < stop && n < max; (*cursor)++) {
		for (struct entry *e = sc.buckets[*cursor]; e && n < max; e = e->next) {
			if (e->negative || !idp_session_touch_due(e->seen, e->flushed))
				continue;
			out[n++] = (struct touch){e->tenant_id, e->id, e->seen};
			e->flushed = e->seen;
		}
	}
	pthread_mutex_unlock(&sc.lock);
	return n;
}

static size_t table_size(void)
{
	size_t n;

	pthread_mutex_lock(&sc.lock);
	n = sc.buckets ? sc.nbuckets : 0;
	pthread_mutex_unlock(&sc.lock);
	return n;
}

/* Write batch[0..n), one transaction per tenant. */
static void write_batch(struct touch *batch, int n)
{
	qsort(batch, (size_t)n, sizeof batch[0], by_tenant);
	for (int i = 0, j; i < n; i = j) {
		for (j = i; j < n && batch[j].tenant_id == batch[i].tenant_id; j++)
			;
		struct flush_args a = {batch + i, j - i};
		enum idp_err err = idp_tx(batch[i].tenant_id, flush_tx, &a);
		if (err)
			idp_warn("session activity of %d sessions not written: %s", j - i,
			         idp_strerror(err));
	}
}

void idp_session_cache_flush(void)
{
	static struct touch batch[FLUSH_MAX];
	static pthread_mutex_t one = PTHREAD_MUTEX_INITIALIZER;
	size_t cursor = 0, size = table_size();
	int n = 0;

	pthread_mutex_lock(&one);
	while (cursor < size) {
		n += collect(batch + n, FLUSH_MAX - n, &cursor);
		if (n == FLUSH_MAX) {
			write_batch(batch, n);
			n = 0;
		}
	}
	if (n)
		write_batch(batch, n);
	pthread_mutex_unlock(&one);
}

void idp_session_cache_stats(struct idp_session_cache_stats *out)
{
	pthread_mutex_lock(&sc.lock);
	out->sessions = sc.sessions;
	out->unknown = sc.unknown;
	out->hits = sc.hits;
	out->misses = sc.misses;
	out->db_lookups = sc.db_lookups;
	out->trusted = sc.trusted;
	pthread_mutex_unlock(&sc.lock);
}

void idp_session_cache_free(void)
{
	pthread_mutex_lock(&sc.lock);
	clear_all();
	free(sc.buckets);
	free(sc.users);
	free(sc.ring);
	sc.buckets = sc.users = sc.ring = NULL;
	sc.nbuckets = 0;
	sc.trusted = false;
	pthread_mutex_unlock(&sc.lock);
}
