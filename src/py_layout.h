/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a CPython interpreter keeps what threadleak reads of it from
 * outside: the offsets of the fields of _PyRuntimeState, PyInterpreterState,
 * PyThreadState, _PyInterpreterFrame, PyCodeObject and the string objects,
 * per CPython minor version. Release builds of one minor version share one
 * layout (the structs are internal but fixed within 3.11.x), as py-spy's
 * per-version bindings assume.
 */
#ifndef __THREADLEAK_PY_LAYOUT_H
#define __THREADLEAK_PY_LAYOUT_H

#include <linux/types.h>

struct py_layout {
	int major, minor;
	__u16 runtime_interp_head;    /* _PyRuntime.interpreters.head */
	__u16 interp_next;	      /* PyInterpreterState.next */
	__u16 interp_tstate_head;     /* PyInterpreterState.threads.head */
	__u16 tstate_next;	      /* PyThreadState.next */
	__u16 tstate_cframe;	      /* PyThreadState.cframe (_PyCFrame *) */
	__u16 tstate_thread_id;	      /* pthread_t */
	__u16 tstate_native_id;	      /* native_thread_id: the tid */
	__u16 cframe_current_frame;   /* _PyCFrame.current_frame */
	__u16 frame_code;	      /* _PyInterpreterFrame.f_code */
	__u16 frame_previous;	      /* .previous */
	__u16 frame_prev_instr;	      /* .prev_instr (_Py_CODEUNIT *) */
	__u16 frame_is_entry;	      /* .is_entry (bool): its C eval call's first */
	__u16 frame_owner;	      /* .owner (char) */
	__u16 frame_size;	      /* bytes of the frame read */
	__u16 code_firstlineno;	      /* int */
	__u16 code_filename;	      /* PyObject * (str) */
	__u16 code_qualname;	      /* PyObject * (str) */
	__u16 code_linetable;	      /* PyObject * (bytes) */
	__u16 code_code;	      /* co_code_adaptive: the instructions */
	__u16 code_size;	      /* bytes of the code object read */
	__u16 bytes_size;	      /* PyVarObject.ob_size */
	__u16 bytes_data;	      /* PyBytesObject.ob_sval */
	__u16 str_length;	      /* PyASCIIObject.length */
	__u16 str_state;	      /* PyASCIIObject.state (bit field) */
	__u16 str_ascii_data;	      /* sizeof(PyASCIIObject) */
	__u16 str_utf8_length;	      /* PyCompactUnicodeObject.utf8_length */
	__u16 str_utf8;		      /* PyCompactUnicodeObject.utf8 */
	__u16 str_compact_data;	      /* sizeof(PyCompactUnicodeObject) */
};

/*
 * The layout of CPython @major.@minor, NULL if threadleak has none. From
 * Py_Version (PY_VERSION_HEX), which the interpreter exports.
 */
const struct py_layout *py_layout_for_version(__u32 hexversion);

#endif /* __THREADLEAK_PY_LAYOUT_H */
