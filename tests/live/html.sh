#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The HTML report (--html), rendered by headless Chromium: a condvar leak
# (tests/progs/findings leak-cond) run from a file named <s>&"'leak, and
# tests/progs/hostile_names (an escape sequence as comm, a start routine
# whose symbol holds escapes and a C1 control) are recorded with
# `record --html`, then replayed with `replay --html`. In the DOM Chromium
# builds from the page: the leak site's curve has one point per census and
# ends at the leak's live count (its restated finding's), the threads curve
# ends at the last sample's threads, a marker stands where the leak was
# established, the finding's text names its site; the hostile names are
# text (no element made of them), shown escaped as the text report shows
# them; no script, nothing fetched, no control byte. The live page draws
# the same curves.
. "$(dirname "$0")/lib.sh"
need_root
CASE=start

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
LEAK_EXE='<s>&"'"'"'leak' # <s>&"'leak: its comm, too
LEAK_SITE='leak_on_condvar (findings.c:50)'
HOSTILE_COUNT=25 # one every 400 ms: a leak 10 s long (the detector needs 8)
HOSTILE_COMM='\x1b]0;pwned\x07'
HOSTILE_SITE='leak\x1b[2J\u009b\x1b]0;pwned\x07 (hostile_names)'

cp "$PROGS/findings" "$TMP/$LEAK_EXE"
"$TMP/$LEAK_EXE" leak-cond > "$TMP/leak.out" 2>&1 &
PIDS+=($!)
leak_pid=$!
mkfifo "$TMP/hostile.in"
"$PROGS/hostile_names" 0 $HOSTILE_COUNT 400 < "$TMP/hostile.in" > "$TMP/hostile.out" 2>&1 &
PIDS+=($!)
hostile_pid=$!
exec {hostile_fd}> "$TMP/hostile.in"
wait_for "$TMP/leak.out" '^ready' 30 && wait_for "$TMP/hostile.out" '^ready' 30 ||
	{ fail "$CASE" "the programs did not start"; exit 0; }
echo go >&"$hostile_fd"

start_tl "$TMP/record.json" record -p "$leak_pid,$hostile_pid" -d 14 --json \
	-o "$TMP/trace.tl" --html "$TMP/live.html"
wait_exit "$TL_PID" 60
expect "record exit status" $? 0 || { cat "$TMP/record.json.err"; exit 0; }
grep -q "^leaked $HOSTILE_COUNT" "$TMP/hostile.out" ||
	{ fail "$CASE" "hostile_names did not leak $HOSTILE_COUNT threads in 14 s"; exit 0; }
"$TL" replay --json --html "$TMP/replay.html" "$TMP/trace.tl" > "$TMP/replay.json" 2> "$TMP/replay.err"
expect "replay exit status" $? 0 || exit 0
pass "$CASE"

