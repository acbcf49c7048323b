// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "go_binary.h"
#include "go_derive.h"
#include "go_pclntab.h"
#include "target_addr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The most of a function's code read: the accesses looked for are near its start. */
#define CODE_MAX 1024
#define MAX_WAIT_REASONS 256
#define WAIT_REASON_MAX_LEN 64
/* moduledata words read: text and gofunc are within its first 64 words in every Go */
#define MD_WORDS 64
/* how far past .rodata's start runtime.rodata may be (C's constants first) */
#define RODATA_START_SLACK 4096

enum { RAX = 0, RSP = 4, R14 = 14, RIP = 16 };
#define ANY_BASE -1 /* any base register but rsp and rip */
#define ANY_REG -1
#define NO_IMM -1
#define MOD_DISP8 (1 << 1)
#define MOD_DISP32 (1 << 2)
#define MOD_REG (1 << 3)
#define MOD_RIP (1 << 0)

/* One x86-64 instruction form: [REX] opcode ModRM [SIB] [disp] [imm8]. */
struct insn_form {
	__u8 op[2], nr_op;
	signed char rex_w; /* 1: REX.W required, 0: forbidden, -1: either */
	signed char reg;   /* ModRM.reg (REX.R included), or ANY_REG */
	signed char base;  /* base register, or ANY_BASE */
	__u8 mods;	   /* MOD_* allowed */
	short imm8;	   /* the imm8 that must follow, or NO_IMM */
};

struct insn {
	size_t at, end;
	__s64 disp;
	__u8 imm8;
};

static bool is_rex(__u8 b)
{
	return (b & 0xf0) == 0x40;
}

/* A jump with a one-byte displacement (which may look like a REX prefix). */
static bool short_jump(__u8 b)
{
	return (b >= 0x70 && b <= 0x7f) || b == 0xeb;
}

/* Does the instruction at @code[@i] have form @f? */
static bool match(const __u8 *code, size_t len, size_t i, const struct insn_form *f, struct insn *in)
{
	size_t p = i;
	__u8 rex = 0, modrm, mod, reg, rm, base;
	__s32 d32;

	if (is_rex(code[p]))
		rex = code[p++];
	else if (i > 0 && is_rex(code[i - 1]) && !(i > 1 && short_jump(code[i - 2])))
		return false; /* the instruction starts at its prefix */
	if ((f->rex_w == 1 && !(rex & 8)) || (f->rex_w == 0 && (rex & 8)))
		return false;
	if (p + f->nr_op + 1 > len || memcmp(code + p, f->op, f->nr_op))
		return false;
	p += f->nr_op;
	modrm = code[p++];
	mod = modrm >> 6;
	reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
	rm = modrm & 7;
	if (f->reg != ANY_REG && reg != f->reg)
		return false;
	in->disp = 0;
	if (mod == 3) {
		base = rm | ((rex & 1) << 3);
		if (!(f->mods & MOD_REG))
			return false;
	} else if (mod == 0 && rm == 5) {
		base = RIP;
		if (!(f->mods & MOD_RIP) || p + 4 > len)
			return false;
		memcpy(&d32, code + p, 4);
		in->disp = d32;
		p += 4;
	} else {
		if (!(f->mods & (1 << mod)))
			return false;
		if (rm == 4) {
			/* a SIB byte: only a base, no index */
			if (p >= len || ((code[p] >> 3) & 7) != 4 || (rex & 2))
				return false;
			base = (code[p++] & 7) | ((rex & 1) << 3);
		} else {
			base = rm | ((rex & 1) << 3);
		}
		if (mod == 1) {
			if (p + 1 > len)
				return false;
			in->disp = (__s8)code[p++];
		} else if (mod == 2) {
			if (p + 4 > len)
				return false;
			memcpy(&d32, code + p, 4);
			in->disp = d32;
			p += 4;
		}
	}
	if (f->base == ANY_BASE ? (base == RSP || base == RIP) : base != f->base)
		return false;
	if (f->imm8 != NO_IMM) {
		if (p >= len || code[p] != (__u8)f->imm8)
			return false;
		in->imm8 = code[p++];
	}
	in->at = i;
	in->end = p;
	return true;
}

