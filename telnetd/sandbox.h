/*
 * sandbox.h - confinement of the unprivileged relay (sandbox.c).
 */
#ifndef TELNETD_SANDBOX_H
#define TELNETD_SANDBOX_H

/* Default empty directory the relay is chrooted into. */
#define SANDBOX_DIR	"/run/telnetd"

/* As root, before dropping privileges: make DIR (created if missing; must
 * be root-owned and not group/other-writable) the root.  0 or -1/errno. */
int sandbox_chroot(const char *dir);
/* After dropping privileges: no_new_privs and the seccomp filter.
 * Returns 1 with the filter on, 0 when only no_new_privs could be set
 * (an architecture without a filter, or a sanitizer build), -1 on error. */
int sandbox_seccomp(void);

#endif /* TELNETD_SANDBOX_H */
