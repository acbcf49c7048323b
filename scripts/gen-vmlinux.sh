#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate vmlinux/<arch>/vmlinux.h from the running kernel's BTF.
# The header is committed: CO-RE relocations make the BPF objects built from
# it load on any kernel >= 5.8 with BTF, not just this one.
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
arch=${ARCH:-x86}
out=$(dirname "$0")/../vmlinux/$arch/vmlinux.h

[ -r "$btf" ] || { echo "gen-vmlinux: $btf not readable (kernel built without CONFIG_DEBUG_INFO_BTF?)" >&2; exit 1; }
command -v bpftool >/dev/null || { echo "gen-vmlinux: bpftool not found; run scripts/install-deps.sh" >&2; exit 1; }
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "gen-vmlinux: wrote $out ($(wc -l < "$out") lines) from $btf"
