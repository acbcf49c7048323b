// SPDX-License-Identifier: GPL-2.0
/*
 * The modules of another process and the symbols in them. The modules are
 * the files with an executable mapping in /proc/PID/maps (and the vDSO);
 * their ELF files are opened through /proc/PID/root, so a process in a
 * container gets its own files. Debuginfo is looked up only on this machine
 * (/usr/lib/debug, .gnu_debuglink), never through debuginfod.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include "demangle.h"
#include "module_cache.h"
#include "perf_map.h"
#include "proc_syms_internal.h"
#include "target_file.h"

struct sym_cache_entry {
	__u64 pc;
	bool retaddr;
	int err;
	struct sym_info si;
};

static bool is_deleted_path(const char *path)
{
	const char *suffix = strrchr(path, ' ');

	return suffix && !strcmp(suffix, " (deleted)");
}

/*
 * Dwfl_Callbacks.find_elf: the file as the process sees it, through
 * @proc_root/PID/root. The vDSO and deleted files are read from the
 * process's memory by libdwfl's own dwfl_linux_proc_find_elf (which reads
 * /proc/PID/mem and never attaches: it does only with dwfl_linux_proc_attach
 * state, and ours is not). A host path is tried only when the process's
 * root is ours: in a container the same path can be another file.
 */
static int find_elf_in_process_root(Dwfl_Module *mod, void **userdata, const char *name,
				    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	struct proc_syms *ps = *userdata;
	char path[PATH_MAX * 2];
	int fd;

	if (ps && name[0] == '/' && !is_deleted_path(name)) {
		snprintf(path, sizeof(path), "%s%s", ps->root_dir, name);
		fd = target_file_open(ps->root_dir, name);
		if (fd < 0)
			return -1; /* libdwfl would open it without our care */
		*file_name = strdup(path);
		if (!*file_name) {
			close(fd);
			return -1;
		}
		return fd;
	}
	return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
}

#define DEBUGINFO_DIR "/usr/lib/debug"

/*
 * Is there a file at @path for dwfl_standard_find_debuginfo to open? 1 if
 * a regular file, 0 if nothing, -1 if something else: libdwfl would open a
 * FIFO there with a blocking open(), so then it must not look at all.
 */
static int debug_candidate(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return S_ISREG(st.st_mode) ? 1 : -1;
}

static int file_exists(const char *dir, const char *subdir, const char *name)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s%s%s/%s", dir, subdir ? "/" : "", subdir ?: "", name);
	return debug_candidate(path);
}

/* Of two debug_candidate() answers: -1 if either refuses, else any file. */
static int worse(int a, int b)
{
	return a < 0 || b < 0 ? -1 : a | b;
}

/*
 * Could dwfl_standard_find_debuginfo find a debuginfo file for @file_name
 * by name, where it looks (its default path ":.debug:/usr/lib/debug")? Next
 * to the file, in .debug/ there, under /usr/lib/debug by any tail of the
 * file's directory, and for a dwz file in the .dwz/ directories. False as
 * soon as one of those names something other than a regular file.
 * @debuglink: the .gnu_debuglink name, or the dwz file's name, or NULL.
 */
static bool has_local_debuglink(const char *file_name, const char *debuglink)
{
	const char *slash = file_name ? strrchr(file_name, '/') : NULL, *tail;
	char dir[PATH_MAX], name[NAME_MAX + 1];
	int st;

	if (!slash)
		return false;
	if (debuglink && debuglink[0] == '/') {
		st = debug_candidate(debuglink);
		if (st)
			return st > 0;
	}
	if (debuglink)
		snprintf(name, sizeof(name), "%s",
			 strrchr(debuglink, '/') ? strrchr(debuglink, '/') + 1 : debuglink);
	else
		snprintf(name, sizeof(name), "%s.debug", slash + 1);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file_name), file_name);

	st = worse(file_exists(dir, NULL, name), file_exists(dir, ".debug", name));
	st = worse(st, file_exists(dir, ".dwz", name));
	st = worse(st, file_exists(DEBUGINFO_DIR, NULL, name));
	st = worse(st, file_exists(DEBUGINFO_DIR, ".dwz", name));
	for (tail = strchr(dir, '/'); tail; tail = strchr(tail + 1, '/'))
		if (tail[1])
			st = worse(st, file_exists(DEBUGINFO_DIR, tail + 1, name));
	return st > 0;
}

