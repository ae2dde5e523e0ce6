#!/usr/bin/env bash
# run-fuzz-session.sh SECONDS - build tests/fuzz/fuzz_session.c with
# libFuzzer and ASan + UBSan (clang) into build-fuzz/session/, run it for
# SECONDS on a copy of tests/fuzz/corpus/session/, then keep what it found
# in the repository's corpus: every crash-, leak-, timeout- and oom- input,
# and up to FUZZ_KEEP (default 10) of the smallest new inputs that add
# coverage (libFuzzer's -merge=1 against the kept corpus).  Exit 1 when it
# stopped on a finding.  The sibling of run-fuzz.sh (the engine harness);
# `make fuzz` runs both.
#
# The harness runs the relay on a loopback TCP connection, a pty pair and
# a socketpair inside the fuzzing process (see fuzz_session.c): it needs a
# free pty and loopback, nothing else.
#
#   FUZZ_JOBS=2   that many fuzzing processes in parallel
#   FUZZ_FRESH=1  start the work corpus over
set -u
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=$root/build-fuzz/session
keep=${FUZZ_KEEP:-10}
jobs=${FUZZ_JOBS:-1}
cc=${CLANG:-clang}
corpus=tests/fuzz/corpus/session
maxlen=8192

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "run-fuzz-session: $cc not found; install it with:" \
		"apt-get install clang" >&2
	exit 1
fi
mkdir -p "$out/obj"
echo "run-fuzz-session: building $out/fuzz_session"
# Coverage for the engine and the daemon; the harness itself is not
# instrumented, so its own checks do not steer the fuzzer.
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
pkg=$(pkg-config --cflags libbsd-overlay pam 2>/dev/null)
cflags="-g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -DTELNETD_VERSION=\"fuzz\"
	-Ilibtelnet -Itelnetd -Ipam $pkg -Wall -Wextra"
objs=()
for src in libtelnet/*.c telnetd/*.c pam/*.c; do
	# The programs' own main()s: libFuzzer brings the main.
	case $src in telnetd/main.c | pam/main.c) continue ;; esac
	o=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	"$cc" $cflags $san -fsanitize=fuzzer-no-link -c "$src" -o "$o" ||
		exit 1
	objs+=("$o")
done
"$cc" $cflags $san -c tests/fuzz/fuzz_session.c \
	-o "$out/obj/fuzz_session.o" || exit 1
"$cc" $san -fsanitize=fuzzer "${objs[@]}" "$out/obj/fuzz_session.o" \
	$(pkg-config --libs libbsd-overlay pam 2>/dev/null) -lutil \
	-o "$out/fuzz_session" || exit 1

work=$out/corpus
[ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$work"
rm -rf "$out/merged" "$out/artifacts"
mkdir -p "$work" "$out/merged" "$out/artifacts"
cp "$corpus"/* "$work"/
cp "$corpus"/* "$out/merged"/
before=$(ls "$work" | wc -l)

echo "run-fuzz-session: fuzzing for $secs s ($jobs job(s)) on $before inputs"
opts=(-max_total_time="$secs" -max_len="$maxlen" -timeout=10
	-rss_limit_mb=2048 -print_final_stats=1
	-artifact_prefix="$out/artifacts/")
if [ "$jobs" -gt 1 ]; then
	opts+=(-jobs="$jobs" -workers="$jobs")
fi
# (-jobs writes fuzz-N.log into the current directory: $out.)
(cd "$out" && ASAN_OPTIONS=detect_leaks=1 ./fuzz_session "${opts[@]}" \
	"$work" >fuzz.log 2>&1)
rc=$?
grep -hE '^(stat::|#[0-9]+ +DONE|Done )' "$out/fuzz.log" "$out"/fuzz-*.log \
	2>/dev/null | tail -n 12
rm -f "$out"/fuzz-*.log

found=0
for f in "$out"/artifacts/crash-* "$out"/artifacts/leak-* \
	"$out"/artifacts/timeout-* "$out"/artifacts/oom-*; do
	[ -f "$f" ] || continue
	cp "$f" "$corpus/"
	echo "run-fuzz-session: FINDING kept as $corpus/$(basename "$f")"
	found=$((found + 1))
done

"$out/fuzz_session" -merge=1 -max_len="$maxlen" -timeout=10 \
	"$out/merged" "$work" >"$out/merge.log" 2>&1
new=0
for f in $(ls -S -r "$out/merged"); do
	[ -e "$corpus/$f" ] && continue
	[ "$new" -ge "$keep" ] && break
	cp "$out/merged/$f" "$corpus/new-$f"
	new=$((new + 1))
done
after=$(ls "$work" | wc -l)
echo "run-fuzz-session: corpus $before -> $after inputs while fuzzing;" \
	"kept $new new, $found finding(s); log in $out/fuzz.log"
if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
	echo "run-fuzz-session: the fuzzer stopped on a finding (exit $rc)" >&2
	tail -n 40 "$out/fuzz.log" >&2
	exit 1
fi
exit 0
