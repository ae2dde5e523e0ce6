/*
 * title.c - what ps(1) shows for each process of the daemon, as sshd does:
 *
 *	telnetd: listening on 0.0.0.0:23 [::]:23, 12 sessions	listener
 *	telnetd: 192.0.2.7 on pts/3				monitor
 *	telnetd: 192.0.2.7 [relay]				relay
 *
 * (the monitor shows just the address until the program has its pty).
 * libbsd's setproctitle() writes the title over the argument strings;
 * setproctitle_init() first moves the environment strings to the heap, so
 * the title can use their room too.  That copy is made once, in the first
 * process (the listener, or the monitor inetd starts); the processes
 * forked after it share its pages.
 */
#include <stddef.h>
#include <unistd.h>

#include "telnetd.h"

extern char **environ;

void
title_init(int argc, char **argv)
{
	setproctitle_init(argc, argv, environ);
}

void
title_listener(const char *addrs, size_t nsessions)
{
	setproctitle("-telnetd: listening on %s, %zu session%s", addrs,
	    nsessions, nsessions == 1 ? "" : "s");
}

/* The monitor: the client's address, and its pty once there is one. */
void
title_session(const char *host, const char *tty)
{
	if (tty != NULL && *tty != '\0')
		setproctitle("-telnetd: %s on %s", host, tty);
	else
		setproctitle("-telnetd: %s", host);
}

void
title_relay(const char *host)
{
	setproctitle("-telnetd: %s [relay]", host);
}
