/* The node's watcher and flusher: see idp/watch.h. */
#include "idp/watch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "store/notify.h"

static pthread_t watcher, flusher;
static bool running;
static atomic_bool stop;
static pthread_mutex_t flush_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flush_cond = PTHREAD_COND_INITIALIZER;

static const char *const channels[] = {"sekisho_tenant", "sekisho_session", "sekisho_user",
                                       "sekisho_ping"};

/* The watcher pings itself through the database every PING_MS and gives
 * the connection up when a ping has not come back within LOST_MS: a
 * connection that died without a word must not leave the caches trusted. */
#define PING_MS 500
#define LOST_MS 1500

struct pinger {
	char sent[48];   /* payload of the ping in flight ("" = none) */
	int64_t sent_at; /* ms, monotonic */
	unsigned long seq;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void notified(const char *channel, const char *payload, void *arg)
{
	struct pinger *p = arg;

	if (strcmp(channel, "sekisho_ping") == 0) {
		if (p->sent[0] && strcmp(payload, p->sent) == 0)
			p->sent[0] = 0; /* back: the connection is alive */
	} else if (strcmp(channel, "sekisho_tenant") == 0) {
		idp_tenant_forget(payload);
	} else if (strcmp(channel, "sekisho_session") == 0) {
		idp_session_cache_forget_hash(payload);
	} else if (strcmp(channel, "sekisho_user") == 0) {
		char *end;
		long long id = strtoll(payload, &end, 10);
		if (*payload && !*end)
			idp_session_cache_forget_user(id);
	}
}

static void trust(bool on)
{
	idp_tenant_cache_trust(on);
	idp_session_cache_trust(on);
}

/* Send the next ping when none is in flight and it is time; false when the
 * one in flight is overdue (or cannot be sent): the connection is lost. */
static bool ping(struct store_listener *l, struct pinger *p, int64_t *next)
{
	int64_t now = now_ms();

	if (p->sent[0])
		return now - p->sent_at <= LOST_MS;
	if (now < *next)
		return true;
	snprintf(p->sent, sizeof p->sent, "n%ld-%lu", (long)getpid(), ++p->seq);
	p->sent_at = now;
	*next = now + PING_MS;
	return store_listen_ping(l, "sekisho_ping", p->sent) == IDP_OK;
}

static void *watch(void *arg)
{
	struct store_listener *l = NULL;
	struct pinger p = {.seq = 0};
	int64_t next = 0;
	bool warned = false;

	(void)arg;
	while (!atomic_load(&stop)) {
		if (!l) {
			if (store_listen(channels, (int)(sizeof channels / sizeof channels[0]),
			                 &l)) {
				if (!warned)
					idp_warn(
					    "watcher: not listening; caches off, every request "
					    "reads the database until it is back");
				warned = true;
				sleep(1);
				continue;
			}
			if (warned)
				idp_info("watcher: listening again; caches on");
			warned = false;
			p.sent[0] = 0;
			next = 0;
			trust(true);
		}
		if (store_listen_wait(l, 100, notified, &p) || !ping(l, &p, &next)) {
			trust(false);
			if (p.sent[0])
				idp_warn(
				    "watcher: the database did not answer within %d ms; caches "
				    "off until it does",
				    LOST_MS);
			store_listen_close(l);
			l = NULL;
		}
	}
	trust(false);
	store_listen_close(l);
	return NULL;
}

static void *flush_loop(void *arg)
{
	struct timespec until;

	(void)arg;
	pthread_mutex_lock(&flush_lock);
	while (!atomic_load(&stop)) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += IDP_SESSION_FLUSH_SECONDS;
		pthread_cond_timedwait(&flush_cond, &flush_lock, &until);
		pthread_mutex_unlock(&flush_lock);
		idp_session_cache_flush();
		pthread_mutex_lock(&flush_lock);
	}
	pthread_mutex_unlock(&flush_lock);
	return NULL;
}

enum idp_err idp_watch_start(void)
{
	atomic_store(&stop, false);
	if (pthread_create(&watcher, NULL, watch, NULL))
		return IDP_ERR_IO;
	if (pthread_create(&flusher, NULL, flush_loop, NULL)) {
		atomic_store(&stop, true);
		pthread_join(watcher, NULL);
		return IDP_ERR_IO;
	}
	running = true;
	return IDP_OK;
}

void idp_watch_stop(void)
{
	if (!running)
		return;
	atomic_store(&stop, true);
	pthread_mutex_lock(&flush_lock);
	pthread_cond_signal(&flush_cond);
	pthread_mutex_unlock(&flush_lock);
	pthread_join(flusher, NULL);
	idp_session_cache_flush();   /* what was seen since the last round */
	pthread_join(watcher, NULL); /* empties the caches */
	running = false;
	idp_session_cache_free();
}
