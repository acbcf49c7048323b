/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbols of a module (an ELF file), loaded once and shared by every
 * process that maps it. A module is known by its file's identity: device,
 * inode, size and modification time. A build-id never makes two files one:
 * any user can copy one into a file of their own, and that file's symbols
 * must not be shown for another user's processes.
 *
 * What a module holds (libdwfl's ELF, DWARF, line tables, names already
 * looked up) is counted in heap bytes as it is loaded; past the budget the
 * least recently used modules' ELF and DWARF are dropped first (the names
 * they gave stay), then those modules, to be loaded again when a stack
 * needs them. Used by one thread at a time.
 */
#ifndef __THREADLEAK_MODULE_CACHE_H
#define __THREADLEAK_MODULE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct sym_info;

struct module_id {
	__u64 dev, ino, size;
	__s64 mtime_ns;
};

struct module_cache_stats {
	size_t bytes;	   /* held by the modules loaded now */
	size_t nr_modules; /* loaded now */
	__u64 loads, evictions, hits, misses; /* evictions: of a module's ELF and DWARF, or of all */
};

#define MODULE_CACHE_DEFAULT_BYTES (16u << 20)

struct module_cache;

/*
 * The cache of this program: every inspector's processes share it. Created
 * at the first call; NULL if out of memory.
 */
struct module_cache *module_cache__shared(void);
/* The shared cache's budget, in bytes (0: the default); set before or after it exists. */
void module_cache__set_budget(size_t budget);

/* @budget: bytes the loaded modules may hold (0: the default). */
struct module_cache *module_cache__new(size_t budget);
void module_cache__free(struct module_cache *mc);

/*
 * Symbolize @rel, an address @rel bytes past the start of the first mapping
 * of the file of identity @id (span @span bytes as the process maps it).
 * @fd, the file open (-1: only if loaded, else -EAGAIN), and @path, its
 * name for the debuginfo search, are only used during the call. func, file,
 * line, offset and the inlined frames of @si are set (the frames are the
 * cache's, valid until the next call); module and module_offset are the
 * caller's. @retaddr as proc_syms__lookup. 0, or -ENOENT when the module
 * has no such address, or -errno.
 */
int module_cache__lookup(struct module_cache *mc, const struct module_id *id, int fd,
			 const char *path, __u64 span, __u64 rel, bool retaddr,
			 struct sym_info *si);

void module_cache__stats(const struct module_cache *mc, struct module_cache_stats *st);

/*
 * Drop the ELF and DWARF of the modules no lookup needed them for since the
 * last call, keeping the names they gave (a census's worth: call after each).
 * Counted as evictions.
 */
void module_cache__unload_idle(struct module_cache *mc);

/* Heap bytes in use by this process now: what a load is charged with. */
size_t module_cache__heap_bytes(void);

/* For tests: charge @id (as if loaded) @bytes; evicts past the budget. */
int module_cache__charge(struct module_cache *mc, const struct module_id *id, size_t bytes);
bool module_cache__has(const struct module_cache *mc, const struct module_id *id);

#endif /* __THREADLEAK_MODULE_CACHE_H */
