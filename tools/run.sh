#!/usr/bin/env bash
# run.sh TELNETD - "make run": serve real logins (/bin/login) on
# 127.0.0.1:2323 in the foreground, logging each connection, its
# negotiation and its end on the terminal.  Ctrl-C stops listening.
set -u
telnetd=${1:?usage: run.sh PATH-TO-TELNETD [OPTION...]}
shift
addr=${TELNETD_RUN_ADDR:-127.0.0.1:2323}

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: logging users in needs root (login, utmp, the pty's owner); run 'make run' as root" >&2
	exit 1
fi
if [ ! -x "$telnetd" ]; then
	echo "run.sh: $telnetd is not built" >&2
	exit 1
fi
# The relay runs as the telnetd system user, as after make install.
getent passwd telnetd >/dev/null || bash "$(dirname "$0")/privsep-user.sh" ||
	exit 1
# A booted Debian system has utmp (systemd-tmpfiles); a container may not,
# and then who(1) cannot see the sessions.
if [ ! -e /var/run/utmp ]; then
	install -m 664 -g utmp /dev/null /var/run/utmp 2>/dev/null || :
fi
echo "telnetd: serving logins on $addr; connect with: telnet ${addr%:*} ${addr##*:}"
echo "telnetd: Ctrl-C stops listening (running sessions go on until they end)"
exec "$telnetd" --listen="$addr" -D options,report "$@"
