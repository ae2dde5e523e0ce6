/* test_sandbox.c - the relay's seccomp filter (telnetd/sandbox.c): allowed
 * calls work, anything else kills the process, and only that process. */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "privsep.h"
#include "sandbox.h"

/* Runs fn in a child under the filter; returns the wait status. */
static int
run_confined(int (*fn)(void), int *filtered)
{
	int p[2], st = 0;
	pid_t pid;
	char r = '?';

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int on = sandbox_seccomp(0);

		r = on == 1 ? '1' : on == 0 ? '0' : 'E';
		if (write(p[1], &r, 1) != 1)
			_exit(99);
		_exit(fn());
	}
	close(p[1]);
	assert_int_equal(read(p[0], &r, 1), 1);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(r == '0' || r == '1');
	*filtered = r == '1';
	return st;
}

static int
allowed_calls(void)
{
	int n = 0;
	struct termios t;

	if (write(1, "", 0) != 0)
		return 10;
	/* Either may fail with ENOTTY; neither may kill us. */
	(void)ioctl(0, FIONREAD, &n);
	(void)ioctl(0, TCGETS, &t);
	free(malloc(1 << 20));	/* mmap / munmap */
	return 7;
}

static int
forbidden_call(void)
{
	/* Opening a file is never something the relay does. */
	syscall(SYS_openat, -100, "/etc/passwd", 0);
	return 3;
}

static int
forbidden_ioctl(void)
{
	int x = 0;

	/* TIOCSTI would let a relay type into the program's terminal. */
	ioctl(0, TIOCSTI, &x);
	return 4;
}

/*
 * The pty's slave side, opened from the master as ldisc_room.c does it:
 * allowed read-only and as nobody's terminal, and the descriptor it gives
 * is held to the same ioctl list.  The master is opened before the filter
 * (the relay gets its own from the monitor).
 */
static int peer_master = -1;
static void expect_killed(int (*fn)(void), int code);

static int
pty_master(void)
{
	if (peer_master == -1) {
		peer_master = posix_openpt(O_RDWR | O_NOCTTY);
		assert_true(peer_master != -1);
		assert_int_equal(grantpt(peer_master), 0);
		assert_int_equal(unlockpt(peer_master), 0);
	}
	return peer_master;
}

static int
peer_look(void)
{
	int fd, n = -1;

	if (write(peer_master, "abc", 3) != 3)
		return 10;
	if ((fd = ioctl(peer_master, TIOCGPTPEER, SANDBOX_PEER_FLAGS)) == -1)
		return 11;
	if (ioctl(fd, FIONREAD, &n) == -1)
		return 12;
	close(fd);
	return 7;
}

static int
peer_then_sti(void)
{
	int fd, x = 'x';

	if ((fd = ioctl(peer_master, TIOCGPTPEER, SANDBOX_PEER_FLAGS)) == -1)
		return 11;
	/* Typing into the terminal through the slave: as through the
	 * master, a kill. */
	ioctl(fd, TIOCSTI, &x);
	return 5;
}

static int
peer_writable(void)
{
	/* Opened for writing, or as a controlling terminal: a kill. */
	(void)ioctl(peer_master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return 6;
}

static void
test_pty_peer(void **state)
{
	int filtered, st;

	(void)state;
	pty_master();
	st = run_confined(peer_look, &filtered);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
	expect_killed(peer_then_sti, 5);
	expect_killed(peer_writable, 6);
}

static void
test_allowed(void **state)
{
	int filtered, st;

	(void)state;
	st = run_confined(allowed_calls, &filtered);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
}

static void
expect_killed(int (*fn)(void), int code)
{
	int filtered, st;

	st = run_confined(fn, &filtered);
	if (filtered) {
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGSYS);
	} else {
		/* Sanitizer build: documented to run without the filter. */
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), code);
	}
}

static void
test_forbidden_kills(void **state)
{
	(void)state;
	expect_killed(forbidden_call, 3);
	expect_killed(forbidden_ioctl, 4);
}

static void
test_filter_on_in_normal_build(void **state)
{
	int filtered;

	(void)state;
	run_confined(allowed_calls, &filtered);
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(TELNETD_NO_SECCOMP)
	assert_true(filtered);
#endif
}

#if defined(__x86_64__)
/*
 * The filter itself, run by a small classic-BPF interpreter over every
 * system call number: a call is allowed exactly when it is on this list
 * (kept here separately from sandbox.c on purpose: a change to either is
 * a decision), the calls with argument checks only with the arguments
 * listed below, and another architecture never.
 */
