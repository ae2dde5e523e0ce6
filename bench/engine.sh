#!/usr/bin/env bash
# engine.sh [BENCH_BIN] - protocol engine figures: MiB/s for feed and send
# of plain data and CR LF text, in BINARY and NVT mode (bench_engine, size
# from ENGINE_BENCH_BYTES, default 64 MiB); then, when valgrind is there,
# instructions per byte of each figure, counted by callgrind over the
# bench_run function only (ENGINE_CG_BYTES, default 4 MiB).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/obj/bin/bench_engine}
if [ ! -x "$bin" ]; then
	make -C "$root" --no-print-directory obj/bin/bench_engine >&2 || exit 1
fi

echo "== engine throughput (ENGINE_BENCH_BYTES=${ENGINE_BENCH_BYTES:-67108864})"
"$bin" || exit 1

if ! command -v valgrind >/dev/null 2>&1; then
	echo "== engine instructions/byte: skipped (valgrind not installed)"
	exit 0
fi
cg_bytes=${ENGINE_CG_BYTES:-4194304}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== engine instructions/byte (callgrind, $cg_bytes bytes per figure)"
for mode in $("$bin" --list); do
	if ! ENGINE_BENCH_BYTES=$cg_bytes valgrind --tool=callgrind \
		--callgrind-out-file="$tmp/cg.$mode" \
		--toggle-collect=bench_run "$bin" "$mode" \
		>"$tmp/out.$mode" 2>&1; then
		echo "$mode: callgrind failed:" >&2
		tail -n 5 "$tmp/out.$mode" >&2
		exit 1
	fi
	ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$tmp/cg.$mode")
	awk -v m="$mode" -v ir="${ir:-0}" -v n="$cg_bytes" 'BEGIN {
		printf "%-18s %8.3f instructions/byte (%d instructions)\n",
		    m ":", ir / n, ir }'
done
