// SPDX-License-Identifier: GPL-2.0
/* The words a report shows a finding's facts with. */
#include <stdio.h>
#include "report_words.h"

const char *incomplete_part_name(enum rec_incomplete_part part)
{
	switch (part) {
	case RPI_PART_GOROUTINES:
		return "goroutines";
	case RPI_PART_THREADS:
		return "threads";
	}
	return "?";
}

const char *incomplete_reason_name(enum rec_incomplete_reason reason)
{
	switch (reason) {
	case RPI_MALFORMED:
		return "malformed";
	case RPI_MEMORY_BUDGET:
		return "memory budget";
	case RPI_TIME_BUDGET:
		return "time budget";
	case RPI_STALLED:
		return "stalled";
	case RPI_FILE_REFUSED:
		return "file refused";
	case RPI_READ_FAILED:
		return "read failed";
	}
	return "?";
}

const char *finding_site_name(const struct finding_site *site)
{
	switch (site->kind) {
	case FSITE_NONE:
		return NULL;
	case FSITE_SYMBOL:
		return site->name_pattern ? site->name_pattern : site->symbol;
	case FSITE_MAIN_THREAD:
		return "main thread";
	case FSITE_UNKNOWN_ROUTINE:
		return "unknown start routine";
	case FSITE_UNKNOWN_CREATOR:
		return "unknown";
	}
	return "?";
}

const char *finding_syscall_name(const struct finding_ctx *fc, char *buf, size_t len)
{
	if (fc->goroutine || fc->state != FSTATE_WAITING || fc->prim != PRIM_SYSCALL)
		return NULL;
	return syscall_name(fc->syscall_nr, buf, len);
}

const char *finding_state_name(const struct finding_ctx *fc, char *buf, size_t len)
{
	switch (fc->state) {
	case FSTATE_EXITED:
		return "exited";
	case FSTATE_RUNNING:
		return "running";
	case FSTATE_STOPPED:
		return "stopped";
	case FSTATE_EXITING:
		return "exiting";
	case FSTATE_RUNNABLE:
		return "runnable";
	case FSTATE_WAITING:
		break;
	}
	if (fc->goroutine)
		return fc->wait_reason ? fc->wait_reason : "";
	if (fc->wait_reason) { /* a Python thread: its API, then the wait under it */
		char sc[32];

		if (fc->prim == PRIM_SYSCALL)
			snprintf(buf, len, "%s (%s)", fc->wait_reason,
				 finding_syscall_name(fc, sc, sizeof(sc)));
		else
			snprintf(buf, len, "%s (%s wait)", fc->wait_reason,
				 primitive_name(fc->prim));
		return buf;
	}
	if (fc->prim == PRIM_SYSCALL)
		return finding_syscall_name(fc, buf, len);
	snprintf(buf, len, "%s wait", primitive_name(fc->prim));
	return buf;
}

const char *finding_lock_name(const struct finding_ctx *fc, char *buf, size_t len)
{
	if (fc->lock_symbol)
		return fc->lock_symbol;
	snprintf(buf, len, "0x%llx", (unsigned long long)fc->lock_addr);
	return buf;
}

const char *finding_wait_target(const struct finding_ctx *fc, char *buf, size_t len)
{
	if (fc->prim == PRIM_JOIN)
		snprintf(buf, len, "join of thread %lld", (long long)fc->owner_tid);
	else if (fc->lock_symbol)
		snprintf(buf, len, "%s %s (0x%llx)", primitive_name(fc->prim), fc->lock_symbol,
			 (unsigned long long)fc->lock_addr);
	else
		snprintf(buf, len, "%s 0x%llx", primitive_name(fc->prim),
			 (unsigned long long)fc->lock_addr);
	return buf;
}

const char *stuck_class_name(enum stuck_class cls)
{
	static const char *const names[STUCK_CLASS_MAX] = {
		[STUCK_NONE] = "none",	     [STUCK_CHANNEL] = "channel", [STUCK_SELECT] = "select",
		[STUCK_SYNC] = "sync",	     [STUCK_LEAKED] = "leaked",	  [STUCK_FUTEX] = "futex",
	};

	return cls < STUCK_CLASS_MAX ? names[cls] : "?";
}
