// SPDX-License-Identifier: GPL-2.0
/*
 * A CPython interpreter's threads and frames, read through py_target's
 * reader (py_frames.h). The walk, as py-spy makes it: _PyRuntime.
 * interpreters.head -> each interpreter's threads.head -> each thread
 * state's cframe->current_frame -> the _PyInterpreterFrame chain by
 * .previous, each naming its code object; the line is the code object's
 * location table at the frame's last instruction.
 */
#include <errno.h>
#include <string.h>
#include "py_frames.h"
#include "target_addr.h"
#include "utf8.h"

/* Read exactly @len bytes at @base + @off. */
static int rd(struct py_target *t, __u64 base, __u64 off, void *buf, size_t len)
{
	__u64 addr;
	ssize_t n;

	if (!base || target_addr_add(base, off, &addr))
		return -EFAULT;
	if (!t->reads_left)
		return -E2BIG;
	t->reads_left--;
	n = t->read(t->ctx, addr, buf, len);
	if (n < 0)
		return n;
	return (size_t)n == len ? 0 : -EFAULT;
}

static int rd_ptr(struct py_target *t, __u64 base, __u64 off, __u64 *val)
{
	return rd(t, base, off, val, sizeof(*val));
}

static __u64 field64(const __u8 *buf, __u16 off)
{
	__u64 v;

	memcpy(&v, buf + off, sizeof(v));
	return v;
}

int py_find_tstate(struct py_target *t, __u32 tid, __u64 *tstate)
{
	const struct py_layout *l = t->layout;
	unsigned int ni = 0, nt = 0;
	__u8 ts[256];
	__u64 interp, ts_addr;
	int err;

	if ((size_t)l->tstate_native_id + 8 > sizeof(ts) || (size_t)l->tstate_next + 8 > sizeof(ts))
		return -EPROTO;
	err = rd_ptr(t, t->runtime, l->runtime_interp_head, &interp);
	if (err)
		return err;
	for (; interp; ) {
		if (++ni > PY_MAX_INTERPS)
			return -EPROTO;
		err = rd_ptr(t, interp, l->interp_tstate_head, &ts_addr);
		if (err)
			return err;
		while (ts_addr) {
			size_t len = (l->tstate_native_id > l->tstate_next ? l->tstate_native_id
									   : l->tstate_next) + 8;

			if (++nt > PY_MAX_THREADS)
				return -EPROTO;
			err = rd(t, ts_addr, 0, ts, len);
			if (err)
				return err;
			if ((__u32)field64(ts, l->tstate_native_id) == tid &&
			    field64(ts, l->tstate_native_id) >> 32 == 0) {
				*tstate = ts_addr;
				return 0;
			}
			ts_addr = field64(ts, l->tstate_next);
		}
		err = rd_ptr(t, interp, l->interp_next, &interp);
		if (err)
			return err;
	}
	return -ENOENT;
}

/* A varint of a location table: 6 bits a byte, 0x40 says more follow. */
static bool lt_varint(const __u8 *p, size_t len, size_t *i, __u32 *val)
{
	unsigned int shift = 0;
	__u32 v = 0;

	for (;;) {
		if (*i >= len || shift > 24)
			return false;
		v |= (__u32)(p[*i] & 0x3f) << shift;
		shift += 6;
		if (!(p[(*i)++] & 0x40))
			break;
	}
	*val = v;
	return true;
}

static bool lt_svarint(const __u8 *p, size_t len, size_t *i, __s64 *val)
{
	__u32 u;

	if (!lt_varint(p, len, i, &u))
		return false;
	*val = u & 1 ? -(__s64)(u >> 1) : (__s64)(u >> 1);
	return true;
}

/*
 * CPython 3.11's location table (Objects/locations.md): entries of a first
 * byte 1CCCCLLL (code, length - 1 in code units) and the code's data.
 * Codes 0-9: short form, one byte, same line; 10-12: one line form, line
 * delta code - 10, two bytes; 13: no column, a signed varint line delta;
 * 14: long form, a signed varint line delta then three varints; 15: no
 * location.
 */
