#!/usr/bin/env bash
# run-bench.sh quick|full - the benchmark behind `make bench-quick` and
# `make bench` (both run `make all` first).
#
# Our telnetd, GNU inetutils telnetd and a bare pty<->socket relay, each in
# inetd mode under tests/tools/inetd_launcher on loopback, interleaved; the
# table goes to standard output and to bench/results/latest.txt (raw
# samples in latest.json).  Method: bench/README.md.
#
# Environment: BENCH_BUILD (the build tree, default the repository),
# BENCH_NO_TELNETD=1 to leave our daemon out, BENCH_NICE=N to run it all
# under nice -n N.
set -u
mode=${1:-quick}
case "$mode" in
quick | full) ;;
*)
	echo "usage: run-bench.sh quick|full" >&2
	exit 2
	;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD:-$root}
bindir=$build/obj/bin
telnetd=$build/telnetd/telnetd
results=$root/bench/results

if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root (telnetd needs root for privilege separation" \
		"and the pty)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${policy_rc:-}" ] && rm -f /usr/sbin/policy-rc.d' EXIT

# inetutils telnetd is the reference: install it when it is missing, as
# tools/deps.sh does for the tests (nothing may start on its own).
if ! dpkg-query -W -f='${db:Status-Status}' inetutils-telnetd 2>/dev/null |
	grep -qx installed; then
	echo "bench: installing inetutils-telnetd" >&2
	export DEBIAN_FRONTEND=noninteractive
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy_rc=1
	fi
	{ apt-get update -qq && apt-get install -y -qq --no-install-recommends \
		inetutils-telnetd; } >&2 ||
		{ echo "bench: cannot install inetutils-telnetd" >&2; exit 1; }
fi
if ! dpkg -S /usr/sbin/telnetd 2>/dev/null | grep -q '^inetutils-telnetd:'; then
	echo "bench: /usr/sbin/telnetd is not inetutils telnetd" >&2
	exit 1
fi
if ! command -v valgrind >/dev/null; then
	echo "bench: valgrind is missing (make deps): the instructions row" \
		"will be empty" >&2
fi

mkdir -p "$results"
extra=()

# The callgrind row profiles a copy of the daemon relinked from the same
# objects with the sandbox as no-ops (bench/nosandbox.c says why): the
# Makefile's own link command for telnetd/telnetd, with bench/nosandbox.o
# ahead of the daemon's archive.
if [ -f "$build/obj/telnetd/main.o" ] && [ -f "$build/obj/libtelnetd.a" ]; then
	if [ "$build" = "$root" ]; then
		ovar=() tgt=telnetd/telnetd lib=obj/libtelnetd.a
	else
		ovar=(O="$build") tgt=$build/telnetd/telnetd
		lib=$build/obj/libtelnetd.a
	fi
	link=$(make -C "$root" --no-print-directory -n "${ovar[@]}" \
		-W "${tgt%telnetd/telnetd}obj/telnetd/main.o" "$tgt" 2>/dev/null |
		sed -e ':a' -e '/\\$/N' -e 's/\\\n[[:space:]]*/ /' -e 'ta' |
		grep -F -- "-o $tgt " | tail -n 1)
	link=${link/"-o $tgt "/"-o $tmp/telnetd-profile "}
	# sandbox.o still comes in from the archive for its other functions
	# (the relay's descriptors): the no-op entry points, linked first,
	# are the ones that count.
	link=${link/"$lib"/"$tmp/nosandbox.o -Wl,--allow-multiple-definition $lib"}
	if [ -n "$link" ] &&
		${CC:-cc} -std=gnu11 -O2 -D_GNU_SOURCE -I"$root/telnetd" -c \
			-o "$tmp/nosandbox.o" "$root/bench/nosandbox.c" &&
		(cd "$root" && eval "$link") >&2 &&
		[ -x "$tmp/telnetd-profile" ]; then
		extra+=(--telnetd-profile "$tmp/telnetd-profile")
	else
		echo "bench: cannot relink telnetd for callgrind" >&2
	fi
fi
if [ "${BENCH_NO_TELNETD:-0}" = 1 ]; then
	extra+=(--no-telnetd)
fi

# The engine's own figures, when its benchmark exists.
if [ -f "$root/bench/engine.sh" ]; then
	engine_out=$tmp/engine.txt
	echo "bench: engine (bench/engine.sh $mode) ..." >&2
	if ! bash "$root/bench/engine.sh" "$mode" >"$engine_out" 2>&1; then
		echo "bench: bench/engine.sh failed; its output is in the report" >&2
	fi
	extra+=(--engine "$engine_out")
fi

# BENCH_NICE=-10 (say) runs the whole benchmark at that priority: on a
# machine shared with other work it trims the noise; it takes CPU from
# everything else for the few minutes it runs.
nice=()
if [ -n "${BENCH_NICE:-}" ]; then
	nice=(nice -n "$BENCH_NICE")
fi
"${nice[@]}" /usr/bin/python3 "$root/bench/bench.py" "$mode" --root "$root" \
	--bindir "$bindir" --telnetd "$telnetd" --results "$results" \
	"${extra[@]}"