/*
 * Dwfl_Callbacks.find_debuginfo: dwfl_standard_find_debuginfo, asked only
 * when the file it would find is on this machine. When it finds nothing,
 * elfutils 0.188 falls back to debuginfod, and before any request it
 * dlopens libdebuginfod and with it libcurl, GnuTLS, Kerberos, LDAP and
 * more (29 libraries, ~9 MB, ~4 ms here), even with DEBUGINFOD_URLS unset.
 * Its build-ID lookup (dwfl_build_id_find_debuginfo) is local only.
 */
int proc_syms_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			     Dwarf_Addr base, const char *file_name, const char *debuglink,
			     GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	int fd;

	fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink,
					  debuglink_crc, debuginfo_file_name);
	if (fd >= 0)
		return fd;
	if (!has_local_debuglink(file_name, debuglink))
		return -1;
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink,
					    debuglink_crc, debuginfo_file_name);
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf_in_process_root,
	.find_debuginfo = proc_syms_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/*
 * elfutils 0.188's dwfl_standard_find_debuginfo asks debuginfod servers
 * for a debuginfo file it did not find on this machine, whenever
 * DEBUGINFOD_URLS is set (Debian's /etc/profile.d snippet can set it). The
 * client reads the variable at each query and does nothing without it;
 * 0.188 has no other switch. find_local_debuginfo avoids that path, but a
 * debuginfo file it found that turns out stale (CRC, build ID) still goes
 * there: so the variable goes too.
 */
static void disable_debuginfod(void)
{
	if (getenv("DEBUGINFOD_URLS"))
		unsetenv("DEBUGINFOD_URLS");
}

