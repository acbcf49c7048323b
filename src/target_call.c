// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "target_call.h"

struct job {
	target_fn fn;
	target_release_fn release;
	void *arg; /* what fn runs on: io below, or the caller's own (lent) */
	long ret;
	bool done;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	size_t cap; /* io's room */
	unsigned char io[];
};

struct reader {
	pthread_cond_t wake;
	struct job *job;
	bool abandoned;
	pid_t tid;
};

/* Guards everything below and every reader's fields. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t caller = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lender = PTHREAD_MUTEX_INITIALIZER; /* of ahead */
static pthread_cond_t done;
static pthread_once_t done_once = PTHREAD_ONCE_INIT;
static struct reader *current;
static struct reader *ahead; /* target_call_lend_start()'s, so that calls can run beside */
static struct reader *stuck[TARGET_CALL_MAX_STUCK];
static unsigned int nr_stuck;
static __u64 nr_timeouts;

static void forget_stuck(struct reader *r)
{
	unsigned int i;

	for (i = 0; i < TARGET_CALL_MAX_STUCK; i++)
		if (stuck[i] == r)
			stuck[i] = NULL;
	nr_stuck--;
}

static void remember_stuck(struct reader *r)
{
	unsigned int i;

	for (i = 0; i < TARGET_CALL_MAX_STUCK; i++)
		if (!stuck[i]) {
			stuck[i] = r;
			break;
		}
	nr_stuck++;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct job *job;
	long ret;

	pthread_mutex_lock(&lock);
	r->tid = gettid();
	for (;;) {
		while (!r->job && !r->abandoned)
			pthread_cond_wait(&r->wake, &lock);
		job = r->job;
		if (!job)
			break;
		pthread_mutex_unlock(&lock);
		ret = job->fn(job->arg);
		pthread_mutex_lock(&lock);
		r->job = NULL;
		if (r->abandoned) {
			/* its caller has gone on: what it got is ours to release */
			if (job->release)
				job->release(job->arg, ret);
			free(job);
			forget_stuck(r);
			break;
		}
		job->ret = ret;
		job->done = true;
		pthread_cond_broadcast(&done);
	}
	pthread_mutex_unlock(&lock);
	pthread_cond_destroy(&r->wake);
	free(r);
	return NULL;
}

static void init_done(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&done, &attr);
	pthread_condattr_destroy(&attr);
}

/*
 * A new reader, detached, with every signal blocked but SIGURG, which
 * sandbox.c sends each thread to drop its capabilities. Called with lock
 * held.
 */
static struct reader *reader_new(void)
{
	struct reader *r = calloc(1, sizeof(*r));
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t thread;
	int err;

	if (!r)
		return NULL;
	pthread_cond_init(&r->wake, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	sigfillset(&all);
	sigdelset(&all, SIGURG);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&thread, &attr, reader_main, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err) {
		pthread_cond_destroy(&r->wake);
		free(r);
		return NULL;
	}
	return r;
}

/*
 * The last job a caller got back, kept for its next call: reads of a
 * million goroutines are hundreds of calls of 1 MiB, each of which would
 * otherwise map, fault in and unmap its buffer. A job left to a stuck
 * reader is the reader's.
 */
static __thread struct job *spare;

static struct job *job_get(size_t io_size)
{
	struct job *job = spare;

	if (job && job->cap >= io_size) {
		spare = NULL;
		return job;
	}
	job = malloc(sizeof(*job) + io_size);
	if (job)
		job->cap = io_size;
	return job;
}

static void job_put(struct job *job)
{
	if (spare && spare->cap >= job->cap) {
		free(job);
		return;
	}
	free(spare);
	spare = job;
}

/*
 * Give @job, to run @fn on @arg, to the reader in *@slot (a new one if
 * none) and set its deadline. Returns 0, or -errno if no reader could take
 * it (-ETIMEDOUT: too many are stuck). Called with lock held.
 */
static int job_give(struct job *job, struct reader **slot, target_fn fn,
		    target_release_fn release, void *arg)
{
	pthread_once(&done_once, init_done);
	job->fn = fn;
	job->release = release;
	job->arg = arg;
	job->done = false;
	if (!*slot) {
		*slot = nr_stuck < TARGET_CALL_MAX_STUCK ? reader_new() : NULL;
		if (!*slot)
			return nr_stuck < TARGET_CALL_MAX_STUCK ? -EAGAIN : -ETIMEDOUT;
	}
	(*slot)->job = job;
	pthread_cond_signal(&(*slot)->wake);
	clock_gettime(CLOCK_MONOTONIC, &job->deadline);
	job->deadline.tv_nsec += (TARGET_CALL_TIMEOUT_MS % 1000) * 1000000L;
	job->deadline.tv_sec += TARGET_CALL_TIMEOUT_MS / 1000 + job->deadline.tv_nsec / 1000000000L;
	job->deadline.tv_nsec %= 1000000000L;
	return 0;
}

