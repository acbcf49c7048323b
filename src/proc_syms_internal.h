/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What proc_syms.c (modules, symbols) and unwind.c (stacks) share about one
 * process. Not for other files: they use proc_syms.h.
 */
#ifndef __THREADLEAK_PROC_SYMS_INTERNAL_H
#define __THREADLEAK_PROC_SYMS_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <elfutils/libdwfl.h>
#include "module_cache.h"
#include "proc_syms.h"

/* One line of /proc/PID/maps, as far as we need it. */
struct proc_mapping {
	__u64 start, end;
	bool exec;
	bool anon; /* no file: JIT code, if exec */
};

/* A file mapped by the process, from consecutive lines of its maps. */
struct mapped_file {
	char *path; /* as the process sees it; "[vdso]" for the vDSO */
	__u64 low, high;
	__u64 dev, ino;
	bool exec;
};

/*
 * The mappings of a process, 9 bytes each (the maps of 100,000 threads list
 * 200,000: a stack and its guard each): entry i is [edge[i], edge[i + 1])
 * of kind[i], MAPPING_HOLE where nothing is mapped. Edges ascend; the last
 * entry is always a hole (the end of the last mapping).
 */
#define MAPPING_EXEC 1
#define MAPPING_ANON 2
#define MAPPING_HOLE 4

struct mapping_table {
	__u64 *edge;
	unsigned char *kind;
	size_t nr;
};

/* The mapping holding @addr into @m; false if none. */
bool mapping_table_find(const struct mapping_table *t, __u64 addr, struct proc_mapping *m);

/* What /proc/PID/maps lists, at one time. */
struct maps_snapshot {
	struct mapping_table mappings;
	size_t nr_mappings, cap_edges;
	struct mapped_file *files;
	size_t nr_files, cap_files;
};

/* vm.max_map_count is 65530 by default; a maps file with more is not one the kernel wrote */
#define MAPS_MAX_MAPPINGS (1 << 20)

/*
 * Parse the text of a maps file from @f into @maps (freed on error): -EINVAL
 * for a line the kernel would not write (mappings out of order, empty or
 * overlapping), -E2BIG past MAPS_MAX_MAPPINGS, -ESRCH if the process exited
 * while read.
 */
int maps_snapshot_parse(struct maps_snapshot *maps, FILE *f);
void maps_snapshot_free(struct maps_snapshot *maps);

/*
 * The one thread being unwound. libdwfl allows a single dwfl_attach_state
 * per Dwfl, so its callbacks find the thread, its registers and its stack
 * here rather than in arguments.
 */
struct unwind_request {
	int tid; /* 0 between unwinds */
	const struct rec_regs *regs;
	__u64 stack_start;    /* target address of stack[0] */
	size_t stack_len;     /* bytes of stack[] read */
	unsigned char *stack; /* UNWIND_STACK_BYTES, allocated on the first unwind */
	bool read_failed;     /* a memory read failed since the last frame */
};

/* A file with code the process maps, whose symbols the module cache has. */
struct exec_file {
	char *path; /* as the process sees it */
	__u64 low, high;
	__u64 ino;	     /* as maps says */
	int id_state;	     /* 0: not read yet, 1: id is its identity, -1: no cache */
	struct module_id id; /* of the file opened now at path */
};

struct proc_syms {
	Dwfl *dwfl;
	int pid;
	char proc_root[PATH_MAX];
	char root_dir[PATH_MAX];       /* @proc_root/PID/root: the process's view of "/" */
	bool shares_our_root;	       /* its "/" is ours: host paths name the same files */
	struct mapping_table mappings; /* as maps lists them */
	void *sym_cache; /* tsearch tree of struct sym_cache_entry */
	struct module_cache *cache; /* NULL: all symbols from dwfl */
	struct exec_file *files;    /* regular files with code, ascending */
	size_t nr_files;
	bool refresh_armed; /* an address in no mapping may re-read the maps */
	size_t bytes;	    /* heap it held while it grew, past the module cache */
	bool unwinder_attached;
	struct unwind_request request;
	__u32 uid;		      /* the process's owner: its perf map's too */
	struct perf_map *perf_map;    /* NULL: none read */
	bool perf_map_checked;	      /* this census */
	__s64 perf_map_mtime_ns;      /* of the file read */
	__u64 perf_map_size;
};

/* Dwfl_Callbacks.find_debuginfo: only files on this machine, never debuginfod. */
int proc_syms_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			     Dwarf_Addr base, const char *file_name, const char *debuglink,
			     GElf_Word debuglink_crc, char **debuginfo_file_name);

/* Symbolize @pc in @dwfl, as proc_syms__lookup says. */
int dwfl_symbolize(Dwfl *dwfl, __u64 pc, bool retaddr, struct sym_info *si);

/* Count what the heap grew by since it was @heap, less the module cache's growth
 * since it held @cached bytes, as @ps's own (proc_syms__bytes). */
void proc_syms_charge(struct proc_syms *ps, size_t heap, size_t cached);
size_t proc_syms_cache_bytes(const struct proc_syms *ps);

/*
 * Is @addr in no mapping we know? Then the process may have mapped
 * something since (dlopen): the maps are read again, at most once per
 * census (proc_syms__new_census). True if they were.
 */
bool proc_syms_refresh_for(struct proc_syms *ps, __u64 addr);

/* The mapping holding @addr into @m; false if none. */
bool proc_syms__mapping_of(const struct proc_syms *ps, __u64 addr, struct proc_mapping *m);

#endif /* __THREADLEAK_PROC_SYMS_INTERNAL_H */
