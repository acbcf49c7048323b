// SPDX-License-Identifier: GPL-2.0
/*
 * Records in userspace: decoding (is this a whole, well-formed record?) and
 * the builders of the variable-size ones.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "record.h"

struct rec_layout {
	const char *name;
	size_t size;	 /* the fixed part */
	size_t text_max; /* variable text after it, 0 for fixed-size records */
};

static const struct rec_layout rec_layouts[REC_TYPE_MAX] = {
	[REC_THREAD_START] = { "thread_start", sizeof(struct rec_thread_start) },
	[REC_THREAD_EXIT] = { "thread_exit", sizeof(struct rec_thread_exit) },
	[REC_PROC_EXEC] = { "proc_exec", sizeof(struct rec_proc_exec) },
	[REC_TASK] = { "task", sizeof(struct rec_task) },
	[REC_PROC] = { "proc", sizeof(struct rec_proc) },
	[REC_CENSUS] = { "census", sizeof(struct rec_census) },
	[REC_SITE] = { "site", sizeof(struct rec_site) },
	[REC_STACK] = { "stack", sizeof(struct rec_stack) },
	[REC_FUTEX] = { "futex", sizeof(struct rec_futex) },
	[REC_SYMBOL] = { "symbol", sizeof(struct rec_symbol), REC_SYMBOL_TEXT_MAX },
	[REC_PROC_INFO] = { "proc_info", sizeof(struct rec_proc_info), REC_SYMBOL_TEXT_MAX },
	[REC_GOROUTINE] = { "goroutine", sizeof(struct rec_goroutine) },
	[REC_GO_CENSUS] = { "go_census", sizeof(struct rec_go_census) },
	[REC_SESSION] = { "session", sizeof(struct rec_session) },
	[REC_PROC_INCOMPLETE] = { "proc_incomplete", sizeof(struct rec_proc_incomplete) },
	[REC_GOROUTINE_GONE] = { "goroutine_gone", sizeof(struct rec_goroutine_gone) },
};

const char *rec_type_name(unsigned int type)
{
	if (type >= REC_TYPE_MAX || !rec_layouts[type].name)
		return "unknown";
	return rec_layouts[type].name;
}

/* The text of a variable record must be exactly its strings, NUL-padded to 8. */
static int check_text(const struct rec_hdr *hdr, size_t fixed, size_t used, const char **why)
{
	const char *text = (const char *)hdr + fixed;
	size_t len = hdr->size - fixed, i;

	if (used > len || len - used >= 8 || hdr->size % 8) {
		*why = "record text lengths do not match its size";
		return -EINVAL;
	}
	for (i = used; i < len; i++) {
		if (text[i]) {
			*why = "record text padding is not zero";
			return -EINVAL;
		}
	}
	return 0;
}

static int check_variable(const struct rec_hdr *hdr, const char **why)
{
	const struct rec_symbol *sym = (const void *)hdr;
	const struct rec_proc_info *info = (const void *)hdr;
	size_t used;

	switch (hdr->type) {
	case REC_SYMBOL:
		used = (size_t)sym->func_len + sym->file_len + sym->module_len;
		if (check_text(hdr, sizeof(*sym), used + sym->inline_len, why))
			return -EINVAL;
		if (rec_inline_check(sym->text + used, sym->inline_len, sym->nr_inline)) {
			*why = "symbol record's inlined frames do not match their length";
			return -EINVAL;
		}
		return 0;
	case REC_PROC_INFO:
		return check_text(hdr, sizeof(*info), (size_t)info->exe_len + info->cmdline_len,
				  why);
	default:
		return 0;
	}
}

