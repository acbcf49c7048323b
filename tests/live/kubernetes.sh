#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# deploy/kubernetes/threadleak.yaml, parsed (no cluster here, no root
# needed): the DaemonSet runs the monitor with hostPID and exactly the
# systemd unit's capabilities (drop ALL, add the unit's
# CapabilityBoundingSet), nothing privileged, host paths read-only, the
# metrics port the same in the arguments, the port, the annotations and the
# PodMonitor, and a seccomp profile that lets bpf(2) through. The Dockerfile
# installs, at run time, the package of every library build/threadleak
# links, and at build time only packages scripts/install-deps.sh installs.
. "$(dirname "$0")/lib.sh"
CASE=parse
MANIFEST=deploy/kubernetes/threadleak.yaml
DOCKERFILE=deploy/kubernetes/Dockerfile
UNIT=scripts/threadleak.service

if ! python3 -c 'import yaml' 2>/dev/null; then
	skip "$CASE" "no PyYAML (scripts/install-deps.sh installs python3-yaml)"
	exit 0
fi

# The manifest's facts, as JSON.
facts=$TMP/facts.json
python3 - "$MANIFEST" > "$facts" 2> "$TMP/parse.err" <<'EOF' || { fail "$CASE" "$(tail -1 "$TMP/parse.err")"; exit 0; }
import json, sys, yaml

docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {d["kind"]: d for d in docs}
ds = kinds["DaemonSet"]
tmpl = ds["spec"]["template"]
pod = tmpl["spec"]
containers = pod.get("containers", []) + pod.get("initContainers", [])
c = pod["containers"][0]
sc = c.get("securityContext", {})
mounts = {m["name"]: m for m in c.get("volumeMounts", [])}
args = c.get("args", [])
addr = [a.split("=", 1)[1] for a in args if a.startswith("--metrics-addr=")]
pm = kinds.get("PodMonitor", {})
print(json.dumps({
    "kinds": sorted(kinds),
    "hostPID": pod.get("hostPID"),
    "hostNetwork": pod.get("hostNetwork", False),
    "privileged": [x["name"] for x in containers if x.get("securityContext", {}).get("privileged")],
    "pod_privileged_fields": sorted(k for k in ("hostIPC",) if pod.get(k)),
    "escalation": sc.get("allowPrivilegeEscalation"),
    "drop": sc.get("capabilities", {}).get("drop"),
    "add": sorted("CAP_" + x for x in sc.get("capabilities", {}).get("add", [])),
    "seccomp": sc.get("seccompProfile", pod.get("securityContext", {}).get("seccompProfile", {})).get("type"),
    "apparmor": sc.get("appArmorProfile", {}).get("type"),
    "apparmor_annotation": tmpl["metadata"].get("annotations", {}).get(
        "container.apparmor.security.beta.kubernetes.io/" + c["name"]),
    "host_paths": sorted((v["hostPath"]["path"], mounts[v["name"]].get("readOnly", False))
                         for v in pod.get("volumes", []) if "hostPath" in v),
    "command": args[:1],
    "metrics_port": addr[0].rsplit(":", 1)[1] if addr else None,
    "container_port": [str(p["containerPort"]) for p in c.get("ports", []) if p.get("name") == "metrics"],
    "annotation_port": tmpl["metadata"].get("annotations", {}).get("prometheus.io/port"),
    "scrape": tmpl["metadata"].get("annotations", {}).get("prometheus.io/scrape"),
    "podmonitor_port": [e.get("port") for e in pm.get("spec", {}).get("podMetricsEndpoints", [])],
    "podmonitor_selects": all(tmpl["metadata"]["labels"].get(k) == v
                              for k, v in pm.get("spec", {}).get("selector", {}).get("matchLabels", {}).items()),
    "memory_limit": c.get("resources", {}).get("limits", {}).get("memory"),
}))
EOF
pass "$CASE"

