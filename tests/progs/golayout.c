// SPDX-License-Identifier: GPL-2.0
/*
 * golayout: the runtime layout of a Go binary three ways, as lines
 * tests/live/go_derive.sh compares field by field.
 *
 *   golayout BINARY
 *
 *   dwarf g_size=... g_stack_lo=... ... md_gofunc=...   (or "dwarf none ERR")
 *   table ...                                          (or "table none")
 *   derived ...                                        (or "derived none WHAT")
 *   symbol_reasons N R0|R1|...   runtime.waitReasonStrings by its symbol
 *   table_reasons N R0|R1|...
 *   derived_reasons N R0|R1|...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "go_binary.h"
#include "go_derive.h"
#include "go_layout.h"

static void print_layout(const char *how, const struct go_runtime_layout *l)
{
	printf("%s g_size=%u g_stack_lo=%u g_stack_hi=%u g_sched_sp=%u g_sched_pc=%u "
	       "g_sched_bp=%u g_atomicstatus=%u g_goid=%u g_waitsince=%u g_waitreason=%u "
	       "g_gopc=%u g_startpc=%u g_parent_goid=%u md_text=%u md_gofunc=%u\n",
	       how, l->g_size, l->g_stack_lo, l->g_stack_hi, l->g_sched_sp, l->g_sched_pc,
	       l->g_sched_bp, l->g_atomicstatus, l->g_goid, l->g_waitsince, l->g_waitreason,
	       l->g_gopc, l->g_startpc, l->g_parent_goid, l->md_text, l->md_gofunc);
}

static void print_reasons(const char *how, const char *const *reasons, __u32 n)
{
	__u32 i;

	printf("%s %u ", how, n);
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "|" : "", reasons[i]);
	putchar('\n');
}

/* runtime.waitReasonStrings through its symbol, when the binary has one. */
static void print_symbol_reasons(const struct go_binary *bin)
{
	char *reasons[256] = { 0 }, buf[256];
	__u64 addr, size, hdr[2];
	__u32 n = 0, i;

	if (go_binary__symbol(bin, "runtime.waitReasonStrings", &addr, &size)) {
		printf("symbol_reasons none\n");
		return;
	}
	for (i = 0; i < size / 16 && i < 256; i++) {
		if (go_binary__read(bin, addr + 16 * i, hdr, sizeof(hdr)) || hdr[1] >= sizeof(buf) ||
		    (hdr[1] && go_binary__read(bin, hdr[0], buf, hdr[1])))
			break;
		buf[hdr[1]] = '\0';
		reasons[n++] = strdup(buf);
	}
	print_reasons("symbol_reasons", (const char *const *)reasons, n);
	for (i = 0; i < n; i++)
		free(reasons[i]);
}

int main(int argc, char **argv)
{
	const struct go_runtime_layout *table;
	struct go_runtime_layout l;
	struct go_binary *bin;
	const char *missing;
	int major, minor, err;

	if (argc != 2) {
		fprintf(stderr, "usage: golayout BINARY\n");
		return 2;
	}
	err = go_binary__open(&bin, argv[1]);
	if (err) {
		fprintf(stderr, "golayout: %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	err = go_layout__from_dwarf(go_binary__elf(bin), &l);
	if (err)
		printf("dwarf none %s\n", strerror(-err));
	else
		print_layout("dwarf", &l);
	table = go_binary__version_number(bin, &major, &minor) ?
			go_layout__for_version(major, minor) :
			NULL;
	if (table)
		print_layout("table", table);
	else
		printf("table none\n");
	err = go_derive__layout(bin, &l, &missing);
	if (err) {
		printf("derived none %s\n", missing ? missing : strerror(-err));
	} else {
		print_layout("derived", &l);
		print_reasons("derived_reasons", l.wait_reasons, l.nr_wait_reasons);
		go_derive__free(&l);
	}
	if (table)
		print_reasons("table_reasons", table->wait_reasons, table->nr_wait_reasons);
	print_symbol_reasons(bin);
	go_binary__close(bin);
	return 0;
}
