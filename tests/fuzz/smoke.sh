#!/usr/bin/env bash
# smoke.sh HARNESS CORPUS - run a libFuzzer harness once over every input
# of its corpus, without fuzzing (make check-fuzz-build): proof that it
# still links and runs under the sanitizers it is built with.
set -u
h=${1:?usage: smoke.sh HARNESS CORPUS}
c=${2:?usage: smoke.sh HARNESS CORPUS}
n=$(find "$c" -type f | wc -l)
if ! ASAN_OPTIONS=detect_leaks=1 "$h" -runs=0 "$c" >"$h.smoke.log" 2>&1; then
	tail -n 30 "$h.smoke.log" >&2
	echo "smoke: $h failed on its corpus" >&2
	exit 1
fi
echo "smoke: $(basename "$h") ran its $n corpus inputs"