/* The first instruction of form @f starting in [@from, @to). */
static bool find(const __u8 *code, size_t len, size_t from, size_t to, const struct insn_form *f,
		 struct insn *in)
{
	size_t i;

	for (i = from; i < to && i < len; i++)
		if (match(code, len, i, f, in))
			return true;
	return false;
}

/* A field offset as the code gives it: inside a g, 0 <= off <= GO_FIELD_MAX_OFFSET. */
static bool field_offset(__s64 disp)
{
	return disp >= 0 && disp <= GO_FIELD_MAX_OFFSET;
}

struct code {
	__u8 bytes[CODE_MAX];
	size_t len;
	__u64 addr;
};

static int func_code(const struct go_binary *bin, const char *name, struct code *c)
{
	struct go_func fn;

	if (go_pclntab__func_by_name(go_binary__pclntab(bin), name, &fn) || fn.end <= fn.entry)
		return -ENOENT;
	c->len = fn.end - fn.entry < CODE_MAX ? fn.end - fn.entry : CODE_MAX;
	c->addr = fn.entry;
	return go_binary__read(bin, fn.entry, c->bytes, c->len) ? -ENOENT : 0;
}

/* mov disp(%base), %r64 */
static const struct insn_form load64 = { { 0x8b }, 1, 1, ANY_REG, RAX, MOD_DISP8 | MOD_DISP32, NO_IMM };
/* mov disp(%rax), %r32 */
static const struct insn_form load32 = { { 0x8b }, 1, 0, ANY_REG, RAX, MOD_DISP8 | MOD_DISP32, NO_IMM };
/* movzbl disp(%rax), %r32 */
static const struct insn_form load8 = { { 0x0f, 0xb6 }, 2, 0, ANY_REG, RAX, MOD_DISP8 | MOD_DISP32,
					NO_IMM };
/* cmpq $1, disp(%reg) */
static const struct insn_form cmp_one = { { 0x83 }, 1, 1, 7, ANY_BASE, MOD_DISP8 | MOD_DISP32, 1 };
/* cmpq $0, disp(%rax) */
static const struct insn_form cmp_zero = { { 0x83 }, 1, 1, 7, RAX, MOD_DISP8 | MOD_DISP32, 0 };
/* mov %r64, disp8(%r14) */
static const struct insn_form store_g = { { 0x89 }, 1, 1, ANY_REG, R14, MOD_DISP8, NO_IMM };
/* cmp disp8(%r14), %rsp or %r12: the stack bound check of a prologue */
static const struct insn_form prologue = { { 0x3b }, 1, 1, ANY_REG, R14, MOD_DISP8, NO_IMM };
/* lea disp32(%rip), %r64 */
static const struct insn_form lea_rip = { { 0x8d }, 1, 1, ANY_REG, RIP, MOD_RIP, NO_IMM };

/* runtime.printcreatedby: gp.gopc, gp.goid (compared with 1), gp.parentGoid. */
static int from_printcreatedby(const struct go_binary *bin, struct go_runtime_layout *l,
			       const char **missing)
{
	struct insn_form parent = load64;
	struct code c;
	struct insn in, cmp;

	if (func_code(bin, "runtime.printcreatedby", &c)) {
		*missing = "runtime.printcreatedby";
		return -ENOENT;
	}
	/* the stack guard check opens it: g.stack's two words come before stackguard0 */
	if (!find(c.bytes, c.len, 0, 1, &prologue, &in) || in.disp < 16 || in.disp > 64) {
		*missing = "the stack check (g.stackguard0) in runtime.printcreatedby's prologue";
		return -ENOENT;
	}
	l->g_stack_lo = in.disp - 16;
	l->g_stack_hi = in.disp - 8;
	if (!find(c.bytes, c.len, 0, c.len, &load64, &in) || !field_offset(in.disp)) {
		*missing = "the load of g.gopc in runtime.printcreatedby";
		return -ENOENT;
	}
	l->g_gopc = in.disp;
	if (!find(c.bytes, c.len, in.end, c.len, &cmp_one, &cmp) || !field_offset(cmp.disp)) {
		*missing = "the comparison of g.goid with 1 in runtime.printcreatedby";
		return -ENOENT;
	}
	l->g_goid = cmp.disp;
	/* Go 1.21+ then loads gp.parentGoid for the "in goroutine N" */
	parent.base = ANY_BASE;
	parent.mods = MOD_DISP32;
	if (find(c.bytes, c.len, cmp.end, cmp.end + 16, &parent, &in) && field_offset(in.disp) &&
	    in.disp != l->g_goid)
		l->g_parent_goid = in.disp;
	else
		l->g_parent_goid = GO_FIELD_ABSENT;
	return 0;
}

