// SPDX-License-Identifier: GPL-2.0
/*
 * A CPython process from outside (py_inspect.h): find its interpreter,
 * read a thread's Python frames through py_frames.c with process_vm_readv
 * (proc_mem.c), merge them into the native stack and name them.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc_mem.h"
#include "py_inspect.h"
#include "record.h"
#include "target_addr.h"
#include "target_file.h"

struct py_proc {
	int pid;
	struct py_target target;
	char version[16];
	char sym_buf[sizeof(struct rec_symbol) + 2 * PY_NAME_MAX + 16] __attribute__((aligned(8)));
};

static ssize_t read_live(void *ctx, __u64 addr, void *buf, size_t len)
{
	return proc_mem_read(((struct py_proc *)ctx)->pid, addr, buf, len);
}

/* The values of _PyRuntime and Py_Version in @elf, and its lowest PT_LOAD. */
static int elf_py_symbols(Elf *elf, __u64 *runtime, __u64 *version, __u64 *load_vaddr)
{
	Elf_Scn *scn = NULL;
	size_t i, nsyms, nph;
	GElf_Shdr sh;
	GElf_Sym sym;
	GElf_Phdr ph;
	Elf_Data *data;

	*runtime = *version = 0;
	*load_vaddr = ~0ull;
	if (elf_getphdrnum(elf, &nph))
		return -ENOENT;
	for (i = 0; i < nph; i++)
		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr < *load_vaddr)
			*load_vaddr = ph.p_vaddr & ~0xfffull;
	while ((scn = elf_nextscn(elf, scn)) && !(*runtime && *version)) {
		if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize ||
		    (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		nsyms = sh.sh_size / sh.sh_entsize;
		for (i = 1; i < nsyms; i++) {
			const char *name;

			if (!gelf_getsym(data, i, &sym) || !sym.st_name || !sym.st_value ||
			    sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || (name[0] != '_' && name[0] != 'P'))
				continue;
			if (!strcmp(name, "_PyRuntime"))
				*runtime = sym.st_value;
			else if (!strcmp(name, "Py_Version"))
				*version = sym.st_value;
		}
	}
	return *runtime && *version && *load_vaddr != ~0ull ? 0 : -ENOENT;
}

/* Is @file a CPython executable or libpython, by its name? */
static bool python_file(const char *file)
{
	const char *base = strrchr(file, '/');

	base = base ? base + 1 : file;
	return !strncmp(base, "python", 6) || !strncmp(base, "libpython", 9);
}

/* _PyRuntime and Py_Version of the module mapped from @file at @start. */
static int module_symbols(const char *root, const char *file, __u64 start, __u64 *runtime,
			  __u64 *version)
{
	__u64 load_vaddr;
	Elf *elf;
	int fd, err;

	fd = target_file_open(root, file);
	if (fd < 0)
		return fd;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	err = elf ? elf_py_symbols(elf, runtime, version, &load_vaddr) : -ENOENT;
	if (!err && (start < load_vaddr ||
		     target_addr_add(start - load_vaddr, *runtime, runtime) ||
		     target_addr_add(start - load_vaddr, *version, version)))
		err = -ENOENT;
	elf_end(elf);
	close(fd);
	return err;
}

int py_proc__open(struct py_proc **ppp, const char *proc_root, int pid)
{
	char path[256], root[256], line[4096], done[4096] = "";
	__u64 runtime = 0, version_addr = 0, hexversion = 0;
	unsigned long long start, pgoff;
	const struct py_layout *layout;
	struct py_proc *pp;
	int err = -ENOENT;
	FILE *maps;

	*ppp = NULL;
	snprintf(path, sizeof(path), "%s/%d/maps", proc_root, pid);
	snprintf(root, sizeof(root), "%s/%d/root", proc_root, pid);
	maps = target_proc_fopen(path, TARGET_MAPS_MAX);
	if (!maps)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), maps)) {
		char *file = strchr(line, '/');

		line[strcspn(line, "\n")] = '\0';
		if (!file || sscanf(line, "%llx-%*x %*s %llx", &start, &pgoff) != 2 || pgoff)
			continue;
		if (!python_file(file) || !strcmp(file, done))
			continue;
		snprintf(done, sizeof(done), "%s", file);
		err = module_symbols(root, file, start, &runtime, &version_addr);
		if (!err)
			break;
	}
	if (err)
		err = target_proc_ferror(maps) ?: err; /* cut short, or not there */
	fclose(maps);
	if (err)
		return err == -ETIMEDOUT || err == -EMEDIUMTYPE ? err : -ENOENT;
	if (proc_mem_read(pid, version_addr, &hexversion, sizeof(hexversion)) !=
	    sizeof(hexversion))
		return -ESRCH;
	layout = py_layout_for_version(hexversion);
	if (!layout)
		return -ENOTSUP;
	pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	pp->pid = pid;
	pp->target = (struct py_target){
		.layout = layout, .runtime = runtime, .read = read_live, .ctx = pp,
	};
	snprintf(pp->version, sizeof(pp->version), "%u.%u", (unsigned)(hexversion >> 24 & 0xff),
		 (unsigned)(hexversion >> 16 & 0xff));
	*ppp = pp;
	return 0;
}

