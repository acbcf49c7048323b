// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "go_binary.h"
#include "target_addr.h"
#include "target_file.h"

#define BUILDINFO_MAGIC "\xff Go buildinf:"
#define BUILDINFO_MAGIC_LEN 14
#define BUILDINFO_FLAG_INLINE 0x2 /* Go 1.18+: strings follow the header */
#define BUILDINFO_INLINE_OFF 32
#define PAGE_SIZE_ELF 4096ull

/* An allocated section: what a process maps. */
struct go_section {
	const char *name;
	__u64 addr, size;
	Elf_Scn *scn;
	bool nobits;
};

struct go_binary {
	int fd;
	Elf *elf;
	GElf_Ehdr ehdr;
	char version[GO_VERSION_LEN];
	int major, minor;
	struct go_section *sections;
	size_t nr_sections;
	Elf_Scn *symtab;
	bool has_dwarf;
	struct go_pclntab pclntab;
	__u64 pclntab_addr;
};

int go_version_parse(const char *version, int *major, int *minor)
{
	const char *p = strstr(version, "go");
	char *end;
	long mj, mn;

	if (!p || !isdigit((unsigned char)p[2]))
		return -EINVAL;
	mj = strtol(p + 2, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return -EINVAL;
	mn = strtol(end + 1, &end, 10);
	if (mj < 1 || mj > 99 || mn < 0 || mn > 999)
		return -EINVAL;
	*major = mj;
	*minor = mn;
	return 0;
}

/* A Go varint-prefixed string at *p; false if it runs past @end. */
static bool read_prefixed_string(const __u8 **p, const __u8 *end, const __u8 **str, __u64 *len)
{
	__u64 n = 0;
	int shift;

	for (shift = 0; *p < end && shift < 64; shift += 7) {
		__u8 b = *(*p)++;

		n |= (__u64)(b & 0x7f) << shift;
		if (b & 0x80)
			continue;
		if (n > (__u64)(end - *p))
			return false;
		*str = *p;
		*len = n;
		*p += n;
		return true;
	}
	return false;
}

int go_buildinfo_version(const void *data, size_t size, char *version, size_t len)
{
	const __u8 *p = data, *end = p + size, *str;
	__u64 n;

	if (size < BUILDINFO_INLINE_OFF || memcmp(p, BUILDINFO_MAGIC, BUILDINFO_MAGIC_LEN))
		return -EINVAL;
	if (!(p[15] & BUILDINFO_FLAG_INLINE))
		return -ENOTSUP;
	p += BUILDINFO_INLINE_OFF;
	if (!read_prefixed_string(&p, end, &str, &n) || n == 0 || n >= len)
		return -EINVAL;
	memcpy(version, str, n);
	version[n] = '\0';
	return 0;
}

static struct go_section *section_named(const struct go_binary *bin, const char *name)
{
	size_t i;

	for (i = 0; i < bin->nr_sections; i++)
		if (!strcmp(bin->sections[i].name, name))
			return &bin->sections[i];
	return NULL;
}

static struct go_section *section_holding(const struct go_binary *bin, __u64 vaddr, size_t len)
{
	size_t i;

	for (i = 0; i < bin->nr_sections; i++) {
		struct go_section *sec = &bin->sections[i];

		if (vaddr >= sec->addr && len <= sec->size && vaddr - sec->addr <= sec->size - len)
			return sec;
	}
	return NULL;
}

/* The bytes of a section in the file (mapped, not copied). */
static const __u8 *section_bytes(const struct go_section *sec)
{
	Elf_Data *data;

	if (sec->nobits)
		return NULL;
	data = elf_getdata(sec->scn, NULL);
	if (!data || !data->d_buf || data->d_size < sec->size)
		return NULL;
	return data->d_buf;
}

int go_binary__section(const struct go_binary *bin, const char *name, __u64 *addr, __u64 *size)
{
	struct go_section *sec = section_named(bin, name);

	if (!sec)
		return -ENOENT;
	*addr = sec->addr;
	*size = sec->size;
	return 0;
}

const char *go_binary__section_of(const struct go_binary *bin, __u64 vaddr)
{
	struct go_section *sec = section_holding(bin, vaddr, 1);

	return sec ? sec->name : NULL;
}

int go_binary__read(const struct go_binary *bin, __u64 vaddr, void *buf, size_t len)
{
	struct go_section *sec = section_holding(bin, vaddr, len);
	const __u8 *bytes;

	if (!sec)
		return -ENOENT;
	bytes = section_bytes(sec);
	if (!bytes)
		return -ENOENT;
	memcpy(buf, bytes + (vaddr - sec->addr), len);
	return 0;
}

static int read_sections(struct go_binary *bin)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx, cap = 0;
	GElf_Shdr sh;
	__u64 end;

	if (elf_getshdrstrndx(bin->elf, &shstrndx))
		return -ENOEXEC;
	while ((scn = elf_nextscn(bin->elf, scn))) {
		struct go_section *sec;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(bin->elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			bin->symtab = scn;
		if (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info"))
			bin->has_dwarf = true;
		/* a section that wraps the address space is no section a process maps */
		if (!(sh.sh_flags & SHF_ALLOC) || !sh.sh_size ||
		    target_addr_add(sh.sh_addr, sh.sh_size, &end))
			continue;
		if (bin->nr_sections == cap) {
			struct go_section *more;

			cap = cap ? cap * 2 : 32;
			more = realloc(bin->sections, cap * sizeof(*more));
			if (!more)
				return -ENOMEM;
			bin->sections = more;
		}
		sec = &bin->sections[bin->nr_sections++];
		sec->name = name;
		sec->addr = sh.sh_addr;
		sec->size = sh.sh_size;
		sec->scn = scn;
		sec->nobits = sh.sh_type == SHT_NOBITS;
	}
	return 0;
}

static void read_version(struct go_binary *bin)
{
	struct go_section *sec = section_named(bin, ".go.buildinfo");
	const __u8 *bytes;

	if (!sec || !(bytes = section_bytes(sec)))
		return;
	if (go_buildinfo_version(bytes, sec->size, bin->version, sizeof(bin->version)))
		bin->version[0] = '\0';
	else if (go_version_parse(bin->version, &bin->major, &bin->minor))
		bin->major = bin->minor = 0;
}

static int pclntab_in(struct go_binary *bin, const struct go_section *sec, size_t off)
{
	const __u8 *bytes = section_bytes(sec);
	int err;

	if (!bytes || off >= sec->size)
		return -ENOENT;
	err = go_pclntab__init(&bin->pclntab, bytes + off, sec->size - off);
	if (!err)
		bin->pclntab_addr = sec->addr + off;
	return err;
}

/*
 * The function table: its own section, else the runtime.pclntab symbol,
 * else its header found in the read-only data (an external linker merged
 * the section away, and strip took the symbol).
 */
static int find_pclntab(struct go_binary *bin)
{
	static const char *const names[] = { ".gopclntab", ".data.rel.ro.gopclntab" };
	static const char *const scan[] = { ".data.rel.ro", ".rodata" };
	struct go_section *sec;
	__u64 addr, size;
	size_t i, off;
	int err;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sec = section_named(bin, names[i]);
		if (sec)
			return pclntab_in(bin, sec, 0);
	}
	if (!go_binary__symbol(bin, "runtime.pclntab", &addr, &size)) {
		sec = section_holding(bin, addr, 1);
		if (sec)
			return pclntab_in(bin, sec, addr - sec->addr);
	}
	for (i = 0; i < sizeof(scan) / sizeof(scan[0]); i++) {
		const __u8 *bytes;

		sec = section_named(bin, scan[i]);
		if (!sec || !(bytes = section_bytes(sec)))
			continue;
		for (off = 0; off + 8 <= sec->size; off += 8) {
			if (!go_pclntab__is_header(bytes + off, sec->size - off))
				continue;
			err = pclntab_in(bin, sec, off);
			if (!err)
				return 0;
		}
	}
	return -ENOENT;
}

int go_binary__open(struct go_binary **binp, const char *path)
{
	int fd;

	*binp = NULL;
	fd = target_file_open(NULL, path);
	if (fd < 0)
		return fd;
	return go_binary__open_fd(binp, fd);
}

static int text_start_from_moduledata(struct go_binary *bin);

int go_binary__open_fd(struct go_binary **binp, int fd)
{
	struct go_binary *bin;
	int err;

	*binp = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		close(fd);
		return -EINVAL;
	}
	bin = calloc(1, sizeof(*bin));
	if (!bin) {
		close(fd);
		return -ENOMEM;
	}
	bin->fd = fd;
	bin->elf = elf_begin(bin->fd, ELF_C_READ_MMAP, NULL);
	if (!bin->elf || elf_kind(bin->elf) != ELF_K_ELF || !gelf_getehdr(bin->elf, &bin->ehdr) ||
	    bin->ehdr.e_machine != EM_X86_64) {
		err = -ENOEXEC;
		goto fail;
	}
	err = read_sections(bin);
	if (err)
		goto fail;
	read_version(bin);
	if (!bin->version[0] && !section_named(bin, ".gopclntab") &&
	    !section_named(bin, ".data.rel.ro.gopclntab")) {
		err = -ENOEXEC; /* no sign of Go: do not scan a C program's data */
		goto fail;
	}
	err = find_pclntab(bin);
	if (!err)
		err = text_start_from_moduledata(bin);
	if (err == -ENOENT || err == -EINVAL)
		err = -ENOEXEC;
	if (err)
		goto fail;
	*binp = bin;
	return 0;
fail:
	go_binary__close(bin);
	return err;
}

