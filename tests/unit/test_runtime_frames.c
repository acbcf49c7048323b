// SPDX-License-Identifier: GPL-2.0
#include "runtime_frames.h"
#include "test.h"

void test_runtime_frames(void)
{
	static const struct {
		const char *func, *module;
		bool runtime;
	} cases[] = {
		{ "start_thread", "libc.so.6", true },
		{ "__clone3", "libc.so.6", true },
		{ "execute_native_thread_routine", "libstdc++.so.6", true },
		{ "std::thread::_State_impl<std::thread::_Invoker<std::tuple<void (*)(int), int> > "
		  ">::_M_run()",
		  "app", true },
		{ "void std::__invoke_impl<void, void (*)(int), int>(std::__invoke_other, void "
		  "(*&&)(int), int&&)",
		  "app", true },
		{ "worker(int)", "app", false },
		{ "main::{lambda()#1}::operator()() const", "app", false },
		{ "app::pool::run()", "app", false },
		{ "std::sys::pal::unix::thread::Thread::new::thread_start", "app", true },
		{ "<alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once", "app",
		  true },
		{ "std::sys::backtrace::__rust_begin_short_backtrace", "app", true },
		{ "core::ops::function::FnOnce::call_once{{vtable.shim}}", "app", true },
		{ "leaky::main::{{closure}}", "leaky", false },
		{ "my_std::thing", "app", false },
		{ "wait_for_config", "leaky_demo", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ASSERT_EQ(frame_is_runtime(cases[i].func, cases[i].module), cases[i].runtime,
			  cases[i].func);
	ASSERT_TRUE(frame_is_thread_trampoline("execute_native_thread_routine"), "libstdc++");
	ASSERT_TRUE(frame_is_thread_trampoline("std::sys::pal::unix::thread::Thread::new::thread_start"),
		    "Rust");
	ASSERT_FALSE(frame_is_thread_trampoline("wait_for_config"), "a C start routine");
}
