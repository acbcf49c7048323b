// SPDX-License-Identifier: GPL-2.0
/*
 * The module cache. Each module has a Dwfl of its own holding just that
 * module, reported at MODULE_BASE with the span the process maps it with,
 * so an address @rel bytes into the process's mapping is MODULE_BASE + rel
 * here and libdwfl computes the same bias, symbol, line and inlining as in
 * the process's own address space. Names looked up are kept with the module.
 *
 * Measured on a host with PostgreSQL (96 backends), a JVM and CPython:
 * symbols per process held one copy of libc's DWARF, line tables and
 * names per open process (171 MB of heap); per module they are held once.
 */
#include <errno.h>
#include <malloc.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uthash.h>
#include <utlist.h>
#include "file_pages.h"
#include "module_cache.h"
#include "proc_syms_internal.h"

/* Where a module is reported in its Dwfl: aligned beyond any p_align. */
#define MODULE_BASE 0x10000000000ull

struct name_entry {
	__u64 rel;
	bool retaddr;
	int err;
	struct sym_info si;
};

struct cached_module {
	struct module_id id; /* the hash key */
	UT_hash_handle hh;
	struct cached_module *prev, *next; /* most recently used first */
	Dwfl *dwfl;
	__u64 span;
	int load_fd;	       /* the caller's, while a lookup loads it; else -1 */
	const char *load_path; /* the file's name for debuglink search, likewise */
	void *names;	       /* tsearch tree of struct name_entry */
	size_t bytes;
	bool dwfl_used; /* a lookup needed the Dwfl since module_cache__unload_idle */
};

struct module_cache {
	struct cached_module *by_id; /* uthash */
	struct cached_module *lru;   /* utlist, most recently used first */
	size_t budget, bytes, nr_modules;
	__u64 loads, evictions, hits, misses;
};

size_t module_cache__heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Dwfl_Callbacks.find_elf: the file the lookup that loads the module has open. */
static int find_elf_of_module(Dwfl_Module *mod, void **userdata, const char *name,
			      Dwarf_Addr base, char **file_name, Elf **elfp)
{
	struct cached_module *m = *userdata;
	int fd;

	if (!m || m->load_fd < 0)
		return -1;
	fd = dup(m->load_fd);
	if (fd < 0)
		return -1;
	*file_name = strdup(m->load_path);
	if (!*file_name) {
		close(fd);
		return -1;
	}
	return fd;
}

