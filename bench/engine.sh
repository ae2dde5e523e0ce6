#!/usr/bin/env bash
# engine.sh [quick|full] - protocol engine figures: MiB/s for feed and send
# of plain data and CR LF text, in BINARY and NVT mode (bench_engine;
# ENGINE_BENCH_BYTES bytes per figure: 64 MiB for full, 16 MiB for quick),
# then, when valgrind is there, the instructions per byte of each figure,
# counted by callgrind over the bench_run function only (ENGINE_CG_BYTES:
# 4 MiB for full, 1 MiB for quick).  bench/run-bench.sh calls it with its
# mode; ENGINE_BENCH_BIN names another bench_engine binary.
set -u
mode=${1:-full}
case "$mode" in
quick)
	: "${ENGINE_BENCH_BYTES:=16777216}" "${ENGINE_CG_BYTES:=1048576}" ;;
full)
	: "${ENGINE_BENCH_BYTES:=67108864}" "${ENGINE_CG_BYTES:=4194304}" ;;
*)
	echo "usage: engine.sh [quick|full]" >&2
	exit 2
	;;
esac
export ENGINE_BENCH_BYTES
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${ENGINE_BENCH_BIN:-$root/obj/bin/bench_engine}
if [ ! -x "$bin" ]; then
	make -C "$root" --no-print-directory obj/bin/bench_engine >&2 || exit 1
fi

echo "== engine throughput ($ENGINE_BENCH_BYTES bytes per figure)"
"$bin" || exit 1

if ! command -v valgrind >/dev/null 2>&1; then
	echo "== engine instructions/byte: skipped (valgrind not installed)"
	exit 0
fi
cg_bytes=$ENGINE_CG_BYTES
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== engine instructions/byte (callgrind, $cg_bytes bytes per figure)"
for mode in $("$bin" --list); do
	if ! ENGINE_BENCH_BYTES=$cg_bytes ENGINE_BENCH_ONCE=1 valgrind --tool=callgrind \
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