/*
 * Wait until its deadline for @job, given to the reader in *@slot. Returns
 * what its call returned, or -ETIMEDOUT if the reader was abandoned with
 * it (the job and its arg are the reader's from then on; the next job on
 * *@slot gets a new reader). Called with lock held.
 */
static long job_wait(struct job *job, struct reader **slot)
{
	struct reader *r = *slot;

	while (!job->done) {
		if (pthread_cond_timedwait(&done, &lock, &job->deadline) == ETIMEDOUT &&
		    !job->done) {
			r->abandoned = true;
			*slot = NULL;
			remember_stuck(r);
			nr_timeouts++;
			return -ETIMEDOUT;
		}
	}
	return job->ret;
}

/*
 * Give @job (NULL: -ENOMEM), to run @fn on @arg, to a reader and wait for
 * it. Returns what its call returned, or -ETIMEDOUT with *@given true if
 * the reader was abandoned with it (the job and @arg are the reader's from
 * then on), or -errno with *@given false if no reader could take it. A job
 * not given is put back, its io copied to @out (@out_size bytes) first if
 * its call returned.
 */
static long run_job(struct job *job, target_fn fn, target_release_fn release, void *arg,
		    void *out, size_t out_size, bool *given)
{
	long ret;

	*given = false;
	if (!job)
		return -ENOMEM;
	pthread_mutex_lock(&caller);
	pthread_mutex_lock(&lock);
	ret = job_give(job, &current, fn, release, arg);
	if (!ret) {
		ret = job_wait(job, &current);
		*given = !job->done;
	}
	pthread_mutex_unlock(&lock);
	pthread_mutex_unlock(&caller);
	if (*given)
		return ret;
	if (job->done && out_size)
		memcpy(out, job->io, out_size);
	job_put(job);
	return ret;
}

long target_call(target_fn fn, target_release_fn release, void *io, size_t in_size, size_t io_size)
{
	struct job *job = in_size <= io_size ? job_get(io_size) : NULL;
	bool given;

	if (job)
		memcpy(job->io, io, in_size);
	return run_job(job, fn, release, job ? job->io : NULL, io, io_size, &given);
}

long target_call_lend(target_fn fn, target_release_fn release, void *io)
{
	bool given;
	long ret = run_job(job_get(0), fn, release, io, NULL, 0, &given);

	if (ret == -ETIMEDOUT && !given)
		release(io, ret); /* too many readers stuck: @io is given up all the same */
	return ret;
}

void target_call_lend_start(struct target_lend *t, target_fn fn, target_release_fn release,
			    void *io)
{
	struct job *job = job_get(0);

	t->job = job;
	t->io = io;
	t->release = release;
	t->ret = job ? 0 : -ENOMEM;
	if (!job)
		return;
	pthread_mutex_lock(&lender);
	pthread_mutex_lock(&lock);
	t->ret = job_give(job, &ahead, fn, release, io);
	pthread_mutex_unlock(&lock);
	if (t->ret) {
		pthread_mutex_unlock(&lender);
		job_put(job);
		t->job = NULL;
	}
}

long target_call_lend_wait(struct target_lend *t)
{
	struct job *job = t->job;
	long ret = t->ret;

	if (!job) {
		if (ret == -ETIMEDOUT)
			t->release(t->io, ret); /* as target_call_lend() */
		return ret;
	}
	t->job = NULL;
	pthread_mutex_lock(&lock);
	ret = job_wait(job, &ahead);
	if (ret == -ETIMEDOUT && !job->done)
		job = NULL; /* the reader's now */
	pthread_mutex_unlock(&lock);
	pthread_mutex_unlock(&lender);
	if (job)
		job_put(job);
	return ret;
}

__u64 target_call_timeouts(void)
{
	__u64 n;

	pthread_mutex_lock(&lock);
	n = nr_timeouts;
	pthread_mutex_unlock(&lock);
	return n;
}

bool target_call_is_stuck(pid_t tid)
{
	bool found = false;
	unsigned int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < TARGET_CALL_MAX_STUCK; i++)
		if (stuck[i] && stuck[i]->tid == tid)
			found = true;
	pthread_mutex_unlock(&lock);
	return found;
}

unsigned int target_call_stuck(void)
{
	unsigned int n;

	pthread_mutex_lock(&lock);
	n = nr_stuck;
	pthread_mutex_unlock(&lock);
	return n;
}
