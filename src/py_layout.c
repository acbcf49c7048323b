// SPDX-License-Identifier: GPL-2.0
/*
 * CPython layouts by version. The 3.11 row was read from the DWARF of the
 * pyenv build of 3.11.7 (gdb: ptype/o of each struct) and checked against
 * Debian's 3.11.2 live (tests/live/python.sh reads both).
 */
#include <stddef.h>
#include "py_layout.h"

static const struct py_layout layouts[] = {
	{
		.major = 3,
		.minor = 11,
		.runtime_interp_head = 40,
		.interp_next = 0,
		.interp_tstate_head = 16,
		.tstate_next = 8,
		.tstate_cframe = 56,
		.tstate_thread_id = 152,
		.tstate_native_id = 160,
		.cframe_current_frame = 8,
		.frame_code = 32,
		.frame_previous = 48,
		.frame_prev_instr = 56,
		.frame_is_entry = 68,
		.frame_owner = 69,
		.frame_size = 72,
		.code_firstlineno = 72,
		.code_filename = 112,
		.code_qualname = 128,
		.code_linetable = 136,
		.code_code = 184,
		.code_size = 184,
		.bytes_size = 16,
		.bytes_data = 32,
		.str_length = 16,
		.str_state = 32,
		.str_ascii_data = 48,
		.str_utf8_length = 48,
		.str_utf8 = 56,
		.str_compact_data = 72,
	},
};

const struct py_layout *py_layout_for_version(__u32 hexversion)
{
	int major = hexversion >> 24 & 0xff, minor = hexversion >> 16 & 0xff;
	size_t i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].major == major && layouts[i].minor == minor)
			return &layouts[i];
	return NULL;
}