static const unsigned int expect_nr[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_recvfrom, SYS_sendto,
	SYS_recvmsg, SYS_poll, SYS_ppoll, SYS_close,
	SYS_shutdown, SYS_brk, SYS_munmap, SYS_mremap,
	SYS_clock_gettime, SYS_gettimeofday, SYS_rt_sigreturn,
	SYS_rt_sigprocmask, SYS_rt_sigaction, SYS_getpid, SYS_gettid,
	SYS_futex, SYS_restart_syscall, SYS_exit, SYS_exit_group,
};
/* Allowed with some arguments only (tested one by one below). */
static const unsigned int checked_nr[] = {
	SYS_ioctl, SYS_fcntl, SYS_mmap, SYS_madvise, SYS_kill, SYS_tkill,
	SYS_tgkill,
};
static const unsigned long expect_ioctl[] = {
	TCGETS, TCSETS, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, SIOCATMARK, TIOCSIG,
};
/* What a taken-over relay could do with these (each must kill). */
static const unsigned int denied_nr[] = {
	SYS_socket, SYS_connect, SYS_bind, SYS_listen, SYS_accept,
	SYS_accept4, SYS_socketpair, SYS_setsockopt, SYS_getsockopt,
	SYS_mprotect, SYS_pkey_mprotect, SYS_open, SYS_openat, SYS_execve,
	SYS_fork, SYS_clone, SYS_ptrace, SYS_process_vm_writev,
	SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo, SYS_pidfd_send_signal,
	SYS_pidfd_open, SYS_personality, SYS_prctl, SYS_seccomp, SYS_dup,
	SYS_dup2, SYS_dup3,
	/* Descriptors passed (SCM_RIGHTS): the relay passes none. */
	SYS_sendmsg, SYS_sendmmsg,
};
#define SELF	4242u	/* the pid the filter is built for */

static int
listed(const unsigned int *v, size_t n, unsigned int nr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == nr)
			return 1;
	return 0;
}

static int
ioctl_listed(unsigned long req)
{
	size_t i;

	for (i = 0; i < sizeof(expect_ioctl) / sizeof(expect_ioctl[0]); i++)
		if (expect_ioctl[i] == req)
			return 1;
	return 0;
}

/* Returns the filter's verdict, or 0xdead on a malformed program. */
static uint32_t
bpf_run(const struct sock_filter *f, int n, const struct seccomp_data *d)
{
	uint32_t a = 0;
	int pc = 0, steps = 0;

	while (pc >= 0 && pc < n && steps++ < 1000) {
		const struct sock_filter *i = &f[pc];
		int jump;

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k + 4 > sizeof(*d) || i->k % 4 != 0)
				return 0xdead;
			memcpy(&a, (const char *)d + i->k, 4);
			pc++;
			continue;
		case BPF_RET | BPF_K:
			return i->k;
		case BPF_JMP | BPF_JEQ | BPF_K:
			jump = a == i->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			jump = a >= i->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			jump = a > i->k;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			jump = (a & i->k) != 0;
			break;
		default:
			return 0xdead;
		}
		pc += 1 + (jump ? i->jt : i->jf);
	}
	return 0xdead;
}

static struct sock_filter prog[SANDBOX_FILTER_MAX];
static int prog_len;

/* The verdict on call nr with args a0..a3 (the rest 0). */
static uint32_t
verdict(unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct seccomp_data d;

	if (prog_len == 0) {
		prog_len = sandbox_filter(prog, SANDBOX_FILTER_MAX, SELF, 0);
		assert_true(prog_len > 0 && prog_len <= SANDBOX_FILTER_MAX);
	}
	memset(&d, 0, sizeof(d));
	d.nr = (int)nr;
	d.arch = AUDIT_ARCH_X86_64;
	d.args[0] = a0;
	d.args[1] = a1;
	d.args[2] = a2;
	d.args[3] = a3;
	return bpf_run(prog, prog_len, &d);
}

#define ALLOW	SECCOMP_RET_ALLOW
#define KILL	SECCOMP_RET_KILL_PROCESS
/* A pid as glibc passes it: an int, sign-extended to the register. */
#define PID(p)	((uint64_t)(int64_t)(int)(p))