static const Dwfl_Callbacks module_callbacks = {
	.find_elf = find_elf_of_module,
	.find_debuginfo = proc_syms_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

struct module_cache *module_cache__new(size_t budget)
{
	struct module_cache *mc = calloc(1, sizeof(*mc));

	if (mc)
		mc->budget = budget ?: MODULE_CACHE_DEFAULT_BYTES;
	return mc;
}

static void name_entry_free(void *p)
{
	struct name_entry *e = p;

	free((void *)e->si.inlined);
	free(e);
}

static void module_drop(struct module_cache *mc, struct cached_module *m)
{
	HASH_DEL(mc->by_id, m);
	DL_DELETE(mc->lru, m);
	mc->bytes -= m->bytes;
	mc->nr_modules--;
	tdestroy(m->names, name_entry_free);
	if (m->dwfl)
		dwfl_end(m->dwfl);
	free(m);
}

/*
 * Drop @m's Dwfl (its ELF, DWARF, line tables: libc's alone is 12 MB) but
 * keep the names it gave, which are all a lookup of a known address needs.
 * It is loaded again for an address not looked up yet.
 */
static void module_unload(struct module_cache *mc, struct cached_module *m)
{
	size_t before = module_cache__heap_bytes(), after, freed;

	dwfl_end(m->dwfl);
	m->dwfl = NULL;
	after = module_cache__heap_bytes();
	freed = before > after ? before - after : 0;
	if (freed > m->bytes)
		freed = m->bytes;
	m->bytes -= freed;
	mc->bytes -= freed;
	mc->evictions++;
}

void module_cache__unload_idle(struct module_cache *mc)
{
	struct cached_module *m;

	if (!mc)
		return;
	DL_FOREACH(mc->lru, m) {
		if (m->dwfl && !m->dwfl_used && m->names)
			module_unload(mc, m);
		m->dwfl_used = false;
	}
}

static struct module_cache *shared;
static size_t shared_budget;

struct module_cache *module_cache__shared(void)
{
	if (!shared)
		shared = module_cache__new(shared_budget);
	return shared;
}

static void evict(struct module_cache *mc, const struct cached_module *keep);

void module_cache__set_budget(size_t budget)
{
	shared_budget = budget;
	if (shared) {
		shared->budget = budget ?: MODULE_CACHE_DEFAULT_BYTES;
		evict(shared, NULL);
	}
}

void module_cache__free(struct module_cache *mc)
{
	if (!mc)
		return;
	while (mc->by_id)
		module_drop(mc, mc->by_id);
	free(mc);
}

/*
 * While over the budget: first the Dwfls of the least recently used modules
 * but @keep (their names stay), then those modules.
 */
static void evict(struct module_cache *mc, const struct cached_module *keep)
{
	struct cached_module *m, *prev;

	for (m = mc->lru ? mc->lru->prev : NULL; m && mc->bytes > mc->budget; m = prev) {
		prev = m == mc->lru ? NULL : m->prev;
		if (m != keep && m->dwfl && m->names)
			module_unload(mc, m);
	}
	while (mc->bytes > mc->budget && mc->lru) {
		m = mc->lru->prev; /* utlist: the head's prev is the tail */
		if (keep && m == keep) {
			if (m == mc->lru)
				return; /* the only one: kept while it is used */
			m = m->prev;
		}
		module_drop(mc, m);
		mc->evictions++;
	}
}

static void charge(struct module_cache *mc, struct cached_module *m, size_t before)
{
	size_t after = module_cache__heap_bytes();

	if (after > before) {
		m->bytes += after - before;
		mc->bytes += after - before;
	}
	evict(mc, m);
}

static struct cached_module *find(const struct module_cache *mc, const struct module_id *id)
{
	struct cached_module *m;

	HASH_FIND(hh, mc->by_id, id, sizeof(*id), m);
	return m;
}

static struct cached_module *module_new(struct module_cache *mc, const struct module_id *id)
{
	struct cached_module *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->id = *id;
	m->load_fd = -1;
	HASH_ADD(hh, mc->by_id, id, sizeof(m->id), m);
	DL_PREPEND(mc->lru, m);
	mc->nr_modules++;
	mc->loads++;
	return m;
}

/* Most recently used first. */
static void touch(struct module_cache *mc, struct cached_module *m)
{
	if (mc->lru == m)
		return;
	DL_DELETE(mc->lru, m);
	DL_PREPEND(mc->lru, m);
}

static int module_load(struct cached_module *m, const char *path, __u64 span)
{
	Dwfl_Module *mod;
	void **userdata;

	m->dwfl = dwfl_begin(&module_callbacks);
	if (!m->dwfl)
		return -ENOMEM;
	m->span = span;
	dwfl_report_begin(m->dwfl);
	mod = dwfl_report_module(m->dwfl, path, MODULE_BASE, MODULE_BASE + span);
	if (mod) {
		dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
		*userdata = m;
	}
	if (dwfl_report_end(m->dwfl, NULL, NULL) || !mod)
		return -EINVAL;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	const struct name_entry *x = a, *y = b;

	if (x->rel != y->rel)
		return x->rel < y->rel ? -1 : 1;
	return (int)x->retaddr - (int)y->retaddr;
}

int module_cache__lookup(struct module_cache *mc, const struct module_id *id, int fd,
			 const char *path, __u64 span, __u64 rel, bool retaddr,
			 struct sym_info *si)
{
	struct name_entry key = { .rel = rel, .retaddr = retaddr }, *entry;
	struct cached_module *m = find(mc, id);
	size_t before = module_cache__heap_bytes();
	void *node;
	int err;

	if (m && m->span != span)
		return -ESTALE; /* the same file mapped otherwise: not ours to answer */
	if (m) {
		touch(mc, m);
		node = tfind(&key, &m->names, name_cmp);
		if (node) {
			mc->hits++;
			entry = *(struct name_entry **)node;
			*si = entry->si;
			return entry->err;
		}
	}
	mc->misses++;
	if (!m || !m->dwfl) {
		if (fd < 0)
			return -EAGAIN;
		if (!m)
			m = module_new(mc, id);
		else
			mc->loads++;
		if (!m)
			return -ENOMEM;
		err = module_load(m, path, span);
		if (err) {
			module_drop(mc, m);
			return err;
		}
	}
	m->dwfl_used = true;
	m->load_fd = fd;
	m->load_path = path;
	err = dwfl_symbolize(m->dwfl, MODULE_BASE + rel, retaddr, si);
	m->load_fd = -1;
	m->load_path = NULL;
	/* libdwfl asks for the file only once: a module it could not open stays empty */
	/* the names kept own the inlined frames; ours are borrowed from them */
	entry = malloc(sizeof(*entry));
	if (entry) {
		entry->rel = rel;
		entry->retaddr = retaddr;
		entry->err = err;
		entry->si = *si;
		if (!tsearch(entry, &m->names, name_cmp)) {
			free(entry);
			entry = NULL;
		}
	}
	if (!entry) {
		free((void *)si->inlined);
		si->inlined = NULL;
		si->inlined_len = si->nr_inline = 0;
	}
	charge(mc, m, before);
	file_pages__cap(FILE_PAGES_CAP);
	return err;
}

int module_cache__charge(struct module_cache *mc, const struct module_id *id, size_t bytes)
{
	struct cached_module *m = find(mc, id);

	if (!m) {
		m = module_new(mc, id);
		if (!m)
			return -ENOMEM;
	}
	touch(mc, m);
	m->bytes += bytes;
	mc->bytes += bytes;
	evict(mc, m);
	return 0;
}

bool module_cache__has(const struct module_cache *mc, const struct module_id *id)
{
	return find(mc, id);
}

void module_cache__stats(const struct module_cache *mc, struct module_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!mc)
		return;
	st->bytes = mc->bytes;
	st->nr_modules = mc->nr_modules;
	st->loads = mc->loads;
	st->evictions = mc->evictions;
	st->hits = mc->hits;
	st->misses = mc->misses;
}
