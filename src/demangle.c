// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "demangle.h"

/* libstdc++'s Itanium C++ ABI demangler; cxxabi.h is C++ only. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

#ifdef HAVE_LLVM_RUST_DEMANGLE
/*
 * llvm::rustDemangle(const char *, char *, size_t *, int *) from LLVM 14's
 * libLLVMDemangle.a (package llvm-14-dev), bound by its C++ name. The name
 * encodes the parameter types, so an LLVM whose function takes something
 * else fails to link instead of being called wrongly.
 */
char *llvm_rust_demangle(const char *mangled, char *buf, size_t *len,
			 int *status) __asm__("_ZN4llvm12rustDemangleEPKcPcPmPi");
#endif

#define RUST_HASH_DIGITS 16

/* A bounded string being written: keeps what fits, always NUL-terminated. */
struct name_writer {
	char *buf;
	size_t size, len;
};

static void name_put(struct name_writer *w, const char *s, size_t n)
{
	size_t room = w->size - 1 - w->len;

	if (n > room)
		n = room;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/*
 * If @symbol is a Rust legacy name, _ZN...17h<16 hex digits>E possibly
 * followed by a ".llvm.N" suffix, the length of its Itanium part up to the
 * closing 'E'; else 0. Its elements may hold '.' themselves ("..").
 */
static size_t rust_legacy_length(const char *symbol)
{
	const char *hash = symbol;
	int i;

	if (strncmp(symbol, "_ZN", 3))
		return 0;
	while ((hash = strstr(hash + 1, "17h"))) {
		for (i = 0; i < RUST_HASH_DIGITS && is_lower_hex(hash[3 + i]); i++)
			;
		if (i == RUST_HASH_DIGITS && hash[3 + i] == 'E' &&
		    (hash[4 + i] == '\0' || hash[4 + i] == '.'))
			return hash + 4 + i - symbol;
	}
	return 0;
}

static void put_utf8(struct name_writer *w, unsigned long cp)
{
	char utf8[4];
	size_t n;

	if (cp < 0x80) {
		utf8[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		utf8[0] = 0xc0 | (cp >> 6);
		utf8[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		utf8[0] = 0xe0 | (cp >> 12);
		utf8[1] = 0x80 | ((cp >> 6) & 0x3f);
		utf8[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		utf8[0] = 0xf0 | (cp >> 18);
		utf8[1] = 0x80 | ((cp >> 12) & 0x3f);
		utf8[2] = 0x80 | ((cp >> 6) & 0x3f);
		utf8[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	name_put(w, utf8, n);
}

/*
 * Decode the escapes rustc's legacy mangling puts in path elements
 * ("$LT$" for '<', "$u7b$" for '{', ".." for "::", a leading "_$" for '$')
 * in @path, the output of __cxa_demangle, dropping its final "::h<hash>".
 */
static void put_rust_legacy_path(struct name_writer *w, const char *path)
{
	static const struct {
		const char *escape, *text;
	} escapes[] = {
		{ "$SP$", "@" }, { "$BP$", "*" }, { "$RF$", "&" }, { "$LT$", "<" },
		{ "$GT$", ">" }, { "$LP$", "(" }, { "$RP$", ")" }, { "$C$", "," },
	};
	size_t len = strlen(path), i, k;
	const char *p, *end;
	bool element_start = true;

	if (len > 3 + RUST_HASH_DIGITS && !strncmp(path + len - 3 - RUST_HASH_DIGITS, "::h", 3))
		len -= 3 + RUST_HASH_DIGITS;
	end = path + len;
	for (p = path; p < end;) {
		if (element_start && p[0] == '_' && p + 1 < end && p[1] == '$')
			p++;
		element_start = false;
		if (p[0] == ':' && p + 1 < end && p[1] == ':') {
			name_put(w, "::", 2);
			p += 2;
			element_start = true;
			continue;
		}
		if (p[0] == '.' && p + 1 < end && p[1] == '.') {
			name_put(w, "::", 2);
			p += 2;
			continue;
		}
		if (p[0] != '$') {
			name_put(w, p++, 1);
			continue;
		}
		for (k = 0; k < sizeof(escapes) / sizeof(escapes[0]); k++) {
			size_t n = strlen(escapes[k].escape);

			if ((size_t)(end - p) >= n && !strncmp(p, escapes[k].escape, n)) {
				name_put(w, escapes[k].text, 1);
				p += n;
				break;
			}
		}
		if (k < sizeof(escapes) / sizeof(escapes[0]))
			continue;
		if (p + 1 < end && p[1] == 'u') {
			/* $u<hex code point>$ */
			unsigned long cp = 0;

			for (i = 2; p + i < end && is_lower_hex(p[i]) && i < 8; i++)
				cp = cp * 16 + (p[i] <= '9' ? p[i] - '0' : p[i] - 'a' + 10);
			/* not a NUL or another control character: they stay escaped */
			if (i > 2 && p + i < end && p[i] == '$' && cp >= 0x20 && cp != 0x7f &&
			    (cp < 0x80 || cp > 0x9f) && cp <= 0x10ffff &&
			    (cp < 0xd800 || cp > 0xdfff)) {
				put_utf8(w, cp);
				p += i + 1;
				continue;
			}
		}
		name_put(w, p++, 1);
	}
}

size_t demangle_symbol(const char *symbol, char *buf, size_t size)
{
	struct name_writer w = { .buf = buf, .size = size };
	const char *version = strchr(symbol, '@');
	char *plain, *demangled = NULL;
	size_t rust_len;
	int status = -1;

	if (!size)
		return 0;
	buf[0] = '\0';
	/* "pthread_cond_wait@@GLIBC_2.3.2": the version is not part of the name */
	plain = strndup(symbol,
			version && version != symbol ? (size_t)(version - symbol) : strlen(symbol));
	if (!plain) {
		name_put(&w, symbol, strlen(symbol));
		return w.len;
	}

	rust_len = rust_legacy_length(plain);
	if (rust_len) {
		plain[rust_len] = '\0'; /* drop ".llvm.N" */
		demangled = __cxa_demangle(plain, NULL, NULL, &status);
		if (status == 0 && demangled) {
			put_rust_legacy_path(&w, demangled);
			goto out;
		}
	} else if (!strncmp(plain, "_Z", 2)) {
		demangled = __cxa_demangle(plain, NULL, NULL, &status);
#ifdef HAVE_LLVM_RUST_DEMANGLE
	} else if (!strncmp(plain, "_R", 2)) {
		demangled = llvm_rust_demangle(plain, NULL, NULL, &status);
#endif
	}
	if (status == 0 && demangled)
		name_put(&w, demangled, strlen(demangled));
	else
		name_put(&w, plain, strlen(plain));
out:
	free(demangled);
	free(plain);
	return w.len;
}
