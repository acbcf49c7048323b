// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "symtab.h"

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->pc < y->pc ? -1 : x->pc > y->pc;
}

static void sym_free(void *p)
{
	struct sym *s = p;
	unsigned int i;

	for (i = 0; i < s->nr_inline; i++) {
		free(s->inl[i].func);
		free(s->inl[i].file);
	}
	free(s->inl);
	free(s->func);
	free(s->file);
	free(s->module);
	free(s);
}

static char *dup_text(const char *text, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, text, len);
		s[len] = '\0';
	}
	return s;
}

/* The inlined frames after rec's module: rec_decode() checked their lengths. */
static int add_inlined(struct sym *s, const struct rec_symbol *rec)
{
	const char *p = rec->text + rec->func_len + rec->file_len + rec->module_len;
	const char *text = p + rec->nr_inline * sizeof(struct rec_inline_frame);
	struct rec_inline_frame f;
	unsigned int i;

	if (!rec->nr_inline)
		return 0;
	s->inl = calloc(rec->nr_inline, sizeof(*s->inl));
	if (!s->inl)
		return -ENOMEM;
	s->nr_inline = rec->nr_inline;
	for (i = 0; i < rec->nr_inline; i++) {
		memcpy(&f, p + i * sizeof(f), sizeof(f));
		s->inl[i].line = f.line;
		s->inl[i].func = dup_text(text, f.func_len);
		text += f.func_len;
		s->inl[i].file = dup_text(text, f.file_len);
		text += f.file_len;
		if (!s->inl[i].func || !s->inl[i].file)
			return -ENOMEM;
	}
	return 0;
}

int symtab__add(struct symtab *st, const struct rec_symbol *rec)
{
	struct sym *s = calloc(1, sizeof(*s)), **node;

	if (!s)
		return -ENOMEM;
	if (add_inlined(s, rec)) {
		sym_free(s);
		return -ENOMEM;
	}
	s->pc = rec->pc;
	s->offset = rec->offset;
	s->line = rec->line;
	s->found = rec->flags & RSYM_FOUND;
	s->func = dup_text(rec->text, rec->func_len);
	s->file = dup_text(rec->text + rec->func_len, rec->file_len);
	s->module = dup_text(rec->text + rec->func_len + rec->file_len, rec->module_len);
	if (!s->func || !s->file || !s->module) {
		sym_free(s);
		return -ENOMEM;
	}
	node = tsearch(s, &st->root, sym_cmp);
	if (!node) {
		sym_free(s);
		return -ENOMEM;
	}
	if (*node != s) {
		/* Replace: the newer record wins (a refreshed map). */
		struct sym *old = *node;

		*node = s;
		sym_free(old);
	}
	return 0;
}

const struct sym *symtab__find(const struct symtab *st, __u64 pc)
{
	struct sym key = { .pc = pc };
	void *node = tfind(&key, (void **)&st->root, sym_cmp);

	return node ? *(struct sym **)node : NULL;
}

void symtab__clear(struct symtab *st)
{
	tdestroy(st->root, sym_free);
	st->root = NULL;
}

const char *symtab__func(const struct symtab *st, __u64 pc)
{
	const struct sym *s = symtab__find(st, pc);

	return s && s->found && s->func[0] ? s->func : NULL;
}

const char *symtab__format(const struct symtab *st, __u64 pc, char *buf, size_t len)
{
	const struct sym *s = symtab__find(st, pc);

	if (!s || !s->found || !s->func[0]) {
		/* Where in its module, which stays the same from run to run. */
		if (s && s->module[0])
			snprintf(buf, len, "%s+0x%llx", s->module, (unsigned long long)s->offset);
		else
			snprintf(buf, len, "0x%llx", (unsigned long long)pc);
	} else if (s->file[0] && s->line) {
		snprintf(buf, len, "%s (%s:%u)", s->func, s->file, s->line);
	} else if (s->module[0]) {
		snprintf(buf, len, "%s (%s)", s->func, s->module);
	} else {
		snprintf(buf, len, "%s", s->func);
	}
	return buf;
}


unsigned int symtab__nr_frames(const struct symtab *st, __u64 pc)
{
	const struct sym *s = symtab__find(st, pc);

	return s ? s->nr_inline + 1 : 1;
}

const char *symtab__format_frame(const struct symtab *st, __u64 pc, unsigned int i, char *buf,
				 size_t len)
{
	const struct sym *s = symtab__find(st, pc);
	const struct sym_inline *in;

	if (!s || i >= s->nr_inline)
		return symtab__format(st, pc, buf, len);
	in = &s->inl[i];
	if (in->file[0] && in->line)
		snprintf(buf, len, "%s (%s:%u) [inlined]", in->func, in->file, in->line);
	else
		snprintf(buf, len, "%s [inlined]", in->func);
	return buf;
}

unsigned int symtab__expand_funcs(const struct symtab *st, const __u64 *pcs, unsigned int n,
				  const char **funcs, unsigned int max)
{
	unsigned int i, j, k = 0;

	for (i = 0; i < n && k < max; i++) {
		const struct sym *s = symtab__find(st, pcs[i]);

		for (j = 0; s && j < s->nr_inline && k < max; j++)
			funcs[k++] = s->inl[j].func[0] ? s->inl[j].func : NULL;
		if (k < max)
			funcs[k++] = symtab__func(st, pcs[i]);
	}
	return k;
}