static void
test_filter_table(void **state)
{
	struct sock_filter f[SANDBOX_FILTER_MAX];
	struct seccomp_data d;
	unsigned int nr;
	size_t i, allowed = 0;
	int n;

	(void)state;
	n = sandbox_filter(f, SANDBOX_FILTER_MAX, SELF, 0);
	assert_true(n > 0 && n <= SANDBOX_FILTER_MAX);
	/* Too little room: refused, not cut short. */
	assert_int_equal(sandbox_filter(f, (size_t)n - 1, SELF, 0), -1);
	assert_int_equal(sandbox_filter(f, SANDBOX_FILTER_MAX, SELF, 0), n);
	for (nr = 0; nr < 2048; nr++) {
		int want = listed(expect_nr, sizeof(expect_nr) /
		    sizeof(expect_nr[0]), nr);
		uint32_t r;

		if (listed(checked_nr, sizeof(checked_nr) /
		    sizeof(checked_nr[0]), nr))
			continue;	/* below */
		memset(&d, 0, sizeof(d));
		d.nr = (int)nr;
		d.arch = AUDIT_ARCH_X86_64;
		r = bpf_run(f, n, &d);
		assert_int_equal(r, want ? ALLOW : KILL);
		allowed += want;
		/* Whatever the arguments. */
		memset(d.args, 0xff, sizeof(d.args));
		assert_int_equal(bpf_run(f, n, &d), want ? ALLOW : KILL);
		d.arch = AUDIT_ARCH_I386;
		assert_int_equal(bpf_run(f, n, &d), KILL);
		/* x32 numbers on the x86-64 arch. */
		d.arch = AUDIT_ARCH_X86_64;
		d.nr = (int)(nr | 0x40000000u);
		assert_int_equal(bpf_run(f, n, &d), KILL);
	}
	assert_int_equal(allowed, sizeof(expect_nr) / sizeof(expect_nr[0]));
	for (i = 0; i < sizeof(denied_nr) / sizeof(denied_nr[0]); i++)
		assert_int_equal(verdict(denied_nr[i], 0, 0, 0, 0), KILL);
	memset(&d, 0, sizeof(d));
	d.nr = -1;
	d.arch = AUDIT_ARCH_X86_64;
	assert_int_equal(bpf_run(f, n, &d), KILL);
}

static void
test_filter_ioctl(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(expect_ioctl) / sizeof(expect_ioctl[0]); i++) {
		assert_int_equal(verdict(SYS_ioctl, 5, expect_ioctl[i], 0, 0),
		    ALLOW);
		/* The kernel reads the request as an unsigned int. */
		assert_int_equal(verdict(SYS_ioctl, 5, expect_ioctl[i] |
		    0xffffffff00000000ull, 0, 0), ALLOW);
		/* Neighbours of the listed requests (TCGETS and TCSETS
		 * are neighbours themselves). */
		if (!ioctl_listed(expect_ioctl[i] + 1))
			assert_int_equal(verdict(SYS_ioctl, 5,
			    expect_ioctl[i] + 1, 0, 0), KILL);
		if (!ioctl_listed(expect_ioctl[i] - 1))
			assert_int_equal(verdict(SYS_ioctl, 5,
			    expect_ioctl[i] - 1, 0, 0), KILL);
	}
	/* Typing into the terminal, taking it over, detaching from it. */
	assert_int_equal(verdict(SYS_ioctl, 5, TIOCSTI, 0, 0), KILL);
	assert_int_equal(verdict(SYS_ioctl, 5, TIOCSCTTY, 0, 0), KILL);
	assert_int_equal(verdict(SYS_ioctl, 5, TIOCNOTTY, 0, 0), KILL);
	assert_int_equal(verdict(SYS_ioctl, 5, TIOCSPGRP, 0, 0), KILL);
	assert_int_equal(verdict(SYS_ioctl, 5, FIOASYNC, 0, 0), KILL);
	assert_int_equal(verdict(SYS_ioctl, 5, FIOSETOWN, 0, 0), KILL);
	assert_int_equal(verdict(SYS_ioctl, 5, 0, 0, 0), KILL);
	/* The slave side opened from the master: read-only, as nobody's
	 * terminal, exactly. */
	assert_int_equal(verdict(SYS_ioctl, 5, TIOCGPTPEER,
	    SANDBOX_PEER_FLAGS, 0), ALLOW);
	assert_int_equal(verdict(SYS_ioctl, 5, TIOCGPTPEER,
	    SANDBOX_PEER_FLAGS | 0xffffffff00000000ull, 0), ALLOW);
	assert_int_equal(verdict(SYS_ioctl, 5, TIOCGPTPEER,
	    O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0), KILL);
	assert_int_equal(verdict(SYS_ioctl, 5, TIOCGPTPEER,
	    O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0), KILL);
	assert_int_equal(verdict(SYS_ioctl, 5, TIOCGPTPEER, 0, 0), KILL);
}

