#!/usr/bin/env bash
# run-unit.sh BIN... - run each cmocka unit test binary; fail if any fails.
set -u
fail=0 total=0
for t in "$@"; do
	total=$((total + 1))
	echo "== $t"
	if ! "$t"; then
		echo "FAILED: $t"
		fail=$((fail + 1))
	fi
done
echo "unit: $((total - fail)) passed, $fail failed"
[ "$fail" = 0 ]
