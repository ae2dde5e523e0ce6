#!/usr/bin/env bash
# run-side-by-side.sh MAKE FG_TARGET BG_TARGET - two make targets at once.
#
# The integration suites spend most of their time waiting (PAM's failure
# delay, deadlines, logins): the plain suite uses about 35 s of CPU in 3
# minutes.  Running the sanitizer build and suite beside the plain one
# takes about 3 minutes off make check.  The suites share nothing a run
# owns: ports are random, the PAM service file is named per process, the
# test users are only created (never removed) by either.  The linters
# (CPU only, nothing timed) run beside the valgrind step the same way.
#
# BG_TARGET's output goes to a file and is printed after both are done, so
# the two never interleave; the status is a failure when either failed.
set -u
make=${1:?usage: run-side-by-side.sh MAKE FG_TARGET BG_TARGET}
fg=${2:?}
bg=${3:?}
log=$(mktemp "${TMPDIR:-/tmp}/telnetd-check-$bg.XXXXXX")
trap 'rm -f "$log"' EXIT
$make "$bg" >"$log" 2>&1 &
bgpid=$!
$make "$fg"
fgst=$?
wait "$bgpid"
bgst=$?
echo "==== make $bg (run beside make $fg) ===="
cat "$log"
echo "==== make $fg: status $fgst; make $bg: status $bgst ===="
[ "$fgst" -eq 0 ] && [ "$bgst" -eq 0 ]
