/*
 * The hashing workers.  Argon2id costs ~20 ms of CPU; run on libmicrohttpd's
 * pool threads it would stall every other connection owned by that thread
 * (and two keep-alive clients on one thread would take turns).  Routes flagged
 * WEB_SLOW are handed to these workers instead: the connection is suspended,
 * a worker runs the handler (its response is kept in r->pending), and the
 * connection is resumed for the access handler to queue the response.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "idp/log.h"
#include "web/server.h"
#include "web/web.h"

struct job {
	struct web_ctx *x;
	const struct web_route *rt;
	struct job *next;
};

/* Each worker has its own wake-up; idle workers wait on a stack, so the one
 * that finished last takes the next job while its Argon2 buffer is still in
 * cache (a FIFO hand-off would alternate cold buffers). */
struct worker {
	pthread_t th;
	pthread_cond_t cond;
	struct job *job;
	bool idle;
};

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static struct job *q_head, *q_tail; /* jobs waiting for a worker */
static bool q_stop;
static struct worker *workers;
static struct worker **idle_stack;
static unsigned n_workers, n_idle;

static void run_job(struct job *j)
{
	struct web_req *r = &j->x->r;

	idp_metrics_gauge_add(IDP_MGA_HASH_BUSY, 1);
	if (j->rt->handler(r) != MHD_YES || !r->pending) {
		idp_error("no response from %s %s", r->method, j->rt->pattern);
		web_respond(r, 500, "text/plain; charset=utf-8", "internal error\n", 15);
	}
	idp_metrics_gauge_add(IDP_MGA_HASH_BUSY, -1);
	MHD_resume_connection(r->conn);
	free(j);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&q_lock);
	for (;;) {
		struct job *j = w->job;
		if (j) {
			w->job = NULL;
		} else if (q_head) {
			j = q_head;
			q_head = j->next;
			if (!q_head)
				q_tail = NULL;
			idp_metrics_gauge_add(IDP_MGA_HASH_QUEUE, -1);
		} else if (q_stop) {
			break;
		} else {
			if (!w->idle) {
				w->idle = true;
				idle_stack[n_idle++] = w;
			}
			pthread_cond_wait(&w->cond, &q_lock);
			continue;
		}
		pthread_mutex_unlock(&q_lock);
		run_job(j);
		pthread_mutex_lock(&q_lock);
	}
	pthread_mutex_unlock(&q_lock);
	idp_thread_done();
	return NULL;
}

/* Hand the request to a hashing worker; runs it here if there are none. */
int web_workers_defer(struct web_ctx *x, const struct web_route *rt)
{
	struct job *j = calloc(1, sizeof *j);
	bool queued = false;

	if (!j)
		return MHD_NO;
	j->x = x;
	j->rt = rt;
	pthread_mutex_lock(&q_lock);
	if (n_workers && !q_stop) {
		x->r.deferred = true;
		MHD_suspend_connection(x->r.conn);
		if (n_idle) {
			struct worker *w = idle_stack[--n_idle];
			w->idle = false;
			w->job = j;
			pthread_cond_signal(&w->cond);
		} else {
			if (q_tail)
				q_tail->next = j;
			else
				q_head = j;
			q_tail = j;
			idp_metrics_gauge_add(IDP_MGA_HASH_QUEUE, 1);
		}
		queued = true;
	}
	pthread_mutex_unlock(&q_lock);
	if (queued)
		return MHD_YES;
	free(j);
	return rt->handler(&x->r);
}

void web_workers_start(unsigned n)
{
	workers = calloc(n, sizeof *workers);
	idle_stack = calloc(n, sizeof *idle_stack);
	for (unsigned i = 0; workers && idle_stack && i < n; i++) {
		pthread_cond_init(&workers[i].cond, NULL);
		if (pthread_create(&workers[i].th, NULL, worker_main, &workers[i])) {
			pthread_cond_destroy(&workers[i].cond);
			break;
		}
		n_workers++;
	}
}

void web_workers_stop(void)
{
	/* Workers finish what is queued (resuming those connections), then exit. */
	pthread_mutex_lock(&q_lock);
	q_stop = true;
	for (unsigned i = 0; i < n_workers; i++)
		pthread_cond_signal(&workers[i].cond);
	pthread_mutex_unlock(&q_lock);
	for (unsigned i = 0; i < n_workers; i++) {
		pthread_join(workers[i].th, NULL);
		pthread_cond_destroy(&workers[i].cond);
	}
	free(workers);
	free(idle_stack);
	workers = NULL;
	idle_stack = NULL;
	n_workers = n_idle = 0;
}
