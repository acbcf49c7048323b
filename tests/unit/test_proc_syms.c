// SPDX-License-Identifier: GPL-2.0
/*
 * proc_syms on the test process itself: no root needed. Unwinding the
 * current thread from registers captured in inline asm, and a second thread
 * genuinely blocked in pthread_cond_wait from the pc and sp the kernel
 * reports in /proc/self/task/TID/syscall.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <elf.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <elfutils/libdwfl.h>
#include "demangle.h"
#include "proc_syms.h"
#include "proc_syms_internal.h"
#include "test.h"

/* A frame of its own: not inlined, not cloned into f.isra.0, and (with
 * KEEP_FRAME after its last call) not left by a tail call. */
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif
#define KEEP_FRAME() asm volatile("" ::: "memory")

/* libstdc++'s std::thread::join(), to look up a C++ function by address. */
extern void std_thread_join(void) __asm__("_ZNSt6thread4joinEv");

static volatile int frame_sink;

/* the line of its first statement: at -O2 its code starts the function */
static const int symbolized_probe_line = __LINE__ + 3;
static NOINLINE int symbolized_probe(int x)
{
	frame_sink += x;
	return x * 3;
}

static void exe_basename(char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	const char *slash;

	path[n > 0 ? n : 0] = '\0';
	slash = strrchr(path, '/');
	snprintf(buf, size, "%s", slash ? slash + 1 : path);
}

void test_proc_syms_lookup(void)
{
	struct sym_info si, again;
	struct proc_syms *ps;
	char exe[PATH_MAX];
	int local = 0;

	if (!ASSERT_OK(proc_syms__open(&ps, "/proc", getpid()), "open self"))
		return;
	exe_basename(exe, sizeof(exe));

	if (test__start_subtest("own_function")) {
		ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)symbolized_probe, false, &si), "lookup");
		ASSERT_TRUE(si.found, "found");
		ASSERT_STREQ(si.func, "symbolized_probe", "func");
		ASSERT_STREQ(si.file, "test_proc_syms.c", "file");
		ASSERT_EQ(si.line, symbolized_probe_line, "line of the definition");
		ASSERT_EQ(si.offset, 0, "offset");
		ASSERT_STREQ(si.module, exe, "module");
	}
	if (test__start_subtest("return_address")) {
		/* a return address just past the first byte is still in it */
		ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)symbolized_probe + 1, true, &si),
			  "lookup");
		ASSERT_STREQ(si.func, "symbolized_probe", "func of pc - 1");
		ASSERT_EQ(si.offset, 1, "offset of pc itself");
		/* at its first byte, pc - 1 is in whatever precedes it */
		ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)symbolized_probe, true, &si), "lookup");
		ASSERT_TRUE(strcmp(si.func, "symbolized_probe") != 0, "pc - 1 is not in it");
	}
	if (test__start_subtest("libc")) {
		ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)pthread_create, false, &si), "lookup");
		ASSERT_TRUE(si.found, "found");
		ASSERT_STREQ(si.func, "pthread_create", "func, without @@GLIBC_2.34");
		ASSERT_STREQ(si.module, "libc.so.6", "module");
		ASSERT_EQ(si.offset, 0, "offset");
	}
	if (test__start_subtest("cxx")) {
		ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)std_thread_join, false, &si), "lookup");
		ASSERT_STREQ(si.func, "std::thread::join()", "demangled");
		/* the mapped file: libstdc++.so.6.0.30 on Debian 12 */
		ASSERT_TRUE(!strncmp(si.module, "libstdc++.so.6.", 15), "module");
	}
	if (test__start_subtest("cached")) {
		ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)symbolized_probe + 4, false, &si),
			  "1st");
		ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)symbolized_probe + 4, false, &again),
			  "2nd");
		ASSERT_OK(memcmp(&si, &again, sizeof(si)), "same answer");
		ASSERT_EQ(again.offset, 4, "offset");
	}
	if (test__start_subtest("unknown")) {
		ASSERT_EQ(proc_syms__lookup(ps, 0x1000, false, &si), -ENOENT, "not in a module");
		ASSERT_FALSE(si.found, "found");
		ASSERT_STREQ(si.module, "", "module");
		ASSERT_EQ(proc_syms__lookup(ps, 0x1000, false, &si), -ENOENT, "cached -ENOENT");
	}
	if (test__start_subtest("is_exec")) {
		ASSERT_TRUE(proc_syms__is_exec(ps, (uintptr_t)symbolized_probe), "a function");
		ASSERT_TRUE(proc_syms__is_exec(ps, (uintptr_t)pthread_create), "libc");
		ASSERT_FALSE(proc_syms__is_exec(ps, (uintptr_t)&local), "the stack");
		ASSERT_FALSE(proc_syms__is_exec(ps, (uintptr_t)&frame_sink), "data");
		ASSERT_FALSE(proc_syms__is_exec(ps, 0), "null");
	}
	proc_syms__close(ps);
}

