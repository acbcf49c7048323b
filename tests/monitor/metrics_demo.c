// SPDX-License-Identifier: GPL-2.0
/*
 * Serves synthetic censuses through the real metrics and metrics_http
 * modules, so the Prometheus harness (lib_prometheus.sh) can be tested
 * before `threadleak monitor` exists.
 *
 *   metrics_demo ADDR [MAX_SERIES]
 *
 * prints "listening HOST:PORT" (ADDR may have port 0), then reads commands
 * on stdin and answers each with one "ok ..." line once done:
 *
 *   census THREADS [EXTRA]  publish a census: pid 4242 (comm `leaky "demo"\`,
 *                           cgroup /system.slice/demo.service) with THREADS
 *                           threads, and EXTRA processes of one thread
 *   leak                    pid 4242 has a thread leak from the next census
 *   textfile DIR            write DIR/threadleak.prom
 *   quit
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "metrics_http.h"

#define DEMO_PID 4242
#define DEMO_COMM "leaky \"demo\"\\"
#define DEMO_CGROUP "/system.slice/demo.service"

static int publish_census(struct metrics *m, unsigned int threads, unsigned int extra, bool leak,
			  __u64 census_nr)
{
	struct census_stats cs = {
		.duration_ns = 250000,
		.nr_procs = 1 + extra,
		.events = census_nr * 10,
	};
	struct sample s = {
		.pid = DEMO_PID,
		.comm = DEMO_COMM,
		.threads = threads,
		.blocked = threads > 5 ? threads - 5 : 0,
		.other_blocked = threads > 5 ? 5 : threads,
		.max_wait_ns = census_nr * 1000000000ULL,
		.goroutines = -1,
	};
	struct finding f = { .kind = FINDING_THREAD_LEAK, .pid = DEMO_PID };
	struct metrics_self self;
	unsigned int i;
	int err = 0;

	if (leak)
		err = metrics__finding(m, &f);
	err = err ?: metrics__sample(m, &s, DEMO_CGROUP);
	for (i = 0; i < extra && !err; i++) {
		struct sample small = {
			.pid = 10000 + i, .comm = "small", .threads = 1, .goroutines = -1
		};

		err = metrics__sample(m, &small, "/user.slice");
	}
	if (err)
		return err;
	if (metrics_self__read(&self))
		return metrics__end(m, &cs, NULL);
	return metrics__end(m, &cs, &self);
}

int main(int argc, char **argv)
{
	struct metrics_opts opts = { .max_series = argc > 2 ? atoi(argv[2]) : 0 };
	unsigned int threads, extra;
	struct metrics_http *h = NULL;
	struct metrics *m;
	__u64 census_nr = 0;
	bool leak = false;
	char line[4096], dir[4096], msg[256];
	int err, n;

	if (argc < 2) {
		fprintf(stderr, "usage: metrics_demo ADDR [MAX_SERIES]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	m = metrics__new(&opts);
	if (!m)
		return 1;
	err = metrics_http__start(&h, argv[1], m, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "metrics_demo: %s\n", msg);
		metrics__free(m);
		return 1;
	}
	printf("listening %s\n", metrics_http__address(h));
	while (fgets(line, sizeof(line), stdin)) {
		extra = 0;
		if ((n = sscanf(line, "census %u %u", &threads, &extra)) >= 1) {
			err = publish_census(m, threads, extra, leak, ++census_nr);
			printf(err ? "error census %llu\n" : "ok census %llu\n", census_nr);
		} else if (!strcmp(line, "leak\n")) {
			leak = true;
			printf("ok leak\n");
		} else if (sscanf(line, "textfile %4095s", dir) == 1) {
			err = metrics__write_textfile(m, dir);
			printf(err ? "error textfile %d\n" : "ok textfile %d\n", err);
		} else if (!strcmp(line, "quit\n")) {
			break;
		} else {
			printf("error unknown command\n");
		}
	}
	metrics_http__stop(h);
	metrics__free(m);
	return 0;
}
