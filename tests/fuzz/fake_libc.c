// SPDX-License-Identifier: GPL-2.0
/*
 * A shared object with the _thread_db_pthread_* descriptors glibc exports
 * ({ size in bits, count, offset }), and nothing else: the seed of
 * fuzz_libc_layout (seed_libc_layout.sh builds it), small where a real
 * libc.so.6 is 2 MB.
 */
struct td_desc {
	unsigned int bits, count, offset;
};

const struct td_desc _thread_db_pthread_tid = { 32, 1, 720 };
const struct td_desc _thread_db_pthread_start_routine = { 64, 1, 1600 };
const struct td_desc _thread_db_pthread_report_events = { 8, 1, 1553 };