/* runtime.isSystemGoroutine: findfunc(gp.startpc) first thing. */
static int from_is_system_goroutine(const struct go_binary *bin, struct go_runtime_layout *l,
				    const char **missing)
{
	struct code c;
	struct insn in;

	if (func_code(bin, "runtime.isSystemGoroutine", &c) ||
	    !find(c.bytes, c.len, 0, c.len, &load64, &in) || !field_offset(in.disp)) {
		*missing = "the load of g.startpc in runtime.isSystemGoroutine";
		return -ENOENT;
	}
	l->g_startpc = in.disp;
	return 0;
}

/* runtime.mcall saves the caller in g.sched: pc, sp, then bp. */
static int from_mcall(const struct go_binary *bin, struct go_runtime_layout *l, const char **missing)
{
	__u16 *fields[] = { &l->g_sched_pc, &l->g_sched_sp, &l->g_sched_bp };
	struct code c;
	struct insn in = { 0 };
	size_t i;

	if (func_code(bin, "runtime.mcall", &c)) {
		*missing = "runtime.mcall";
		return -ENOENT;
	}
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		if (!find(c.bytes, c.len, in.end, c.len, &store_g, &in) || !field_offset(in.disp)) {
			*missing = "runtime.mcall's three stores of g.sched (pc, sp, bp)";
			return -ENOENT;
		}
		*fields[i] = in.disp;
	}
	return 0;
}

/* runtime.malg: new(g), the type descriptor's first word is its size. */
static int from_malg(const struct go_binary *bin, struct go_runtime_layout *l, const char **missing)
{
	__u64 type, size;
	struct code c;
	struct insn in;

	if (func_code(bin, "runtime.malg", &c) || !find(c.bytes, c.len, 0, c.len, &lea_rip, &in)) {
		*missing = "the type of g (runtime.malg's LEA before runtime.newobject)";
		return -ENOENT;
	}
	/* modulo 2^64, as the processor adds; the read checks where it lands */
	type = c.addr + in.end + in.disp;
	if (go_binary__read(bin, type, &size, sizeof(size)) || !size || size > GO_FIELD_MAX_OFFSET) {
		*missing = "the size of g in its type descriptor";
		return -ENOENT;
	}
	l->g_size = size;
	return 0;
}

/* A string of the binary, copied; NULL if it is not a wait reason's text. */
static char *read_reason(const struct go_binary *bin, __u64 ptr, __u64 len)
{
	char *s;
	__u64 i;

	if (len >= WAIT_REASON_MAX_LEN)
		return NULL;
	s = calloc(1, len + 1);
	if (!s)
		return NULL;
	if (len && go_binary__read(bin, ptr, s, len))
		goto bad;
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			goto bad;
	return s;
bad:
	free(s);
	return NULL;
}

/*
 * @n string headers at @addr, each a wait reason; with @n 0, as many as
 * read as ones. -ENOENT if fewer than 3 do.
 */
static int read_reasons(const struct go_binary *bin, __u64 addr, __u32 n, struct go_runtime_layout *l)
{
	__u32 max = n ? n : MAX_WAIT_REASONS, i;
	char **reasons = calloc(max, sizeof(*reasons));
	__u64 hdr[2];

	if (!reasons)
		return -ENOMEM;
	for (i = 0; i < max; i++) {
		__u64 at;

		if (target_addr_add(addr, (__u64)i * sizeof(hdr), &at) ||
		    go_binary__read(bin, at, hdr, sizeof(hdr)) ||
		    (i > 0 && !hdr[1]) || !(reasons[i] = read_reason(bin, hdr[0], hdr[1])))
			break;
	}
	if (i < 3 || (n && i < n)) {
		l->wait_reasons = (const char *const *)reasons;
		l->nr_wait_reasons = i;
		go_derive__free(l);
		return -ENOENT;
	}
	l->wait_reasons = (const char *const *)reasons;
	l->nr_wait_reasons = i;
	return 0;
}

