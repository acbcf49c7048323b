#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel matrix: boot Debian's kernels in qemu (TCG: no KVM here) with
# this machine's root shared read-only over virtio-9p, and run the live tests
# that matter per kernel inside (tests/kernels/guest.sh). One VM at a time.
#
#   tests/kernels/run.sh BUILD      (make test-kernels)
#
# TL_KERNELS narrows the matrix ("5.10 6.1 6.12 newest"); the kernel packages
# are cached in TL_KERNEL_CACHE (default /var/cache/threadleak-kernels)
# between runs. Prints PASS/FAIL/SKIP lines named kernel-LABEL/..., like
# tests/run.sh, and a count at the end.
set -u
BUILD=$(cd "${1:-build}" && pwd) || exit 1
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${TL_KERNEL_CACHE:-/var/cache/threadleak-kernels}
KERNELS=${TL_KERNELS:-5.10 6.1 6.12 newest}
VM_TIMEOUT=${TL_VM_TIMEOUT:-2400}
GO_VERSION=${TL_KERNEL_GO:-1.23}

# Which suite each kernel comes from: the suite's linux-image-amd64 names it.
declare -A SUITE=([5.10]=bullseye [6.1]=bookworm [6.12]=trixie [newest]=trixie-backports)
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MIRROR=${TL_DEBIAN_MIRROR:-http://deb.debian.org/debian}

fail() { echo "FAIL: kernel-$1: $2"; }

# A private apt state in the cache: the host's sources stay untouched.
APT_DIR=$CACHE/apt
APT_OPTS=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o "Dir::Etc::SourceParts=$APT_DIR/sources.d"
	  -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR" -o "Dir::State::status=/dev/null"
	  -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root" -qq)

apt_update() {
	local s
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial" "$APT_DIR/sources.d" || return 1
	for s in "${SUITE[@]}"; do
		echo "deb [signed-by=$KEYRING] $MIRROR $s main"
	done | sort > "$APT_DIR/sources.list.new"
	# once a day is enough: the kernels in a suite change with point releases
	if cmp -s "$APT_DIR/sources.list.new" "$APT_DIR/sources.list" &&
	   [ -n "$(find "$APT_DIR/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
		return 0
	fi
	mv "$APT_DIR/sources.list.new" "$APT_DIR/sources.list"
	apt-get "${APT_OPTS[@]}" update
}

# fetch LABEL: download and unpack the kernel of LABEL's suite into
# $CACHE/LABEL/root; prints the unpacked directory.
fetch() {
	local label=$1 suite=${SUITE[$1]} ver image dir deps p
	ver=$(apt-cache "${APT_OPTS[@]}" madison linux-image-amd64 |
		awk -F'|' -v s="$suite/main" '$3 ~ " " s " " { gsub(/ /, "", $2); print $2; exit }')
	[ -n "$ver" ] || { echo "no linux-image-amd64 in $suite" >&2; return 1; }
	image=$(apt-cache "${APT_OPTS[@]}" show "linux-image-amd64=$ver" |
		sed -n 's/^Depends:.*\(linux-image-[0-9][^ ]*\) (= .*/\1/p' | head -n 1)
	[ -n "$image" ] || { echo "linux-image-amd64=$ver names no kernel" >&2; return 1; }
	dir=$CACHE/$label/$image
	if [ ! -f "$dir/.unpacked" ]; then
		rm -rf "$CACHE/$label"
		mkdir -p "$dir/debs" || return 1
		# Newer kernels split the image into binary and modules packages.
		deps=$(apt-cache "${APT_OPTS[@]}" show "$image=$ver" | sed -n 's/^Depends: //p' | tr ',' '\n' |
			sed -n 's/^ *\(linux-\(binary\|modules\)-[^ ]*\) .*/\1/p')
		(cd "$dir/debs" && apt-get "${APT_OPTS[@]}" download "$image=$ver" $(for p in $deps; do echo "$p=$ver"; done)) >&2 ||
			return 1
		for p in "$dir"/debs/*.deb; do
			dpkg-deb -x "$p" "$dir/root" || return 1
		done
		touch "$dir/.unpacked"
	fi
	echo "$dir"
}

# The modules the guest needs to reach its root, in load order (from the
# kernel's own modules.dep); built-in ones are skipped.
WANT_MODULES="virtio_pci 9pnet_virtio 9p virtio_rng"

# initramfs DIR: busybox, the init script and DIR's 9p/virtio modules.
initramfs() {
	local dir=$1 kver moddir dep m f order=() stage
	# The packages ship no modules.dep (depmod makes it at install).
	[ -d "$dir/root/lib/modules" ] || ln -sfn usr/lib "$dir/root/lib"
	kver=$(ls "$dir/root/lib/modules" | head -n 1)
	moddir=$dir/root/lib/modules/$kver
	[ -s "$moddir/modules.dep" ] || /usr/sbin/depmod -b "$dir/root" "$kver" || return 1
	stage=$dir/initramfs
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules} || return 1
	cp /bin/busybox "$stage/bin/busybox" || return 1
	cp "$HERE/init.sh" "$stage/init" && chmod +x "$stage/init" || return 1
	for m in $WANT_MODULES; do
		# modules.dep names files with - or _ alike; deps are listed
		# innermost last, so load them reversed, then the module.
		dep=$(awk -v m="$m" '{ f = $1; sub(/:$/, "", f); n = f; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n) }
			n == m { line = $0 } END { print line }' "$moddir/modules.dep")
		[ -n "$dep" ] || continue # built in
		set -- $dep
		f=${1%:}
		shift
		local deps=("$@") i
		for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
			order+=("${deps[i]}")
		done
		order+=("$f")
	done
	: > "$stage/modules.order"
	for f in "${order[@]}"; do
		m=$(basename "$f")
		grep -qx "${m%%.ko*}.ko" "$stage/modules.order" && continue
		case $f in
		*.xz) xz -dc "$moddir/$f" > "$stage/modules/${m%.xz}" ;;
		*.zst) zstd -qdc "$moddir/$f" > "$stage/modules/${m%.zst}" ;;
		*.gz) gzip -dc "$moddir/$f" > "$stage/modules/${m%.gz}" ;;
		*) cp "$moddir/$f" "$stage/modules/$m" ;;
		esac || return 1
		echo "${m%%.ko*}.ko" >> "$stage/modules.order"
	done
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$dir/initramfs.gz" || return 1
	echo "$kver"
}

# The Go program of the goroutine census, built here: building under TCG
# would take minutes.
prebuild_go() {
	local out=$CACHE/go/parked-$GO_VERSION go
	mkdir -p "$CACHE/go"
	go=/usr/lib/go-$GO_VERSION/bin/go
	[ -x "$go" ] || go=$("$HERE/../../scripts/go-toolchains.sh" path "$GO_VERSION") || return 1
	if [ ! -x "$out" ] || [ "$HERE/../go/parked.go" -nt "$out" ]; then
		GO111MODULE=off GOTOOLCHAIN=local CGO_ENABLED=0 \
			"$go" build -o "$out" "$HERE/../go/parked.go" >&2 || return 1
	fi
	echo "$out"
}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: kernels: needs root (9p share of / and BPF in the guest)"
	exit 0
fi
for tool in qemu-system-x86_64 busybox cpio apt-get; do
	command -v "$tool" > /dev/null || { echo "FAIL: kernels: $tool is missing: run scripts/install-deps.sh"; exit 1; }
done
mkdir -p "$CACHE" || exit 1
apt_update || { echo "FAIL: kernels: apt-get update of the kernel suites failed"; exit 1; }
gobin=$(prebuild_go) || { echo "FAIL: kernels: cannot build tests/go/parked.go with Go $GO_VERSION"; exit 1; }

LOG=$(mktemp -d /tmp/threadleak-kernels.XXXXXX)
for label in $KERNELS; do
	[ -n "${SUITE[$label]:-}" ] || { fail "$label" "unknown kernel label (one of ${!SUITE[*]})"; continue; }
	dir=$(fetch "$label") || { fail "$label" "cannot fetch the kernel of ${SUITE[$label]}"; continue; }
	kver=$(initramfs "$dir") || { fail "$label" "cannot build the initramfs"; continue; }
	echo "kernel-$label: $kver" >&2
	# -smp 2: the tests need threads that run while others block. The image
	# is in /boot, or beside the modules in newer packages.
	timeout "$VM_TIMEOUT" qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 2 -m 2048 \
		-nographic -no-reboot -monitor none -serial stdio \
		-kernel "$(ls "$dir"/root/boot/vmlinuz-* "$dir"/root/lib/modules/*/vmlinuz 2>/dev/null | head -n 1)" -initrd "$dir/initramfs.gz" \
		-append "console=ttyS0 panic=-1 quiet tl.repo=$(cd "$HERE/../.." && pwd) tl.build=$BUILD tl.go=$gobin tl.label=$label${TL_GUEST:+ tl.guest=$TL_GUEST}" \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-device virtio-rng-pci < /dev/null > "$LOG/$label.console" 2>&1
	rc=$?
	tr -d '\r' < "$LOG/$label.console" | grep -E '^(PASS|FAIL|SKIP|INFO): ' | sed "s/^\(PASS\|FAIL\|SKIP\|INFO\): /&kernel-$label\//"
	if ! grep -q '^guest: done' "$LOG/$label.console"; then
		fail "$label" "the guest did not finish (qemu status $rc): tail of $LOG/$label.console:"
		tr -d '\r' < "$LOG/$label.console" | tail -n 15 | sed 's/^/    /'
	fi
done | tee "$LOG/results"
pass=$(grep -c '^PASS' "$LOG/results")
failed=$(grep -c '^FAIL' "$LOG/results")
echo "kernels: $pass passed, $failed failed (consoles in $LOG)"
[ "$failed" = 0 ]
