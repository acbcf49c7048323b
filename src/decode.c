// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include "decode.h"

struct rec_layout {
	const char *name;
	size_t size;
};

static const struct rec_layout rec_layouts[REC_TYPE_MAX] = {
	[REC_THREAD_START] = { "thread_start", sizeof(struct rec_thread_start) },
	[REC_THREAD_EXIT] = { "thread_exit", sizeof(struct rec_thread_exit) },
	[REC_PROC_EXEC] = { "proc_exec", sizeof(struct rec_proc_exec) },
	[REC_TASK] = { "task", sizeof(struct rec_task) },
	[REC_PROC] = { "proc", sizeof(struct rec_proc) },
	[REC_CENSUS] = { "census", sizeof(struct rec_census) },
};

const char *rec_type_name(unsigned int type)
{
	if (type >= REC_TYPE_MAX || !rec_layouts[type].name)
		return "unknown";
	return rec_layouts[type].name;
}

int rec_decode(const void *buf, size_t len, const char **why)
{
	const struct rec_hdr *hdr = buf;

	if (len < sizeof(*hdr)) {
		*why = "record header cut short";
		return -ENODATA;
	}
	if (hdr->type >= REC_TYPE_MAX || !rec_layouts[hdr->type].name) {
		*why = "unknown record type";
		return -EINVAL;
	}
	if (hdr->size != rec_layouts[hdr->type].size) {
		*why = "record size does not match its type";
		return -EINVAL;
	}
	if (hdr->size > len) {
		*why = "record cut short";
		return -ENODATA;
	}
	return hdr->size;
}