void go_binary__close(struct go_binary *bin)
{
	if (!bin)
		return;
	if (bin->elf)
		elf_end(bin->elf);
	if (bin->fd >= 0)
		close(bin->fd);
	free(bin->sections);
	free(bin);
}

const char *go_binary__version(const struct go_binary *bin)
{
	return bin->version;
}

bool go_binary__version_number(const struct go_binary *bin, int *major, int *minor)
{
	if (!bin->major)
		return false;
	*major = bin->major;
	*minor = bin->minor;
	return true;
}

bool go_binary__is_pie(const struct go_binary *bin)
{
	return bin->ehdr.e_type == ET_DYN;
}

bool go_binary__has_symbols(const struct go_binary *bin)
{
	return bin->symtab != NULL;
}

bool go_binary__has_dwarf(const struct go_binary *bin)
{
	return bin->has_dwarf;
}

const struct go_pclntab *go_binary__pclntab(const struct go_binary *bin)
{
	return &bin->pclntab;
}

__u64 go_binary__pclntab_addr(const struct go_binary *bin)
{
	return bin->pclntab_addr;
}

struct Elf *go_binary__elf(const struct go_binary *bin)
{
	return bin->elf;
}

int go_binary__symbol(const struct go_binary *bin, const char *name, __u64 *addr, __u64 *size)
{
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym sym;
	size_t i, n;

	if (!bin->symtab || !gelf_getshdr(bin->symtab, &sh) || !sh.sh_entsize)
		return -ENOENT;
	data = elf_getdata(bin->symtab, NULL);
	if (!data)
		return -ENOENT;
	n = sh.sh_size / sh.sh_entsize;
	for (i = 1; i < n; i++) {
		const char *sym_name;

		if (!gelf_getsym(data, i, &sym) || !sym.st_name)
			continue;
		sym_name = elf_strptr(bin->elf, sh.sh_link, sym.st_name);
		if (!sym_name || strcmp(sym_name, name))
			continue;
		*addr = sym.st_value;
		if (size)
			*size = sym.st_size;
		return 0;
	}
	return -ENOENT;
}

