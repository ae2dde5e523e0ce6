/*
 * nosandbox.c - for the callgrind row of the benchmark only: sandbox.c's
 * two entry points as no-ops, linked ahead of obj/libtelnetd.a into a
 * profiling copy of the daemon (bench/run-bench.sh builds it in a
 * temporary directory; it is never installed).
 *
 * Valgrind cannot follow the confined relay: its own system calls fall
 * outside the seccomp filter (the relay is killed), and from inside the
 * empty chroot it cannot write its profile.  Everything else, the data
 * path above all, is the same object code as telnetd/telnetd.
 */
#include <sys/prctl.h>

#include "sandbox.h"

int
sandbox_chroot(const char *dir)
{
	(void)dir;
	return 0;
}

int
sandbox_seccomp(int tls)
{
	(void)tls;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ? -1 : 0;
}
