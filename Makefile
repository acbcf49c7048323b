# SPDX-License-Identifier: GPL-2.0
#
# make            build build/threadleak
# make test       unit tests, then live tests (as root)
# make demo       run threadleak on a bundled leaking program
# make bench      what threadleak costs the programs it watches (as root)
# make install    install to $(PREFIX)/sbin
#
# Both `test` and `demo` first run scripts/install-deps.sh (quiet when all is
# there), so a fresh Debian 12 machine needs nothing else.

OUTPUT ?= build
PREFIX ?= /usr/local
ARCH ?= x86
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
V ?= 0

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# clang -target bpf does not search the system's multiarch directories.
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

WARNINGS := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	    -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
# CFLAGS and LDFLAGS are the user's (make CFLAGS='-O1 -fsanitize=address');
# what the build needs is added on top.
CFLAGS ?= -g -O2
ALL_CFLAGS = $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -I$(OUTPUT) -Isrc $(DEMANGLE_CFLAGS)
LDLIBS += $(shell pkg-config --libs libbpf libelf libdw zlib libdeflate libmicrohttpd libseccomp 2>/dev/null) -lm \
	  -lstdc++ \
	  -pthread
# Rust v0 symbol names: LLVM's demangler, where llvm-14-dev provides it.
LLVM_DEMANGLE := $(wildcard $(shell llvm-config-14 --libdir 2>/dev/null)/libLLVMDemangle.a)
ifneq ($(LLVM_DEMANGLE),)
DEMANGLE_CFLAGS := -DHAVE_LLVM_RUST_DEMANGLE
LDLIBS += $(LLVM_DEMANGLE)
endif
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	      -Ivmlinux/$(ARCH) -Isrc $(CLANG_BPF_SYS_INCLUDES)

# Reading Go programs from outside: pclntab, runtime layout, goroutines.
GO_SRCS := src/go_binary.c src/go_pclntab.c src/go_layout.c src/go_derive.c src/go_riprel.c src/go_unwind.c \
	   src/go_thread_wait.c src/go_runtime.c

# The detector and everything it feeds on or into: pure code, no BPF, no
# root. Unit tests link these.
CORE_SRCS := src/record.c src/pipeline.c src/detector.c src/wait.c src/json.c src/trend.c src/symtab.c \
	     src/report.c src/report_text.c src/report_json.c src/report_top.c src/proc_info.c \
	     src/libc_layout.c src/runtime_frames.c src/proc_syms.c src/unwind.c src/module_cache.c src/proc_mem.c \
	     src/demangle.c src/inspector.c src/trace_file.c $(GO_SRCS) src/go_inspect.c \
	     src/pprof.c src/metrics.c src/metrics_http.c src/proc_cgroup.c src/utf8.c \
	     src/recorder.c src/proc_table.c src/target_file.c src/text_escape.c src/target_call.c \
	     src/cgroup_identity.c
# The detector's rules, pure predicates (tests/unit/test_detector_policy.c).
CORE_SRCS += src/detector_policy.c
# The words findings are shown with, shared by the report formats.
CORE_SRCS += src/report_words.c
# Threads at the end of a run as pprof profiles and folded stacks.
CORE_SRCS += src/thread_profile.c
# The detector's goroutines by goid (tests/unit/test_goid_table.c).
CORE_SRCS += src/goid_table.c
# JIT code's names from the perf map a JVM writes (/tmp/perf-PID.map).
CORE_SRCS += src/perf_map.c
# The targets' ELF file pages libelf mapped, given back after a census.
CORE_SRCS += src/file_pages.c
# Reading CPython from outside: its threads, frames and waits.
CORE_SRCS += src/py_layout.c src/py_frames.c src/py_inspect.c src/py_wait.c
# Thread names as patterns: digit runs folded, a cut name a prefix.
CORE_SRCS += src/thread_name.c
# A number given to a command-line option, within its limits.
CORE_SRCS += src/option_number.c
# The HTML report: growth curves, findings, blocked threads, in one page.
CORE_SRCS += src/report_html.c src/html_escape.c
APP_SRCS := $(CORE_SRCS) src/env.c src/tracer.c src/live.c \
	    src/goroutine_dump.c src/monitor.c src/sandbox.c src/threadleak.c
APP_OBJS := $(patsubst src/%.c,$(OUTPUT)/%.o,$(APP_SRCS))
CORE_OBJS := $(patsubst src/%.c,$(OUTPUT)/%.o,$(CORE_SRCS))

BENCH_PROGS := $(patsubst bench/%.c,$(OUTPUT)/bench/%,$(wildcard bench/*.c)) \
	       $(patsubst bench/%.go,$(OUTPUT)/bench/%,$(wildcard bench/*.go))
# The newest Go toolchain installed, for the Go workload.
GO ?= $(lastword $(sort $(wildcard /usr/lib/go-1.*/bin/go)))

