/*
 * Raw Argon2id verification rate through the daemon's own code
 * (idp_password_hash / idp_password_verify), for 1..N threads.
 *
 * usage: bench_argon2 [-m MEMORY_KIB] [-t ITERATIONS] [-p LANES] [-s SECONDS]
 *                     [THREADS...]
 * Defaults: the daemon's parameters (m=19456 t=2 p=1), 5 s, threads 1 and 2.
 * Prints one line per thread count:
 *   argon2 threads=N verifies=K seconds=S per_s=R ms_per_verify=X
 * A benchmark: it prints figures and never judges them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "idp/password.h"

static const char *const password = "Bench-Password-2931!";
static char phc[IDP_PHC_MAX];
static atomic_bool stop_flag;

struct worker {
	pthread_t tid;
	unsigned long count;
	double start, end; /* of the counted verifications */
	int failed;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct worker *w = arg;

	/* One untimed verification first: it attaches the thread's work area, as
	 * a long-running daemon worker already has. */
	if (idp_password_verify(password, phc) != IDP_OK) {
		w->failed = 1;
		return NULL;
	}
	w->start = now();
	while (!atomic_load(&stop_flag)) {
		if (idp_password_verify(password, phc) != IDP_OK) {
			w->failed = 1;
			break;
		}
		w->count++;
	}
	w->end = now();
	return NULL;
}

static unsigned long parse_u(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v == 0) {
		fprintf(stderr, "bench_argon2: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct idp_argon2_params params = {19456, 2, 1};
	double seconds = 5;
	unsigned long threads[16];
	int nthreads = 0, opt;

	while ((opt = getopt(argc, argv, "m:t:p:s:")) != -1) {
		switch (opt) {
		case 'm': params.memory_kib = (uint32_t)parse_u(optarg, "memory"); break;
		case 't': params.iterations = (uint32_t)parse_u(optarg, "iterations"); break;
		case 'p': params.parallelism = (uint32_t)parse_u(optarg, "parallelism"); break;
		case 's': seconds = (double)parse_u(optarg, "seconds"); break;
		default:
			fprintf(stderr,
			        "usage: bench_argon2 [-m KIB] [-t ITER] [-p LANES] [-s SECONDS] "
			        "[THREADS...]\n");
			return 2;
		}
	}
	for (int i = optind; i < argc && nthreads < 16; i++)
		threads[nthreads++] = parse_u(argv[i], "thread count");
	if (nthreads == 0) {
		threads[nthreads++] = 1;
		threads[nthreads++] = 2;
	}

	if (idp_password_hash(password, &params, phc) != IDP_OK) {
		fprintf(stderr, "bench_argon2: hashing failed\n");
		return 1;
	}
	printf("argon2 params m=%u t=%u p=%u phc=%.40s...\n", params.memory_kib, params.iterations,
	       params.parallelism, phc);

	for (int k = 0; k < nthreads; k++) {
		unsigned long n = threads[k], total = 0;
		struct worker *w = calloc(n, sizeof *w);
		double t0, rate = 0, span = 0;
		int failed = 0;

		if (!w)
			return 1;
		atomic_store(&stop_flag, false);
		t0 = now();
		for (unsigned long i = 0; i < n; i++) {
			if (pthread_create(&w[i].tid, NULL, run, &w[i]) != 0) {
				fprintf(stderr, "bench_argon2: pthread_create failed\n");
				return 1;
			}
		}
		/* Sleep in small steps so a short run still ends on time. */
		while (now() - t0 < seconds)
			usleep(10000);
		atomic_store(&stop_flag, true);
		for (unsigned long i = 0; i < n; i++) {
			pthread_join(w[i].tid, NULL);
			total += w[i].count;
			failed |= w[i].failed;
			if (w[i].end > w[i].start) {
				rate += (double)w[i].count / (w[i].end - w[i].start);
				span += (w[i].end - w[i].start) / (double)n;
			}
		}
		free(w);
		if (failed) {
			fprintf(stderr, "bench_argon2: a verification failed\n");
			return 1;
		}
		printf(
		    "argon2 threads=%lu verifies=%lu seconds=%.2f per_s=%.1f ms_per_verify=%.2f\n",
		    n, total, span, rate, rate > 0 ? 1000.0 * (double)n / rate : 0.0);
		fflush(stdout);
	}
	return 0;
}
