/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The clocks: CLOCK_MONOTONIC, the time of every record (BPF's
 * bpf_ktime_get_ns), and its offset to wall-clock time for reports.
 */
#ifndef __THREADLEAK_CLOCK_H
#define __THREADLEAK_CLOCK_H

#include <time.h>
#include <linux/types.h>

static inline __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC, for wall-clock times. */
static inline __s64 realtime_offset_ns(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (rt.tv_sec - mono.tv_sec) * 1000000000LL + (rt.tv_nsec - mono.tv_nsec);
}

#endif /* __THREADLEAK_CLOCK_H */