static void
test_filter_fcntl(void **state)
{
	static const unsigned int bad_cmd[] = {
		F_SETOWN, F_SETOWN_EX, F_SETSIG, F_GETOWN, F_GETOWN_EX,
		F_GETSIG, F_SETLEASE, F_NOTIFY, F_DUPFD, F_DUPFD_CLOEXEC,
		F_SETFD, F_GETFD, F_SETLK, F_SETLKW, F_OFD_SETLK,
		F_SETPIPE_SZ, F_ADD_SEALS,
	};
	size_t i;

	(void)state;
	assert_int_equal(verdict(SYS_fcntl, 5, F_GETFL, 0, 0), ALLOW);
	assert_int_equal(verdict(SYS_fcntl, 5, F_SETFL, O_NONBLOCK, 0), ALLOW);
	/* What F_GETFL returns for the pty, with O_NONBLOCK added. */
	assert_int_equal(verdict(SYS_fcntl, 5, F_SETFL, O_RDWR | 0x8000 |
	    O_NONBLOCK, 0), ALLOW);
	assert_int_equal(verdict(SYS_fcntl, 5, F_SETFL, 0, 0), ALLOW);
	/* Signal-driven I/O, alone or with anything. */
	assert_int_equal(verdict(SYS_fcntl, 5, F_SETFL, O_ASYNC, 0), KILL);
	assert_int_equal(verdict(SYS_fcntl, 5, F_SETFL, O_ASYNC | O_NONBLOCK |
	    O_RDWR, 0), KILL);
	assert_int_equal(verdict(SYS_fcntl, 5, F_SETFL, 0xffffffffu, 0), KILL);
	assert_int_equal(verdict(SYS_fcntl, 5, F_SETFL |
	    0xffffffff00000000ull, O_ASYNC, 0), KILL);
	for (i = 0; i < sizeof(bad_cmd) / sizeof(bad_cmd[0]); i++) {
		assert_int_equal(verdict(SYS_fcntl, 5, bad_cmd[i], 0, 0),
		    KILL);
		assert_int_equal(verdict(SYS_fcntl, 5, bad_cmd[i], SELF, 0),
		    KILL);
	}
	/* Only the two commands: none of their neighbours. */
	assert_int_equal(verdict(SYS_fcntl, 5, F_GETFL + 2, 0, 0), KILL);
	assert_int_equal(verdict(SYS_fcntl, 5, F_SETFL + 1, 0, 0), KILL);
}

static void
test_filter_signals(void **state)
{
	static const int sigs[] = { 0, SIGABRT, SIGKILL, SIGTERM, SIGSYS };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		uint64_t sig = (uint64_t)sigs[i];

		/* The relay itself: abort(3), raise(3). */
		assert_int_equal(verdict(SYS_kill, PID(SELF), sig, 0, 0),
		    ALLOW);
		assert_int_equal(verdict(SYS_tkill, PID(SELF), sig, 0, 0),
		    ALLOW);
		assert_int_equal(verdict(SYS_tgkill, PID(SELF), PID(SELF),
		    sig, 0), ALLOW);
		/* Anyone else: another pid, its process group, every
		 * process it may signal, init. */
		assert_int_equal(verdict(SYS_kill, PID(SELF + 1), sig, 0, 0),
		    KILL);
		assert_int_equal(verdict(SYS_kill, PID(SELF - 1), sig, 0, 0),
		    KILL);
		assert_int_equal(verdict(SYS_kill, 0, sig, 0, 0), KILL);
		assert_int_equal(verdict(SYS_kill, PID(-1), sig, 0, 0), KILL);
		assert_int_equal(verdict(SYS_kill, PID(-(int)SELF), sig, 0, 0),
		    KILL);
		assert_int_equal(verdict(SYS_kill, 1, sig, 0, 0), KILL);
		assert_int_equal(verdict(SYS_tkill, PID(SELF + 1), sig, 0, 0),
		    KILL);
		assert_int_equal(verdict(SYS_tkill, 1, sig, 0, 0), KILL);
		assert_int_equal(verdict(SYS_tgkill, PID(SELF), PID(SELF + 1),
		    sig, 0), KILL);
		assert_int_equal(verdict(SYS_tgkill, PID(SELF + 1), PID(SELF),
		    sig, 0), KILL);
		assert_int_equal(verdict(SYS_tgkill, PID(SELF + 1),
		    PID(SELF + 1), sig, 0), KILL);
		assert_int_equal(verdict(SYS_tgkill, PID(-1), PID(SELF), sig,
		    0), KILL);
	}
	/* Queued signals with a payload are not on the list at all. */
	assert_int_equal(verdict(SYS_rt_sigqueueinfo, PID(SELF), 0, 0, 0),
	    KILL);
}