__u32 py_linetable_line(const __u8 *table, size_t len, __u32 firstlineno, __s64 lasti)
{
	__s64 line = firstlineno, delta;
	__u64 addr = 0, end;
	size_t i = 0;

	if (lasti < 0)
		return firstlineno;
	while (i < len) {
		__u8 first = table[i++];
		unsigned int code = first >> 3 & 15, n;
		__u32 skip;
		bool located = code != 15;

		if (!(first & 0x80))
			return 0;
		end = addr + (first & 7) + 1;
		delta = 0;
		switch (code) {
		case 15:
			break;
		case 14:
			if (!lt_svarint(table, len, &i, &delta))
				return 0;
			for (n = 0; n < 3; n++)
				if (!lt_varint(table, len, &i, &skip))
					return 0;
			break;
		case 13:
			if (!lt_svarint(table, len, &i, &delta))
				return 0;
			break;
		case 10:
		case 11:
		case 12:
			delta = code - 10;
			i += 2;
			break;
		default:
			i += 1;
		}
		line += delta;
		if (line < 0 || line > 0x7fffffff)
			return 0;
		if ((__u64)lasti < end)
			return located ? (__u32)line : 0;
		addr = end;
	}
	return 0;
}

static __u32 frame_line(struct py_target *t, __u64 code, __u64 prev_instr)
{
	static __u8 table[PY_LINETABLE_MAX];
	const struct py_layout *l = t->layout;
	__u64 linetable, start, size;
	__s32 firstlineno;
	__s64 lasti;

	if (rd(t, code, l->code_firstlineno, &firstlineno, sizeof(firstlineno)) ||
	    firstlineno < 0 || rd_ptr(t, code, l->code_linetable, &linetable) ||
	    rd_ptr(t, linetable, l->bytes_size, &size) || size > PY_LINETABLE_MAX ||
	    target_addr_add(code, l->code_code, &start))
		return 0;
	/* prev_instr is one unit before the first instruction before it runs */
	if (prev_instr < start)
		lasti = start - prev_instr <= 2 ? -1 : -2;
	else
		lasti = prev_instr - start > 0x7fffffffull ? -2 : (__s64)((prev_instr - start) / 2);
	if (lasti == -2)
		return 0;
	if (rd(t, linetable, l->bytes_data, table, size))
		return 0;
	return py_linetable_line(table, size, firstlineno, lasti);
}

int py_read_frames(struct py_target *t, __u64 tstate, struct py_frame *frames, int max,
		   bool *truncated)
{
	const struct py_layout *l = t->layout;
	__u8 f[128];
	__u64 cframe, frame;
	int n = 0, seen = 0, err;

	*truncated = false;
	if (l->frame_size > sizeof(f))
		return -EPROTO;
	err = rd_ptr(t, tstate, l->tstate_cframe, &cframe);
	err = err ?: rd_ptr(t, cframe, l->cframe_current_frame, &frame);
	if (err)
		return err;
	while (frame) {
		if (n == max || ++seen > PY_MAX_FRAMES) {
			*truncated = true;
			break;
		}
		err = rd(t, frame, 0, f, l->frame_size);
		if (err)
			return n ? n : err;
		/* owner 3 (3.12's FRAME_OWNED_BY_CSTACK) is a C shim, no code */
		if (f[l->frame_owner] != 3) {
			frames[n].code = field64(f, l->frame_code);
			frames[n].is_entry = f[l->frame_is_entry] != 0;
			frames[n].line =
				frame_line(t, frames[n].code, field64(f, l->frame_prev_instr));
			if (frames[n].code)
				n++;
		}
		frame = field64(f, l->frame_previous);
	}
	return n;
}

