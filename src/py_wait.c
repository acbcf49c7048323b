// SPDX-License-Identifier: GPL-2.0
/* A CPython thread's wait in Python's words (py_wait.h). */
#include <string.h>
#include "py_wait.h"

/* The standard library's waits: the function, its file, the wait's name. */
static const struct {
	const char *file, *func, *name;
} py_waits[] = {
	{ "queue.py", "Queue.get", "Queue.get" },
	{ "queue.py", "Queue.put", "Queue.put" },
	{ "queue.py", "Queue.join", "Queue.join" },
	{ "threading.py", "Condition.wait", "Condition.wait" },
	{ "threading.py", "Condition.wait_for", "Condition.wait" },
	{ "threading.py", "Event.wait", "Event.wait" },
	{ "threading.py", "Semaphore.acquire", "Semaphore.acquire" },
	{ "threading.py", "Barrier.wait", "Barrier.wait" },
	{ "threading.py", "Barrier._wait", "Barrier.wait" },
	{ "threading.py", "Thread.join", "Thread.join" },
	{ "threading.py", "Thread._wait_for_tstate_lock", "Thread.join" },
	{ "_base.py", "Future.result", "Future.result" },
	{ "_base.py", "Future.exception", "Future.result" },
	{ "_base.py", "wait", "concurrent.futures.wait" },
	{ "_base.py", "as_completed", "concurrent.futures.as_completed" },
	{ "selectors.py", "EpollSelector.select", "selector.select" },
	{ "selectors.py", "PollSelector.select", "selector.select" },
	{ "selectors.py", "SelectSelector.select", "selector.select" },
	{ "socket.py", "socket.accept", "socket.accept" },
	{ "socket.py", "SocketIO.readinto", "socket.recv" },
	{ "subprocess.py", "Popen.wait", "Popen.wait" },
	{ "subprocess.py", "Popen._wait", "Popen.wait" },
	{ "subprocess.py", "Popen.communicate", "Popen.communicate" },
};

static const char *known_wait(const struct sym *s)
{
	size_t i;

	for (i = 0; i < sizeof(py_waits) / sizeof(py_waits[0]); i++)
		if (!strcmp(s->func, py_waits[i].func) && !strcmp(s->file, py_waits[i].file))
			return py_waits[i].name;
	return NULL;
}

/* A wait made by a builtin called from Python code, by what the kernel saw. */
static const char *builtin_wait(enum primitive prim, int syscall_nr)
{
	char buf[32];
	const char *sc;

	switch (prim) {
	case PRIM_SEMAPHORE: /* CPython's locks are semaphores */
	case PRIM_FUTEX:
		return "Lock.acquire";
	case PRIM_SYSCALL:
		break;
	default:
		return NULL;
	}
	sc = syscall_name(syscall_nr, buf, sizeof(buf));
	if (!strcmp(sc, "clock_nanosleep") || !strcmp(sc, "nanosleep"))
		return "time.sleep";
	if (!strcmp(sc, "recvfrom") || !strcmp(sc, "recvmsg"))
		return "socket.recv";
	if (!strcmp(sc, "accept") || !strcmp(sc, "accept4"))
		return "socket.accept";
	if (!strcmp(sc, "select") || !strcmp(sc, "poll") || !strcmp(sc, "epoll_wait") ||
	    !strcmp(sc, "pselect6") || !strcmp(sc, "ppoll"))
		return "select";
	if (!strcmp(sc, "wait4") || !strcmp(sc, "waitid"))
		return "os.waitpid";
	return NULL;
}

const char *py_wait_name(const struct symtab *st, const __u64 *pcs, unsigned int n,
			 enum primitive prim, int syscall_nr)
{
	const char *name = NULL, *known;
	bool any_python = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct sym *s;

		if (!rec_pc_is_python(pcs[i]))
			continue;
		any_python = true;
		s = symtab__find(st, pcs[i]);
		if (!s || !s->found)
			break;
		known = known_wait(s);
		if (!known)
			break;
		name = known;
	}
	if (name || !any_python)
		return name;
	return builtin_wait(prim, syscall_nr);
}