static int grow_array(void **array, size_t *cap, size_t nr, size_t elem_size)
{
	size_t new_cap;
	void *p;

	if (nr < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 64;
	p = realloc(*array, new_cap * elem_size);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = new_cap;
	return 0;
}

void maps_snapshot_free(struct maps_snapshot *maps)
{
	size_t i;

	for (i = 0; i < maps->nr_files; i++)
		free(maps->files[i].path);
	free(maps->files);
	free(maps->mappings.edge);
	free(maps->mappings.kind);
	memset(maps, 0, sizeof(*maps));
}

/* Room for @more entries past the table's */
static int mappings_grow(struct maps_snapshot *maps, size_t more)
{
	struct mapping_table *t = &maps->mappings;
	size_t cap = maps->cap_edges;
	void *p;

	if (t->nr + more <= cap)
		return 0;
	cap = cap ? cap * 2 : 64;
	p = realloc(t->edge, cap * sizeof(*t->edge));
	if (!p)
		return -ENOMEM;
	t->edge = p;
	p = realloc(t->kind, cap * sizeof(*t->kind));
	if (!p)
		return -ENOMEM;
	t->kind = p;
	maps->cap_edges = cap;
	return 0;
}

/* [start, end) after the table's last mapping (checked) */
static void mappings_add(struct mapping_table *t, __u64 start, __u64 end, unsigned char kind)
{
	/* the hole after the last mapping: it begins this one if they touch */
	if (t->nr && t->edge[t->nr - 1] == start)
		t->nr--;
	t->edge[t->nr] = start;
	t->kind[t->nr++] = kind;
	t->edge[t->nr] = end;
	t->kind[t->nr++] = MAPPING_HOLE;
}

/* Shrink the arrays to what they hold. */
static void mappings_fit(struct maps_snapshot *maps)
{
	struct mapping_table *t = &maps->mappings;
	void *p;

	if (!t->nr)
		return;
	p = realloc(t->edge, t->nr * sizeof(*t->edge));
	if (p)
		t->edge = p;
	p = realloc(t->kind, t->nr * sizeof(*t->kind));
	if (p)
		t->kind = p;
	maps->cap_edges = t->nr;
}

bool mapping_table_find(const struct mapping_table *t, __u64 addr, struct proc_mapping *m)
{
	size_t lo = 0, hi = t->nr, mid;

	/* lo: the first entry starting past @addr */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->edge[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || t->kind[lo - 1] & MAPPING_HOLE)
		return false;
	m->start = t->edge[lo - 1];
	m->end = t->edge[lo];
	m->exec = t->kind[lo - 1] & MAPPING_EXEC;
	m->anon = t->kind[lo - 1] & MAPPING_ANON;
	return true;
}

/* One line: "start-end perms offset major:minor inode   path". */
static int maps_snapshot_add_line(struct maps_snapshot *maps, const char *line)
{
	unsigned long long start, end, ino;
	unsigned int major, minor;
	struct mapped_file *file;
	const char *path;
	char perms[8];
	int path_at = 0;
	bool is_file, is_vdso, exec;

	if (sscanf(line, "%llx-%llx %7s %*x %x:%x %llu %n", &start, &end, perms, &major, &minor,
		   &ino, &path_at) < 6 ||
	    !path_at || strlen(perms) != 4)
		return -EINVAL;
	/* the kernel lists mappings in order, without overlap: lookups rely on it */
	if (start >= end ||
	    (maps->nr_mappings && start < maps->mappings.edge[maps->mappings.nr - 1]))
		return -EINVAL;
	if (maps->nr_mappings == MAPS_MAX_MAPPINGS)
		return -E2BIG;
	path = line + path_at;

	if (mappings_grow(maps, 2))
		return -ENOMEM;
	exec = perms[2] == 'x';
	mappings_add(&maps->mappings, start, end,
		     (exec ? MAPPING_EXEC : 0) |
			     (!path[0] || !strncmp(path, "[anon:", 6) ? MAPPING_ANON : 0));
	maps->nr_mappings++;

	is_vdso = !strcmp(path, "[vdso]");
	is_file = path[0] == '/' && (ino || major || minor);
	if (!is_file && !is_vdso)
		return 0;

	file = maps->nr_files ? &maps->files[maps->nr_files - 1] : NULL;
	if (file && is_file && file->ino == ino && file->dev == makedev(major, minor) &&
	    !strcmp(file->path, path) && file->high == start) {
		/* another segment of the same file */
		file->high = end;
		file->exec |= exec;
		return 0;
	}
	if (grow_array((void **)&maps->files, &maps->cap_files, maps->nr_files,
		       sizeof(*maps->files)))
		return -ENOMEM;
	file = &maps->files[maps->nr_files];
	file->path = strdup(path);
	if (!file->path)
		return -ENOMEM;
	file->low = start;
	file->high = end;
	file->dev = makedev(major, minor);
	file->ino = ino;
	file->exec = exec || is_vdso;
	maps->nr_files++;
	return 0;
}

int maps_snapshot_parse(struct maps_snapshot *maps, FILE *f)
{
	char *line = NULL;
	size_t line_cap = 0;
	ssize_t len;
	int err = 0;

	memset(maps, 0, sizeof(*maps));
	errno = 0;
	while ((len = getline(&line, &line_cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		err = maps_snapshot_add_line(maps, line);
		if (err)
			break;
	}
	if (!err && ferror(f))
		err = errno == ESRCH || errno == ETIMEDOUT ? -errno : -EIO;
	free(line);
	if (err)
		maps_snapshot_free(maps);
	else
		mappings_fit(maps);
	return err;
}

static int maps_snapshot_read(struct proc_syms *ps, struct maps_snapshot *maps)
{
	char path[PATH_MAX + 32];
	FILE *f;
	int err;

	memset(maps, 0, sizeof(*maps));
	snprintf(path, sizeof(path), "%s/%d/maps", ps->proc_root, ps->pid);
	f = target_proc_fopen(path, TARGET_MAPS_MAX);
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	err = maps_snapshot_parse(maps, f);
	fclose(f);
	return err;
}

static int report_mapped_file(struct proc_syms *ps, const struct mapped_file *file)
{
	char vdso_name[32];
	const char *name = file->path;
	Dwfl_Module *mod;
	void **userdata;

	if (!strcmp(file->path, "[vdso]")) {
		/* the name dwfl_linux_proc_find_elf reads from memory */
		snprintf(vdso_name, sizeof(vdso_name), "[vdso: %d]", ps->pid);
		name = vdso_name;
	}
	mod = dwfl_report_module(ps->dwfl, name, file->low, file->high);
	if (!mod)
		return -EINVAL;
	dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = ps;
	return 0;
}

static int sym_cache_compare(const void *a, const void *b)
{
	const struct sym_cache_entry *x = a, *y = b;

	if (x->pc != y->pc)
		return x->pc < y->pc ? -1 : 1;
	return (int)x->retaddr - (int)y->retaddr;
}

static void sym_cache_entry_free(void *p)
{
	struct sym_cache_entry *e = p;

	free((void *)e->si.inlined);
	free(e);
}

static void sym_cache_clear(struct proc_syms *ps)
{
	tdestroy(ps->sym_cache, sym_cache_entry_free);
	ps->sym_cache = NULL;
}

size_t proc_syms_cache_bytes(const struct proc_syms *ps)
{
	struct module_cache_stats st;

	module_cache__stats(ps->cache, &st);
	return st.bytes;
}

/*
 * What the heap grew by since @heap, but for what the module cache took
 * (it was @cached): this process's own.
 */
void proc_syms_charge(struct proc_syms *ps, size_t heap, size_t cached)
{
	long long grew = (long long)module_cache__heap_bytes() - (long long)heap;

	grew -= (long long)proc_syms_cache_bytes(ps) - (long long)cached;
	if (grew > 0)
		ps->bytes += grew;
}

static void exec_files_free(struct proc_syms *ps)
{
	size_t i;

	for (i = 0; i < ps->nr_files; i++)
		free(ps->files[i].path);
	free(ps->files);
	ps->files = NULL;
	ps->nr_files = 0;
}

/*
 * The regular files with code, their paths taken from @maps: what the
 * module cache can name. The vDSO and deleted files are read from the
 * process's memory, by its own Dwfl.
 */
static void exec_files_take(struct proc_syms *ps, struct maps_snapshot *maps)
{
	struct exec_file *f;
	size_t i;

	exec_files_free(ps);
	ps->files = calloc(maps->nr_files ?: 1, sizeof(*ps->files));
	if (!ps->files)
		return; /* all named by its own Dwfl */
	for (i = 0; i < maps->nr_files; i++) {
		struct mapped_file *mf = &maps->files[i];

		if (!mf->exec || mf->path[0] != '/' || is_deleted_path(mf->path))
			continue;
		f = &ps->files[ps->nr_files++];
		f->path = mf->path;
		mf->path = NULL;
		f->low = mf->low;
		f->high = mf->high;
		f->ino = mf->ino;
	}
}

int proc_syms__refresh(struct proc_syms *ps)
{
	struct maps_snapshot maps;
	size_t i;
	int err;

	err = maps_snapshot_read(ps, &maps);
	if (err)
		return err;

	/*
	 * Modules reported again unchanged keep their loaded ELF and DWARF.
	 * Highest address first: elfutils 0.188's segment table (reify_segments)
	 * drops the end of a module that starts exactly where the previously
	 * reported one ends, so in ascending order the gap after it (a library
	 * dlopened since, JIT code) would resolve to it.
	 */
	dwfl_report_begin(ps->dwfl);
	for (i = maps.nr_files; i-- > 0;) {
		/* data files (locale archive, fonts) have no code to name */
		if (!maps.files[i].exec)
			continue;
		/* a mapping libdwfl refuses (odd overlap) only loses its names */
		report_mapped_file(ps, &maps.files[i]);
	}
	if (dwfl_report_end(ps->dwfl, NULL, NULL)) {
		maps_snapshot_free(&maps);
		return -EINVAL;
	}

	free(ps->mappings.edge);
	free(ps->mappings.kind);
	ps->mappings = maps.mappings;
	maps.mappings = (struct mapping_table){ 0 };
	exec_files_take(ps, &maps);
	maps_snapshot_free(&maps);
	sym_cache_clear(ps);
	return 0;
}

int proc_syms__open(struct proc_syms **psp, const char *proc_root, int pid)
{
	struct stat our_root, its_root;
	char path[PATH_MAX + 16];
	struct proc_syms *ps;
	int err;

	*psp = NULL;
	if (pid <= 0)
		return -ESRCH;
	disable_debuginfod();

	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->pid = pid;
	snprintf(ps->proc_root, sizeof(ps->proc_root), "%s", proc_root);
	snprintf(ps->root_dir, sizeof(ps->root_dir), "%s/%d/root", proc_root, pid);
	snprintf(path, sizeof(path), "%s/%d", proc_root, pid);
	if (!stat(path, &its_root))
		ps->uid = its_root.st_uid;
	ps->shares_our_root = !stat("/", &our_root) && !stat(ps->root_dir, &its_root) &&
			      our_root.st_dev == its_root.st_dev &&
			      our_root.st_ino == its_root.st_ino;

	ps->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!ps->dwfl) {
		err = -ENOMEM;
		goto fail;
	}
	err = proc_syms__refresh(ps);
	if (err)
		goto fail;
	*psp = ps;
	return 0;
fail:
	proc_syms__close(ps);
	return err;
}

void proc_syms__close(struct proc_syms *ps)
{
	if (!ps)
		return;
	sym_cache_clear(ps);
	exec_files_free(ps);
	if (ps->dwfl)
		dwfl_end(ps->dwfl);
	free(ps->request.stack);
	free(ps->mappings.edge);
	free(ps->mappings.kind);
	perf_map__free(ps->perf_map);
	free(ps);
}

bool proc_syms__mapping_of(const struct proc_syms *ps, __u64 addr, struct proc_mapping *m)
{
	return mapping_table_find(&ps->mappings, addr, m);
}

void proc_syms__use_cache(struct proc_syms *ps, struct module_cache *mc)
{
	ps->cache = mc;
}

void proc_syms__new_census(struct proc_syms *ps)
{
	ps->refresh_armed = true;
	ps->perf_map_checked = false;
}

size_t proc_syms__bytes(const struct proc_syms *ps)
{
	return ps->bytes;
}

bool proc_syms_refresh_for(struct proc_syms *ps, __u64 addr)
{
	struct proc_mapping m;

	if (!ps->refresh_armed || proc_syms__mapping_of(ps, addr, &m))
		return false;
	ps->refresh_armed = false;
	return !proc_syms__refresh(ps);
}

bool proc_syms__is_exec(struct proc_syms *ps, __u64 pc)
{
	struct proc_mapping m;

	proc_syms_refresh_for(ps, pc);
	return proc_syms__mapping_of(ps, pc, &m) && m.exec;
}

static void copy_basename(char *dst, size_t size, const char *path)
{
	const char *slash = strrchr(path, '/');

	snprintf(dst, size, "%s", slash ? slash + 1 : path);
}

/* The inlined frames of one pc, as they are gathered. */
struct inline_chain {
	struct rec_inline_frame frames[REC_INLINE_MAX];
	char text[REC_INLINE_TEXT_MAX];
	size_t text_len;
	unsigned int nr;
	__s32 entry_delta[REC_INLINE_MAX];
	__u32 decl_line[REC_INLINE_MAX];
	__u16 entry_known;
};

#define INLINE_FUNC_MAX 256 /* bytes of one inlined function's name kept */
#define INLINE_FILE_MAX 64

/* A scope's name: its linkage name demangled (a Rust or C++ path), else its name. */
static void scope_name(Dwarf_Die *scope, char *buf, size_t size)
{
	Dwarf_Attribute attr;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(scope, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(scope, DW_AT_MIPS_linkage_name, &attr));
	if (name) {
		demangle_symbol(name, buf, size);
		return;
	}
	name = dwarf_diename(scope);
	snprintf(buf, size, "%s", name ?: "");
}

/*
 * Where @scope's code starts, from @addr: its entry pc, else the lowest
 * of its ranges (rustc gives inlined instances ranges only). And the line
 * its function is declared at. Where a site in inlined code is.
 */
static void scope_entry(Dwarf_Die *scope, Dwarf_Addr addr, struct inline_chain *ch)
{
	Dwarf_Addr entry = 0, base, start, end;
	ptrdiff_t off = 0;
	bool known;
	int line;

	known = !dwarf_entrypc(scope, &entry);
	while (!known && (off = dwarf_ranges(scope, off, &base, &start, &end)) > 0)
		if (!entry || start < entry)
			entry = start;
	known = known || entry;
	if (known && (entry > addr ? entry - addr : addr - entry) < INT32_MAX) {
		ch->entry_delta[ch->nr] = (__s64)entry - (__s64)addr;
		ch->entry_known |= 1u << ch->nr;
	}
	ch->decl_line[ch->nr] = !dwarf_decl_line(scope, &line) && line > 0 ? line : 0;
}

static void chain_add(struct inline_chain *ch, const char *func, const char *file, __u32 line)
{
	size_t fl = strnlen(func, INLINE_FUNC_MAX), il = strnlen(file, INLINE_FILE_MAX);
	struct rec_inline_frame *f;

	if (ch->nr == REC_INLINE_MAX ||
	    (ch->nr + 1) * sizeof(*f) + ch->text_len + fl + il > REC_INLINE_TEXT_MAX)
		return; /* the innermost ones are kept */
	f = &ch->frames[ch->nr++];
	f->line = line;
	f->func_len = fl;
	f->file_len = il;
	memcpy(ch->text + ch->text_len, func, fl);
	memcpy(ch->text + ch->text_len + fl, file, il);
	ch->text_len += fl + il;
}

/* A scope's call site: the file (basename) and line it is called from. */
static bool call_site(Dwarf_Die *scope, Dwarf_Files *files, size_t nfiles, char *file,
		      size_t size, __u32 *line)
{
	Dwarf_Word fileno, lineno;
	Dwarf_Attribute attr;
	const char *src;

	if (!files || dwarf_formudata(dwarf_attr(scope, DW_AT_call_line, &attr), &lineno) ||
	    dwarf_formudata(dwarf_attr(scope, DW_AT_call_file, &attr), &fileno) ||
	    fileno >= nfiles || !lineno)
		return false;
	src = dwarf_filesrc(files, fileno, NULL, NULL);
	if (!src)
		return false;
	copy_basename(file, size, src);
	*line = lineno;
	return true;
}

/* @si's inlined frames, as one allocation: NULL if none or out of memory. */
static void chain_take(struct inline_chain *ch, struct sym_info *si)
{
	size_t len = ch->nr * sizeof(ch->frames[0]) + ch->text_len;
	unsigned char *blob;

	if (!ch->nr)
		return;
	blob = malloc(len);
	if (!blob)
		return;
	memcpy(blob, ch->frames, ch->nr * sizeof(ch->frames[0]));
	memcpy(blob + ch->nr * sizeof(ch->frames[0]), ch->text, ch->text_len);
	si->inlined = blob;
	si->inlined_len = len;
	si->nr_inline = ch->nr;
	memcpy(si->inline_entry_delta, ch->entry_delta, sizeof(ch->entry_delta));
	memcpy(si->inline_decl_line, ch->decl_line, sizeof(ch->decl_line));
	si->inline_entry_known = ch->entry_known;
}

#define SCOPE_DEPTH_MAX 64

/*
 * The innermost DIE with code at @pc (a subprogram, an inlined instance, a
 * lexical block) among @parent's descendants, into @out. Namespaces and
 * types are looked into: rustc nests functions in them, where elfutils
 * 0.188's dwarf_getscopes() does not look (it finds nothing at most pcs
 * of a Rust program).
 */
static bool innermost_scope(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *out, int depth)
{
	Dwarf_Die child;
	int tag;

	if (depth > SCOPE_DEPTH_MAX || dwarf_child(parent, &child))
		return false;
	do {
		tag = dwarf_tag(&child);
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
		    tag == DW_TAG_lexical_block) {
			if (dwarf_haspc(&child, pc) <= 0)
				continue;
			*out = child;
			innermost_scope(&child, pc, out, depth + 1);
			return true;
		}
		if (dwarf_haschildren(&child) > 0 && innermost_scope(&child, pc, out, depth + 1))
			return true;
	} while (!dwarf_siblingof(&child, &child));
	return false;
}

/*
 * The innermost scope at @addr and its compile unit. rustc's
 * .debug_aranges leaves out CUs (15 sets for 37 CUs in a small Rust 1.95
 * program), which dwfl_module_addrdie() trusts: then each CU's own ranges
 * are asked.
 */
static bool scope_at(Dwfl_Module *mod, Dwarf_Addr addr, Dwarf_Addr *bias, Dwarf_Die **cudie,
		     Dwarf_Die *scope)
{
	Dwarf_Die *aranges_cu = dwfl_module_addrdie(mod, addr, bias), *cu = NULL;

	*cudie = aranges_cu;
	if (aranges_cu && innermost_scope(aranges_cu, addr - *bias, scope, 0))
		return true;
	while ((cu = dwfl_module_nextcu(mod, cu, bias))) {
		if (cu == aranges_cu || dwarf_haspc(cu, addr - *bias) <= 0)
			continue;
		*cudie = cu;
		if (innermost_scope(cu, addr - *bias, scope, 0))
			return true;
	}
	return false;
}

/*
 * At a pc inside code inlined into func, the line table gives the inlined
 * code's line ("condition_variable:102"). That is the innermost inlined
 * frame's line; each inlined function's call site is the line of the one
 * it is inlined into, and the outermost one's is where func itself is.
 * The frames go into si->inlined (allocated: the caller's), innermost
 * first, as eu-addr2line -i lists them.
 */
static void inlined_frames(Dwfl_Module *mod, Dwarf_Addr addr, struct sym_info *si)
{
	Dwarf_Die *cudie, *scopes = NULL, innermost;
	char func[INLINE_FUNC_MAX + 1], file[sizeof(si->file)];
	struct inline_chain *ch = NULL;
	Dwarf_Files *files = NULL;
	size_t nfiles = 0;
	Dwarf_Addr bias;
	__u32 line;
	int i, n;

	/*
	 * The instances the innermost one is nested in are its parents, which
	 * dwarf_getscopes_die() lists (as eu-addr2line -i does): not
	 * dwarf_getscopes(), which goes on into an abstract origin's scopes.
	 */
	if (!scope_at(mod, addr, &bias, &cudie, &innermost))
		return;
	n = dwarf_getscopes_die(&innermost, &scopes);
	for (i = 0; i < n; i++) {
		if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
			break;
		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue; /* a lexical block */
		if (!ch) {
			ch = calloc(1, sizeof(*ch));
			if (!ch)
				break;
			if (dwarf_getsrcfiles(cudie, &files, &nfiles))
				files = NULL;
		}
		scope_name(&scopes[i], func, sizeof(func));
		if (ch->nr < REC_INLINE_MAX)
			scope_entry(&scopes[i], addr - bias, ch);
		chain_add(ch, func, si->file, si->line);
		/* what it is inlined into is at its call site */
		if (call_site(&scopes[i], files, nfiles, file, sizeof(file), &line)) {
			snprintf(si->file, sizeof(si->file), "%s", file);
			si->line = line;
		} else {
			si->file[0] = '\0';
			si->line = 0;
		}
	}
	if (ch)
		chain_take(ch, si);
	free(ch);
	free(scopes);
}

int dwfl_symbolize(Dwfl *dwfl, __u64 pc, bool retaddr, struct sym_info *si)
{
	Dwarf_Addr addr = retaddr ? pc - 1 : pc, bias, mod_low, mod_high;
	const char *mod_name, *sym_name, *src;
	Dwfl_Module *mod;
	Dwfl_Line *line;
	Dwarf_Line *dwarf_line;
	GElf_Off offset;
	GElf_Sym sym;
	int lineno;

	memset(si, 0, sizeof(*si));
	mod = dwfl_addrmodule(dwfl, addr);
	if (!mod)
		return -ENOENT;
	/* not only trusting libdwfl's segment table (see proc_syms__refresh) */
	mod_name = dwfl_module_info(mod, NULL, &mod_low, &mod_high, NULL, NULL, NULL, NULL);
	if (addr < mod_low || addr >= mod_high)
		return -ENOENT;
	si->module_offset = pc - mod_low;
	if (mod_name && !strncmp(mod_name, "[vdso", 5))
		snprintf(si->module, sizeof(si->module), "[vdso]");
	else if (mod_name)
		copy_basename(si->module, sizeof(si->module), mod_name);

	sym_name = dwfl_module_addrinfo(mod, addr, &offset, &sym, NULL, NULL, NULL);
	if (sym_name && sym_name[0]) {
		demangle_symbol(sym_name, si->func, sizeof(si->func));
		si->offset = offset + (pc - addr);
		si->found = true;
	}

	line = dwfl_module_getsrc(mod, addr);
	dwarf_line = line ? dwfl_dwarf_line(line, &bias) : NULL;
	if (dwarf_line) {
		if (!dwarf_lineno(dwarf_line, &lineno) && lineno > 0)
			si->line = lineno;
		src = dwarf_linesrc(dwarf_line, NULL, NULL);
		if (src)
			copy_basename(si->file, sizeof(si->file), src);
	}
	inlined_frames(mod, addr, si);
	return 0;
}

/* The regular file with code holding @addr, or NULL. */
static struct exec_file *exec_file_of(struct proc_syms *ps, __u64 addr)
{
	size_t lo = 0, hi = ps->nr_files, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr < ps->files[mid].low)
			hi = mid;
		else if (addr >= ps->files[mid].high)
			lo = mid + 1;
		else
			return &ps->files[mid];
	}
	return NULL;
}