/* Does the string header at @p point at @want? */
static bool header_is(const struct go_binary *bin, const __u8 *p, const char *want)
{
	size_t len = strlen(want);
	char buf[WAIT_REASON_MAX_LEN];
	__u64 hdr[2];

	memcpy(hdr, p, sizeof(hdr));
	return hdr[1] == len && !go_binary__read(bin, hdr[0], buf, len) && !memcmp(buf, want, len);
}

/* waitReasonStrings by its content: "", "GC assist marking", "IO wait" in a row. */
static int reasons_by_content(const struct go_binary *bin, __u64 *addr)
{
	static const char *const sections[] = { ".data", ".noptrdata", ".data.rel.ro" };
	__u64 sec, size, off;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		__u8 hdrs[48];

		if (go_binary__section(bin, sections[i], &sec, &size))
			continue;
		for (off = 0; off + sizeof(hdrs) <= size; off += 8) {
			if (go_binary__read(bin, sec + off, hdrs, sizeof(hdrs)))
				break;
			if (hdrs[8] || memcmp(hdrs + 8, hdrs + 9, 7)) /* "": length 0 */
				continue;
			if (header_is(bin, hdrs + 16, "GC assist marking") &&
			    header_is(bin, hdrs + 32, "IO wait")) {
				*addr = sec + off;
				return 0;
			}
		}
	}
	return -ENOENT;
}

/*
 * runtime.goroutineheader prints gp.atomicstatus, gp.waitreason (checked
 * against len(waitReasonStrings), then indexed into it) and gp.waitsince.
 */
static int from_goroutineheader(const struct go_binary *bin, struct go_runtime_layout *l,
				const char **missing)
{
	/* cmp $N, %r8: the bound of waitReasonStrings */
	static const struct insn_form bound = { { 0x80 }, 1, 0, 7, ANY_BASE, MOD_REG, NO_IMM };
	__u64 strings = 0;
	const char *sec;
	struct insn in, reason, lea;
	struct code c;
	__u32 n = 0;
	size_t i;
	int err;

	if (func_code(bin, "runtime.goroutineheader", &c)) {
		*missing = "runtime.goroutineheader";
		return -ENOENT;
	}
	if (!find(c.bytes, c.len, 0, c.len, &load32, &in) || !field_offset(in.disp)) {
		*missing = "the load of g.atomicstatus in runtime.goroutineheader";
		return -ENOENT;
	}
	l->g_atomicstatus = in.disp;
	if (!find(c.bytes, c.len, 0, c.len, &load8, &reason) || !field_offset(reason.disp)) {
		*missing = "the load of g.waitreason in runtime.goroutineheader";
		return -ENOENT;
	}
	l->g_waitreason = reason.disp;
	if (!find(c.bytes, c.len, 0, c.len, &cmp_zero, &in) || !field_offset(in.disp)) {
		*missing = "the test of g.waitsince in runtime.goroutineheader";
		return -ENOENT;
	}
	l->g_waitsince = in.disp;
	/* the bound, soon after: cmp $N, %r8 (or its short form for %al) */
	for (i = reason.end; i < reason.end + 32 && i + 2 <= c.len; i++) {
		if (match(c.bytes, c.len, i, &bound, &in) && in.end < c.len) {
			n = c.bytes[in.end];
			break;
		}
		if (c.bytes[i] == 0x3c && !is_rex(c.bytes[i - 1])) {
			n = c.bytes[i + 1];
			break;
		}
	}
	/* the first LEA after it into .data is waitReasonStrings */
	for (i = reason.end; i < c.len && find(c.bytes, c.len, i, c.len, &lea_rip, &lea); i = lea.end) {
		__u64 target = c.addr + lea.end + lea.disp;

		sec = go_binary__section_of(bin, target);
		if (sec && !strcmp(sec, ".data")) {
			strings = target;
			break;
		}
	}
	if (!strings && reasons_by_content(bin, &strings)) {
		*missing = "runtime.waitReasonStrings (no LEA of it in runtime.goroutineheader, "
			   "no array of \"\", \"GC assist marking\", \"IO wait\" in the data)";
		return -ENOENT;
	}
	err = read_reasons(bin, strings, n, l);
	if (err == -ENOENT)
		*missing = "the wait reason strings of runtime.waitReasonStrings";
	return err;
}

