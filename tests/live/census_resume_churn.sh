#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The census walk's resume under thread churn. The walk streams a process's
# threads through a fixed array (--census-slots 4 here) and resumes at the
# thread that did not fit, by tid and start time; if that thread exited in
# between, it resumes from the first thread, skipping those that started
# before it. tests/progs/census_churn holds 2,000 long-lived threads while
# one thread per CPU creates threads that live up to 1 ms, and one creates
# 500 more long-lived ones meanwhile, one every 10 ms, at the same moments as
# short-lived ones on the other CPU (threads created at once on two CPUs may be linked into the
# thread list out of start-time order).
#
# threadleak record's trace holds every census's task records and every
# thread's start and exit: in every census, each thread alive from 20 ms
# before the census began until the next one began (its walk ended before)
# must be counted exactly once, and no thread twice. The long-lived threads ("keep") are
# checked on their own too.
. "$(dirname "$0")/lib.sh"
need_root

if ! bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "FUNC 'bpf_iter_task_new'"; then
	skip "" "kernel $(uname -r) has no open-coded task iterator (6.7+)"
	exit 0
fi
KEEP=2000 LATE=500 SLOTS=4 SECS=${CENSUS_CHURN_SECONDS:-12}

mkfifo "$TMP/prog.in"
"$PROGS/census_churn" $KEEP $LATE <"$TMP/prog.in" >"$TMP/prog.out" 2>"$TMP/prog.err" &
PROG=$!
PIDS+=($PROG)
exec {GO}>"$TMP/prog.in"
wait_for "$TMP/prog.out" '^ready pid=' 60 || { fail "" "census_churn did not start: $(head -c 200 "$TMP/prog.err")"; exit 0; }

trace=$TMP/churn.tl
"$TL" record -p "$PROG" -o "$trace" -i 0.2 -d "$SECS" --census-slots $SLOTS --ringbuf-size 64M --json -v \
	</dev/null >"$TMP/rec.out" 2>"$TMP/rec.err" &
REC=$!
PIDS+=($REC)
wait_for "$TMP/rec.out" '"type":"sample"' 60 || { fail "" "no first census: $(tail -c 300 "$TMP/rec.err")"; exit 0; }
echo go >&$GO
wait_exit "$REC" $((SECS + 60))
status=$?
echo stop >&$GO
wait_for "$TMP/prog.out" '^done ' 60 || { fail "" "census_churn did not stop"; exit 0; }
[ "$status" = 0 ] || { fail "" "threadleak record exited with $status: $(tail -c 300 "$TMP/rec.err")"; exit 0; }
grep -q "census by thread-list walk" "$TMP/rec.err" ||
	{ fail "" "not the walk: $(head -c 300 "$TMP/rec.err")"; exit 0; }

# The records are those of src/record.h, in host order (docs/trace-format.md).
zcat "$trace" >"$TMP/records" 2>/dev/null
python3 - "$TMP/records" "$PROG" $((KEEP + LATE)) >"$TMP/check" <<'EOF'
import struct, sys
from collections import Counter

REC_THREAD_START, REC_THREAD_EXIT, REC_TASK, REC_CENSUS = 1, 2, 4, 6
MARGIN = 20_000_000  # ns: from a thread's start time to its place on the list
data = open(sys.argv[1], "rb").read()
pid, want_keep = int(sys.argv[2]), int(sys.argv[3])
pos, censuses, tasks = 0, [], []
inversions = pairs = 0  # walk order against start order
start, exit_ts, keep, lost = {}, {}, set(), 0
while pos < len(data):
    typ, size, tgid, ts = struct.unpack_from("<HHIQ", data, pos)
    if typ == REC_THREAD_START and tgid == pid:
        tid, = struct.unpack_from("<I", data, pos + 16)
        st, = struct.unpack_from("<Q", data, pos + 32)
        start[(tid, st)] = ts
    elif typ == REC_THREAD_EXIT and tgid == pid:
        tid, _, st = struct.unpack_from("<IIQ", data, pos + 16)
        exit_ts[(tid, st)] = ts
    elif typ == REC_TASK and tgid == pid:
        assert size == 192, size
        tid, = struct.unpack_from("<I", data, pos + 16)
        st, = struct.unpack_from("<Q", data, pos + 152)
        comm = data[pos + 176:pos + 192].split(b"\0")[0]
        if tasks:
            pairs += 1
            if st < tasks[-1][1]:
                inversions += 1
                print(f"out of start order: {tasks[-1]} listed before {(tid, st)}, "
                      f"which started {tasks[-1][1] - st} ns earlier")
        tasks.append((tid, st))
        if comm == b"keep":
            keep.add((tid, st))
    elif typ == REC_CENSUS:
        dur, = struct.unpack_from("<Q", data, pos + 24)
        lost, = struct.unpack_from("<Q", data, pos + 40)
        censuses.append((ts, ts + dur, tasks))
        tasks = []
    pos += size

