/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which frames belong to a language runtime rather than to the program:
 * the thread trampolines of C++'s std::thread and Rust's std::thread, and
 * the library frames between them and the function the program passed.
 */
#ifndef __THREADLEAK_RUNTIME_FRAMES_H
#define __THREADLEAK_RUNTIME_FRAMES_H

#include <stdbool.h>

/*
 * Is @func (demangled) a runtime's thread entry, which every thread it
 * starts shares, so that the site must come from the thread's stack?
 */
bool frame_is_thread_trampoline(const char *func);

/* Is the frame of @func in @module (basename) the runtime's, not the program's? */
bool frame_is_runtime(const char *func, const char *module);

#endif /* __THREADLEAK_RUNTIME_FRAMES_H */