static void
test_filter_mmap(void **state)
{
	const uint64_t anon = MAP_PRIVATE | MAP_ANONYMOUS;

	(void)state;
	assert_int_equal(verdict(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE,
	    anon), ALLOW);
	assert_int_equal(verdict(SYS_mmap, 0, 4096, PROT_READ, anon), ALLOW);
	assert_int_equal(verdict(SYS_mmap, 0, 4096, PROT_NONE, anon), ALLOW);
	assert_int_equal(verdict(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE |
	    PROT_EXEC, anon), KILL);
	assert_int_equal(verdict(SYS_mmap, 0, 4096, PROT_EXEC, anon), KILL);
	assert_int_equal(verdict(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC,
	    MAP_SHARED), KILL);
	assert_int_equal(verdict(SYS_mmap, 0, 4096, 0xffffffffu, anon), KILL);
	/* No way to make a mapping executable afterwards. */
	assert_int_equal(verdict(SYS_mprotect, 0x10000, 4096, PROT_READ, 0),
	    KILL);
	assert_int_equal(verdict(SYS_mprotect, 0x10000, 4096, PROT_READ |
	    PROT_EXEC, 0), KILL);
	assert_int_equal(verdict(SYS_pkey_mprotect, 0x10000, 4096, PROT_EXEC,
	    0), KILL);
	/* Pages given back, and no other advice. */
	assert_int_equal(verdict(SYS_madvise, 0x10000, 4096, MADV_DONTNEED,
	    0), ALLOW);
	assert_int_equal(verdict(SYS_madvise, 0x10000, 4096, MADV_DONTFORK,
	    0), KILL);
	assert_int_equal(verdict(SYS_madvise, 0x10000, 4096, MADV_WIPEONFORK,
	    0), KILL);
	assert_int_equal(verdict(SYS_madvise, 0x10000, 4096, MADV_HWPOISON,
	    0), KILL);
}
#endif

/* Real calls under the real filter, in a child each. */
static int
kill_self(void)
{
	return kill(getpid(), 0) == 0 ? 21 : 20;
}

static int
kill_parent(void)
{
	kill(getppid(), 0);
	return 22;
}

static int
raise_self(void)
{
	raise(SIGUSR1);	/* default action: terminate */
	return 23;
}

static int
make_socketpair(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return 30;
	return 31;
}

/* A socketpair of the test's own for the messages (made before the fork,
 * as the relay's monitor socket is). */
static int msp[2] = { -1, -1 };

/* A message as the relay sends START and REPORT: allowed. */
static int
send_message(void)
{
	return ps_send(msp[0], "START", 5, -1) == 0 ? 60 : 61;
}

/* The same with a descriptor attached: the relay never passes one, and
 * sendmsg(2) (SCM_RIGHTS) is not on its list. */
static int
send_descriptor(void)
{
	(void)ps_send(msp[0], "START", 5, msp[0]);
	return 62;
}

/* A pipe of the test's own for the fcntl calls (made before the fork:
 * the filter lets no descriptor be made), so that a build without the
 * filter changes nothing the test runner shares. */
static int pfd[2] = { -1, -1 };

static int
fcntl_setown(void)
{
	fcntl(pfd[0], F_SETOWN, getpid());
	return 32;
}

static int
fcntl_async(void)
{
	int fl = fcntl(pfd[0], F_GETFL);

	fcntl(pfd[0], F_SETFL, fl | O_NONBLOCK);	/* allowed */
	fcntl(pfd[0], F_SETFL, fl);
	fcntl(pfd[0], F_SETFL, fl | O_ASYNC);	/* not */
	return 33;
}

static int
mmap_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 40;
	munmap(p, 4096);
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	return 41;
}

static int
open_socket(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
	return 50;
}

