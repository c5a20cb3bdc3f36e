# SPDX-License-Identifier: GPL-2.0-only
# lib.sh - helpers sourced by every end-to-end script.
#   pass NAME | fail NAME WHY | skip_or_fail NAME WHY  (a skip fails when CI=true)
#   wait_lines / wait_grep / port_file: wait for output; pids+=($!): stopped at exit
#   need_root NAME: returns 1 (after a loud SKIP, or a FAIL under CI) when not root
#   PY: Debian's python3, which has python3-jsonschema
set -u
: "${COREWATCH:?run through tests/run}"
: "${RESULTS:?run through tests/run}"
PY=/usr/bin/python3
SCHEMA="$PWD/docs/corewatch.schema.json"
VALIDATE="$PWD/tests/e2e/validate.py"
T=$(mktemp -d /tmp/corewatch-e2e.XXXXXX)
# Background servers a script starts go in pids: they are stopped when it exits, whatever happens.
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

pass() { echo "PASS $1" >>"$RESULTS"; echo "  ok   $1"; }
fail() { echo "FAIL $1: $2" >>"$RESULTS"; echo "  FAIL $1: $2"; }
skip_or_fail() {
	if [ "${CI:-}" = true ]; then
		fail "$1" "cannot run here ($2), and CI must run it"
	else
		echo "SKIP $1: $2" >>"$RESULTS"
		echo "  SKIP $1: $2  <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"
	fi
}
need_root() {
	[ "$(id -u)" = 0 ] && return 0
	skip_or_fail "$1" "needs root"
	return 1
}
# check NAME CMD...: PASS when CMD succeeds, else FAIL with its output.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -5 | tr '\n' ' ')"; fi
}
# promtool_lint FILE: what `promtool check metrics` says of an exposition, but for the camelCase of
# the names node_exporter itself uses (meminfo, netstat), kept so its queries port by a prefix
# change (docs/metrics.md). Prints nothing when clean.
promtool_lint() {
	promtool check metrics <"$1" 2>&1 | grep -v '^$' |
		grep -vE "^corewatch_(memory|netstat)_[A-Za-z_]+ metric names should be written in 'snake_case' not 'camelCase'$"
}
# wait_lines FILE N SECONDS: waits until FILE has at least N lines.
wait_lines() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# wait_grep FILE REGEX SECONDS: waits until a line of FILE matches.
wait_grep() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# port_file FILE: waits for a server to write the port it listens on to FILE, and prints it.
port_file() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$1" ] && { cat "$1"; return 0; }
		sleep 0.05
	done
	return 1
}
# "${CW[@]}" ARGS...: corewatch with an empty config, so an installed /etc/corewatch/corewatch.conf
# never changes what a test sees (a later -c in ARGS wins). An array, not a function: with
# "${CW[@]}" ... & the pid in $! is corewatch's own.
: >"$T/empty.conf"
CW=("$COREWATCH" -c "$T/empty.conf")
# pycheck NAME FILE <<'PYEOF' ... : runs a python check script that prints PASS/FAIL lines (and INFO
# lines: measured figures, shown in the log); a crash
# of the script itself is a failure too, never a silently missing result.
pycheck() {
	local name=$1 out rc
	out=$($PY - "$2" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^(PASS|FAIL) ' | report
	printf '%s\n' "$out" | sed -n 's/^INFO /  info /p'
	[ $rc -eq 0 ] || fail "$name" "check script failed: $(printf '%s' "$out" | tail -3 | tr '\n' ' ')"
}
# ... | report: turns "PASS name" / "FAIL name: why" lines (from python checks) into results.
report() {
	local st rest
	while read -r st rest; do
		case "$st" in
		PASS) pass "$rest" ;;
		FAIL) fail "${rest%%: *}" "${rest#*: }" ;;
		*) fail "report" "unexpected line: $st $rest" ;;
		esac
	done
}