void test_proc_syms_open_errors(void)
{
	struct proc_syms *ps = (void *)1;

	ASSERT_EQ(proc_syms__open(&ps, "/proc", INT_MAX), -ESRCH, "pid above pid_max");
	ASSERT_TRUE(ps == NULL, "no object on error");
	ASSERT_EQ(proc_syms__open(&ps, "/nonexistent", getpid()), -ESRCH, "no such proc root");
	ASSERT_EQ(proc_syms__open(&ps, "/proc", 0), -ESRCH, "pid 0");
}

/*
 * A library mapped after open is unknown until a refresh. libanl is a stub
 * in glibc >= 2.34, mapped by nothing else in this program.
 */
void test_proc_syms_refresh(void)
{
	struct proc_syms *ps;
	struct sym_info si;
	void *lib, *sym;

	lib = dlopen("libanl.so.1", RTLD_NOW | RTLD_NOLOAD);
	if (!ASSERT_TRUE(lib == NULL, "libanl not loaded yet")) {
		dlclose(lib);
		return;
	}
	if (!ASSERT_OK(proc_syms__open(&ps, "/proc", getpid()), "open self"))
		return;
	lib = dlopen("libanl.so.1", RTLD_NOW);
	if (!ASSERT_TRUE(lib != NULL, "dlopen libanl"))
		goto out;
	/* its only symbol, of a non-default version */
	sym = dlvsym(lib, "__libanl_version_placeholder", "GLIBC_2.2.5");
	if (!ASSERT_TRUE(sym != NULL, "dlsym"))
		goto out;
	ASSERT_FALSE(proc_syms__is_exec(ps, (uintptr_t)sym), "unknown before refresh");
	ASSERT_EQ(proc_syms__lookup(ps, (uintptr_t)sym, false, &si), -ENOENT,
		  "no module before refresh");
	ASSERT_OK(proc_syms__refresh(ps), "refresh");
	ASSERT_TRUE(proc_syms__is_exec(ps, (uintptr_t)sym), "known after refresh");
	ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)sym, false, &si), "lookup after refresh");
	ASSERT_STREQ(si.module, "libanl.so.1", "module");
	ASSERT_STREQ(si.func, "__libanl_version_placeholder", "func");
out:
	if (lib)
		dlclose(lib);
	proc_syms__close(ps);
}

/*
 * A made-up process under a proc root of our own: which lines of its maps
 * become modules, and what is executable. Its pid is above pid_max, so the
 * vDSO (read through /proc/PID/mem by libdwfl) cannot be another process's.
 */
static const char fake_maps[] =
	"00100000-00101000 r--p 00000000 fe:00 11                         /opt/app/liba.so\n"
	"00101000-00200000 r-xp 00001000 fe:00 11                         /opt/app/liba.so\n"
	/* starts where liba ends; then a gap up to the next module */
	"00200000-00300000 r-xp 00000000 fe:00 12                         /opt/app/lib b.so\n"
	"00300000-00301000 rw-p 00000000 00:00 0 \n"
	"00500000-00600000 r-xp 00000000 fe:00 13                         /opt/app/libc.so.6 (deleted)\n"
	"00700000-00800000 r--p 00000000 fe:00 14                         /usr/lib/locale/locale-archive\n"
	"00900000-00902000 r-xp 00000000 00:00 0                          [vdso]\n"
	"7ffc0000-7ffd0000 rw-p 00000000 00:00 0                          [stack]\n";

/* Parse @text as a maps file; the number of mappings, or -errno. */
static int parse_maps_text(const char *text)
{
	struct maps_snapshot maps;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err;

	if (!f)
		return -errno;
	err = maps_snapshot_parse(&maps, f);
	fclose(f);
	if (err)
		return err;
	err = maps.nr_mappings;
	maps_snapshot_free(&maps);
	return err;
}

/* Lines the kernel would not write: the lookups' binary search relies on order. */
void test_proc_syms_maps_hostile(void)
{
	ASSERT_EQ(parse_maps_text(fake_maps), 8, "the fake maps");
	ASSERT_EQ(parse_maps_text("1000-2000 r-xp 0 00:00 0\n"
				  "1800-3000 r-xp 0 00:00 0\n"),
		  -EINVAL, "overlap");
	ASSERT_EQ(parse_maps_text("3000-4000 r-xp 0 00:00 0\n"
				  "1000-2000 r-xp 0 00:00 0\n"),
		  -EINVAL, "out of order");
	ASSERT_EQ(parse_maps_text("2000-2000 r-xp 0 00:00 0\n"), -EINVAL, "empty");
	ASSERT_EQ(parse_maps_text("3000-2000 r-xp 0 00:00 0\n"), -EINVAL, "backwards");
	ASSERT_EQ(parse_maps_text("1000-2000 r 0 00:00 0\n"), -EINVAL, "short perms");
	ASSERT_EQ(parse_maps_text("1000-2000 r-xp 0 00:00 0\n2000-3000 r-xp 0 00:00 0\n"), 2,
		  "adjacent");
}

