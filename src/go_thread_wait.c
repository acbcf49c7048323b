// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "go_thread_wait.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The runtime's functions that say why a thread sleeps, from the innermost:
 * the first one found on the stack decides.
 */
static const struct {
	const char *func;
	bool prefix;
	enum go_thread_wait wait;
} deciders[] = {
	{ "runtime.lock2", false, GO_THREAD_RUNTIME_LOCK },
	{ "runtime.(*rwmutex).", true, GO_THREAD_RUNTIME_LOCK },
	{ "runtime.notetsleepg", false, GO_THREAD_NOTE_SLEEP },
	{ "runtime.mPark", false, GO_THREAD_IDLE_M },
	{ "runtime.stopm", false, GO_THREAD_IDLE_M },
	{ "runtime.stoplockedm", false, GO_THREAD_IDLE_M },
	{ "runtime.templateThread", false, GO_THREAD_IDLE_M },
	{ "runtime.netpoll", false, GO_THREAD_NETPOLL },
	{ "runtime.sysmon", false, GO_THREAD_SYSMON },
};

/* Sleeps on a note: a runtime wait whatever the caller. */
static const char *const note_sleeps[] = {
	"runtime.notesleep",
	"runtime.notetsleep",
	"runtime.notetsleep_internal",
};

/* Equal, ignoring an ABI wrapper's ".abi0" suffix. */
static bool func_is(const char *func, const char *name, bool prefix)
{
	size_t len = strlen(name), flen;

	if (!func)
		return false;
	if (prefix)
		return !strncmp(func, name, len);
	flen = strlen(func);
	if (flen == len + 5 && !strcmp(func + len, ".abi0"))
		flen = len;
	return flen == len && !strncmp(func, name, len);
}

enum go_thread_wait go_thread_wait_classify(const char *const *funcs, int nr)
{
	bool in_note = false;
	int i, j;

	if (nr < 1 || !funcs[0])
		return GO_THREAD_NOT_GO;
	for (i = 0; i < nr && funcs[i]; i++) {
		for (j = 0; j < (int)ARRAY_SIZE(deciders); j++)
			if (func_is(funcs[i], deciders[j].func, deciders[j].prefix))
				return deciders[j].wait;
		for (j = 0; j < (int)ARRAY_SIZE(note_sleeps); j++)
			if (func_is(funcs[i], note_sleeps[j], false))
				in_note = true;
	}
	return in_note ? GO_THREAD_NOTE_SLEEP : GO_THREAD_GO;
}

bool go_thread_wait_is_idle(enum go_thread_wait wait)
{
	return wait == GO_THREAD_IDLE_M || wait == GO_THREAD_SYSMON ||
	       wait == GO_THREAD_NOTE_SLEEP || wait == GO_THREAD_NETPOLL;
}

const char *go_thread_wait_name(enum go_thread_wait wait)
{
	switch (wait) {
	case GO_THREAD_NOT_GO:
		return "not Go code";
	case GO_THREAD_GO:
		return "Go code";
	case GO_THREAD_IDLE_M:
		return "idle M";
	case GO_THREAD_SYSMON:
		return "sysmon";
	case GO_THREAD_NOTE_SLEEP:
		return "runtime note sleep";
	case GO_THREAD_RUNTIME_LOCK:
		return "runtime lock";
	case GO_THREAD_NETPOLL:
		return "netpoll";
	}
	return "?";
}