CASE=capabilities
unit_caps() {
	sed -n "s/^$1=//p" "$UNIT" | tr ' ' '\n' | sort | jq -R . | jq -sc .
}
bounding=$(unit_caps CapabilityBoundingSet)
expect "the unit's bounding set" "$bounding" '["CAP_BPF","CAP_DAC_READ_SEARCH","CAP_PERFMON","CAP_SYS_PTRACE"]' || exit 0
expect "added: the unit's bounding set" "$(jq -c .add "$facts")" "$bounding" || exit 0
expect "added: the unit's ambient set" "$(jq -c .add "$facts")" "$(unit_caps AmbientCapabilities)" || exit 0
expect "dropped" "$(jq -c .drop "$facts")" '["ALL"]' || exit 0
pass "$CASE"

CASE=not_privileged
expect "privileged containers" "$(jq -c .privileged "$facts")" '[]' || exit 0
expect "host IPC" "$(jq -c .pod_privileged_fields "$facts")" '[]' || exit 0
expect "privilege escalation" "$(jq .escalation "$facts")" false || exit 0
expect "host network" "$(jq .hostNetwork "$facts")" false || exit 0
expect "host paths, read-only" "$(jq -c .host_paths "$facts")" '[["/sys/kernel/btf",true]]' || exit 0
pass "$CASE"

CASE=monitor
expect "hostPID" "$(jq .hostPID "$facts")" true || exit 0
expect "command" "$(jq -c .command "$facts")" '["monitor"]' || exit 0
expect "seccomp lets bpf(2) through" "$(jq -r .seccomp "$facts")" Unconfined || exit 0
expect "AppArmor: field and annotation" "$(jq -r '.apparmor + " " + .apparmor_annotation' "$facts")" "Unconfined unconfined" || exit 0
expect "memory limit" "$(jq -r .memory_limit "$facts")" 256Mi || exit 0
pass "$CASE"

CASE=scrape
port=$(jq -r .metrics_port "$facts")
expect "--metrics-addr port" "$port" 9464 || exit 0
expect "container port" "$(jq -c .container_port "$facts")" "[\"$port\"]" || exit 0
expect "prometheus.io annotations" "$(jq -r '.scrape + " " + .annotation_port' "$facts")" "true $port" || exit 0
expect "PodMonitor endpoint" "$(jq -c .podmonitor_port "$facts")" '["metrics"]' || exit 0
expect "PodMonitor selects the pods" "$(jq .podmonitor_selects "$facts")" true || exit 0
expect "kinds" "$(jq -c .kinds "$facts")" '["DaemonSet","Namespace","PodMonitor","ServiceAccount"]' || exit 0
pass "$CASE"

CASE=dockerfile
# apt-get install lines of stage N (1: build, 2: run), one package a line.
stage_pkgs() {
	awk -v want="$1" '/^FROM /{ stage++ } stage == want' "$DOCKERFILE" |
		sed -n '/apt-get install/,/rm -rf/p' | tr ' \t\\' '\n\n\n' |
		grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|update)$' | sort -u
}
deps=$(sed -n '/^PKGS="/,/"$/p' scripts/install-deps.sh | tr -d '"' | sed 's/^PKGS=//' | tr ' ' '\n' | sort -u)
extra=$(comm -23 <(stage_pkgs 1) <(echo "$deps") | tr '\n' ' ')
expect "build packages not in install-deps" "$extra" "" || exit 0
if [ -x "$TL" ]; then
	needed=$(readelf -d "$TL" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
	missing=""
	for lib in $needed; do
		pkg=$(dpkg -S "*/$lib" 2>/dev/null | grep -v i386 | head -1 | cut -d: -f1)
		case $pkg in libc6 | "") continue ;; esac # libc6: in every image
		stage_pkgs 2 | grep -qx "$pkg" || missing="$missing $pkg($lib)"
	done
	expect "linked libraries' packages not installed at run time" "$missing" "" || exit 0
fi
pass "$CASE"
