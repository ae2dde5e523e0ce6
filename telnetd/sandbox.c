/*
 * sandbox.c - confinement of the unprivileged relay beyond dropping root:
 * an empty, root-owned directory as its root, no_new_privs, and a seccomp
 * filter that allows only the system calls the relay makes once it is
 * relaying.  A call outside the list kills the relay alone (its session
 * ends; the monitor cleans up; other sessions go on).
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <stddef.h>
#include <termios.h>
#include <unistd.h>

#include "sandbox.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define SANDBOX_ARCH	AUDIT_ARCH_I386
#endif

/*
 * TELNETD_NO_SECCOMP: the valgrind build only (tests/run-valgrind.sh, make
 * check-valgrind, in build-valgrind/): valgrind makes system calls of its
 * own inside the relay, which the filter would kill.  That build is never
 * installed; every other build has the filter.
 */
#if defined(TELNETD_NO_SECCOMP)
#define SANDBOX_SANITIZER 1
#elif defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER 1
#endif
#endif

/*
 * Make dir (an empty directory owned by root, not writable by others) the
 * process's root.  Must run as root, before privileges are dropped.
 */
int
sandbox_chroot(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		errno = EPERM;
		return -1;
	}
	if (chroot(dir) == -1 || chdir("/") == -1)
		return -1;
	return 0;
}

#define LOAD_NR		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
	offsetof(struct seccomp_data, nr))
#define ALLOW_NR(n)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (n), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define ALLOW_ARG1(v)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (v), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * The relay's system calls: moving bytes (read/write/readv/writev, the
 * socket send/recv family, recvmsg for the pty descriptor passed by the
 * monitor), poll, the pty ioctls it needs, memory for malloc, time, signal
 * returns, syslog's socket, and exit.  ioctl is further limited to the
 * requests the relay uses.
 */
int
sandbox_seccomp(void)
{
#if defined(SANDBOX_ARCH) && !defined(SANDBOX_SANITIZER)
	static const struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		LOAD_NR,
		/* ioctl: only the listed requests (checked below). */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 16),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[1])),
		ALLOW_ARG1(TCGETS),
		ALLOW_ARG1(TCSETS),
		ALLOW_ARG1(TIOCGWINSZ),
		ALLOW_ARG1(TIOCSWINSZ),
		ALLOW_ARG1(FIONREAD),
		ALLOW_ARG1(SIOCATMARK),
		ALLOW_ARG1(TIOCSIG),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		ALLOW_NR(SYS_read),
		ALLOW_NR(SYS_write),
		ALLOW_NR(SYS_readv),
		ALLOW_NR(SYS_writev),
		ALLOW_NR(SYS_recvfrom),
		ALLOW_NR(SYS_sendto),
		ALLOW_NR(SYS_recvmsg),
		ALLOW_NR(SYS_sendmsg),
#ifdef SYS_poll
		ALLOW_NR(SYS_poll),
#endif
		ALLOW_NR(SYS_ppoll),
		ALLOW_NR(SYS_close),
		ALLOW_NR(SYS_fcntl),
		ALLOW_NR(SYS_shutdown),
		ALLOW_NR(SYS_setsockopt),
		ALLOW_NR(SYS_getsockopt),
		ALLOW_NR(SYS_brk),
		ALLOW_NR(SYS_mmap),
		ALLOW_NR(SYS_munmap),
		ALLOW_NR(SYS_mremap),
		ALLOW_NR(SYS_madvise),
		ALLOW_NR(SYS_clock_gettime),
		ALLOW_NR(SYS_gettimeofday),
		ALLOW_NR(SYS_rt_sigreturn),
		ALLOW_NR(SYS_rt_sigprocmask),
		ALLOW_NR(SYS_rt_sigaction),
		ALLOW_NR(SYS_getpid),
		ALLOW_NR(SYS_futex),
		ALLOW_NR(SYS_restart_syscall),
		/* syslog(3) reconnects to /dev/log when the socket breaks;
		 * in the empty root that fails, harmlessly. */
		ALLOW_NR(SYS_socket),
		ALLOW_NR(SYS_connect),
		ALLOW_NR(SYS_exit),
		ALLOW_NR(SYS_exit_group),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	static const struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
		.filter = (struct sock_filter *)(unsigned long)filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
		return -1;
	return 1;
#else
	/* No filter for this architecture, or a sanitizer or valgrind
	 * build (whose runtime makes system calls the relay never does). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return 0;
#endif
}