void test_proc_syms_fake_maps(void)
{
	char root[] = "/tmp/proc_syms_root.XXXXXX", path[PATH_MAX];
	struct proc_syms *ps = NULL;
	struct sym_info si;
	FILE *f;

	if (!ASSERT_TRUE(mkdtemp(root) != NULL, "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/%d", root, INT_MAX);
	if (!ASSERT_OK(mkdir(path, 0700), "mkdir pid"))
		goto out;
	snprintf(path, sizeof(path), "%s/%d/root", root, INT_MAX);
	if (!ASSERT_OK(symlink("/", path), "root"))
		goto out;
	snprintf(path, sizeof(path), "%s/%d/maps", root, INT_MAX);
	f = fopen(path, "we");
	if (!ASSERT_TRUE(f != NULL, "maps"))
		goto out;
	fputs(fake_maps, f);
	fclose(f);

	if (!ASSERT_OK(proc_syms__open(&ps, root, INT_MAX), "open"))
		goto out;
	ASSERT_TRUE(proc_syms__is_exec(ps, 0x150000), "liba text");
	ASSERT_FALSE(proc_syms__is_exec(ps, 0x100800), "liba headers");
	ASSERT_TRUE(proc_syms__is_exec(ps, 0x2fffff), "last byte of lib b");
	ASSERT_FALSE(proc_syms__is_exec(ps, 0x300000), "bss");
	ASSERT_FALSE(proc_syms__is_exec(ps, 0x400000), "gap");
	ASSERT_FALSE(proc_syms__is_exec(ps, 0x7ffc8000), "stack");

	/* no such files: modules without symbols */
	ASSERT_OK(proc_syms__lookup(ps, 0x150000, false, &si), "liba");
	ASSERT_STREQ(si.module, "liba.so", "liba module");
	ASSERT_FALSE(si.found, "no symbols");
	ASSERT_OK(proc_syms__lookup(ps, 0x200000, true, &si), "return address at lib b's start");
	ASSERT_STREQ(si.module, "liba.so", "pc - 1 is in liba");
	ASSERT_OK(proc_syms__lookup(ps, 0x250000, false, &si), "lib b");
	ASSERT_STREQ(si.module, "lib b.so", "a path with a space");
	ASSERT_EQ(proc_syms__lookup(ps, 0x300800, false, &si), -ENOENT, "right after lib b");
	ASSERT_EQ(proc_syms__lookup(ps, 0x400000, false, &si), -ENOENT, "in the gap");
	ASSERT_OK(proc_syms__lookup(ps, 0x550000, false, &si), "deleted file");
	ASSERT_STREQ(si.module, "libc.so.6 (deleted)", "deleted module");
	ASSERT_EQ(proc_syms__lookup(ps, 0x750000, false, &si), -ENOENT, "a data file is no module");
	ASSERT_OK(proc_syms__lookup(ps, 0x900100, false, &si), "vdso");
	ASSERT_STREQ(si.module, "[vdso]", "vdso module");
	ASSERT_EQ(proc_syms__lookup(ps, 0x7ffc8000, false, &si), -ENOENT, "stack");
out:
	proc_syms__close(ps);
	snprintf(path, sizeof(path), "%s/%d/maps", root, INT_MAX);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d/root", root, INT_MAX);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d", root, INT_MAX);
	rmdir(path);
	rmdir(root);
}

/* The vDSO's address of @name, read from its ELF image in our memory. */
static uintptr_t vdso_symbol(const char *name)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *ehdr = (const void *)base;
	const Elf64_Shdr *shdrs, *strtab;
	const Elf64_Sym *sym;
	size_t i, j;

	if (!base)
		return 0;
	shdrs = (const void *)(base + ehdr->e_shoff);
	for (i = 0; i < ehdr->e_shnum; i++) {
		if (shdrs[i].sh_type != SHT_DYNSYM)
			continue;
		strtab = &shdrs[shdrs[i].sh_link];
		sym = (const void *)(base + shdrs[i].sh_offset);
		for (j = 0; j < shdrs[i].sh_size / sizeof(*sym); j++)
			if (!strcmp((const char *)base + strtab->sh_offset + sym[j].st_name, name))
				return base + sym[j].st_value;
	}
	return 0;
}

