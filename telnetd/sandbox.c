/*
 * sandbox.c - confinement of the unprivileged relay beyond dropping root:
 * only its own descriptors (with /dev/null on 0-2), an empty, root-owned
 * directory as its root, no_new_privs, and a seccomp
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
#include <fcntl.h>
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

/* Close fds [from, to] (to >= from). */
static void
close_span(int from, int to)
{
	int fd;

	if (close_range((unsigned int)from, (unsigned int)to, 0) == 0)
		return;
	for (fd = from; fd <= to; fd++)
		(void)close(fd);
}

/* Descriptors 0-2 on /dev/null where they are closed, so that nothing we
 * open later lands there and is taken for standard error. */
static int
std_fds_open(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= 2)
		;
	if (fd == -1)
		return -1;
	close(fd);
	return 0;
}

int
sandbox_close_inherited(int keep)
{
	if (std_fds_open() == -1)
		return -1;
	if (keep < 0)
		keep = 0;
	closefrom(3 + keep);
	return 0;
}

/* fd moved above 2 (0-2 get /dev/null next); -1 on error. */
static int
off_std(int fd)
{
	int nfd;

	if (fd > 2)
		return fd;
	if ((nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	close(fd);
	return nfd;
}

int
sandbox_relay_fds(int *net, int *mon)
{
	int dn, lo, hi;

	if ((*net = off_std(*net)) == -1 || (*mon = off_std(*mon)) == -1)
		return -1;
	if ((dn = open("/dev/null", O_RDWR)) == -1)
		return -1;
	if (dup2(dn, 0) == -1 || dup2(dn, 1) == -1 || dup2(dn, 2) == -1) {
		close(dn);
		return -1;
	}
	if (dn > 2)
		close(dn);
	lo = *net < *mon ? *net : *mon;
	hi = *net < *mon ? *mon : *net;
	if (lo > 3)
		close_span(3, lo - 1);
	if (hi > lo + 1)
		close_span(lo + 1, hi - 1);
	closefrom(hi + 1);
	return 0;
}

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

/*
 * The relay's system calls: moving bytes (read/write/readv/writev, the
 * socket send/recv family, recvmsg for the pty descriptor passed by the
 * monitor), poll, the pty ioctls it needs, memory for malloc, time, signal
 * returns, syslog's socket, and exit.  ioctl is further limited to the
 * requests the relay uses.
 */
static const unsigned int allowed_nr[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev,
	SYS_recvfrom, SYS_sendto, SYS_recvmsg, SYS_sendmsg,
#ifdef SYS_poll
	SYS_poll,
#endif
	SYS_ppoll, SYS_close, SYS_fcntl, SYS_shutdown,
	SYS_setsockopt, SYS_getsockopt,
	SYS_brk, SYS_mmap, SYS_munmap, SYS_mremap, SYS_madvise,
	SYS_clock_gettime, SYS_gettimeofday,
	SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_rt_sigaction,
	SYS_getpid, SYS_futex, SYS_restart_syscall,
	/* syslog(3) reconnects to /dev/log when the socket breaks; in the
	 * empty root that fails, harmlessly. */
	SYS_socket, SYS_connect,
	SYS_exit, SYS_exit_group,
	SYS_ioctl,	/* only the requests below */
};

static const unsigned int allowed_ioctl[] = {
	TCGETS, TCSETS, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, SIOCATMARK,
	TIOCSIG,
};

#define NALLOWED	(sizeof(allowed_nr) / sizeof(allowed_nr[0]))
#define NIOCTL		(sizeof(allowed_ioctl) / sizeof(allowed_ioctl[0]))
/* Where a compare jumps, when it jumps to a block not yet placed (the
 * offsets are patched once the program is laid out). */
enum label { TO_NEXT = 0, TO_ALLOW, TO_IOCTL, TO_KILL };
#define TREE_LEAF	4	/* at most this many compares in a leaf */

struct fbuild {
	struct sock_filter *f;
	unsigned char jt[SANDBOX_FILTER_MAX];	/* enum label */
	unsigned char jf[SANDBOX_FILTER_MAX];
	size_t n, max;
	int bad;
};

static size_t
put(struct fbuild *b, unsigned short code, unsigned int k, enum label jt,
    enum label jf)
{
	if (b->n == b->max || b->n == SANDBOX_FILTER_MAX) {
		b->bad = 1;
		return b->n;
	}
	b->f[b->n].code = code;
	b->f[b->n].jt = 0;
	b->f[b->n].jf = 0;
	b->f[b->n].k = k;
	b->jt[b->n] = (unsigned char)jt;
	b->jf[b->n] = (unsigned char)jf;
	return b->n++;
}

/* The 8-bit forward offset from instruction i to to; -1 when it does not
 * fit (the program is short: it always does). */
static int
offset(size_t i, size_t to, unsigned char *off)
{
	if (to <= i || to - i - 1 > 0xff)
		return -1;
	*off = (unsigned char)(to - i - 1);
	return 0;
}

/*
 * A binary search over the sorted numbers nr[lo..hi): JGE at the middle,
 * the lower half falling through, small leaves of JEQ (the last one's
 * "false" goes to KILL).  The
 * kernel emulates the filter once per system call number when it is
 * installed (the seccomp action cache), so its cost is the number of
 * instructions each number walks: a few here, every compare in a chain.
 */
static void
tree(struct fbuild *b, const unsigned int *nr, size_t lo, size_t hi)
{
	size_t i, mid, at;

	if (hi - lo <= TREE_LEAF) {
		for (i = lo; i < hi; i++)
			put(b, BPF_JMP | BPF_JEQ | BPF_K, nr[i],
			    nr[i] == SYS_ioctl ? TO_IOCTL : TO_ALLOW,
			    i + 1 == hi ? TO_KILL : TO_NEXT);
		return;
	}
	mid = lo + (hi - lo) / 2;
	at = put(b, BPF_JMP | BPF_JGE | BPF_K, nr[mid], TO_NEXT, TO_NEXT);
	tree(b, nr, lo, mid);
	if (b->bad || offset(at, b->n, &b->f[at].jt) == -1) {
		b->bad = 1;
		return;
	}
	tree(b, nr, mid, hi);
}

int
sandbox_filter(struct sock_filter *f, size_t max)
{
#if defined(SANDBOX_ARCH)
	static struct fbuild zero;
	struct fbuild b = zero;
	unsigned int nr[NALLOWED], v;
	size_t i, j, allow, kill, ioctl_at;

	/* Sorted (insertion: a few dozen numbers). */
	for (i = 0; i < NALLOWED; i++) {
		v = allowed_nr[i];
		for (j = i; j > 0 && nr[j - 1] > v; j--)
			nr[j] = nr[j - 1];
		nr[j] = v;
	}
	b.f = f;
	b.max = max;
	put(&b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch),
	    TO_NEXT, TO_NEXT);
	put(&b, BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, TO_NEXT, TO_KILL);
	put(&b, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr),
	    TO_NEXT, TO_NEXT);
	tree(&b, nr, 0, NALLOWED);
	/* ioctl: only the listed requests. */
	ioctl_at = put(&b, BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, args[1]), TO_NEXT, TO_NEXT);
	for (i = 0; i < NIOCTL; i++)
		put(&b, BPF_JMP | BPF_JEQ | BPF_K, allowed_ioctl[i], TO_ALLOW,
		    i + 1 == NIOCTL ? TO_KILL : TO_NEXT);
	kill = put(&b, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, TO_NEXT,
	    TO_NEXT);
	allow = put(&b, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, TO_NEXT,
	    TO_NEXT);
	if (b.bad)
		return -1;
	for (i = 0; i < b.n; i++) {
		const size_t to[] = { 0, allow, ioctl_at, kill };

		if ((b.jt[i] != TO_NEXT &&
		    offset(i, to[b.jt[i]], &f[i].jt) == -1) ||
		    (b.jf[i] != TO_NEXT &&
		    offset(i, to[b.jf[i]], &f[i].jf) == -1))
			return -1;
	}
	return (int)b.n;
#else
	(void)f;
	(void)max;
	return -1;
#endif
}

int
sandbox_seccomp(void)
{
#if defined(SANDBOX_ARCH) && !defined(SANDBOX_SANITIZER)
	struct sock_filter filter[SANDBOX_FILTER_MAX];
	struct sock_fprog prog;
	int n;

	if ((n = sandbox_filter(filter, SANDBOX_FILTER_MAX)) <= 0) {
		errno = EINVAL;
		return -1;
	}
	prog.len = (unsigned short)n;
	prog.filter = filter;
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
