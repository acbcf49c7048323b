/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Go executable as an ELF file: is it Go, which Go built it, where its
 * function table (.gopclntab) and module data are, and its symbols when it
 * still has them. Reads the file only, never a process.
 *
 * A Go binary is recognised by its build information (.go.buildinfo, with
 * the Go version) or its function table; both survive -ldflags='-s -w' and
 * strip. The function table is the .gopclntab section, .data.rel.ro.gopclntab
 * in a PIE, or, when an external linker merged it away (cgo with PIE), found
 * by its header in the read-only data.
 */
#ifndef __THREADLEAK_GO_BINARY_H
#define __THREADLEAK_GO_BINARY_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "go_pclntab.h"

#define GO_VERSION_LEN 32

struct go_binary;

/*
 * Open the executable at @path. -ENOEXEC: not an ELF file, or not built by
 * Go; -ENOTSUP: built by a Go this reader does not know (before 1.18).
 */
int go_binary__open(struct go_binary **bin, const char *path);
/* The same on the open file @fd, which the go_binary owns from then on (closed on error). */
int go_binary__open_fd(struct go_binary **bin, int fd);
void go_binary__close(struct go_binary *bin);

/* "go1.22.2", or "" if the binary does not say. */
const char *go_binary__version(const struct go_binary *bin);
/* Major and minor of go_binary__version(); false if unknown. */
bool go_binary__version_number(const struct go_binary *bin, int *major, int *minor);

/* ET_DYN: loaded at a bias chosen by the kernel. */
bool go_binary__is_pie(const struct go_binary *bin);
bool go_binary__has_symbols(const struct go_binary *bin);
bool go_binary__has_dwarf(const struct go_binary *bin);

/* The function table, with the inlining data once set up. */
const struct go_pclntab *go_binary__pclntab(const struct go_binary *bin);
__u64 go_binary__pclntab_addr(const struct go_binary *bin);

/*
 * Let the function table find inlining trees: @md_gofunc_off is the offset
 * of moduledata.gofunc for this binary's Go. 0 or -errno (no module data).
 */
int go_binary__setup_inlining(struct go_binary *bin, size_t md_gofunc_off);

/* The libelf handle, for DWARF. */
struct Elf *go_binary__elf(const struct go_binary *bin);

/* Address and size of symbol @name in .symtab. -ENOENT if absent or stripped. */
int go_binary__symbol(const struct go_binary *bin, const char *name, __u64 *addr, __u64 *size);

/* Read @len bytes at link-time address @vaddr from the file. -ENOENT if not in the file. */
int go_binary__read(const struct go_binary *bin, __u64 vaddr, void *buf, size_t len);

/* Address and size of the allocated section @name. -ENOENT if absent. */
int go_binary__section(const struct go_binary *bin, const char *name, __u64 *addr, __u64 *size);

/*
 * The address of runtime.firstmoduledata: its symbol, else the word in the
 * module data sections that points at the function table. -ENOENT if none.
 */
int go_binary__moduledata(const struct go_binary *bin, __u64 *md);

/* The name of the section holding @vaddr (".bss", ...), NULL if none. */
const char *go_binary__section_of(const struct go_binary *bin, __u64 vaddr);

/*
 * The load bias of a mapping of this file: a process mapped file offset
 * @pgoff at address @start. 0 for a non-PIE. -ENOENT if no segment holds it.
 */
int go_binary__load_bias(const struct go_binary *bin, __u64 start, __u64 pgoff, __u64 *bias);

/*
 * Parse the contents of a .go.buildinfo section (Go 1.18+ inline form) into
 * the Go version string. Pure; exposed for the tests. -EINVAL if it is not
 * build information, -ENOTSUP for the pointer form of Go before 1.18.
 */
int go_buildinfo_version(const void *data, size_t size, char *version, size_t len);

/* "go1.22.2" -> 1, 22; also "go1.21rc2", "devel go1.23-abc". -EINVAL if not a version. */
int go_version_parse(const char *version, int *major, int *minor);

#endif /* __THREADLEAK_GO_BINARY_H */
