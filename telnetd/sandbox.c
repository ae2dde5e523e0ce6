/*
 * sandbox.c - confinement of the unprivileged relay beyond dropping root:
 * only its own descriptors (with /dev/null on 0-2), an empty root-owned
 * directory as its root, no_new_privs, and a seccomp filter that allows
 * only the system calls the relay makes once it is relaying, each with
 * the arguments it uses where a call is dangerous in general.  A call
 * outside the list kills the relay alone (its session ends; the monitor
 * logs it and cleans up; other sessions go on).
 *
 * No call is answered with an errno instead: the relay runs no library
 * code that probes for something it may not have (it logs through the
 * monitor, holds no syslog socket, opens no file, loads no locale or
 * time zone after the drop), so every denied call is one the relay's own
 * code never makes, and the attacker's first wrong step ends the process
 * (and is logged by the monitor) rather than teaching it what fails.
 */
#include <sys/mman.h>
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
sandbox_relay_fds(int *net, int *mon, int *chan)
{
	int keep[3], n = 0, i, j, v, dn, from;

	if ((*net = off_std(*net)) == -1 || (*mon = off_std(*mon)) == -1 ||
	    (chan != NULL && *chan != -1 && (*chan = off_std(*chan)) == -1))
		return -1;
	if ((dn = open("/dev/null", O_RDWR)) == -1)
		return -1;
	if (dup2(dn, 0) == -1 || dup2(dn, 1) == -1 || dup2(dn, 2) == -1) {
		close(dn);
		return -1;
	}
	if (dn > 2)
		close(dn);
	keep[n++] = *net;
	keep[n++] = *mon;
	if (chan != NULL && *chan != -1)
		keep[n++] = *chan;
	for (i = 1; i < n; i++)		/* sorted, to close the gaps */
		for (j = i, v = keep[i]; j > 0 && keep[j - 1] > v; j--) {
			keep[j] = keep[j - 1];
			keep[j - 1] = v;
		}
	for (i = 0, from = 3; i < n; from = keep[i++] + 1)
		if (keep[i] > from)
			close_span(from, keep[i] - 1);
	closefrom(from);
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
 * Where a compare jumps: the next instruction, a verdict, or the block
 * that checks the arguments of one kind of call (laid out after the
 * search; offsets patched once the program is placed).
 */
enum label {
	TO_NEXT = 0, TO_ALLOW, TO_KILL,
	TO_IOCTL,	/* args[1]: one of allowed_ioctl[] */
	TO_FCNTL,	/* F_GETFL, or F_SETFL without O_ASYNC */
	TO_SELF,	/* args[0] is the relay's own pid */
	TO_TGKILL,	/* args[0] and args[1] are the relay's own pid */
	TO_MMAP,	/* args[2] (prot) without PROT_EXEC */
	TO_MADVISE,	/* args[2] (advice) is MADV_DONTNEED */
	TO_PEER,	/* TIOCGPTPEER: args[2] is SANDBOX_PEER_FLAGS */
	TO_SOCKOPT,	/* TLS: kernel TLS's setsockopt calls only: */
	TO_SO_TCP,	/* (SOL_TCP, TCP_ULP) */
	TO_SO_TLS,	/* (SOL_TLS, TLS_TX or TLS_RX) */
	TO_NLABEL
};

/*
 * The relay's system calls, each with the reason it is there.  Calls not
 * listed kill the relay: among them socket, connect, bind, listen, accept
 * (it reaches nothing but the client and the monitor it was given),
 * sendmsg (no descriptor passing; a TLS relay's kernel TLS needs it),
 * open/openat/execve/fork/clone/ptrace, setsockopt/getsockopt (the
 * monitor set the client socket's options before the fork; the relay
 * sets none), and mprotect (nothing in the relay changes a mapping's
 * protection; with it, PROT_EXEC would be one call away).
 */
static const struct allowed {
	unsigned int nr;
	unsigned char check;	/* enum label: TO_ALLOW or an argument check */
} allowed[] = {
	/* Moving bytes: the client socket, the pty, the monitor socket. */
	{ SYS_read, TO_ALLOW }, { SYS_write, TO_ALLOW },
	{ SYS_readv, TO_ALLOW }, { SYS_writev, TO_ALLOW },
	/* send/recv on the client socket (MSG_OOB for the DM, MSG_PEEK),
	 * PS_LOG lines to the monitor (send with MSG_DONTWAIT). */
	{ SYS_recvfrom, TO_ALLOW }, { SYS_sendto, TO_ALLOW },
	/* The monitor's messages, STARTED with the pty master attached.
	 * (START and REPORT go with send: never sendmsg, whose SCM_RIGHTS
	 * would let the relay pass its descriptors and reach the kernel's
	 * in-flight descriptor accounting and garbage collector, a record
	 * of exploited bugs, for nothing it needs.) */
	{ SYS_recvmsg, TO_ALLOW },
#ifdef SYS_poll
	{ SYS_poll, TO_ALLOW },
#endif
	{ SYS_ppoll, TO_ALLOW },
	{ SYS_close, TO_ALLOW },
	/* set_nonblock() on the pty master: F_GETFL, F_SETFL.  Never
	 * F_SETOWN / F_SETOWN_EX / F_SETSIG / O_ASYNC, with which a byte
	 * from the client would send a signal of the relay's choosing to
	 * any process of its uid. */
	{ SYS_fcntl, TO_FCNTL },
#ifdef SYS_fcntl64
	{ SYS_fcntl64, TO_FCNTL },
#endif
	/* Half-close at the end of the session. */
	{ SYS_shutdown, TO_ALLOW },
	/* Memory: malloc, the buffers' own pages, giving them back when
	 * idle (MADV_DONTNEED).  mmap never executable. */
	{ SYS_brk, TO_ALLOW },
#if defined(__i386__)
	/* i386's SYS_mmap takes its arguments in memory, where the filter
	 * cannot look: only mmap2, which glibc uses. */
	{ SYS_mmap2, TO_MMAP },
#else
	{ SYS_mmap, TO_MMAP },
#endif
	{ SYS_munmap, TO_ALLOW }, { SYS_mremap, TO_ALLOW },
	/* MADV_DONTNEED alone: what pages_discard() and malloc's trimming
	 * ask; no other advice (DONTFORK, WIPEONFORK, HWPOISON...) has a
	 * use here. */
	{ SYS_madvise, TO_MADVISE },
	/* Deadlines (the vDSO answers these; a kernel without one asks). */
	{ SYS_clock_gettime, TO_ALLOW }, { SYS_gettimeofday, TO_ALLOW },
	/* Signals: returns from handlers, masks, and abort(3)/raise(3),
	 * which signal the caller only: getpid, gettid, then tgkill (kill
	 * and tkill alike) with the relay's own pid, never another's. */
	{ SYS_rt_sigreturn, TO_ALLOW }, { SYS_rt_sigprocmask, TO_ALLOW },
	{ SYS_rt_sigaction, TO_ALLOW },
	{ SYS_getpid, TO_ALLOW }, { SYS_gettid, TO_ALLOW },
	{ SYS_kill, TO_SELF }, { SYS_tkill, TO_SELF },
	{ SYS_tgkill, TO_TGKILL },
	/* libc's internal locks, a poll restarted after a stop. */
	{ SYS_futex, TO_ALLOW }, { SYS_restart_syscall, TO_ALLOW },
	{ SYS_exit, TO_ALLOW }, { SYS_exit_group, TO_ALLOW },
	/* Terminal modes and window size of the pty, the bytes waiting,
	 * the urgent mark, a signal to the program's process group through
	 * its terminal (TIOCSIG: IP, SUSP, ABORT from the client), and
	 * TIOCGPTPEER, the pty's slave side opened from the master for a
	 * moment while the client pastes in a line mode (ldisc_room.c: how
	 * much input the line discipline holds, FIONREAD on it).  That is
	 * the one descriptor the relay makes, read-only and never a
	 * controlling terminal (checked below); it gives nothing the master
	 * does not (the relay writes all the input, and the same ioctl list
	 * holds for it).  Never TIOCSTI (typing into the terminal) or any
	 * other request. */
	{ SYS_ioctl, TO_IOCTL },
};

/*
 * What a TLS relay (tls-helper's, in a TLS session) makes on top, found
 * with strace on the relay through handshakes of TLS 1.2 and 1.3, RSA
 * and ECDSA, bulk both ways and idle trims:
 */
static const struct allowed allowed_tls[] = {
	/* OpenSSL's random generator reseeds itself after the fork (it
	 * notices the new pid) and then at intervals: getrandom(2), which
	 * opens nothing. */
	{ SYS_getrandom, TO_ALLOW },
	/* Kernel TLS once it has the keys: OpenSSL sends the records that
	 * are not application data (alerts, close_notify, a TLS 1.3 key
	 * update) with sendmsg and their type in a SOL_TLS control
	 * message, which the filter cannot tell from SCM_RIGHTS.  The
	 * signer takes no descriptor from a relay (tls_sign.c). */
	{ SYS_sendmsg, TO_ALLOW },
	/* Kernel TLS, tried by OpenSSL when the keys are made:
	 * setsockopt(SOL_TCP, TCP_ULP, "tls"), then (SOL_TLS, TLS_TX or
	 * TLS_RX) with the keys.  Where the kernel has no "tls" ULP the
	 * first fails (ENOENT) and OpenSSL keeps its own record layer.  No
	 * other option: the monitor set the socket up before the fork. */
	{ SYS_setsockopt, TO_SOCKOPT },
};

/* setsockopt's levels and names for kernel TLS (linux/tls.h). */
#ifndef SOL_TLS
#define SOL_TLS		282
#endif
#ifndef TCP_ULP
#define TCP_ULP		31
#endif
#ifndef SOL_TCP
#define SOL_TCP		6	/* IPPROTO_TCP */
#endif
#define KTLS_TX		1	/* TLS_TX */
#define KTLS_RX		2	/* TLS_RX */

static const unsigned int allowed_ioctl[] = {
	TCGETS, TCSETS, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, SIOCATMARK,
	TIOCSIG,
};

#define NALLOWED	(sizeof(allowed) / sizeof(allowed[0]))
#define NALLOWED_TLS	(sizeof(allowed_tls) / sizeof(allowed_tls[0]))
#define NIOCTL		(sizeof(allowed_ioctl) / sizeof(allowed_ioctl[0]))
#define TREE_LEAF	4	/* at most this many compares in a leaf */

/*
 * The low 32 bits of argument n.  Only these are compared: every checked
 * argument is an int or unsigned int to the kernel (a pid, an fcntl
 * command, an ioctl request, fcntl's flags), which ignores the upper
 * half, or mmap's prot, whose PROT_EXEC bit is in the lower half.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]) + 4)
#else
#define ARG_LO(n)	offsetof(struct seccomp_data, args[n])
#endif

struct fbuild {
	struct sock_filter *f;
	unsigned char jt[SANDBOX_FILTER_MAX];	/* enum label */
	unsigned char jf[SANDBOX_FILTER_MAX];
	size_t at[TO_NLABEL];			/* where each block starts */
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

static void
load(struct fbuild *b, size_t off)
{
	put(b, BPF_LD | BPF_W | BPF_ABS, (unsigned int)off, TO_NEXT, TO_NEXT);
}

/* A compare: "equal" (or "any bit set" for JSET) goes to jt, else jf. */
static void
cmp(struct fbuild *b, unsigned short op, unsigned int k, enum label jt,
    enum label jf)
{
	put(b, BPF_JMP | op | BPF_K, k, jt, jf);
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
 * A binary search over the sorted entries e[lo..hi): JGE at the middle,
 * the lower half falling through, small leaves of JEQ (the last one's
 * "false" goes to KILL), each "true" to ALLOW or to the call's argument
 * check.  The kernel emulates the filter once per system call number
 * when it is installed (the seccomp action cache), so a call without an
 * argument check costs nothing afterwards; one with a check walks a few
 * compares here and a few in its block.
 */
static void
tree(struct fbuild *b, const struct allowed *e, size_t lo, size_t hi)
{
	size_t i, mid, at;

	if (hi - lo <= TREE_LEAF) {
		for (i = lo; i < hi; i++)
			cmp(b, BPF_JEQ, e[i].nr, (enum label)e[i].check,
			    i + 1 == hi ? TO_KILL : TO_NEXT);
		return;
	}
	mid = lo + (hi - lo) / 2;
	at = put(b, BPF_JMP | BPF_JGE | BPF_K, e[mid].nr, TO_NEXT, TO_NEXT);
	tree(b, e, lo, mid);
	if (b->bad || offset(at, b->n, &b->f[at].jt) == -1) {
		b->bad = 1;
		return;
	}
	tree(b, e, mid, hi);
}

/* The argument checks, one block per label. */
static void
blocks(struct fbuild *b, unsigned int self)
{
	size_t i;

	b->at[TO_IOCTL] = b->n;
	load(b, ARG_LO(1));
	cmp(b, BPF_JEQ, TIOCGPTPEER, TO_PEER, TO_NEXT);
	for (i = 0; i < NIOCTL; i++)
		cmp(b, BPF_JEQ, allowed_ioctl[i], TO_ALLOW,
		    i + 1 == NIOCTL ? TO_KILL : TO_NEXT);

	b->at[TO_FCNTL] = b->n;
	load(b, ARG_LO(1));
	cmp(b, BPF_JEQ, F_GETFL, TO_ALLOW, TO_NEXT);
	cmp(b, BPF_JEQ, F_SETFL, TO_NEXT, TO_KILL);
	load(b, ARG_LO(2));
	cmp(b, BPF_JSET, O_ASYNC, TO_KILL, TO_ALLOW);

	b->at[TO_TGKILL] = b->n;
	load(b, ARG_LO(1));		/* the thread: the relay has one */
	cmp(b, BPF_JEQ, self, TO_NEXT, TO_KILL);
	b->at[TO_SELF] = b->n;		/* tgkill falls through to its tgid */
	load(b, ARG_LO(0));
	cmp(b, BPF_JEQ, self, TO_ALLOW, TO_KILL);

	b->at[TO_MMAP] = b->n;
	load(b, ARG_LO(2));
	cmp(b, BPF_JSET, PROT_EXEC, TO_KILL, TO_ALLOW);

	b->at[TO_MADVISE] = b->n;
	load(b, ARG_LO(2));
	cmp(b, BPF_JEQ, MADV_DONTNEED, TO_ALLOW, TO_KILL);

	b->at[TO_PEER] = b->n;
	load(b, ARG_LO(2));
	cmp(b, BPF_JEQ, SANDBOX_PEER_FLAGS, TO_ALLOW, TO_KILL);

	/* (level, name): (SOL_TCP, TCP_ULP), (SOL_TLS, TLS_TX | TLS_RX). */
	b->at[TO_SOCKOPT] = b->n;
	load(b, ARG_LO(1));
	cmp(b, BPF_JEQ, SOL_TCP, TO_SO_TCP, TO_NEXT);
	cmp(b, BPF_JEQ, SOL_TLS, TO_SO_TLS, TO_KILL);
	b->at[TO_SO_TCP] = b->n;
	load(b, ARG_LO(2));
	cmp(b, BPF_JEQ, TCP_ULP, TO_ALLOW, TO_KILL);
	b->at[TO_SO_TLS] = b->n;
	load(b, ARG_LO(2));
	cmp(b, BPF_JEQ, KTLS_TX, TO_ALLOW, TO_NEXT);
	cmp(b, BPF_JEQ, KTLS_RX, TO_ALLOW, TO_KILL);
}

int
sandbox_filter(struct sock_filter *f, size_t max, unsigned int self, int tls)
{
#if defined(SANDBOX_ARCH)
	static struct fbuild zero;
	struct fbuild b = zero;
	struct allowed e[NALLOWED + NALLOWED_TLS], v;
	size_t i, j, n = NALLOWED + (tls ? NALLOWED_TLS : 0);

	/* Sorted by number (insertion: a few dozen entries). */
	for (i = 0; i < n; i++) {
		v = i < NALLOWED ? allowed[i] : allowed_tls[i - NALLOWED];
		for (j = i; j > 0 && e[j - 1].nr > v.nr; j--)
			e[j] = e[j - 1];
		e[j] = v;
	}
	b.f = f;
	b.max = max;
	load(&b, offsetof(struct seccomp_data, arch));
	cmp(&b, BPF_JEQ, SANDBOX_ARCH, TO_NEXT, TO_KILL);
	load(&b, offsetof(struct seccomp_data, nr));
	tree(&b, e, 0, n);
	blocks(&b, self);
	b.at[TO_KILL] = put(&b, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS,
	    TO_NEXT, TO_NEXT);
	b.at[TO_ALLOW] = put(&b, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, TO_NEXT,
	    TO_NEXT);
	if (b.bad)
		return -1;
	for (i = 0; i < b.n; i++) {
		if ((b.jt[i] != TO_NEXT &&
		    offset(i, b.at[b.jt[i]], &f[i].jt) == -1) ||
		    (b.jf[i] != TO_NEXT &&
		    offset(i, b.at[b.jf[i]], &f[i].jf) == -1))
			return -1;
	}
	return (int)b.n;
#else
	(void)f;
	(void)max;
	(void)self;
	(void)tls;
	return -1;
#endif
}

int
sandbox_seccomp(int tls)
{
#if defined(SANDBOX_ARCH) && !defined(SANDBOX_SANITIZER)
	struct sock_filter filter[SANDBOX_FILTER_MAX];
	struct sock_fprog prog;
	int n;

	/* Built here, in the relay after its fork: its own pid is the one
	 * kill/tkill/tgkill may name. */
	if ((n = sandbox_filter(filter, SANDBOX_FILTER_MAX,
	    (unsigned int)getpid(), tls)) <= 0) {
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
	(void)tls;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return -1;
	return 0;
#endif
}
