/*
 * sandbox.h - confinement of the unprivileged relay (sandbox.c).
 */
#ifndef TELNETD_SANDBOX_H
#define TELNETD_SANDBOX_H

#include <sys/ioctl.h>

#include <fcntl.h>
#include <stddef.h>

/* Default empty directory the relay is chrooted into. */
#define SANDBOX_DIR	"/run/telnetd"

/* At start-up (the inetd-mode process, the listener): descriptors 0-2
 * open (/dev/null where closed), every other one closed except the keep
 * sockets from descriptor 3 on (systemd's LISTEN_FDS).  0 or -1/errno. */
int sandbox_close_inherited(int keep);
/* In the relay, first thing after the fork: /dev/null on 0-2 and every
 * descriptor closed but *net and *mon, and *chan (the signer channel of a
 * TLS relay) when chan is not NULL and *chan not -1, each moved above 2
 * if it was there.  0 or -1/errno. */
int sandbox_relay_fds(int *net, int *mon, int *chan);

/* As root, before dropping privileges: make DIR (created if missing; must
 * be root-owned and not group/other-writable) the root.  0 or -1/errno. */
int sandbox_chroot(const char *dir);
/* After dropping privileges: no_new_privs and the seccomp filter.
 * Returns 1 with the filter on, 0 when only no_new_privs could be set
 * (an architecture without a filter, or a sanitizer build), -1 on error. */
int sandbox_seccomp(int tls);

/* The one way the relay may open the pty's slave side from its master
 * (TIOCGPTPEER): read-only, never its controlling terminal, for a look at
 * how much input the line discipline holds (ldisc_room.c). */
#define SANDBOX_PEER_FLAGS	(O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
#ifndef TIOCGPTPEER
#define TIOCGPTPEER	_IO('T', 0x41)	/* Linux 4.13 */
#endif

/* The filter sandbox_seccomp() installs in process self (the one pid
 * kill, tkill and tgkill may name), written to f (room for max
 * instructions; SANDBOX_FILTER_MAX is enough): its length, or -1 (no
 * filter for this architecture, or no room).  tls: a TLS relay's, with
 * the few calls OpenSSL makes on top.  For tests/test_sandbox.c, which
 * runs it over every system call number and checked argument. */
#define SANDBOX_FILTER_MAX	192
struct sock_filter;
int sandbox_filter(struct sock_filter *f, size_t max, unsigned int self,
    int tls);

#endif /* TELNETD_SANDBOX_H */
