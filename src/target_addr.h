/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arithmetic on addresses, lengths and counts read from a target (its ELF
 * files, its memory, its /proc entries). Every such value is hostile: a sum
 * or product that wraps is an error, never a smaller number.
 */
#ifndef THREADLEAK_TARGET_ADDR_H
#define THREADLEAK_TARGET_ADDR_H

#include <errno.h>
#include <stdbool.h>
#include <linux/types.h>

/* *sum = base + off; -ERANGE when it wraps. */
static inline int target_addr_add(__u64 base, __u64 off, __u64 *sum)
{
	return __builtin_add_overflow(base, off, sum) ? -ERANGE : 0;
}

/* *product = count * size; -ERANGE when it wraps. */
static inline int target_size_mul(__u64 count, __u64 size, __u64 *product)
{
	return __builtin_mul_overflow(count, size, product) ? -ERANGE : 0;
}

/* Whether [addr, addr + len) lies inside [lo, hi); no sum is formed. */
static inline bool target_range_within(__u64 addr, __u64 len, __u64 lo, __u64 hi)
{
	return lo <= addr && addr <= hi && len <= hi - addr;
}

#endif /* THREADLEAK_TARGET_ADDR_H */
