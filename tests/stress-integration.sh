#!/usr/bin/env bash
# stress-integration.sh [RUNS] [HOGS] - the integration suite RUNS times in
# a row (default 20) while HOGS busy loops (default: one per CPU) keep the
# machine loaded, stopping at the first failing run and keeping its output.
#
# Not part of make check: it takes RUNS times the suite (about 2 minutes
# each here).  It is how a timing-dependent failure is shown gone: a test
# that fails once in N runs is a defect, and a loaded machine makes the
# orderings that expose it (a relay or client descheduled at the wrong
# moment) far more common than an idle one does.
#
# Environment: TELNETD_BUILD (the build tree, default the repository) and
# anything tests/run-integration.sh takes; extra arguments after HOGS go to
# pytest (e.g. -k relay).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-20}
hogs=${2:-$(nproc)}
shift $(( $# > 2 ? 2 : $# ))
build=${TELNETD_BUILD:-$root}
out=$(mktemp -d /tmp/stress-integration.XXXXXX)

pids=()
stop_hogs() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
trap stop_hogs EXIT
for _ in $(seq 1 "$hogs"); do
	( while :; do :; done ) &
	pids+=($!)
done

echo "stress: $runs runs of the integration suite, $hogs CPU hog(s);" \
	"logs in $out"
for i in $(seq 1 "$runs"); do
	start=$(date +%s)
	if bash "$root/tests/run-integration.sh" "$build" "$@" \
		>"$out/run-$i.log" 2>&1; then
		echo "run $i: $(tail -n 1 "$out/run-$i.log") ($(( $(date +%s) - start )) s)"
	else
		echo "run $i FAILED:"
		grep -E '^(FAILED|ERROR) ' "$out/run-$i.log"
		echo "full output: $out/run-$i.log"
		exit 1
	fi
done
echo "stress: $runs of $runs runs passed"