/* moduledata.text: after pcHeader, six slices, findfunctab, minpc, maxpc */
#define GO_MODULEDATA_TEXT_OFF (8 + 6 * 24 + 3 * 8)

/*
 * Without the symbol: the word pointing at the function table followed by
 * the function name table's slice (moduledata starts {pcHeader,
 * funcnametab, ...}).
 */
int go_binary__moduledata(const struct go_binary *bin, __u64 *md)
{
	/* Go 1.26 gave moduledata a section of its own */
	static const char *const scan[] = { ".go.module", ".noptrdata", ".data" };
	__u64 want[2] = { bin->pclntab_addr };
	size_t i, off;

	if (!go_binary__symbol(bin, "runtime.firstmoduledata", md, NULL))
		return 0;
	if (target_addr_add(bin->pclntab_addr, bin->pclntab.funcname_off, &want[1]))
		return -ENOENT;
	for (i = 0; i < sizeof(scan) / sizeof(scan[0]); i++) {
		struct go_section *sec = section_named(bin, scan[i]);
		const __u8 *bytes;

		if (!sec || !(bytes = section_bytes(sec)))
			continue;
		for (off = 0; off + sizeof(want) <= sec->size; off += 8) {
			if (!memcmp(bytes + off, want, sizeof(want))) {
				*md = sec->addr + off;
				return 0;
			}
		}
	}
	return -ENOENT;
}

