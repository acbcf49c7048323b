// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "thread_name.h"

void name_pattern_of(const char *comm, struct name_pattern *np)
{
	size_t len = strnlen(comm, REC_COMM_LEN - 1), i, n = 0;

	memset(np, 0, sizeof(*np));
	for (i = 0; i < len; i++) {
		if (comm[i] >= '0' && comm[i] <= '9') {
			if (i && comm[i - 1] >= '0' && comm[i - 1] <= '9')
				continue;
			np->stem[n++] = 'N';
		} else {
			np->stem[n++] = comm[i];
		}
	}
	np->stem[n] = '\0';
	/* The kernel keeps REC_COMM_LEN - 1 bytes: a name that long may be cut. */
	np->cut = len >= REC_COMM_LEN - 1;
}

bool name_pattern_match(const struct name_pattern *a, const struct name_pattern *b)
{
	size_t la = strlen(a->stem), lb = strlen(b->stem);

	if (a->cut == b->cut && la == lb)
		return !memcmp(a->stem, b->stem, la);
	if (a->cut && la <= lb && !memcmp(a->stem, b->stem, la))
		return true;
	return b->cut && lb <= la && !memcmp(a->stem, b->stem, lb);
}

const char *name_pattern_show(const struct name_pattern *np, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", np->stem, np->cut ? NAME_CUT_MARK : "");
	return buf;
}
