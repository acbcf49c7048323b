// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "libc_layout.h"
#include "target_addr.h"
#include "target_file.h"

struct td_desc {
	__u32 bits, count, offset;
};

/* Read @len bytes at virtual address @vaddr from the segment holding it. */
static int elf_read_vaddr(Elf *elf, int fd, __u64 vaddr, void *buf, size_t len)
{
	size_t i, nphdr;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &nphdr))
		return -EINVAL;
	for (i = 0; i < nphdr; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (!target_range_within(vaddr, len, ph.p_vaddr, ph.p_vaddr + ph.p_filesz) ||
		    ph.p_vaddr + ph.p_filesz < ph.p_vaddr)
			continue;
		if (pread(fd, buf, len, ph.p_offset + (vaddr - ph.p_vaddr)) != (ssize_t)len)
			return -EIO;
		return 0;
	}
	return -ENOENT;
}

int libc_layout_read(const char *path, struct pthread_layout *layout)
{
	int fd = target_file_open(NULL, path), err;

	if (fd < 0)
		return fd;
	err = libc_layout_read_fd(fd, layout);
	close(fd);
	return err;
}

int libc_layout_read_fd(int fd, struct pthread_layout *layout)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "_thread_db_pthread_start_routine",
		  offsetof(struct pthread_layout, start_routine_off) },
		{ "_thread_db_pthread_tid", offsetof(struct pthread_layout, tid_off) },
	};
	size_t i, j, nsyms, found = 0;
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr sh;
	GElf_Sym sym;
	int err = -ENOENT;
	Elf *elf;

	memset(layout, 0, sizeof(*layout));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -EINVAL;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			break;
		nsyms = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < nsyms && found < 2; i++) {
			const char *name;
			struct td_desc desc;

			if (!gelf_getsym(data, i, &sym))
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name || strncmp(name, "_thread_db_pthread_", 19))
				continue;
			for (j = 0; j < 2; j++) {
				if (strcmp(name, fields[j].name))
					continue;
				err = elf_read_vaddr(elf, fd, sym.st_value, &desc, sizeof(desc));
				if (err)
					goto out;
				*(__u32 *)((char *)layout + fields[j].off) = desc.offset;
				found++;
			}
		}
		break;
	}
	err = found == 2 ? 0 : -ENOENT;
out:
	elf_end(elf);
	return err;
}

int libc_open_of_pid(const char *proc_root, int pid)
{
	char path[256], line[4096], *lib;
	FILE *maps;
	int fd = -ENOENT;

	snprintf(path, sizeof(path), "%s/%d/maps", proc_root, pid);
	maps = target_proc_fopen(path, TARGET_MAPS_MAX);
	if (!maps)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), maps)) {
		line[strcspn(line, "\n")] = '\0';
		lib = strchr(line, '/');
		if (!lib)
			continue;
		if (!strstr(lib, "/libc.so.6") && !strstr(lib, "/libc-2."))
			continue;
		/* the name the process gave it, in its root: what is there now
		 * may be anything it put there */
		snprintf(path, sizeof(path), "%s/%d/root", proc_root, pid);
		fd = target_file_open(path, lib);
		break;
	}
	if (fd == -ENOENT)
		fd = target_proc_ferror(maps) ?: fd; /* cut short, or not there */
	fclose(maps);
	return fd;
}

int libc_layout_of_pid(const char *proc_root, int pid, struct pthread_layout *layout)
{
	int fd = libc_open_of_pid(proc_root, pid), err;

	if (fd < 0)
		return fd;
	err = libc_layout_read_fd(fd, layout);
	close(fd);
	return err;
}
