// SPDX-License-Identifier: GPL-2.0
/*
 * Loads and attaches every program of a BPF object (bench/bpf_floor's),
 * with the kernel's run-time accounting on while it runs (BPF_ENABLE_STATS:
 * put back when it exits), prints "ready", and prints each program's runs
 * and ns per run between the first line it reads on stdin and the second.
 *
 *     floor OBJECT
 */
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MAX_PROGS 32

struct counter {
	const char *name;
	int fd;
	__u64 run_time_ns;
	__u64 run_cnt;
};

static int read_counter(struct counter *c, __u64 *run_time_ns, __u64 *run_cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(c->fd, &info, &len))
		return -1;
	*run_time_ns = info.run_time_ns;
	*run_cnt = info.run_cnt;
	return 0;
}

int main(int argc, char **argv)
{
	struct counter c[MAX_PROGS];
	struct bpf_object *obj;
	struct bpf_program *prog;
	__u64 t, n;
	char line[64];
	int nr = 0, i;

	if (argc != 2) {
		fprintf(stderr, "usage: floor OBJECT\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "floor: cannot load %s (run as root)\n", argv[1]);
		return 1;
	}
	if (bpf_enable_stats(BPF_STATS_RUN_TIME) < 0) {
		perror("floor: BPF_ENABLE_STATS");
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (nr == MAX_PROGS || !bpf_program__attach(prog)) {
			fprintf(stderr, "floor: cannot attach %s\n", bpf_program__name(prog));
			return 1;
		}
		c[nr].name = bpf_program__name(prog);
		c[nr++].fd = bpf_program__fd(prog);
	}
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < nr; i++)
		if (read_counter(&c[i], &c[i].run_time_ns, &c[i].run_cnt))
			return 1;
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < nr; i++) {
		if (read_counter(&c[i], &t, &n))
			return 1;
		n -= c[i].run_cnt;
		t -= c[i].run_time_ns;
		printf("%s %llu %.0f\n", c[i].name, (unsigned long long)n, n ? (double)t / n : 0.0);
	}
	return 0;
}
