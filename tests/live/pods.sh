#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pods and containers (issue 16): two leaking programs, each started inside
# a cgroup this test makes with the names Kubernetes gives them. One in the
# unified hierarchy, named as the kubelet's systemd driver and containerd
# name it; one in a v1 hierarchy only (pids), named as the cgroupfs driver
# names it, as on a hybrid host. The monitor's leak finding of each carries
# its pod UID, QoS class and container id, and its metrics the pod_uid and
# container_id labels.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_prometheus.sh"
need_root
V2=/sys/fs/cgroup/unified
V1=/sys/fs/cgroup/pids
[ -e $V2/cgroup.procs ] || V2=/sys/fs/cgroup
[ -e $V2/cgroup.controllers ] || { skip "" "no cgroup v2 hierarchy at $V2"; exit 0; }
UID1=1a2b3c4d-5e6f-7a8b-9c0d-$(printf '%012x' $$)
UID2=9f8e7d6c-5b4a-3f2e-1d0c-$(printf '%012x' $$)
CID1=$(printf '%064x' $((RANDOM * 65536 + $$)))
CID2=$(printf 'c%063x' $$)
POD1=$V2/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID1//-/_}.slice
CG1=$POD1/cri-containerd-$CID1.scope
CG2=
[ -e $V1/cgroup.procs ] && CG2=$V1/kubepods/besteffort/pod$UID2/$CID2
# rmdir from the leaf up, once the processes left (cleanup kills them
# first; a killed process leaves its cgroup a moment later); the parents
# only if no other test's cgroups are in them
remove_cgroups() {
	local d end=$((SECONDS + 10))
	while [ -s "$CG1/cgroup.procs" ] || { [ -n "$CG2" ] && [ -s "$CG2/cgroup.procs" ]; }; do
		[ $SECONDS -ge $end ] && break
		sleep 0.1
	done
	for d in "$CG1" "$POD1" "${POD1%/*}" "${POD1%/*/*}" ${CG2:+"$CG2" "${CG2%/*}" "${CG2%/*/*}" "${CG2%/*/*/*}"}; do
		rmdir "$d" 2> /dev/null
	done
}
trap 'cleanup; remove_cgroups' EXIT
mkdir -p "$CG1" || { fail "" "cannot make $CG1"; exit 0; }
[ -n "$CG2" ] && { mkdir -p "$CG2" || CG2=; }

CASE=monitor
port=$(prom_free_port) || { fail "$CASE" "no free port"; exit 0; }
"$TL" monitor --metrics-addr "127.0.0.1:$port" -o "$TMP/findings.json" 2> "$TMP/monitor.err" &
PIDS+=($!)
wait_for "$TMP/monitor.err" "^threadleak: metrics on http://127.0.0.1:$port/metrics" 30 ||
	{ fail "$CASE" "monitor did not start: $(cat "$TMP/monitor.err")"; exit 0; }

# start_in CGROUP: a leaking program whose first instruction runs in CGROUP
start_in() {
	sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" leak-cond' sh "$1" "$PROGS/findings" \
		> /dev/null 2>&1 &
	echo $!
}
p1=$(start_in "$CG1")
PIDS+=($p1)
p2=
[ -n "$CG2" ] && p2=$(start_in "$CG2") && PIDS+=($p2)
finding() {
	jq -c "select(.type == \"finding\" and .kind == \"thread_leak\" and .pid == $1 and (.update | not) and (.resolved | not))" \
		"$TMP/findings.json" 2> /dev/null
}
end=$((SECONDS + 60))
until [ -n "$(finding "$p1")" ] && { [ -z "$p2" ] || [ -n "$(finding "$p2")" ]; } || [ $SECONDS -ge $end ]; do
	sleep 0.5
done
expect "unified: pod, qos, container, runtime" \
	"$(finding "$p1" | jq -r '"\(.pod_uid) \(.qos_class) \(.container_id) \(.container_runtime)"')" \
	"$UID1 burstable $CID1 containerd" || exit 0
expect "unified: cgroup" "$(finding "$p1" | jq -r .cgroup)" "${CG1#"$V2"}" || exit 0
if [ -n "$p2" ]; then
	# the runtime is not in cgroupfs names
	expect "v1 only: pod, qos, container, runtime" \
		"$(finding "$p2" | jq -r '"\(.pod_uid) \(.qos_class) \(.container_id) \(.container_runtime)"')" \
		"$UID2 besteffort $CID2 null" || exit 0
fi
pass "$CASE"

CASE=metrics
http_get "127.0.0.1:$port" /metrics > "$TMP/metrics" || { fail "$CASE" "no scrape"; exit 0; }
expect "unified: labels" \
	"$(grep -c "^threadleak_process_thread_leak{pid=\"$p1\",comm=\"findings\",cgroup=\"${CG1#"$V2"}\",container_id=\"$CID1\",pod_uid=\"$UID1\"} 1$" "$TMP/metrics")" 1 || exit 0
if [ -n "$p2" ]; then
	expect "v1 only: labels" \
		"$(grep -c "^threadleak_process_thread_leak{pid=\"$p2\",.*,container_id=\"$CID2\",pod_uid=\"$UID2\"} 1$" "$TMP/metrics")" 1 || exit 0
fi
pass "$CASE"
[ -n "$p2" ] || skip "v1_only" "no v1 pids hierarchy at $V1"
