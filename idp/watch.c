/* The node's watcher and flusher: see idp/watch.h. */
#include "idp/watch.h"

#include <pthread.h>
#include <stdatomic.h>
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

static const char *const channels[] = {"sekisho_tenant", "sekisho_session", "sekisho_user"};

static void notified(const char *channel, const char *payload, void *arg)
{
	(void)arg;
	if (strcmp(channel, "sekisho_tenant") == 0) {
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

static void *watch(void *arg)
{
	struct store_listener *l = NULL;
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
			trust(true);
		}
		if (store_listen_wait(l, 250, notified, NULL)) {
			trust(false);
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
	pthread_join(watcher, NULL); /* empties the caches, writing activity first */
	running = false;
	idp_session_cache_free();
}
