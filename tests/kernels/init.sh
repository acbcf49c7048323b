#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the kernel matrix's initramfs (tests/kernels/run.sh): load the
# virtio and 9p modules, mount the host's root read-only with a tmpfs on
# /tmp, and run tests/kernels/guest.sh in it; then power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do
	insmod "/modules/$m" || echo "INFO: insmod $m failed"
done
for arg in $(cat /proc/cmdline); do
	case $arg in
	tl.*=*) k=${arg%%=*}; eval "${k#tl.}=\${arg#*=}" ;;
	esac
done
R=/newroot
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot $R; then
	echo "FAIL: boot: cannot mount the host's root over 9p"
	poweroff -f
fi
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
# what udev would make: bash's <(...) needs /dev/fd
ln -s /proc/self/fd $R/dev/fd
ln -s /proc/self/fd/0 $R/dev/stdin
ln -s /proc/self/fd/1 $R/dev/stdout
ln -s /proc/self/fd/2 $R/dev/stderr
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmp $R/dev/shm
mount -t tmpfs tmp $R/tmp
mount -t tmpfs run $R/run
mount -t tmpfs vartmp $R/var/tmp
mount -t bpf bpf $R/sys/fs/bpf
mount -t debugfs debugfs $R/sys/kernel/debug
mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
chroot $R /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
	/bin/bash "${guest:-$repo/tests/kernels/guest.sh}" "$build" "$go"
echo "guest: done"
poweroff -f