void py_proc__close(struct py_proc *pp)
{
	free(pp);
}

const char *py_proc__version(const struct py_proc *pp)
{
	return pp->version;
}

bool py_thread_start_routine(const char *func)
{
	return !strcmp(func, "pythread_wrapper") || !strcmp(func, "t_bootstrap") ||
	       !strcmp(func, "thread_run");
}

static bool file_is(const char *filename, const char *suffix)
{
	size_t fl = strlen(filename), sl = strlen(suffix);

	return fl >= sl && !strcmp(filename + fl - sl, suffix) &&
	       (fl == sl || filename[fl - sl - 1] == '/');
}

int py_site_frame(const struct py_code *const *codes, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (file_is(codes[i]->filename, "threading.py"))
			continue;
		if (file_is(codes[i]->filename, "concurrent/futures/thread.py") &&
		    !strcmp(codes[i]->qualname, "_worker")) {
			/* the callable _WorkItem.run calls, if it runs one */
			if (i + 2 < nr && !strcmp(codes[i + 1]->qualname, "_WorkItem.run"))
				return i + 2;
		}
		return i;
	}
	return -1;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* A rec_symbol for Python pc @pc: the function, its file and @line. */
static int name_py_pc(struct py_proc *pp, __u64 pc, const struct py_code *code, __u32 line,
		      __u64 ts, const struct py_stack_ops *ops)
{
	size_t size;

	if (ops->named(ops->ctx, pc))
		return 0;
	size = rec_symbol_make(pp->sym_buf, sizeof(pp->sym_buf), pp->pid, ts, pc, 0, line,
			       RSYM_FOUND, code->qualname[0] ? code->qualname : "?",
			       basename_of(code->filename), "python");
	return ops->emit(ops->ctx, pp->sym_buf, size);
}

int py_proc__merge_stack(struct py_proc *pp, __u32 tid, __u64 ts, __u64 *pcs, int *n, int cap,
			 const bool *is_eval, __u16 *flags, __u64 *site,
			 const struct py_stack_ops *ops)
{
	static struct py_frame frames[PY_MAX_FRAMES];
	static struct py_code codes[PY_MAX_FRAMES];
	const struct py_code *outer_first[PY_MAX_FRAMES];
	__u64 merged[2 * REC_STACK_MAX + PY_MAX_FRAMES], tstate;
	int nf, i, j, m = 0, pi = 0, s, err;
	bool truncated, any_eval = false;

	*site = 0;
	pp->target.reads_left = PY_READS_PER_STACK;
	err = py_find_tstate(&pp->target, tid, &tstate);
	if (err)
		return err == -ENOENT ? 0 : err;
	nf = py_read_frames(&pp->target, tstate, frames, PY_MAX_FRAMES, &truncated);
	if (nf <= 0)
		return nf;
	for (i = 0; i < nf; i++) {
		if (py_read_code(&pp->target, frames[i].code, &codes[i]))
			memset(&codes[i], 0, sizeof(codes[i]));
		outer_first[nf - 1 - i] = &codes[i];
	}
	for (i = 0; i < *n && i < cap; i++)
		any_eval |= is_eval[i];
	for (i = 0; i < *n; i++) {
		if (pi == nf || (!is_eval[i] && any_eval)) {
			merged[m++] = pcs[i];
			continue;
		}
		if (!is_eval[i]) /* no eval frame known: Python's first */
			i--;
		for (; pi < nf; pi++) {
			merged[m++] = py_frame_pc(frames[pi].code, frames[pi].line);
			if (frames[pi].is_entry && any_eval) {
				pi++;
				break;
			}
		}
	}
	for (; pi < nf; pi++) /* more Python frames than eval calls seen */
		merged[m++] = py_frame_pc(frames[pi].code, frames[pi].line);
	if (m > cap) {
		m = cap;
		*flags |= RS_TRUNCATED;
	}
	for (j = 0; j < m; j++) {
		if (!rec_pc_is_python(merged[j]))
			continue;
		for (i = 0; i < nf; i++)
			if (merged[j] == py_frame_pc(frames[i].code, frames[i].line))
				break;
		err = name_py_pc(pp, merged[j], &codes[i], frames[i].line, ts, ops);
		if (err)
			return err;
	}
	memcpy(pcs, merged, m * sizeof(*pcs));
	*n = m;
	s = truncated ? -1 : py_site_frame(outer_first, nf);
	if (s >= 0) {
		const struct py_code *code = outer_first[s];

		*site = py_frame_pc(frames[nf - 1 - s].code, 0);
		err = name_py_pc(pp, *site, code, code->firstlineno, ts, ops);
	}
	return err;
}
