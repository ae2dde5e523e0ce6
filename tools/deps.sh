#!/usr/bin/env bash
# deps.sh - make sure the Debian packages the build and the tests drive are
# installed.  As root, installs what is missing (one apt-get update first: a
# fresh machine's package lists may be empty).  As anyone else, prints the
# one apt-get command to run and fails.
set -u

# Build: compiler, pkg-config and the libraries found through it.
BUILD_PKGS="gcc make pkg-config libbsd-dev libpam0g-dev libcmocka-dev libssl-dev"
# Tests: the real parts the integration tests drive (haproxy: the PROXY
# protocol tests; ckermit, tintin++, telnet-ssl, screen, and xterm,
# rxvt-unicode and stterm under xvfb: the report's fingerprints of clients
# and terminals; ckermit, telnet-ssl and socat: the TLS clients; stunnel4:
# the TLS bench row in front of inetutils telnetd); dpkg-dev, debhelper and
# lintian: make deb, check-deb.
TEST_PKGS="python3 python3-pytest login passwd procps iproute2 util-linux
 inetutils-telnet inetutils-telnetd busybox putty-tools expect tmux
 libtelnet-utils ckermit tintin++ telnet-ssl screen xinetd systemd mandoc clang
 libclang-rt-14-dev valgrind gdb cppcheck clang-tidy ncurses-base ncurses-term vim-tiny less
 openssl haproxy dpkg-dev debhelper lintian socat stunnel4 xterm xvfb
 rxvt-unicode stterm"

want="$BUILD_PKGS"
case "${1:-all}" in
build) ;;
*) want="$BUILD_PKGS $TEST_PKGS" ;;
esac

# xinetd, openbsd-inetd and inetutils-inetd conflict (each is the
# inet-superserver); xinetd is installed, and inetutils-inetd's binary is
# unpacked beside the tests instead, for the inetd.conf test.
INETD_DIR=/var/cache/telnetd-tests/inetutils-inetd
INETD_BIN=$INETD_DIR/usr/sbin/inetutils-inetd

unpack_inetd() {
	[ -x "$INETD_BIN" ] && return 0
	[ "$(id -u)" = 0 ] || return 0
	tmp=$(mktemp -d) || return 1
	if (cd "$tmp" && apt-get download -qq inetutils-inetd >/dev/null 2>&1) ||
	    { apt-get update -qq >&2 && (cd "$tmp" && apt-get download -qq inetutils-inetd >&2); }; then
		mkdir -p "$INETD_DIR" && dpkg-deb -x "$tmp"/inetutils-inetd_*.deb "$INETD_DIR"
	fi
	rm -rf "$tmp"
	[ -x "$INETD_BIN" ] || echo "deps: could not unpack inetutils-inetd" >&2
}

# The relay's system user and /run/telnetd: the daemon and the
# tests run the relay as telnetd, as an installed daemon does.
privsep_user() {
	[ "$(id -u)" = 0 ] || return 0
	bash "$(dirname "$0")/privsep-user.sh" ||
	    echo "deps: could not create the telnetd user" >&2
}

missing=""
for p in $want; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ "$s" = installed ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
	[ "${1:-all}" = build ] || { unpack_inetd; privsep_user; }
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "telnetd: missing Debian packages; run as root: apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Keep inetd-style daemons that the packages would enable from grabbing
# port 23 or starting on their own: the tests start what they need.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq >&2 || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2 ||
	{ echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
[ "${1:-all}" = build ] || { unpack_inetd; privsep_user; }