void test_proc_syms_vdso(void)
{
	uintptr_t clock_gettime_pc = vdso_symbol("__vdso_clock_gettime");
	struct proc_syms *ps;
	struct sym_info si;

	if (!ASSERT_TRUE(clock_gettime_pc != 0, "__vdso_clock_gettime in the vDSO"))
		return;
	if (!ASSERT_OK(proc_syms__open(&ps, "/proc", getpid()), "open self"))
		return;
	ASSERT_TRUE(proc_syms__is_exec(ps, clock_gettime_pc), "is_exec");
	ASSERT_OK(proc_syms__lookup(ps, clock_gettime_pc + 2, false, &si), "lookup");
	ASSERT_STREQ(si.module, "[vdso]", "module");
	ASSERT_STREQ(si.func, "__vdso_clock_gettime", "func");
	ASSERT_EQ(si.offset, 2, "offset");
	proc_syms__close(ps);
}

/* Symbolize an unwound stack: pcs[0] as is, the others as return addresses. */
static void symbolize_stack(struct proc_syms *ps, const __u64 *pcs, int nr, struct sym_info *frames)
{
	int i;

	for (i = 0; i < nr; i++)
		if (proc_syms__lookup(ps, pcs[i], i > 0, &frames[i]))
			memset(&frames[i], 0, sizeof(frames[i]));
}

static void print_stack(const __u64 *pcs, const struct sym_info *frames, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		fprintf(stderr, "  #%-2d %#llx %s+%#llx (%s) %s:%u\n", i,
			(unsigned long long)pcs[i], frames[i].func,
			(unsigned long long)frames[i].offset, frames[i].module, frames[i].file,
			frames[i].line);
}

/* Index of the first frame at or after @from whose func is @func, or -1. */
static int find_frame(const struct sym_info *frames, int nr, int from, const char *func)
{
	for (; from < nr; from++)
		if (!strcmp(frames[from].func, func))
			return from;
	return -1;
}

struct current_unwind {
	struct proc_syms *ps;
	int max; /* frames to ask for */
	__u64 pcs[REC_STACK_MAX];
	__u16 flags;
	int nr;
	int capture_line;
	__u64 captured_ip;
};

/*
 * Capture the registers as the kernel would save them, then unwind while
 * still here, so every frame above sp is live. The pc is a label in this
 * asm; only rax is written, so the other registers are this frame's own.
 */
static NOINLINE void unwind_inner(struct current_unwind *cu)
{
	struct rec_regs regs;

	cu->capture_line = __LINE__ + 1;
	asm volatile("1: lea 1b(%%rip), %%rax\n\t"
		     "mov %%rax, %0\n\t"
		     "mov %%rsp, %1\n\t"
		     "mov %%rbp, %2\n\t"
		     "mov %%rbx, %3\n\t"
		     "mov %%r12, %4\n\t"
		     "mov %%r13, %5\n\t"
		     "mov %%r14, %6\n\t"
		     "mov %%r15, %7\n\t"
		     : "=m"(regs.ip), "=m"(regs.sp), "=m"(regs.bp), "=m"(regs.bx), "=m"(regs.r12),
		       "=m"(regs.r13), "=m"(regs.r14), "=m"(regs.r15)
		     :
		     : "rax");
	cu->captured_ip = regs.ip;
	cu->nr =
		proc_syms__unwind(cu->ps, syscall(SYS_gettid), &regs, cu->pcs, cu->max, &cu->flags);
	KEEP_FRAME();
}

static NOINLINE void unwind_middle(struct current_unwind *cu)
{
	unwind_inner(cu);
	KEEP_FRAME();
}

static NOINLINE void unwind_outer(struct current_unwind *cu)
{
	unwind_middle(cu);
	KEEP_FRAME();
}

