// SPDX-License-Identifier: GPL-2.0
/* Which threads of a Go program the runtime parked: from their stacks. */
#include "test.h"
#include "go_thread_wait.h"
#include "go_runtime.h"

#define CLASSIFY(...)                                                                      \
	({                                                                                 \
		const char *const ___funcs[] = { __VA_ARGS__ };                            \
		go_thread_wait_classify(___funcs, sizeof(___funcs) / sizeof(___funcs[0])); \
	})

void test_go_thread_wait_classify(void)
{
	/* stopm -> mPark -> notesleep -> futexsleep -> futex */
	ASSERT_EQ(CLASSIFY("runtime.futex", "runtime.futexsleep", "runtime.notesleep",
			   "runtime.mPark", "runtime.stopm", "runtime.findRunnable",
			   "runtime.schedule", "runtime.park_m", "runtime.mcall"),
		  GO_THREAD_IDLE_M, "idle M in stopm");
	/* futexsleep inlined into notesleep: the inlined frame is listed too */
	ASSERT_EQ(CLASSIFY("runtime.futex", "runtime.futexsleep", "runtime.notesleep",
			   "runtime.templateThread", "runtime.mstart1"),
		  GO_THREAD_IDLE_M, "template thread");
	ASSERT_EQ(CLASSIFY("runtime.futex", "runtime.futexsleep", "runtime.notetsleep_internal",
			   "runtime.notetsleep", "runtime.sysmon", "runtime.newm"),
		  GO_THREAD_SYSMON, "sysmon in a note");
	ASSERT_EQ(CLASSIFY("runtime.usleep", "runtime.sysmon", "runtime.newm.func1"),
		  GO_THREAD_SYSMON, "sysmon in nanosleep");
	ASSERT_EQ(CLASSIFY("internal/runtime/syscall.EpollWait", "runtime.netpoll",
			   "runtime.findRunnable", "runtime.schedule"),
		  GO_THREAD_NETPOLL, "M in the network poller");
	ASSERT_EQ(CLASSIFY("runtime.futex", "runtime.futexsleep", "runtime.notetsleep_internal",
			   "runtime.notetsleepg", "os/signal.signal_recv", "os/signal.loop"),
		  GO_THREAD_NOTE_SLEEP, "signal receiver");
	ASSERT_EQ(CLASSIFY("runtime.futex", "runtime.futexsleep", "runtime.notetsleep_internal",
			   "runtime.notetsleep", "runtime.stopTheWorldWithSema"),
		  GO_THREAD_NOTE_SLEEP, "stopping the world");
	ASSERT_EQ(CLASSIFY("runtime.futex", "runtime.futexsleep", "runtime.lock2",
			   "runtime.lockWithRank", "runtime.lock", "runtime.mProf_Malloc"),
		  GO_THREAD_RUNTIME_LOCK, "runtime lock");
	ASSERT_EQ(CLASSIFY("runtime.futex", "runtime.futexsleep", "runtime.notesleep",
			   "runtime.(*rwmutex).rlock", "runtime.newm"),
		  GO_THREAD_RUNTIME_LOCK, "runtime rwmutex");
	ASSERT_EQ(CLASSIFY("runtime.futex", "runtime.mPark.abi0"), GO_THREAD_IDLE_M, "ABI wrapper");
	ASSERT_EQ(CLASSIFY("syscall.Syscall6", "syscall.read", "os.(*File).Read", "main.reader"),
		  GO_THREAD_GO, "a goroutine in a read");
	ASSERT_EQ(CLASSIFY("runtime.futex", "runtime.futexwakeup"), GO_THREAD_GO, "no sleep");
	ASSERT_EQ(CLASSIFY(NULL, "runtime.asmcgocall"), GO_THREAD_NOT_GO, "C code");
	ASSERT_EQ(go_thread_wait_classify(NULL, 0), GO_THREAD_NOT_GO, "nothing");
}

void test_go_thread_wait_idle(void)
{
	ASSERT_TRUE(go_thread_wait_is_idle(GO_THREAD_IDLE_M), "idle M");
	ASSERT_TRUE(go_thread_wait_is_idle(GO_THREAD_SYSMON), "sysmon");
	ASSERT_TRUE(go_thread_wait_is_idle(GO_THREAD_NOTE_SLEEP), "note");
	ASSERT_TRUE(go_thread_wait_is_idle(GO_THREAD_NETPOLL), "netpoll");
	ASSERT_FALSE(go_thread_wait_is_idle(GO_THREAD_RUNTIME_LOCK), "runtime lock");
	ASSERT_FALSE(go_thread_wait_is_idle(GO_THREAD_GO), "Go code");
	ASSERT_FALSE(go_thread_wait_is_idle(GO_THREAD_NOT_GO), "C code");
	ASSERT_STREQ(go_thread_wait_name(GO_THREAD_IDLE_M), "idle M", "name");
}

void test_go_system_goroutine(void)
{
	ASSERT_TRUE(go_is_system_goroutine("runtime.forcegchelper"), "forcegc");
	ASSERT_TRUE(go_is_system_goroutine("runtime.gcBgMarkWorker"), "GC worker");
	ASSERT_TRUE(go_is_system_goroutine("runtime.runfinq"), "finalizers");
	ASSERT_FALSE(go_is_system_goroutine("runtime.main"), "main");
	ASSERT_FALSE(go_is_system_goroutine("runtime.corostart"), "iter.Pull coroutine");
	ASSERT_FALSE(go_is_system_goroutine("main.worker"), "user");
	ASSERT_FALSE(go_is_system_goroutine("runtimex.foo"), "not the runtime");
	ASSERT_FALSE(go_is_system_goroutine(NULL), "unknown");
	ASSERT_STREQ(go_g_status_name(GO_G_WAITING), "waiting", "waiting");
	ASSERT_STREQ(go_g_status_name(GO_G_RUNNABLE | GO_G_SCAN), "runnable", "scan bit");
	ASSERT_STREQ(go_g_status_name(42), "???", "unknown status");
}
