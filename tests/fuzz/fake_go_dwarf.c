// SPDX-License-Identifier: GPL-2.0
/*
 * An ELF file whose DWARF describes the Go runtime structures go_layout.c
 * reads (runtime.g, runtime.gobuf, runtime.stack, runtime.moduledata), as
 * C: seed_go_layout.sh builds it and renames runtime_X to runtime.X in its
 * string table. G_PAD and GOBUF_PAD place g.sched and gobuf.sp: with
 * -DG_PAD=65448 -DGOBUF_PAD=256, g.sched is at 0xfff0 and g.sched.sp at
 * 0x100f0, which a 16-bit sum wraps to 0xf0.
 */
#ifndef G_PAD
#define G_PAD 8
#endif
#ifndef GOBUF_PAD
#define GOBUF_PAD 0
#endif

struct runtime_stack {
	unsigned long lo, hi;
};

struct runtime_gobuf {
	char pad[GOBUF_PAD];
	unsigned long sp, pc;
	void *g;
	unsigned long ctxt, ret, lr, bp;
};

struct runtime_g {
	struct runtime_stack stack;
	unsigned int atomicstatus;
	unsigned long goid;
	long waitsince;
	unsigned char waitreason;
	unsigned long gopc, startpc, parentGoid;
	char pad[G_PAD];
	struct runtime_gobuf sched;
};

struct runtime_moduledata {
	void *pcHeader;
	unsigned long text, gofunc;
};

struct runtime_g runtime_g0;
struct runtime_moduledata runtime_firstmoduledata;

void _start(void)
{
	for (;;)
		;
}
