#!/usr/bin/env bash
# run-fuzz.sh SECONDS - build tests/fuzz/fuzz_engine.c with libFuzzer and
# ASan + UBSan (clang; make fuzz-build) into build-fuzz/, run it for
# SECONDS on a copy of
# tests/fuzz/corpus/engine/, then keep what it found in the repository's
# corpus: every crash-, leak-, timeout- and oom- input, and up to
# FUZZ_KEEP (default 10) of the smallest new inputs that add coverage
# (libFuzzer's -merge=1 against the seeds).  Exit 1 when it crashed.
#
#   FUZZ_JOBS=2 runs that many fuzzing processes in parallel.
set -u
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
out=build-fuzz
keep=${FUZZ_KEEP:-10}
jobs=${FUZZ_JOBS:-1}
cc=${CLANG:-clang}
corpus=tests/fuzz/corpus/engine

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "run-fuzz: $cc not found; install it with: apt-get install clang" >&2
	exit 1
fi
# The harness is built by the Makefile (make fuzz-build), from the same
# source lists as the daemon.
make --no-print-directory -C "$root" FUZZ_CC="$cc" fuzz-build >/dev/null || exit 1

# Work on a copy: libFuzzer writes every new input into its corpus dir.
# The copy is kept between runs (FUZZ_FRESH=1 starts over), so runs add
# up; the repository's corpus is merged into it each time.
work=$out/corpus-engine
[ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$work"
rm -rf "$out/merged" "$out/artifacts"
mkdir -p "$work" "$out/merged" "$out/artifacts"
cp "$corpus"/* "$work"/
cp "$corpus"/* "$out/merged"/
before=$(find "$work" -type f | wc -l)

echo "run-fuzz: fuzzing for $secs s ($jobs job(s)) on $before inputs"
opts=(-max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048
	-print_final_stats=1 -artifact_prefix="$out/artifacts/")
if [ "$jobs" -gt 1 ]; then
	opts+=(-jobs="$jobs" -workers="$jobs")
fi
ASAN_OPTIONS=detect_leaks=1 "$out/fuzz_engine" "${opts[@]}" "$work" \
	>"$out/fuzz.log" 2>&1
rc=$?
grep -E '^(stat::|#[0-9]+ +DONE|Done )' "$out/fuzz.log" fuzz-*.log 2>/dev/null | tail -n 12
rm -f fuzz-*.log

# Findings: every crash, leak, timeout or oom input goes into the corpus.
found=0
for f in "$out"/artifacts/crash-* "$out"/artifacts/leak-* \
	"$out"/artifacts/timeout-* "$out"/artifacts/oom-*; do
	[ -f "$f" ] || continue
	cp "$f" "$corpus/"
	echo "run-fuzz: FINDING kept as $corpus/$(basename "$f")"
	found=$((found + 1))
done

# New coverage: merge the work corpus into the seeds; keep the smallest
# few new inputs.
"$out/fuzz_engine" -merge=1 -max_len=4096 -timeout=10 \
	"$out/merged" "$work" >"$out/merge.log" 2>&1
new=0
while read -r _ f; do
	[ -e "$corpus/$f" ] && continue
	[ "$new" -ge "$keep" ] && break
	cp "$out/merged/$f" "$corpus/new-$f"
	new=$((new + 1))
done < <(find "$out/merged" -type f -printf '%s %f\n' | sort -n)
after=$(find "$work" -type f | wc -l)
echo "run-fuzz: corpus $before -> $after inputs while fuzzing;" \
	"kept $new new, $found finding(s); log in $out/fuzz.log"
if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
	echo "run-fuzz: the fuzzer stopped on a finding (exit $rc)" >&2
	tail -n 40 "$out/fuzz.log" >&2
	exit 1
fi
exit 0