void test_unwind_current_thread(void)
{
	struct current_unwind cu = { .max = REC_STACK_MAX };
	struct sym_info frames[REC_STACK_MAX];
	int i;

	if (!ASSERT_OK(proc_syms__open(&cu.ps, "/proc", getpid()), "open self"))
		return;
	unwind_outer(&cu);
	if (!ASSERT_TRUE(cu.nr >= 5, "frames")) {
		fprintf(stderr, "unwind: %d\n", cu.nr);
		goto out;
	}
	symbolize_stack(cu.ps, cu.pcs, cu.nr, frames);
	ASSERT_EQ(cu.pcs[0], cu.captured_ip, "pcs[0] is regs->ip");
	ASSERT_STREQ(frames[0].func, "unwind_inner", "#0");
	ASSERT_EQ(frames[0].line, cu.capture_line, "#0 line of the capture");
	ASSERT_STREQ(frames[1].func, "unwind_middle", "#1");
	ASSERT_STREQ(frames[2].func, "unwind_outer", "#2");
	ASSERT_STREQ(frames[3].func, "test_unwind_current_thread", "#3");
	for (i = 1; i < 4; i++)
		ASSERT_STREQ(frames[i].file, "test_proc_syms.c", "file of our frames");
	i = find_frame(frames, cu.nr, 4, "main");
	ASSERT_TRUE(i > 0, "main below the test");
	ASSERT_STREQ(frames[cu.nr - 1].func, "_start", "outermost frame");
	ASSERT_EQ(cu.flags, 0, "complete, not truncated");
	if (cu.flags || strcmp(frames[cu.nr - 1].func, "_start"))
		print_stack(cu.pcs, frames, cu.nr);
out:
	proc_syms__close(cu.ps);
}

/* Only the first frames, and say so; no registers, no unwind. */
void test_unwind_truncated(void)
{
	struct current_unwind full = { .max = REC_STACK_MAX }, cut = { .max = 2 };
	struct rec_regs no_regs = { 0 };
	__u16 flags = 0;

	if (!ASSERT_OK(proc_syms__open(&full.ps, "/proc", getpid()), "open self"))
		return;
	cut.ps = full.ps;
	unwind_outer(&full);
	unwind_outer(&cut);
	ASSERT_TRUE(full.nr > 2, "full stack");
	ASSERT_EQ(full.flags, 0, "full stack complete");
	ASSERT_EQ(cut.nr, 2, "two frames");
	ASSERT_EQ(cut.flags, RS_TRUNCATED, "truncated");
	ASSERT_EQ(cut.pcs[1], full.pcs[1], "the same return address");
	ASSERT_EQ(proc_syms__unwind(full.ps, syscall(SYS_gettid), &no_regs, full.pcs, REC_STACK_MAX,
				    &flags),
		  -EINVAL, "no registers");
	proc_syms__close(full.ps);
}

/*
 * A stack that cannot be read: the unwind must say it stopped on an error,
 * not that it reached the outermost frame (elfutils 0.188 returns 0 then).
 * At a function's first instruction the return address is at sp.
 */
void test_unwind_incomplete(void)
{
	struct rec_regs regs = { .ip = (uintptr_t)symbolized_probe };
	long page_size = sysconf(_SC_PAGESIZE);
	struct proc_syms *ps;
	__u64 pcs[REC_STACK_MAX];
	__u16 flags = 0;
	void *page;
	int nr;

	page = mmap(NULL, page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(page != MAP_FAILED, "mmap"))
		return;
	if (!ASSERT_OK(proc_syms__open(&ps, "/proc", getpid()), "open self"))
		goto out;
	regs.sp = (uintptr_t)page + page_size / 2;
	nr = proc_syms__unwind(ps, syscall(SYS_gettid), &regs, pcs, REC_STACK_MAX, &flags);
	ASSERT_EQ(nr, 1, "only where it is");
	ASSERT_EQ(pcs[0], regs.ip, "pcs[0]");
	ASSERT_EQ(flags, RS_INCOMPLETE, "incomplete");
	proc_syms__close(ps);
out:
	munmap(page, page_size);
}

struct blocked_waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool released;
	int tid;
};

static NOINLINE void wait_for_release(struct blocked_waiter *w)
{
	pthread_mutex_lock(&w->lock);
	while (!w->released)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	KEEP_FRAME();
}

