/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Native threads at the end of a run as profiles people already read: a
 * pprof profile (`go tool pprof`), one sample per live thread labelled with
 * its state, primitive, site and process, and folded stacks
 * ("frame;frame;frame count", root first) for flame graph tools.
 *
 * A thread whose stack was taken of its current state has that stack as its
 * frames; any other has two made-up ones, its site and then its state in
 * brackets ("[mutex wait]"), and the profile's comments say how many of each.
 */
#ifndef __THREADLEAK_THREAD_PROFILE_H
#define __THREADLEAK_THREAD_PROFILE_H

#include <stdio.h>
#include <linux/types.h>
#include "detector.h"

struct thread_profile;

struct thread_profile *thread_profile__new(__u64 time_ns);
void thread_profile__free(struct thread_profile *tp);

/* A detector__threads() callback: add one thread. */
void thread_profile__add(void *tp, const struct detector_thread *t);

/* Threads added, and of them how many had their stack. */
unsigned int thread_profile__threads(const struct thread_profile *tp, unsigned int *with_stack);

/* Gzipped profile.proto to @fd. Returns 0 or -errno. */
int thread_profile__write_pprof(struct thread_profile *tp, int fd);

/* Folded stacks to @f, one line per distinct stack, in byte order. */
int thread_profile__write_folded(struct thread_profile *tp, FILE *f);

#endif /* __THREADLEAK_THREAD_PROFILE_H */
