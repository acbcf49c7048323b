// SPDX-License-Identifier: GPL-2.0
/*
 * A threadleak benchmark workload: process churn. Forks, execs /bin/true and
 * waits for it, COUNT times, one after the other.
 *
 *     forkexec [COUNT]       (default 1000)
 *
 * Prints "ready pid=N", waits for a line (or end of file) on stdin so that a
 * tracer can attach first, then prints
 * "result workload=forkexec ops=N elapsed_s=S cpu_s=C": S from
 * CLOCK_MONOTONIC, C the CPU time (user + system) the process and its
 * children used meanwhile.
 */
#include "workload.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count = argc > 1 ? parse_count(argv[1], 1, 100000000) : 1000;
	char *const true_argv[] = { "true", NULL };
	char *const no_env[] = { NULL };
	double start, elapsed, cpu0, cpu;
	int status;
	pid_t child;
	long i;

	wait_for_start();
	cpu0 = cpu_s(true);
	start = now_s();
	for (i = 0; i < count; i++) {
		child = fork();
		if (child < 0) {
			fprintf(stderr, "forkexec: fork: %s\n", strerror(errno));
			return 1;
		}
		if (child == 0) {
			execve("/bin/true", true_argv, no_env);
			_exit(127);
		}
		if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "forkexec: /bin/true failed (status 0x%x)\n", status);
			return 1;
		}
	}
	elapsed = now_s() - start;
	cpu = cpu_s(true) - cpu0;
	printf("result workload=forkexec ops=%ld elapsed_s=%.6f cpu_s=%.6f\n", count, elapsed, cpu);
	return 0;
}
