// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "runtime_frames.h"

bool frame_is_thread_trampoline(const char *func)
{
	/* Rust's v0 names: "<std::sys::thread::unix::Thread>::new::thread_start" */
	if (func[0] == '<' && !strncmp(func + 1, "std::sys::", 10))
		func++;
	return !strncmp(func, "execute_native_thread_routine", 29) || /* libstdc++ */
	       (!strncmp(func, "std::sys::", 10) && strstr(func, "::thread_start")) || /* Rust */
	       !strcmp(func, "QThreadPrivate::start") ||
	       !strncmp(func, "boost::(anonymous namespace)::thread_proxy", 42);
}

/* Modules that are all runtime. */
static bool runtime_module(const char *module)
{
	static const char *const prefixes[] = {
		"libc.so", "libc-", "libpthread", "ld-linux", "libstdc++", "libgcc_s", "libc++",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(module, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/*
 * A demangled name belongs to a runtime if its qualified name, before the
 * argument list, names the standard library's namespaces: "std::thread::
 * _State_impl<...>::_M_run()", "void std::__invoke_impl<...>(...)" (a return
 * type comes first), "<alloc::boxed::Box<F> as core::ops::FnOnce>::call_once",
 * "std::sys::backtrace::__rust_begin_short_backtrace".
 */
static bool runtime_name(const char *func)
{
	static const char *const namespaces[] = { "std::", "core::", "alloc::", "__gnu_cxx::" };
	const char *paren = strchr(func, '(');
	size_t len = paren ? (size_t)(paren - func) : strlen(func), i;
	const char *p;

	if (!strncmp(func, "__rust", 6) || !strcmp(func, "start_thread") ||
	    !strncmp(func, "__clone", 7) || !strncmp(func, "clone", 5) || !strcmp(func, "_start"))
		return true;
	for (i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
		size_t n = strlen(namespaces[i]);

		for (p = func; p + n <= func + len; p++) {
			if (strncmp(p, namespaces[i], n))
				continue;
			/* At a boundary: the start, after a space, '<' or '&'. */
			if (p == func || p[-1] == ' ' || p[-1] == '<' || p[-1] == '&')
				return true;
		}
	}
	return false;
}

bool frame_is_runtime(const char *func, const char *module)
{
	if (module && runtime_module(module))
		return true;
	if (!func || !*func)
		return false;
	return frame_is_thread_trampoline(func) || runtime_name(func);
}