int rec_decode(const void *buf, size_t len, const char **why)
{
	const struct rec_hdr *hdr = buf;
	const struct rec_layout *layout;

	if (len < sizeof(*hdr)) {
		*why = "record header cut short";
		return -ENODATA;
	}
	if (hdr->type >= REC_TYPE_MAX || !rec_layouts[hdr->type].name) {
		*why = "unknown record type";
		return -EINVAL;
	}
	layout = &rec_layouts[hdr->type];
	if (hdr->size < layout->size || hdr->size > layout->size + layout->text_max) {
		*why = "record size does not match its type";
		return -EINVAL;
	}
	if (hdr->size > len) {
		*why = "record cut short";
		return -ENODATA;
	}
	if (layout->text_max && check_variable(hdr, why))
		return -EINVAL;
	if (hdr->type == REC_STACK && ((const struct rec_stack *)hdr)->nr_pcs > REC_STACK_MAX) {
		*why = "stack record has more frames than it can hold";
		return -EINVAL;
	}
	return hdr->size;
}

static size_t clip(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n < max ? n : max;
}

int rec_inline_check(const void *inl, size_t len, unsigned int nr)
{
	const unsigned char *p = inl;
	struct rec_inline_frame f;
	size_t text = 0, i;

	if (nr > REC_INLINE_MAX || len > REC_INLINE_TEXT_MAX || len < nr * sizeof(f) ||
	    (!nr && len))
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		memcpy(&f, p + i * sizeof(f), sizeof(f));
		text += (size_t)f.func_len + f.file_len;
	}
	return text == len - nr * sizeof(f) ? 0 : -EINVAL;
}

const char *rec_inline_frame(const void *inl, unsigned int nr, unsigned int i,
			     struct rec_inline_frame *f)
{
	const char *p = inl, *text = p + nr * sizeof(*f);
	unsigned int k;

	for (k = 0; k <= i; k++) {
		memcpy(f, p + k * sizeof(*f), sizeof(*f));
		if (k < i)
			text += f->func_len + f->file_len;
	}
	return text;
}

size_t rec_symbol_make(void *buf, size_t cap, __u32 tgid, __u64 ts, __u64 pc, __u64 offset,
		       __u32 line, __u16 flags, const char *func, const char *file,
		       const char *module)
{
	return rec_symbol_make_inlined(buf, cap, tgid, ts, pc, offset, line, flags, func, file,
				       module, NULL, 0, 0);
}

size_t rec_symbol_make_inlined(void *buf, size_t cap, __u32 tgid, __u64 ts, __u64 pc,
			       __u64 offset, __u32 line, __u16 flags, const char *func,
			       const char *file, const char *module, const void *inl,
			       size_t inl_len, unsigned int nr_inline)
{
	struct rec_symbol *rec = buf;
	size_t room = cap - sizeof(*rec), fl, il, ml, used;

	if (room > REC_SYMBOL_TEXT_MAX - 8)
		room = REC_SYMBOL_TEXT_MAX - 8;
	if (!inl || rec_inline_check(inl, inl_len, nr_inline) || inl_len > room / 2)
		inl_len = nr_inline = 0;
	room -= inl_len;
	fl = clip(func, room / 2);
	il = clip(file, room / 4);
	ml = clip(module, room / 4);
	used = sizeof(*rec) + fl + il + ml + inl_len;
	memset(rec, 0, (used + 7) & ~7UL);
	rec->hdr.type = REC_SYMBOL;
	rec->hdr.size = (used + 7) & ~7UL;
	rec->hdr.tgid = tgid;
	rec->hdr.ts_ns = ts;
	rec->pc = pc;
	rec->offset = offset;
	rec->line = line;
	rec->flags = flags;
	rec->func_len = fl;
	rec->file_len = il;
	rec->module_len = ml;
	memcpy(rec->text, func, fl);
	memcpy(rec->text + fl, file, il);
	memcpy(rec->text + fl + il, module, ml);
	rec->inline_len = inl_len;
	rec->nr_inline = nr_inline;
	if (inl_len)
		memcpy(rec->text + fl + il + ml, inl, inl_len);
	return rec->hdr.size;
}