/* Append code point @cp as UTF-8 to @out (@cap bytes, NUL kept). */
static void put_cp(char *out, size_t cap, size_t *o, __u32 cp)
{
	__u8 b[4];
	size_t n, i;

	if (cp >= 0xd800 && cp <= 0xdfff)
		cp = '?';
	if (cp < 0x80) {
		b[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | cp >> 6;
		b[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | cp >> 12;
		b[1] = 0x80 | (cp >> 6 & 0x3f);
		b[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else if (cp <= 0x10ffff) {
		b[0] = 0xf0 | cp >> 18;
		b[1] = 0x80 | (cp >> 12 & 0x3f);
		b[2] = 0x80 | (cp >> 6 & 0x3f);
		b[3] = 0x80 | (cp & 0x3f);
		n = 4;
	} else {
		b[0] = '?';
		n = 1;
	}
	if (*o + n >= cap)
		return;
	for (i = 0; i < n; i++)
		out[(*o)++] = b[i];
}

/*
 * A str object as UTF-8 in @out, clipped to @cap - 1 bytes: compact ASCII
 * (3.11's identifiers and file names), or compact with a cached UTF-8
 * copy, or compact latin-1/UCS-2/UCS-4 converted. Anything else: "?".
 */
static int read_str(struct py_target *t, __u64 str, char *out, size_t cap)
{
	const struct py_layout *l = t->layout;
	__u8 hdr[128], data[PY_NAME_MAX * 4];
	__u64 length, utf8, utf8_len, i;
	unsigned int kind;
	__u32 state;
	size_t o = 0;
	int err;

	out[0] = '\0';
	if (l->str_compact_data > sizeof(hdr) || !cap || cap > PY_NAME_MAX)
		return -EPROTO;
	err = rd(t, str, 0, hdr, l->str_compact_data);
	if (err)
		return err;
	memcpy(&state, hdr + l->str_state, sizeof(state));
	length = field64(hdr, l->str_length);
	kind = state >> 2 & 7;
	if (!(state & 0x20) || length > (1u << 30))
		return -EPROTO; /* not compact: never a code object's name */
	if (state & 0x40) { /* ASCII */
		size_t n = length < cap - 1 ? length : cap - 1;

		err = rd(t, str, l->str_ascii_data, data, n);
		if (err)
			return err;
		for (i = 0; i < n; i++)
			out[o++] = data[i] && data[i] < 0x80 ? data[i] : '?';
		out[o] = '\0';
		return 0;
	}
	utf8 = field64(hdr, l->str_utf8);
	utf8_len = field64(hdr, l->str_utf8_length);
	if (utf8 && utf8_len < (1u << 30)) {
		size_t n = utf8_len < cap - 1 ? utf8_len : cap - 1;

		err = rd(t, utf8, 0, data, n);
		if (err)
			return err;
		for (i = 0; i < n;) {
			size_t sl = data[i] ? utf8_seq_len(data + i, n - i) : 0;

			if (!sl) {
				out[o++] = '?';
				i++;
				continue;
			}
			memcpy(out + o, data + i, sl);
			o += sl;
			i += sl;
		}
		out[o] = '\0';
		return 0;
	}
	if (kind != 1 && kind != 2 && kind != 4)
		return -EPROTO;
	length = length < cap - 1 ? length : cap - 1;
	err = rd(t, str, l->str_compact_data, data, length * kind);
	if (err)
		return err;
	for (i = 0; i < length; i++) {
		__u32 cp = 0;

		memcpy(&cp, data + i * kind, kind);
		put_cp(out, cap, &o, cp ? cp : '?');
	}
	out[o] = '\0';
	return 0;
}

int py_read_code(struct py_target *t, __u64 code, struct py_code *pc)
{
	const struct py_layout *l = t->layout;
	__u64 qualname, filename;
	__s32 firstlineno;
	int err;

	memset(pc, 0, sizeof(*pc));
	err = rd_ptr(t, code, l->code_qualname, &qualname);
	err = err ?: rd_ptr(t, code, l->code_filename, &filename);
	err = err ?: rd(t, code, l->code_firstlineno, &firstlineno, sizeof(firstlineno));
	err = err ?: read_str(t, qualname, pc->qualname, sizeof(pc->qualname));
	err = err ?: read_str(t, filename, pc->filename, sizeof(pc->filename));
	if (err)
		return err;
	pc->firstlineno = firstlineno > 0 ? firstlineno : 0;
	return 0;
}