static void *blocked_waiter_main(void *arg)
{
	struct blocked_waiter *w = arg;

	__atomic_store_n(&w->tid, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
	wait_for_release(w);
	KEEP_FRAME();
	return NULL;
}

/*
 * What the kernel says thread @tid of ours is blocked in: the syscall, its
 * first argument, and the user sp and pc saved at entry. It reads them only
 * once the thread is off CPU, without stopping it. -EAGAIN: running.
 */
static int blocked_syscall(int tid, long *nr, __u64 *arg0, __u64 *sp, __u64 *pc)
{
	unsigned long long a[6], s, p;
	char path[64], line[256];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fgets(line, sizeof(line), f) ?
		    sscanf(line, "%ld %llx %llx %llx %llx %llx %llx %llx %llx", nr, &a[0], &a[1],
			   &a[2], &a[3], &a[4], &a[5], &s, &p) :
		    0;
	fclose(f);
	if (n != 9)
		return -EAGAIN;
	*arg0 = a[0];
	*sp = s;
	*pc = p;
	return 0;
}

/*
 * A second thread blocked in pthread_cond_wait, unwound from the pc and sp
 * the kernel saved when it entered futex(), read from
 * /proc/self/task/TID/syscall, with no ptrace. That file has no other
 * register, so rbx, rbp and r12-r15 are 0 here: on this stack (libc and
 * -O2 code without frame pointers) CFI needs only sp and restores every
 * callee-saved register from where each frame saved it. The census gives
 * all of them.
 */
void test_unwind_blocked_thread(void)
{
	struct blocked_waiter w = { .lock = PTHREAD_MUTEX_INITIALIZER,
				    .cond = PTHREAD_COND_INITIALIZER };
	struct sym_info frames[REC_STACK_MAX];
	struct timespec pause = { 0, 1000000 };
	struct rec_regs regs = { 0 };
	__u64 pcs[REC_STACK_MAX], futex_addr = 0;
	struct proc_syms *ps = NULL;
	int nr = 0, tid, i, tries;
	long syscall_nr = -1;
	__u16 flags = 0;
	pthread_t t;

	if (!ASSERT_OK(pthread_create(&t, NULL, blocked_waiter_main, &w), "pthread_create"))
		return;
	for (tries = 0; tries < 5000 && !(tid = __atomic_load_n(&w.tid, __ATOMIC_ACQUIRE)); tries++)
		nanosleep(&pause, NULL);
	/* until it sleeps in futex() on the condition variable itself */
	for (tries = 0; tries < 5000; tries++) {
		if (!blocked_syscall(tid, &syscall_nr, &futex_addr, &regs.sp, &regs.ip) &&
		    syscall_nr == SYS_futex && futex_addr >= (uintptr_t)&w.cond &&
		    futex_addr < (uintptr_t)(&w.cond + 1))
			break;
		nanosleep(&pause, NULL);
	}
	if (!ASSERT_EQ(syscall_nr, SYS_futex, "blocked in futex") ||
	    !ASSERT_TRUE(futex_addr >= (uintptr_t)&w.cond && futex_addr < (uintptr_t)(&w.cond + 1),
			 "on the condition variable"))
		goto release;

	if (!ASSERT_OK(proc_syms__open(&ps, "/proc", getpid()), "open self"))
		goto release;
	nr = proc_syms__unwind(ps, tid, &regs, pcs, REC_STACK_MAX, &flags);
	if (!ASSERT_TRUE(nr >= 5, "frames")) {
		fprintf(stderr, "unwind: %d\n", nr);
		goto release;
	}
	symbolize_stack(ps, pcs, nr, frames);
	ASSERT_EQ(pcs[0], regs.ip, "pcs[0] is where the kernel saw it");
	ASSERT_STREQ(frames[0].module, "libc.so.6", "blocked in libc");
	i = find_frame(frames, nr, 1, "pthread_cond_wait");
	ASSERT_TRUE(i >= 1, "pthread_cond_wait");
	ASSERT_STREQ(frames[i].module, "libc.so.6", "pthread_cond_wait's module");
	ASSERT_STREQ(frames[i + 1].func, "wait_for_release", "its caller");
	ASSERT_STREQ(frames[i + 2].func, "blocked_waiter_main", "the thread's start routine");
	ASSERT_STREQ(frames[nr - 1].module, "libc.so.6", "outermost frame: libc's clone");
	ASSERT_EQ(flags, 0, "complete, not truncated");
	if (i < 1 || flags)
		print_stack(pcs, frames, nr);

release:
	pthread_mutex_lock(&w.lock);
	w.released = true;
	pthread_cond_signal(&w.cond);
	pthread_mutex_unlock(&w.lock);
	pthread_join(t, NULL);
	proc_syms__close(ps);
}

void test_demangle(void)
{
	static const struct {
		const char *symbol, *name;
	} cases[] = {
		{ "_ZN10threadleak6census4takeEPKci",
		  "threadleak::census::take(char const*, int)" },
		{ "_ZNSt6vectorIiSaIiEE9push_backERKi",
		  "std::vector<int, std::allocator<int> >::push_back(int const&)" },
		/* Rust legacy, real names from rustc: hash dropped, escapes decoded */
		{ "_ZN1m4main17h4009bc0cd8b193aaE", "m::main" },
		{ "_ZN1m13Pool$LT$T$GT$4grow17h4fdaa150347c07e1E", "m::Pool<T>::grow" },
		{ "_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h168e94e611939a97E",
		  "std::rt::lang_start::{{closure}}" },
		{ "_ZN4core3ptr57drop_in_place$LT$m..Pool$LT$alloc..string..String$GT$$GT$"
		  "17h01f99732ef159422E",
		  "core::ptr::drop_in_place<m::Pool<alloc::string::String>>" },
		{ "_ZN3std2rt10lang_start17h0123456789abcdefE.llvm.1234", "std::rt::lang_start" },
		/* a NUL or a control character is not decoded (the fuzzer's NUL cut the name) */
		{ "_ZN1m6a$u0$b17h0123456789abcdefE", "m::a$u0$b" },
		{ "_ZN1m7a$u1b$b17h0123456789abcdefE", "m::a$u1b$b" },
		{ "_ZN1m7a$u7f$b17h0123456789abcdefE", "m::a$u7f$b" },
		{ "_ZN1m7a$ue9$b17h0123456789abcdefE", "m::a\u00e9b" },
		/* a C++ name that merely looks like it ends in a hash keeps it */
		{ "_ZN1a17h0123456789abcdefEv", "a::h0123456789abcdef()" },
		{ "pthread_cond_wait@@GLIBC_2.3.2", "pthread_cond_wait" },
		{ "_ZNSt6thread4joinEv@@GLIBCXX_3.4.11", "std::thread::join()" },
		{ "main", "main" },
		{ "_Znot_mangled", "_Znot_mangled" },
		{ "", "" },
	};
	/* Rust v0, from rustc -C symbol-mangling-version=v0 */
	static const char *rust_v0 =
		"_RNvMCskK7mfDs1mzF_1mINtB2_4PoolNtNtCslNYArtu3iFV_5alloc6string6StringE4growB2_";
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		demangle_symbol(cases[i].symbol, buf, sizeof(buf));
		ASSERT_STREQ(buf, cases[i].name, cases[i].symbol);
	}
	demangle_symbol(rust_v0, buf, sizeof(buf));
#ifdef HAVE_LLVM_RUST_DEMANGLE
	ASSERT_STREQ(buf, "<m::Pool<alloc::string::String>>::grow", "Rust v0 by LLVM");
#else
	ASSERT_STREQ(buf, rust_v0, "Rust v0 left as is");
#endif
	ASSERT_EQ(demangle_symbol("_ZN1m4main17h4009bc0cd8b193aaE", buf, 5), 4, "truncated length");
	ASSERT_STREQ(buf, "m::m", "truncated");
}

