// SPDX-License-Identifier: GPL-2.0
/*
 * A threadleak benchmark workload: many idle processes. Forks PROCS children
 * (1000 by default) that each sleep in pause(), as the idle processes of a
 * host do, with nothing for a tracer to report; what watching each costs is
 * the tracer's memory per process (bench/memory.sh).
 *
 *     idle_procs [PROCS]
 *
 * Prints "ready pid=N procs=P" once every child is forked, then holds them
 * until a line or end of file on stdin, kills them and reaps them. A child
 * also ends when the parent dies (PR_SET_PDEATHSIG), so none outlives a
 * killed harness.
 */
#include "workload.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void idle_child(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	long nr = argc > 1 ? parse_count(argv[1], 1, 30000) : 1000;
	pid_t parent = getpid(), *children;
	long i, forked;

	children = calloc(nr, sizeof(*children));
	if (!children) {
		fprintf(stderr, "idle_procs: out of memory\n");
		return 1;
	}
	for (forked = 0; forked < nr; forked++) {
		children[forked] = fork();
		if (children[forked] < 0) {
			perror("idle_procs: fork");
			break;
		}
		if (!children[forked])
			idle_child(parent);
	}
	if (forked == nr) {
		printf("ready pid=%d procs=%ld\n", parent, nr);
		fflush(stdout);
		read_line();
	}
	for (i = 0; i < forked; i++)
		kill(children[i], SIGKILL);
	for (i = 0; i < forked; i++)
		waitpid(children[i], NULL, 0);
	free(children);
	return forked == nr ? 0 : 1;
}