/* moduledata.text (two words after minpc) and .gofunc (after .rodata). */
static int from_moduledata(const struct go_binary *bin, struct go_runtime_layout *l,
			   const char **missing)
{
	__u64 md, words[MD_WORDS], rodata, size, text, text_size;
	const char *sec;
	int i, text_at = -1, gofunc_at = -1;

	if (go_binary__moduledata(bin, &md) || go_binary__read(bin, md, words, sizeof(words))) {
		*missing = "runtime.firstmoduledata";
		return -ENOENT;
	}
	if (go_binary__section(bin, ".text", &text, &text_size) ||
	    go_binary__section(bin, ".rodata", &rodata, &size)) {
		*missing = "the .text and .rodata sections";
		return -ENOENT;
	}
	/* after pcHeader and the six slices: minpc is the first word into the code */
	for (i = 1 + 6 * 3; i + 2 < MD_WORDS; i++) {
		sec = go_binary__section_of(bin, words[i]);
		if (sec && !strcmp(sec, ".text")) {
			text_at = i + 2;
			break;
		}
	}
	if (text_at < 0 || !words[text_at] || go_binary__section_of(bin, words[text_at]) != sec) {
		*missing = "moduledata.text (two words after moduledata.minpc)";
		return -ENOENT;
	}
	/*
	 * moduledata.rodata is .rodata's start (after the C objects' few bytes
	 * when an external linker made it; moduledata.types may be the same
	 * address): gofunc follows the last such word
	 */
	for (i = text_at + 1; i + 1 < MD_WORDS; i++)
		if (words[i] >= rodata && words[i] - rodata < RODATA_START_SLACK &&
		    go_binary__section_of(bin, words[i + 1]))
			gofunc_at = i + 1;
	if (gofunc_at < 0) {
		*missing = "moduledata.gofunc (after moduledata.rodata)";
		return -ENOENT;
	}
	l->md_text = text_at * 8;
	l->md_gofunc = gofunc_at * 8;
	return 0;
}

/* what the last failed derivation of this thread did not find */
static __thread const char *last_missing;

int go_derive__layout(const struct go_binary *bin, struct go_runtime_layout *layout,
		      const char **missing)
{
	int (*const steps[])(const struct go_binary *, struct go_runtime_layout *, const char **) = {
		from_printcreatedby, from_is_system_goroutine, from_mcall,
		from_malg,	     from_moduledata,	       from_goroutineheader,
	};
	struct go_runtime_layout l = { 0 };
	size_t i;
	int err;

	*missing = NULL;
	last_missing = NULL;
	go_binary__version_number(bin, &l.major, &l.minor);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		err = steps[i](bin, &l, missing);
		if (err)
			return err;
	}
	/* the reasons are the last step: from here on they must be freed */
	if (go_layout__check(&l)) {
		*missing = "a layout whose fields fit in the g";
		go_derive__free(&l);
		return -EPROTO;
	}
	*layout = l;
	return 0;
}

int go_derive__failed(const char *missing)
{
	last_missing = missing;
	return -ENOTSUP;
}

const char *go_derive__last_missing(void)
{
	return last_missing ? last_missing : "";
}

void go_derive__free(struct go_runtime_layout *layout)
{
	char **reasons = (char **)layout->wait_reasons;
	__u32 i;

	if (!reasons)
		return;
	for (i = 0; i < layout->nr_wait_reasons; i++)
		free(reasons[i]);
	free(reasons);
	layout->wait_reasons = NULL;
	layout->nr_wait_reasons = 0;
}