/*
 * With DEBUGINFOD_URLS pointing at a socket of ours, symbolizing functions
 * of modules with no local debuginfo (libdw, libstdc++) must not connect.
 */
void test_proc_syms_no_debuginfod(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t addr_len = sizeof(addr);
	char url[64], cache_dir[] = "/tmp/proc_syms_debuginfod.XXXXXX";
	struct proc_syms *ps = NULL;
	void *debuginfod_lib;
	struct sym_info si;
	int listener, conn;

	listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!ASSERT_TRUE(listener >= 0, "socket"))
		return;
	if (!ASSERT_OK(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), "bind") ||
	    !ASSERT_OK(listen(listener, 16), "listen") ||
	    !ASSERT_OK(getsockname(listener, (struct sockaddr *)&addr, &addr_len), "getsockname") ||
	    !ASSERT_TRUE(mkdtemp(cache_dir) != NULL, "mkdtemp"))
		goto out;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(addr.sin_port));
	setenv("DEBUGINFOD_URLS", url, 1);
	setenv("DEBUGINFOD_CACHE_PATH", cache_dir, 1);
	setenv("DEBUGINFOD_TIMEOUT", "2", 1);

	if (!ASSERT_OK(proc_syms__open(&ps, "/proc", getpid()), "open self"))
		goto out;
	ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)std_thread_join, false, &si), "libstdc++");
	ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)dwfl_begin, false, &si), "libdw");
	ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)demangle_symbol, false, &si), "ours");
	ASSERT_OK(proc_syms__lookup(ps, (uintptr_t)dlopen, false, &si), "libc");
	ASSERT_TRUE(getenv("DEBUGINFOD_URLS") == NULL, "DEBUGINFOD_URLS unset");
	conn = accept(listener, NULL, NULL);
	ASSERT_TRUE(conn < 0 && errno == EAGAIN, "no connection to the debuginfod URL");
	if (conn >= 0)
		close(conn);
	/* not even loaded: elfutils dlopens it, and libcurl with it, on its first use */
	debuginfod_lib = dlopen("libdebuginfod.so.1", RTLD_NOW | RTLD_NOLOAD);
	ASSERT_TRUE(debuginfod_lib == NULL, "libdebuginfod not loaded");
	if (debuginfod_lib)
		dlclose(debuginfod_lib);
out:
	unsetenv("DEBUGINFOD_CACHE_PATH");
	unsetenv("DEBUGINFOD_TIMEOUT");
	unsetenv("DEBUGINFOD_URLS");
	rmdir(cache_dir);
	proc_syms__close(ps);
	close(listener);
}