# Sweep the threads' starts and exits in time order: at each census, the
# threads started before it (less the margin) and not exited.
seen = set(t for _, _, ts in censuses for t in ts)
born = {t: t[1] for t in seen | set(start)}
events = sorted([(st, 1, t) for t, st in born.items()] +
                [(ts, 0, t) for t, ts in exit_ts.items()])
alive, e, bad = set(), 0, []
n_twice = n_missed = n_keep_missed = 0
for i, (begin, end, ts) in enumerate(censuses):
    while e < len(events) and events[e][0] < begin - MARGIN:
        _, started, t = events[e]
        if started:
            alive.add(t)
        else:
            alive.discard(t)
        e += 1
    # the walk ended before the next census began (its duration_ns is the
    # kernel's part only)
    after = censuses[i + 1][0] if i + 1 < len(censuses) else float("inf")
    throughout = [t for t in alive if exit_ts.get(t, float("inf")) > after]
    got = Counter(ts)
    twice = sorted(t for t, n in got.items() if n > 1)
    missed = sorted(t for t in throughout if t not in got)
    keep_missed = [t for t in missed if t in keep]
    n_twice += len(twice)
    n_missed += len(missed)
    n_keep_missed += len(keep_missed)
    if twice or missed:
        bad.append(i)
        print(f"census {i}: {len(ts)} tasks, {len(twice)} counted twice, "
              f"{len(missed)} of {len(throughout)} alive throughout missed "
              f"({len(keep_missed)} long-lived); twice: {twice[:5]} missed: {missed[:5]}")
        for t in (twice + missed)[:3]:
            near = sorted((abs(s - t[1]), (tid, s)) for tid, s in got if tid != t[0])[:2]
            print(f"  {t}: started {t[1] - begin} ns from the census's start; "
                  f"nearest start times in the census: {[n[1] for n in near]}")
print(f"summary censuses={len(censuses)} bad={len(bad)} twice={n_twice} "
      f"missed={n_missed} keep_missed={n_keep_missed} keep={len(keep)} "
      f"want_keep={want_keep} lost_events={lost} "
      f"tasks={sum(len(ts) for _, _, ts in censuses)} "
      f"walk_pairs={pairs} out_of_start_order={inversions}")
EOF
summary=$(grep '^summary' "$TMP/check")
echo "# $summary; $(tail -n 1 "$TMP/prog.out")" >&2
grep '^out of start order' "$TMP/check" | head -n 3 | sed 's/^/# /' >&2
[ -n "$summary" ] || { fail "" "trace check failed: $(head -c 300 "$TMP/check")"; exit 0; }
# The censuses saw the long-lived threads: the first KEEP and some of those
# created meanwhile, no more than the program made.
seen=$(sed -n 's/.* keep=\([0-9]*\) .*/\1/p' <<<"$summary")
made=$(sed -n 's/^done .*keep=\([0-9]*\).*/\1/p' "$TMP/prog.out")
[ "$seen" -gt $KEEP ] && [ "$seen" -le "${made:-0}" ] ||
	{ fail "" "long-lived threads seen: $seen, made: $made: $summary"; exit 0; }
n=$(sed -n 's/.* censuses=\([0-9]*\) .*/\1/p' <<<"$summary")
[ "$n" -ge 5 ] || { fail "" "only $n censuses: $summary"; exit 0; }
# Without every exit, which short-lived thread was alive throughout is not
# known: then only the long-lived ones, and no thread twice.
details=$(grep -v '^summary\|^out of start order' "$TMP/check" | head -c 1500)
if [[ $summary != *" twice=0 "* || $summary != *" keep_missed=0 "* ]]; then
	fail "" "a thread counted twice or a long-lived one missed: $summary; $details"
	exit 0
fi
if [[ $summary == *" lost_events=0 "* && $summary != *" missed=0 "* ]]; then
	fail "" "a thread alive throughout a census missed: $summary; $details"
	exit 0
fi
[[ $summary == *" lost_events=0 "* ]] ||
	echo "# events lost: short-lived threads not checked for misses" >&2
pass ""