UNIT_SRCS := $(wildcard tests/unit/*.c)
TEST_PROGS := $(patsubst tests/progs/%.c,$(OUTPUT)/tests/%,$(wildcard tests/progs/*.c)) \
	      $(patsubst tests/progs/%.cpp,$(OUTPUT)/tests/%,$(wildcard tests/progs/*.cpp))

.PHONY: all
all: $(OUTPUT)/threadleak

.DELETE_ON_ERROR:
.SECONDARY:

$(OUTPUT) $(OUTPUT)/tests $(OUTPUT)/bench:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c src/record.h vmlinux/$(ARCH)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp
	$(Q)rm -f $@.tmp

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Syscall names from the kernel headers the machine has, not a typed list.
$(OUTPUT)/syscall_names.h: scripts/gen-syscall-names.sh | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)scripts/gen-syscall-names.sh > $@

$(OUTPUT)/tracer.o: $(OUTPUT)/threadleak.skel.h
$(OUTPUT)/metrics_http.o: ALL_CFLAGS += $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
$(OUTPUT)/wait.o: $(OUTPUT)/syscall_names.h

$(OUTPUT)/%.o: src/%.c $(wildcard src/*.h) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OUTPUT)/threadleak: $(APP_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Programs the live tests and the demo trace.
# The Go census driver of the Go live tests, and the layout driver, link the Go reader.
$(OUTPUT)/tests/gocensus $(OUTPUT)/tests/golayout: $(OUTPUT)/tests/%: tests/progs/%.c \
			  $(patsubst src/%.c,$(OUTPUT)/%.o,$(GO_SRCS)) \
			  $(OUTPUT)/proc_mem.o $(OUTPUT)/target_file.o $(OUTPUT)/target_call.o | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# A small server of fixed metrics, to test the Prometheus harness itself.
$(OUTPUT)/tests/metrics_demo: tests/monitor/metrics_demo.c \
			      $(patsubst %,$(OUTPUT)/%.o,metrics metrics_http proc_cgroup cgroup_identity utf8) | \
			      $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# A FUSE file system that stops answering, for the stall test.
$(OUTPUT)/tests/fuse_stall: tests/progs/fuse_stall.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall -Werror -Wno-unused-parameter $(shell pkg-config --cflags fuse3) $< \
		$(shell pkg-config --libs fuse3) -o $@

$(OUTPUT)/tests/%: tests/progs/%.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall -Werror -pthread $< -o $@

$(OUTPUT)/tests/%: tests/progs/%.cpp | $(OUTPUT)/tests
	$(call msg,CXX,$@)
	$(Q)$(CXX) -g -O2 -Wall -Werror -pthread $< -o $@

# The benchmark's workloads.
$(OUTPUT)/bench/%: bench/%.c bench/workload.h | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -Wall -Wextra -Werror -pthread $< -o $@

$(OUTPUT)/bench/%: bench/%.go | $(OUTPUT)/bench
	$(if $(GO),,$(error no Go toolchain in /usr/lib/go-1.*; run scripts/install-deps.sh))
	$(call msg,GO,$@)
	$(Q)GO111MODULE=off GOTOOLCHAIN=local GOFLAGS= CGO_ENABLED=0 $(GO) build -o $@ $<

# The list of unit tests: every `void test_<name>(void)` in tests/unit.
$(OUTPUT)/tests/unit_list.h: $(UNIT_SRCS) | $(OUTPUT)/tests
	$(call msg,GEN,$@)
	$(Q)sed -n 's/^void test_\([a-z0-9_]*\)(void)$$/DEFINE_TEST(\1)/p' \
		$(filter-out tests/unit/test_main.c,$(UNIT_SRCS)) > $@

$(OUTPUT)/tests/unit_tests: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(OUTPUT)/tests/unit_list.h \
			    $(CORE_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wno-missing-prototypes -I$(OUTPUT)/tests -Itests/unit \
		$(UNIT_SRCS) $(CORE_OBJS) $(LDLIBS) -o $@

# tests/unit/test_census_bpf.c runs the census programs of the skeleton.
$(OUTPUT)/tests/unit_tests: $(OUTPUT)/threadleak.skel.h

.PHONY: deps
# Always: it is quiet and takes 0.3 s when everything is there, and the tests
# need more than the build checks for (uthash, the Go toolchains, the real
# host's servers).
deps:
	$(Q)scripts/install-deps.sh

.PHONY: test
test: deps
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/tests/unit_tests $(TEST_PROGS) \
		$(OUTPUT)/tests/metrics_demo
	$(Q)tests/run.sh $(OUTPUT)

# Boots Debian's kernels in qemu and runs the live tests that matter per
# kernel inside (TCG: slow, so not part of make test). TL_KERNELS narrows it.
.PHONY: test-kernels
test-kernels: deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_PROGS)
	$(Q)tests/kernels/run.sh $(OUTPUT)

.PHONY: demo
demo: deps
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/tests/leaky_demo
	$(Q)scripts/demo.sh $(OUTPUT)

# Writes bench/results.md; takes under 10 minutes.
.PHONY: bench
bench: deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_PROGS)
	$(Q)bench/run.sh $(OUTPUT)

# Every fuzz target, FUZZ_SECONDS each: make fuzz FUZZ_SECONDS=600
.PHONY: fuzz
fuzz:
	$(Q)tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60) $(OUTPUT)

# Offsets of the Go runtime's structures for stripped binaries, per Go
# version, from the DWARF of a probe built with each installed toolchain.
.PHONY: go-offsets
go-offsets:
	$(Q)scripts/gen-go-offsets.sh > src/go_offsets_table.h.tmp
	$(Q)mv src/go_offsets_table.h.tmp src/go_offsets_table.h

.PHONY: install
install: $(OUTPUT)/threadleak
	$(Q)install -D -m 0755 $< $(DESTDIR)$(PREFIX)/sbin/threadleak

.PHONY: format
format:
	$(Q)clang-format -i $(wildcard src/*.c src/*.h bpf/*.c tests/unit/*.c tests/unit/*.h tests/progs/*.c)

.PHONY: clean
clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)
