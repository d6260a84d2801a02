/*
 * queue-load - the load of bench/queue: W worker processes on one queue,
 * each pushing its share of N messages in batches of B, popping up to B
 * at a time and acking what it popped, through the library (the backend
 * is queue.backend's: RL_QUEUE_BACKEND); a worker stops when it has
 * pushed its share and a pop finds nothing.
 *
 * usage: queue-load QUEUE N W B
 * prints: "MESSAGES SECONDS P99_POP_MS" (every pop's latency, all
 * workers together).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rl_config.h"
#include "rl_dur.h"
#include "rl_err.h"
#include "rl_queue.h"

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One worker: push share messages, pop and ack; its pop latencies (ms)
 * go to fd as doubles, and its ack count last. */
static int
worker(const char *name, long share, int b, int fd)
{
	struct rl_config cfg = {0};
	struct rl_queue *q;
	struct rl_qmsg *m = calloc((size_t)b, sizeof *m);
	const char **leases = calloc((size_t)b, sizeof *leases);
	int *found = calloc((size_t)b, sizeof *found);
	cJSON **recs = calloc((size_t)b, sizeof *recs);
	long pushed = 0, acked = 0;
	size_t got, i;
	double t, ms;
	int k, rc = 0;

	if (rl_config_load(&cfg) < 0 || !(q = rl_queue_open(&cfg, name, NULL)))
		return 2;
	for (;;) {
		if (pushed < share) {
			for (k = 0; k < b && pushed + k < share; k++) {
				recs[k] = cJSON_CreateObject();
				cJSON_AddNumberToObject(recs[k], "n", (double)(pushed + k));
				cJSON_AddStringToObject(recs[k], "payload",
				    "0123456789abcdef0123456789abcdef");
			}
			if (rl_queue_push(q, recs, (size_t)k, 0, 0, NULL) < 0) {
				rl_error_report(&q->err, name);
				rc = 1;
				break;
			}
			pushed += k;
		}
		t = now_s();
		if (rl_queue_pop(q, (size_t)b, 60000, m, &got) < 0) {
			rl_error_report(&q->err, name);
			rc = 1;
			break;
		}
		ms = (now_s() - t) * 1000;
		if (write(fd, &ms, sizeof ms) != (ssize_t)sizeof ms)
			rc = 1;
		if (!got && pushed >= share)
			break;
		for (i = 0; i < got; i++)
			leases[i] = m[i].lease;
		if (got && rl_queue_ack(q, leases, got, found) < 0) {
			rl_error_report(&q->err, name);
			rc = 1;
			break;
		}
		acked += (long)got;
		for (i = 0; i < got; i++)
			rl_qmsg_free(&m[i]);
	}
	ms = -(double)acked - 1;     /* the end, with the count */
	if (write(fd, &ms, sizeof ms) != (ssize_t)sizeof ms)
		rc = 1;
	rl_queue_close(q);
	rl_config_free(&cfg);
	free(m);
	free(leases);
	free(found);
	free(recs);
	return rc;
}

int
main(int argc, char **argv)
{
	double *lat = NULL, v, t0, t1;
	size_t nlat = 0, cap = 0;
	long n, acked = 0;
	int w, b, i, p[2], st, rc = 0;
	FILE *in;

	if (argc != 5 || (n = atol(argv[2])) <= 0 || (w = atoi(argv[3])) <= 0 ||
	    (b = atoi(argv[4])) <= 0 || pipe(p) < 0)
		return 2;
	rl_init(argv[0]);
	t0 = now_s();
	for (i = 0; i < w; i++)
		if (fork() == 0) {
			close(p[0]);
			_exit(worker(argv[1], n / w + (i < n % w), b, p[1]));
		}
	close(p[1]);
	in = fdopen(p[0], "r");
	while (fread(&v, sizeof v, 1, in) == 1) {
		if (v < 0) {
			acked += (long)(-v - 1);
			continue;
		}
		if (nlat == cap)
			lat = realloc(lat, (cap = cap ? 2 * cap : 4096) * sizeof *lat);
		lat[nlat++] = v;
	}
	while (wait(&st) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			rc = 1;
	t1 = now_s();
	fclose(in);
	if (!nlat)
		return 1;
	qsort(lat, nlat, sizeof *lat, cmp);
	printf("%ld %.3f %.3f\n", acked, t1 - t0,
	    lat[(size_t)((double)(nlat - 1) * 0.99)]);
	free(lat);
	return rc || acked != n;
}
