// SPDX-License-Identifier: GPL-2.0

// The Go runtime layout probe of scripts/gen-go-offsets.sh. Built with one
// Go toolchain, it reads its own executable (which holds that toolchain's
// runtime) and prints, as C initializers for src/go_offsets_table.h, where
// the runtime keeps the fields threadleak reads (from DWARF) and the
// runtime's wait reason strings (from the symbol table). Only the standard
// library: it must build with every toolchain, offline.
package main

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// fail stops the probe: a missing field means the table cannot be made.
func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-offsets probe ("+runtime.Version()+"): "+format+"\n", args...)
	os.Exit(1)
}

// structFields returns the fields of the named DWARF structures.
func structFields(d *dwarf.Data, names []string) map[string]*dwarf.StructType {
	want := make(map[string]bool)
	for _, n := range names {
		want[n] = true
	}
	found := make(map[string]*dwarf.StructType)
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			fail("reading DWARF: %v", err)
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagStructType {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if !want[name] || found[name] != nil {
			r.SkipChildren()
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			fail("type %s: %v", name, err)
		}
		st, ok := t.(*dwarf.StructType)
		if !ok {
			fail("%s is not a struct", name)
		}
		found[name] = st
		r.SkipChildren()
	}
	for _, n := range names {
		if found[n] == nil {
			fail("no DWARF type %s", n)
		}
	}
	return found
}

// field returns the offset of a field, checking its size; -1 if optional and absent.
func field(st *dwarf.StructType, name string, size int64, optional bool) int64 {
	for _, f := range st.Field {
		if f.Name != name {
			continue
		}
		if size != 0 && f.Type.Size() != size {
			fail("%s.%s is %d bytes, want %d", st.StructName, name, f.Type.Size(), size)
		}
		return f.ByteOffset
	}
	if !optional {
		fail("%s has no field %s", st.StructName, name)
	}
	return -1
}

// bytesAt reads n bytes at virtual address addr of the executable.
func bytesAt(f *elf.File, addr, n uint64) []byte {
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || addr < s.Addr || addr+n > s.Addr+s.Size {
			continue
		}
		data, err := s.Data()
		if err != nil {
			fail("section %s: %v", s.Name, err)
		}
		return data[addr-s.Addr : addr-s.Addr+n]
	}
	fail("address %#x is in no section", addr)
	return nil
}

// waitReasons reads runtime.waitReasonStrings, an array of Go strings.
func waitReasons(f *elf.File) []string {
	syms, err := f.Symbols()
	if err != nil {
		fail("symbols: %v", err)
	}
	for _, s := range syms {
		if s.Name != "runtime.waitReasonStrings" {
			continue
		}
		arr := bytesAt(f, s.Value, s.Size)
		var reasons []string
		for off := 0; off+16 <= len(arr); off += 16 {
			ptr := binary.LittleEndian.Uint64(arr[off:])
			n := binary.LittleEndian.Uint64(arr[off+8:])
			if n == 0 {
				reasons = append(reasons, "")
				continue
			}
			reasons = append(reasons, string(bytesAt(f, ptr, n)))
		}
		return reasons
	}
	fail("no symbol runtime.waitReasonStrings")
	return nil
}

func main() {
	exe, err := os.Executable()
	if err != nil {
		fail("%v", err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		fail("%v", err)
	}
	d, err := f.DWARF()
	if err != nil {
		fail("DWARF: %v", err)
	}
	st := structFields(d, []string{"runtime.g", "runtime.gobuf", "runtime.stack",
		"runtime.moduledata"})
	g, gobuf, stack, md := st["runtime.g"], st["runtime.gobuf"], st["runtime.stack"],
		st["runtime.moduledata"]

	version := runtime.Version()
	mm := strings.SplitN(strings.TrimPrefix(version, "go"), ".", 3)
	if len(mm) < 2 {
		fail("cannot parse version %q", version)
	}
	major, _ := strconv.Atoi(mm[0])
	minor, _ := strconv.Atoi(strings.TrimRightFunc(mm[1], func(r rune) bool {
		return r < '0' || r > '9'
	}))
	ident := fmt.Sprintf("go%d_%d", major, minor)

	reasons := waitReasons(f)
	fmt.Printf("static const char *const %s_wait_reasons[] = {\n", ident)
	for _, r := range reasons {
		fmt.Printf("\t%s,\n", strconv.Quote(r))
	}
	fmt.Printf("};\n\n")

	sched := field(g, "sched", 0, false)
	stk := field(g, "stack", 0, false)
	parent := field(g, "parentGoid", 8, true)
	fmt.Printf("static const struct go_runtime_layout %s_layout = {\n", ident)
	fmt.Printf("\t.major = %d,\n\t.minor = %d,\n\t.built_with = %q,\n", major, minor, version)
	fmt.Printf("\t.g_size = %d,\n", g.Size())
	fmt.Printf("\t.g_stack_lo = %d,\n", stk+field(stack, "lo", 8, false))
	fmt.Printf("\t.g_stack_hi = %d,\n", stk+field(stack, "hi", 8, false))
	fmt.Printf("\t.g_sched_sp = %d,\n", sched+field(gobuf, "sp", 8, false))
	fmt.Printf("\t.g_sched_pc = %d,\n", sched+field(gobuf, "pc", 8, false))
	fmt.Printf("\t.g_sched_bp = %d,\n", sched+field(gobuf, "bp", 8, false))
	fmt.Printf("\t.g_atomicstatus = %d,\n", field(g, "atomicstatus", 4, false))
	fmt.Printf("\t.g_goid = %d,\n", field(g, "goid", 8, false))
	fmt.Printf("\t.g_waitsince = %d,\n", field(g, "waitsince", 8, false))
	fmt.Printf("\t.g_waitreason = %d,\n", field(g, "waitreason", 1, false))
	fmt.Printf("\t.g_gopc = %d,\n", field(g, "gopc", 8, false))
	fmt.Printf("\t.g_startpc = %d,\n", field(g, "startpc", 8, false))
	if parent < 0 {
		fmt.Printf("\t.g_parent_goid = GO_FIELD_ABSENT,\n")
	} else {
		fmt.Printf("\t.g_parent_goid = %d,\n", parent)
	}
	fmt.Printf("\t.md_text = %d,\n", field(md, "text", 8, false))
	fmt.Printf("\t.md_gofunc = %d,\n", field(md, "gofunc", 8, false))
	fmt.Printf("\t.wait_reasons = %s_wait_reasons,\n", ident)
	fmt.Printf("\t.nr_wait_reasons = %d,\n", len(reasons))
	fmt.Printf("};\n\n")
}
