#!/usr/bin/env bash
# privsep-user.sh [SYSUSERS_CONF [TMPFILES_CONF]] - create the relay's
# system user, telnetd, and its empty root directory, /run/telnetd, from
# the sysusers.d and tmpfiles.d files (default: the ones in contrib/).
#
# make install runs it on the installed files (never when DESTDIR is set:
# a package's own sysusers.d / tmpfiles.d handling does it there), and
# make check (tools/deps.sh), make run and the integration tests run it
# so that the daemon finds its user.  An existing telnetd user is left as
# it is.  With systemd-sysusers / systemd-tmpfiles where they are, else
# useradd --system and install -d, to the same result.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sysusers=${1:-$here/../contrib/telnetd.sysusers.conf}
tmpfiles=${2:-$here/../contrib/telnetd.tmpfiles.conf}

if [ "$(id -u)" != 0 ]; then
	echo "privsep-user.sh: creating the telnetd user needs root" >&2
	exit 1
fi
# The systemd tools take absolute paths only.
sysusers=$(realpath "$sysusers")
tmpfiles=$(realpath "$tmpfiles")

if ! getent passwd telnetd >/dev/null; then
	if command -v systemd-sysusers >/dev/null; then
		systemd-sysusers "$sysusers"
	else
		useradd --system --no-create-home --home-dir /run/telnetd \
			--shell /usr/sbin/nologin telnetd
	fi
	getent passwd telnetd >/dev/null || {
		echo "privsep-user.sh: the telnetd user was not created" >&2
		exit 1
	}
	echo "privsep-user.sh: created the system user telnetd" >&2
fi
if command -v systemd-tmpfiles >/dev/null; then
	systemd-tmpfiles --create "$tmpfiles"
else
	install -d -m 0755 -o root -g root /run/telnetd
fi