CASE=self_contained
page=$TMP/replay.html
# Escaped in the file itself; nothing that loads anything.
grep -qF '&lt;s&gt;&amp;&quot;&#39;leak' "$page" || { fail "$CASE" "comm not escaped"; exit 0; }
expect "<script in the file" "$(grep -ci '<script' "$page")" 0 || exit 0
expect "src= or url(" "$(grep -cE 'src=|url\(|@import' "$page")" 0 || exit 0
expect "links other than #anchors" "$(grep -oE 'href="[^#][^"]*"' "$page" | wc -l)" 0 || exit 0
grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$page" ||
	{ fail "$CASE" "no CSP"; exit 0; }
pass "$CASE"

if [ -z "$CHROMIUM" ]; then
	skip "chromium" "no chromium (scripts/install-deps.sh installs Debian's)"
	exit 0
fi

# render FILE: Chromium's DOM of FILE, as facts (JSON).
render() {
	local home=$TMP/chromium-home
	mkdir -p "$home"
	HOME=$home timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--user-data-dir="$home/profile" --dump-dom "file://$1" > "$1.dom" 2> "$1.chromium.err" ||
		return 1
	python3 - "$1.dom" <<'EOF'
import json, sys
from html.parser import HTMLParser

class Facts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.f = {"elements": {}, "procs": {}}
        self.proc = None
        self.text_of = None  # tag whose text we collect
        self.buf = ""
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.f["elements"][tag] = self.f["elements"].get(tag, 0) + 1
        if tag == "section" and "data-pid" in a:
            self.proc = {"h2": "", "series": [], "markers": [], "findings": []}
            self.f["procs"][a["data-pid"]] = self.proc
        elif self.proc is not None and tag == "polyline":
            pts = a.get("points", "").split()
            self.proc["series"].append({"kind": a.get("data-kind"), "label": a.get("data-label"),
                                        "n": len(pts), "points": int(a.get("data-points", -1)),
                                        "last": int(a.get("data-last", -1)),
                                        "last_y": float(pts[-1].split(",")[1]) if pts else None})
        elif self.proc is not None and tag == "g" and a.get("class") == "marker":
            self.proc["markers"].append(a.get("data-kind"))
        elif self.proc is not None and tag in ("h2", "pre"):
            self.text_of, self.buf = tag, ""
    def handle_data(self, data):
        if self.text_of:
            self.buf += data
    def handle_endtag(self, tag):
        if self.text_of == tag:
            if tag == "h2":
                self.proc["h2"] = self.buf
            else:
                self.proc["findings"].append(self.buf)
            self.text_of = None

raw = open(sys.argv[1], "rb").read()
p = Facts()
p.feed(raw.decode("utf-8"))  # raises on invalid UTF-8
p.f["control_bytes"] = sum(1 for b in raw if (b < 0x20 and b not in (0x0a,)) or b == 0x7f)
print(json.dumps(p.f))
EOF
}

CASE=chromium_dom
facts=$TMP/replay.facts
render "$TMP/replay.html" > "$facts" || { fail "$CASE" "chromium: $(tail -3 "$TMP/replay.html.chromium.err")"; exit 0; }
# Chromium adds nothing of its own to a page with no script: every element is the file's.
expect "svg charts" "$(jq '.elements.svg' "$facts")" 4 || exit 0
expect "script elements" "$(jq '.elements.script // 0' "$facts")" 0 || exit 0
expect "control bytes" "$(jq .control_bytes "$facts")" 0 || exit 0
pass "$CASE"

CASE=leak_curve
leak=$(jq -c --arg p "$leak_pid" '.procs[$p]' "$facts")
censuses=$(nr_samples "$TMP/replay.json" "$leak_pid")
live=$(jq -r --argjson p "$leak_pid" 'select(.type == "finding" and .summary and .pid == $p) | .live' "$TMP/replay.json")
threads=$(samples "$TMP/replay.json" "$leak_pid" | tail -n 1 | jq .threads)
site=$(echo "$leak" | jq -c --arg s "$LEAK_SITE" '.series[] | select(.kind == "thread site" and .label == $s)')
[ -n "$site" ] || { fail "$CASE" "no series for $LEAK_SITE: $(echo "$leak" | jq -c '[.series[].label]')"; exit 0; }
expect "site curve: points, one per census" "$(echo "$site" | jq -c '[.n, .points]')" "[$censuses,$censuses]" || exit 0
expect "site curve ends at the leak's live count" "$(echo "$site" | jq .last)" "$live" || exit 0
# (Not its thread count less main: a thread started during the last census
# is counted by BPF before its start routine is read.)
# The site chart's top is the leak's peak: its last point is at the top edge.
expect "drawn at the top" "$(echo "$site" | jq .last_y)" 10 || exit 0
expect "threads curve ends at the last sample" \
	"$(echo "$leak" | jq '.series[] | select(.kind == "threads") | .last')" "$threads" || exit 0
expect "markers" "$(echo "$leak" | jq -c '.markers')" '["thread leak","thread leak"]' || exit 0
pass "$CASE"

CASE=leak_finding
expect "heading: the comm as text" "$(echo "$leak" | jq -r .h2)" "pid $leak_pid ($LEAK_EXE)" || exit 0
expect "findings" "$(echo "$leak" | jq '.findings | length')" 1 || exit 0
f=$(echo "$leak" | jq -r '.findings[0]')
want="thread leak: pid $leak_pid ($LEAK_EXE): $live threads started by $LEAK_SITE,"
[ "${f#"$want"}" != "$f" ] || { fail "$CASE" "finding: '$(echo "$f" | head -1)', want it to start '$want'"; exit 0; }
echo "$f" | grep -qF '    leak_on_condvar (findings.c:53)' || { fail "$CASE" "no stack: $f"; exit 0; }
pass "$CASE"

CASE=hostile_names
hostile=$(jq -c --arg p "$hostile_pid" '.procs[$p]' "$facts")
expect "heading" "$(echo "$hostile" | jq -r .h2)" "pid $hostile_pid ($HOSTILE_COMM)" || exit 0
expect "site curve" "$(echo "$hostile" | jq -c --arg s "$HOSTILE_SITE" \
	'[.series[] | select(.kind == "thread site" and .label == $s) | .last]')" "[$HOSTILE_COUNT]" || exit 0
echo "$hostile" | jq -r '.findings[0]' | grep -qF "thread leak: pid $hostile_pid ($HOSTILE_COMM): $HOSTILE_COUNT threads started by $HOSTILE_SITE" ||
	{ fail "$CASE" "finding: $(echo "$hostile" | jq -r '.findings[0]' | head -1)"; exit 0; }
pass "$CASE"

CASE=live_page
# record --html saw the same records: the same curves.
render "$TMP/live.html" > "$TMP/live.facts" || { fail "$CASE" "chromium"; exit 0; }
expect "same series" "$(jq -c '[.procs[].series]' "$TMP/live.facts")" "$(jq -c '[.procs[].series]' "$facts")" || exit 0
pass "$CASE"

CASE=screenshot
HOME=$TMP/chromium-home timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$TMP/chromium-home/profile" --screenshot="$TMP/page.png" --window-size=1000,800 \
	"file://$page" > /dev/null 2>&1
expect "PNG" "$(head -c 8 "$TMP/page.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" 89504e470d0a1a0a || exit 0
pass "$CASE"