/*
 * Open @f as the process sees it, and say which file it is. Its inode must
 * be the one maps names: else the path names another file by now. Returns
 * the fd, or -errno.
 */
static int exec_file_open(struct proc_syms *ps, const struct exec_file *f, struct module_id *id)
{
	struct stat st;
	int fd;

	fd = target_file_open(ps->root_dir, f->path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_ino != f->ino) {
		close(fd);
		return -ESTALE;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime_ns = st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
	return fd;
}

/* Make @si's inlined frames a copy of its own (the module cache may drop its copy). */
static void own_inlined(struct sym_info *si)
{
	void *copy;

	if (!si->inlined)
		return;
	copy = malloc(si->inlined_len);
	if (copy)
		memcpy(copy, si->inlined, si->inlined_len);
	else
		si->inlined_len = si->nr_inline = 0;
	si->inlined = copy;
}

/* Free what symbolize() gave @si, for an answer not kept. */
static void drop_inlined(struct sym_info *si)
{
	free((void *)si->inlined);
	si->inlined = NULL;
	si->inlined_len = si->nr_inline = 0;
}

/*
 * @pc from the module cache: -EAGAIN if @pc is in no file it can name (the
 * vDSO, a deleted file, a file replaced since it was mapped), another
 * -errno if it could not.
 */
static int cache_lookup(struct proc_syms *ps, __u64 pc, bool retaddr, struct sym_info *si)
{
	struct exec_file *f = exec_file_of(ps, retaddr ? pc - 1 : pc);
	char path[PATH_MAX * 2];
	struct module_id id;
	int fd, err;

	if (!f || f->id_state < 0)
		return -EAGAIN;
	if (!f->id_state) {
		fd = exec_file_open(ps, f, &f->id);
		f->id_state = fd < 0 ? -1 : 1;
		if (fd < 0)
			return -EAGAIN;
		close(fd);
	}
	snprintf(path, sizeof(path), "%s%s", ps->root_dir, f->path);
	err = module_cache__lookup(ps->cache, &f->id, -1, path, f->high - f->low, pc - f->low,
				   retaddr, si);
	if (err == -EAGAIN) {
		/* not loaded: open it, if it is still the file it was */
		fd = exec_file_open(ps, f, &id);
		if (fd < 0 || memcmp(&id, &f->id, sizeof(id))) {
			if (fd >= 0)
				close(fd);
			f->id_state = -1;
			return -EAGAIN;
		}
		err = module_cache__lookup(ps->cache, &f->id, fd, path, f->high - f->low,
					   pc - f->low, retaddr, si);
		close(fd);
	}
	if (err)
		return err;
	copy_basename(si->module, sizeof(si->module), f->path);
	si->module_offset = pc - f->low;
	own_inlined(si);
	return err;
}

/*
 * The process's perf map, read again (once a census) if it changed: a JVM
 * writes it when asked (jcmd PID Compiler.perfmap). Kept as it was if the
 * file went or cannot be read.
 */
static void perf_map_update(struct proc_syms *ps)
{
	char path[PATH_MAX + 64];
	struct perf_map *pm;
	struct stat st;

	if (ps->perf_map_checked)
		return;
	ps->perf_map_checked = true;
	snprintf(path, sizeof(path), "%s/tmp/perf-%d.map", ps->root_dir, ps->pid);
	if (lstat(path, &st) ||
	    (ps->perf_map && st.st_size == (off_t)ps->perf_map_size &&
	     st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec == ps->perf_map_mtime_ns))
		return;
	if (perf_map__load(&pm, ps->root_dir, ps->pid, ps->uid))
		return;
	perf_map__free(ps->perf_map);
	ps->perf_map = pm;
	ps->perf_map_size = st.st_size;
	ps->perf_map_mtime_ns = st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec;
}

/*
 * @pc in code no file holds (a JIT's): named from the process's perf map,
 * else "[JIT]" and its offset in the mapping. -ENOENT if not such code.
 */
static int jit_lookup(struct proc_syms *ps, __u64 pc, bool retaddr, struct sym_info *si)
{
	__u64 addr = retaddr ? pc - 1 : pc, offset;
	struct proc_mapping m;
	const char *name;

	if (!proc_syms__mapping_of(ps, addr, &m) || !m.exec || !m.anon)
		return -ENOENT;
	memset(si, 0, sizeof(*si));
	snprintf(si->module, sizeof(si->module), "[JIT]");
	si->module_offset = pc - m.start;
	perf_map_update(ps);
	name = perf_map__find(ps->perf_map, addr, &offset);
	if (name) {
		snprintf(si->func, sizeof(si->func), "%s", name);
		si->offset = offset + (pc - addr);
		si->found = true;
	}
	return 0;
}

static int symbolize(struct proc_syms *ps, __u64 pc, bool retaddr, struct sym_info *si)
{
	int err = -EAGAIN;

	memset(si, 0, sizeof(*si));
	if (ps->cache) {
		err = cache_lookup(ps, pc, retaddr, si);
		if (err == -EAGAIN && proc_syms_refresh_for(ps, retaddr ? pc - 1 : pc))
			err = cache_lookup(ps, pc, retaddr, si);
	}
	if (err && err != -ENOENT)
		err = dwfl_symbolize(ps->dwfl, pc, retaddr, si);
	if (err == -ENOENT)
		err = jit_lookup(ps, pc, retaddr, si);
	return err;
}

int proc_syms__lookup(struct proc_syms *ps, __u64 pc, bool retaddr, struct sym_info *si)
{
	struct sym_cache_entry key = { .pc = pc, .retaddr = retaddr }, *entry;
	size_t heap, cached;
	void *node;
	int err;

	node = tfind(&key, &ps->sym_cache, sym_cache_compare);
	if (node) {
		entry = *(struct sym_cache_entry **)node;
		*si = entry->si;
		return entry->err;
	}

	/* mallinfo2() walks every arena: only a miss, which can grow the heap, pays it */
	heap = module_cache__heap_bytes();
	cached = proc_syms_cache_bytes(ps);
	entry = malloc(sizeof(*entry));
	if (!entry) {
		err = symbolize(ps, pc, retaddr, si);
		drop_inlined(si);
		return err;
	}
	entry->pc = pc;
	entry->retaddr = retaddr;
	entry->err = err = symbolize(ps, pc, retaddr, &entry->si);
	if (!tsearch(entry, &ps->sym_cache, sym_cache_compare)) {
		/* out of memory: answered, not cached */
		drop_inlined(&entry->si);
		*si = entry->si;
		free(entry);
	} else {
		*si = entry->si;
	}
	proc_syms_charge(ps, heap, cached);
	return err;
}