/*
 * The debuginfo files on this machine are found as plain libdwfl with
 * dwfl_standard_find_debuginfo finds them: libc's source line, whether or
 * not libc6-dbg is installed. Last in this file, so it runs last: plain
 * libdwfl may load libdebuginfod, which test_proc_syms_no_debuginfod checks
 * is not loaded.
 */
static char *default_debuginfo_path;
static const Dwfl_Callbacks standard_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &default_debuginfo_path,
};

void test_proc_syms_local_debuginfo(void)
{
	uintptr_t pcs[] = { (uintptr_t)pthread_create + 16, (uintptr_t)pthread_cond_wait + 32,
			    (uintptr_t)dwfl_begin + 8, (uintptr_t)symbolized_probe };
	struct proc_syms *ps;
	struct sym_info si;
	Dwfl_Module *mod;
	Dwfl_Line *line;
	const char *src;
	Dwfl *dwfl;
	size_t i;
	int lineno;

	dwfl = dwfl_begin(&standard_callbacks);
	if (!ASSERT_TRUE(dwfl != NULL, "dwfl_begin"))
		return;
	if (!ASSERT_OK(dwfl_linux_proc_report(dwfl, getpid()), "report") ||
	    !ASSERT_OK(dwfl_report_end(dwfl, NULL, NULL), "report_end") ||
	    !ASSERT_OK(proc_syms__open(&ps, "/proc", getpid()), "open self")) {
		dwfl_end(dwfl);
		return;
	}
	for (i = 0; i < sizeof(pcs) / sizeof(pcs[0]); i++) {
		mod = dwfl_addrmodule(dwfl, pcs[i]);
		line = mod ? dwfl_module_getsrc(mod, pcs[i]) : NULL;
		src = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
		if (!src)
			lineno = 0;
		ASSERT_OK(proc_syms__lookup(ps, pcs[i], false, &si), "lookup");
		ASSERT_STREQ(si.file, src ? strrchr(src, '/') + 1 : "", "same file");
		ASSERT_EQ(si.line, lineno, "same line");
	}
	proc_syms__close(ps);
	dwfl_end(dwfl);
}

/* The table keeps each mapping's bounds and kind, and the holes between. */
void test_proc_syms_mapping_table(void)
{
	static const char text[] = "1000-2000 r-xp 0 fe:00 7 /bin/x\n"
				   "2000-3000 ---p 0 00:00 0\n"
				   "3000-5000 rw-p 0 00:00 0\n"
				   "8000-9000 r-xp 0 00:00 0 [anon:jit]\n";
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct maps_snapshot maps;
	struct proc_mapping m;

	if (!ASSERT_TRUE(f != NULL, "fmemopen"))
		return;
	if (!ASSERT_OK(maps_snapshot_parse(&maps, f), "parsed")) {
		fclose(f);
		return;
	}
	fclose(f);
	ASSERT_EQ(maps.nr_mappings, 4, "four mappings");
	ASSERT_EQ(maps.mappings.nr, 6, "their starts, a hole, the end");
	ASSERT_TRUE(!mapping_table_find(&maps.mappings, 0xfff, &m), "none below");
	ASSERT_TRUE(mapping_table_find(&maps.mappings, 0x1000, &m), "the first");
	ASSERT_EQ(m.start, 0x1000, "its start");
	ASSERT_EQ(m.end, 0x2000, "its end");
	ASSERT_TRUE(m.exec && !m.anon, "code of a file");
	ASSERT_TRUE(mapping_table_find(&maps.mappings, 0x2fff, &m), "the guard");
	ASSERT_EQ(m.start, 0x2000, "the guard's start");
	ASSERT_EQ(m.end, 0x3000, "the guard's end: not merged with the stack");
	ASSERT_TRUE(!m.exec && m.anon, "anonymous data");
	ASSERT_TRUE(mapping_table_find(&maps.mappings, 0x4fff, &m), "the stack's last byte");
	ASSERT_EQ(m.start, 0x3000, "the stack's start");
	ASSERT_TRUE(!mapping_table_find(&maps.mappings, 0x5000, &m), "the hole's start");
	ASSERT_TRUE(!mapping_table_find(&maps.mappings, 0x7fff, &m), "the hole's end");
	ASSERT_TRUE(mapping_table_find(&maps.mappings, 0x8000, &m), "past the hole");
	ASSERT_TRUE(m.exec && m.anon, "JIT code");
	ASSERT_EQ(m.end, 0x9000, "the last's end");
	ASSERT_TRUE(!mapping_table_find(&maps.mappings, 0x9000, &m), "none past the end");
	maps_snapshot_free(&maps);
}
