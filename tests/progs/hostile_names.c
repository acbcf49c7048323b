// SPDX-License-Identifier: GPL-2.0
/*
 * A program that names itself to attack the terminal of whoever traces it,
 * for tests/live/hostile_names.sh:
 *
 *   hostile_names NAME COUNT INTERVAL_MS
 *
 * Its main thread takes hostile name NAME (0: sets the terminal's title,
 * 1: clears the screen, 2: forges a line) and prints "ready"; after a line
 * on stdin it leaks COUNT threads, one every INTERVAL_MS, each named with
 * the next hostile name and blocked forever on a condvar, then prints
 * "leaked COUNT" and waits. The threads start at a function whose symbol
 * is itself hostile: escapes and a C1 control (U+009B, CSI).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>

static const char *const names[] = { "\x1b]0;pwned\a", "\x1b[2J", "a\nFAKE LINE" };
#define NR_NAMES (sizeof(names) / sizeof(names[0]))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

__attribute__((visibility("hidden"))) void *leak_forever(void *arg)
{
	prctl(PR_SET_NAME, names[(unsigned long)arg % NR_NAMES]);
	pthread_mutex_lock(&lock);
	for (;;)
		pthread_cond_wait(&never, &lock);
	return NULL;
}

/*
 * The start routine: a jump to leak_forever under a name no C identifier
 * can have. hostile_start points at it, for C to call it by.
 */
#define HOSTILE_SYM "\"leak\x1b[2J\xc2\x9b\x1b]0;pwned\x07\""
#if defined(__x86_64__)
#define JUMP "jmp"
#elif defined(__aarch64__)
#define JUMP "b"
#else
#error "hostile_names: add this architecture's jump"
#endif
__asm__(".text\n"
	".globl " HOSTILE_SYM "\n"
	".type " HOSTILE_SYM ", @function\n"
	HOSTILE_SYM ":\n"
	"\t" JUMP " leak_forever\n"
	".size " HOSTILE_SYM ", .-" HOSTILE_SYM "\n"
	".section .data.rel.ro,\"aw\"\n"
	".p2align 3\n"
	".globl hostile_start\n"
	".hidden hostile_start\n"
	"hostile_start:\n"
	"\t.quad " HOSTILE_SYM "\n"
	".text\n");
extern void *(*const hostile_start)(void *) __attribute__((visibility("hidden")));

int main(int argc, char **argv)
{
	unsigned long name, count, i;
	struct timespec interval;
	char line[16];
	pthread_t t;
	long ms;

	if (argc != 4) {
		fprintf(stderr, "usage: hostile_names NAME COUNT INTERVAL_MS\n");
		return 2;
	}
	name = strtoul(argv[1], NULL, 0) % NR_NAMES;
	count = strtoul(argv[2], NULL, 0);
	ms = strtol(argv[3], NULL, 0);
	interval.tv_sec = ms / 1000;
	interval.tv_nsec = ms % 1000 * 1000000L;
	prctl(PR_SET_NAME, names[name]);
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < count; i++) {
		if (pthread_create(&t, NULL, hostile_start, (void *)(name + i))) {
			fprintf(stderr, "hostile_names: pthread_create failed\n");
			return 1;
		}
		pthread_detach(t);
		nanosleep(&interval, NULL);
	}
	printf("leaked %lu\n", count);
	fflush(stdout);
	for (;;)
		pause();
}
