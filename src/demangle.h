/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbol names as people write them: C++ and Rust legacy names through
 * libstdc++'s __cxa_demangle (Rust's "::h<hash>" dropped and its $..$
 * escapes decoded), Rust v0 names (_R...) through LLVM's demangler when the
 * build has it (HAVE_LLVM_RUST_DEMANGLE), a symbol version ("@@GLIBC_2.34")
 * dropped. Anything else is copied as is.
 */
#ifndef __THREADLEAK_DEMANGLE_H
#define __THREADLEAK_DEMANGLE_H

#include <stddef.h>

/* Write the readable form of @symbol into @buf (@size bytes, NUL-terminated,
 * truncated if need be). Returns the length of the result. */
size_t demangle_symbol(const char *symbol, char *buf, size_t size);

#endif /* __THREADLEAK_DEMANGLE_H */