static void
test_real_calls(void **state)
{
	int filtered, st;

	(void)state;
	st = run_confined(kill_self, &filtered);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 21);
	/* raise(3): getpid, gettid, tgkill to itself, all allowed; the
	 * signal's default action ends it. */
	st = run_confined(raise_self, &filtered);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGUSR1);
	expect_killed(kill_parent, 22);
	expect_killed(make_socketpair, 31);
	assert_int_equal(pipe(pfd), 0);
	expect_killed(fcntl_setown, 32);
	expect_killed(fcntl_async, 33);
	close(pfd[0]);
	close(pfd[1]);
	expect_killed(mmap_exec, 41);
	expect_killed(open_socket, 50);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, msp), 0);
	st = run_confined(send_message, &filtered);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 60);
	expect_killed(send_descriptor, 62);
	close(msp[0]);
	close(msp[1]);
}

/*
 * A TLS relay's filter: the plain one (every call and argument check as
 * above) plus getrandom and kernel TLS's setsockopt calls, and nothing
 * else; a plain relay's has neither.
 */
static uint32_t
run_tls(const struct sock_filter *f, int n, unsigned int nr, uint64_t a1,
    uint64_t a2)
{
	struct seccomp_data d;

	memset(&d, 0, sizeof(d));
	d.nr = (int)nr;
	d.arch = AUDIT_ARCH_X86_64;
	d.args[0] = 5;
	d.args[1] = a1;
	d.args[2] = a2;
	return bpf_run(f, n, &d);
}

static void
test_filter_tls(void **state)
{
	struct sock_filter f[SANDBOX_FILTER_MAX], p[SANDBOX_FILTER_MAX];
	unsigned int nr;
	int n, np;

	(void)state;
	n = sandbox_filter(f, SANDBOX_FILTER_MAX, SELF, 1);
	np = sandbox_filter(p, SANDBOX_FILTER_MAX, SELF, 0);
	assert_true(n > np && np > 0);
	for (nr = 0; nr < 2048; nr++) {
		if (listed(checked_nr, sizeof(checked_nr) /
		    sizeof(checked_nr[0]), nr) || nr == SYS_setsockopt)
			continue;
		assert_int_equal(run_tls(f, n, nr, 0, 0), nr == SYS_getrandom ||
		    nr == SYS_sendmsg ? ALLOW : run_tls(p, np, nr, 0, 0));
	}
	assert_int_equal(run_tls(p, np, SYS_getrandom, 0, 0), KILL);
	assert_int_equal(run_tls(p, np, SYS_sendmsg, 0, 0), KILL);
	/* setsockopt: kernel TLS's three forms only. */
	assert_int_equal(run_tls(f, n, SYS_setsockopt, 6, 31), ALLOW);
	assert_int_equal(run_tls(f, n, SYS_setsockopt, 282, 1), ALLOW);
	assert_int_equal(run_tls(f, n, SYS_setsockopt, 282, 2), ALLOW);
	assert_int_equal(run_tls(p, np, SYS_setsockopt, 6, 31), KILL);
	assert_int_equal(run_tls(f, n, SYS_setsockopt, 6, 1), KILL);	/* NODELAY */
	assert_int_equal(run_tls(f, n, SYS_setsockopt, 6, 32), KILL);
	assert_int_equal(run_tls(f, n, SYS_setsockopt, 282, 3), KILL);
	assert_int_equal(run_tls(f, n, SYS_setsockopt, 282, 0), KILL);
	assert_int_equal(run_tls(f, n, SYS_setsockopt, 1, 31), KILL);	/* SOL_SOCKET */
	assert_int_equal(run_tls(f, n, SYS_setsockopt, 1, 25), KILL);	/* BINDTODEVICE */
	assert_int_equal(run_tls(f, n, SYS_setsockopt, 0, 31), KILL);
	assert_int_equal(run_tls(f, n, SYS_getsockopt, 6, 31), KILL);
	/* The argument checks are the plain filter's. */
	assert_int_equal(run_tls(f, n, SYS_ioctl, TIOCSTI, 0), KILL);
	assert_int_equal(run_tls(f, n, SYS_ioctl, TIOCSIG, 0), ALLOW);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_forbidden_kills),
		cmocka_unit_test(test_pty_peer),
		cmocka_unit_test(test_filter_on_in_normal_build),
		cmocka_unit_test(test_real_calls),
#if defined(__x86_64__)
		cmocka_unit_test(test_filter_table),
		cmocka_unit_test(test_filter_ioctl),
		cmocka_unit_test(test_filter_fcntl),
		cmocka_unit_test(test_filter_signals),
		cmocka_unit_test(test_filter_mmap),
		cmocka_unit_test(test_filter_tls),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
