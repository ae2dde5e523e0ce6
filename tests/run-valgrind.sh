#!/usr/bin/env bash
# run-valgrind.sh - the tests under valgrind's memcheck: no invalid access,
# no use of uninitialised memory, no definite or indirect leak.
#
#   1. build-valgrind/: the normal sources built with -O1 -g, without the
#      hardening flags, and with -DTELNETD_NO_SECCOMP: the relay's seccomp
#      filter would kill valgrind's own system calls inside the relay (see
#      telnetd/sandbox.c).  That tree is for this script only; nothing
#      installs it.
#   2. every unit test and both fuzz corpora (fuzz_replay, the engine;
#      fuzz_session_replay, the relay on a pty and a socket) under
#      valgrind --error-exitcode=1 --leak-check=full;
#   3. a few integration test modules against that daemon run under
#      valgrind: build-valgrind/run/telnetd/telnetd is a wrapper that
#      execs valgrind on the real binary, following the daemon's forks
#      (listener, monitor, relay) but not the session programs it execs
#      (--trace-children=no: forks are always followed, execs are not).
#      Each process writes its report to a file; any error or definite or
#      indirect leak in any of them fails.
#
# VALGRIND_TESTS overrides the integration selection (pytest -k).  Tests
# that time the daemon (the start within 0.8 s, ...) are left out: under
# valgrind every process starts about a second later.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
O=build-valgrind
vg=${VALGRIND:-valgrind}
if ! command -v "$vg" >/dev/null 2>&1; then
	echo "run-valgrind: valgrind not found; apt-get install valgrind" >&2
	exit 1
fi
# DAEMON_LD=: linked dynamically, so that memcheck replaces malloc.
make -s O=$O OPT='-O1 -g' HARDEN= HARDEN_LD= DAEMON_LD= \
	CPPFLAGS=-DTELNETD_NO_SECCOMP \
	all $O/obj/bin/fuzz_replay $O/obj/bin/fuzz_session_replay || exit 1

vgopts=(--error-exitcode=1 --leak-check=full
	--show-leak-kinds=definite,indirect
	--errors-for-leak-kinds=definite,indirect --track-origins=yes
	--track-fds=no --quiet)
rc=0

echo "== unit tests under valgrind"
for t in $O/obj/bin/test_*; do
	if ! "$vg" "${vgopts[@]}" "$t" >"$O/vg-unit.log" 2>&1; then
		echo "run-valgrind: $(basename "$t") FAILED under valgrind:"
		tail -n 60 "$O/vg-unit.log"
		rc=1
	else
		echo "  $(basename "$t"): clean"
	fi
done

echo "== fuzz corpora under valgrind"
for pair in fuzz_replay:engine fuzz_session_replay:session; do
	bin=${pair%%:*}
	dir=tests/fuzz/corpus/${pair#*:}
	if ! "$vg" "${vgopts[@]}" "$O/obj/bin/$bin" "$dir" \
		>"$O/vg-corpus.log" 2>&1; then
		echo "run-valgrind: $bin $dir FAILED under valgrind:"
		tail -n 60 "$O/vg-corpus.log"
		rc=1
	else
		echo "  $bin $dir: clean"
	fi
done

echo "== integration sessions with the daemon under valgrind"
run=$O/run
logs=$root/$O/vg-daemon
rm -rf "$run" "$logs"
mkdir -p "$run/telnetd" "$logs"
chmod 1777 "$logs"	# the relay writes its report as the privsep user
ln -s "$root/$O/obj" "$run/obj"
cat >"$run/telnetd/telnetd" <<WRAP
#!/bin/sh
exec $(command -v "$vg") --error-exitcode=1 --leak-check=full \\
	--show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect \\
	--trace-children=no --child-silent-after-fork=no \\
	--log-file=$logs/vg.%p.log \\
	"$root/$O/telnetd/telnetd" "\$@"
WRAP
chmod 755 "$run/telnetd/telnetd"
sel=${VALGRIND_TESTS:-"opening or abort_output or \
synch or commands or ayt or timing_mark or every_end_of_line or tail or \
sb_without or one_mib or ten_kib or naws_wrong or cve_2011 or cve_2022 or \
half_closed or reset_mid or termcap or max_sessions or sb_max"}
TELNETD_BUILD=$root/$run PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest \
	-q -p no:cacheprovider -k "$sel" \
	tests/integration/test_daemon_start.py \
	tests/integration/test_daemon_relay.py \
	tests/integration/test_hostile.py tests/integration/test_limits.py ||
	rc=1
n=$(ls "$logs" | wc -l)
bad=$(grep -lE 'ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]' \
	"$logs"/vg.*.log 2>/dev/null)
if [ -n "$bad" ]; then
	for f in $bad; do
		echo "run-valgrind: $f:"
		cat "$f"
	done
	rc=1
fi
echo "run-valgrind: $n daemon processes checked, $(echo "$bad" |
	grep -c . ) with errors"
[ "$n" -gt 0 ] || { echo "run-valgrind: no daemon ran under valgrind"; rc=1; }
[ "$rc" = 0 ] && echo "run-valgrind: clean"
exit "$rc"