/*
 * Go 1.26 writes 0 in the function table's textStart: the functions' start
 * is then moduledata.text, at the same offset in every Go since 1.18.
 */
static int text_start_from_moduledata(struct go_binary *bin)
{
	__u64 md, text;
	int err;

	if (bin->pclntab.text_start)
		return 0;
	err = go_binary__moduledata(bin, &md);
	if (err)
		return err;
	if (target_addr_add(md, GO_MODULEDATA_TEXT_OFF, &md))
		return -ENOENT;
	err = go_binary__read(bin, md, &text, sizeof(text));
	if (err)
		return err;
	if (!text || !section_holding(bin, text, 1))
		return -ENOENT;
	bin->pclntab.text_start = text;
	return 0;
}

int go_binary__setup_inlining(struct go_binary *bin, size_t md_gofunc_off)
{
	struct go_section *sec;
	__u64 md, gofunc;
	const __u8 *bytes;
	int err;

	err = go_binary__moduledata(bin, &md);
	if (err)
		return err;
	if (target_addr_add(md, md_gofunc_off, &md))
		return -ENOENT;
	err = go_binary__read(bin, md, &gofunc, sizeof(gofunc));
	if (err)
		return err;
	sec = section_holding(bin, gofunc, 1);
	if (!sec || !(bytes = section_bytes(sec)))
		return -ENOENT;
	go_pclntab__set_gofunc(&bin->pclntab, bytes + (gofunc - sec->addr),
			       sec->size - (gofunc - sec->addr));
	return 0;
}

int go_binary__load_bias(const struct go_binary *bin, __u64 start, __u64 pgoff, __u64 *bias)
{
	size_t i, nphdr;
	GElf_Phdr ph;

	if (!go_binary__is_pie(bin)) {
		*bias = 0;
		return 0;
	}
	if (elf_getphdrnum(bin->elf, &nphdr))
		return -ENOENT;
	for (i = 0; i < nphdr; i++) {
		__u64 seg_off;

		if (!gelf_getphdr(bin->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		seg_off = ph.p_offset & ~(PAGE_SIZE_ELF - 1);
		/* pgoff in [page_down(p_offset), p_offset + p_filesz), with no sum formed */
		if (pgoff < seg_off || (pgoff >= ph.p_offset && pgoff - ph.p_offset >= ph.p_filesz))
			continue;
		/*
		 * The kernel maps page_down(p_vaddr) + bias at page_down(p_offset);
		 * the bias is modulo 2^64, as the pc - bias of every caller.
		 */
		*bias = start - (pgoff - seg_off) - (ph.p_vaddr & ~(PAGE_SIZE_ELF - 1));
		return 0;
	}
	return -ENOENT;
}
