#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The alert rules: promtool's syntax and PromQL check, then its unit tests
# (tests/monitor/threadleak.rules.test.yml: each alert fires on synthetic
# series, and only when it should). No root needed.
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/live/lib.sh
. tests/live/lib.sh
RULES=scripts/threadleak.rules.yml
RULE_TESTS=tests/monitor/threadleak.rules.test.yml

if ! command -v promtool > /dev/null; then
	skip "" "needs promtool (Debian package prometheus)"
	exit 0
fi
CASE=check
if promtool check rules "$RULES" > "$TMP/check" 2>&1; then
	pass "$CASE"
else
	fail "$CASE" "$(cat "$TMP/check")"
fi
CASE=alerts_fire
if promtool test rules "$RULE_TESTS" > "$TMP/test" 2>&1; then
	pass "$CASE"
else
	fail "$CASE" "$(cat "$TMP/test")"
fi
# The Alertmanager configuration shipped beside the rules (its inhibit rule
# holds in tests/live/alertmanager.sh).
CASE=alertmanager_config
if ! command -v amtool > /dev/null; then
	skip "$CASE" "needs amtool (Debian package prometheus-alertmanager)"
elif amtool check-config scripts/threadleak.alertmanager.yml > "$TMP/amtool" 2>&1; then
	pass "$CASE"
else
	fail "$CASE" "$(cat "$TMP/amtool")"
fi
