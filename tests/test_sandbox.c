/* test_sandbox.c - the relay's seccomp filter (telnetd/sandbox.c): allowed
 * calls work, anything else kills the process, and only that process. */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

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
		int on = sandbox_seccomp();

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
test_forbidden_kills(void **state)
{
	int filtered, st;

	(void)state;
	st = run_confined(forbidden_call, &filtered);
	if (filtered) {
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGSYS);
	} else {
		/* Sanitizer build: documented to run without the filter. */
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 3);
	}
	st = run_confined(forbidden_ioctl, &filtered);
	if (filtered) {
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGSYS);
	}
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
 * a decision), ioctl only with the listed requests, and another
 * architecture never.
 */
static const unsigned int expect_nr[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_recvfrom, SYS_sendto,
	SYS_recvmsg, SYS_sendmsg, SYS_poll, SYS_ppoll, SYS_close, SYS_fcntl,
	SYS_shutdown, SYS_setsockopt, SYS_getsockopt, SYS_brk, SYS_mmap,
	SYS_munmap, SYS_mremap, SYS_madvise, SYS_clock_gettime,
	SYS_gettimeofday, SYS_rt_sigreturn, SYS_rt_sigprocmask,
	SYS_rt_sigaction, SYS_getpid, SYS_futex, SYS_restart_syscall,
	SYS_socket, SYS_connect, SYS_exit, SYS_exit_group,
};
static const unsigned long expect_ioctl[] = {
	TCGETS, TCSETS, TIOCGWINSZ, TIOCSWINSZ, FIONREAD, SIOCATMARK, TIOCSIG,
};

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
		default:
			return 0xdead;
		}
		pc += 1 + (jump ? i->jt : i->jf);
	}
	return 0xdead;
}

static void
test_filter_table(void **state)
{
	struct sock_filter f[SANDBOX_FILTER_MAX];
	struct seccomp_data d;
	unsigned int nr;
	size_t i, allowed = 0;
	int n;

	(void)state;
	n = sandbox_filter(f, SANDBOX_FILTER_MAX);
	assert_true(n > 0 && n <= SANDBOX_FILTER_MAX);
	/* Too little room: refused, not cut short. */
	assert_int_equal(sandbox_filter(f, (size_t)n - 1), -1);
	assert_int_equal(sandbox_filter(f, SANDBOX_FILTER_MAX), n);
	for (nr = 0; nr < 2048; nr++) {
		int want = 0;
		uint32_t r;

		for (i = 0; i < sizeof(expect_nr) / sizeof(expect_nr[0]); i++)
			want |= expect_nr[i] == nr;
		memset(&d, 0, sizeof(d));
		d.nr = (int)nr;
		d.arch = AUDIT_ARCH_X86_64;
		if (nr == SYS_ioctl) {
			for (i = 0; i < sizeof(expect_ioctl) /
			    sizeof(expect_ioctl[0]); i++) {
				d.args[1] = expect_ioctl[i];
				assert_int_equal(bpf_run(f, n, &d),
				    SECCOMP_RET_ALLOW);
			}
			/* Neighbours of the listed requests (TCGETS and
			 * TCSETS are neighbours themselves). */
			for (i = 0; i < sizeof(expect_ioctl) /
			    sizeof(expect_ioctl[0]); i++) {
				d.args[1] = expect_ioctl[i] + 1;
				if (!ioctl_listed(d.args[1]))
					assert_int_equal(bpf_run(f, n, &d),
					    SECCOMP_RET_KILL_PROCESS);
				d.args[1] = expect_ioctl[i] - 1;
				if (!ioctl_listed(d.args[1]))
					assert_int_equal(bpf_run(f, n, &d),
					    SECCOMP_RET_KILL_PROCESS);
			}
			d.args[1] = TIOCSTI;
			assert_int_equal(bpf_run(f, n, &d),
			    SECCOMP_RET_KILL_PROCESS);
			allowed++;
			continue;
		}
		r = bpf_run(f, n, &d);
		assert_int_equal(r, want ? SECCOMP_RET_ALLOW :
		    SECCOMP_RET_KILL_PROCESS);
		allowed += want;
		d.arch = AUDIT_ARCH_I386;
		assert_int_equal(bpf_run(f, n, &d), SECCOMP_RET_KILL_PROCESS);
	}
	assert_int_equal(allowed, sizeof(expect_nr) / sizeof(expect_nr[0]) +
	    1);
	d.nr = -1;
	d.arch = AUDIT_ARCH_X86_64;
	assert_int_equal(bpf_run(f, n, &d), SECCOMP_RET_KILL_PROCESS);
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_forbidden_kills),
		cmocka_unit_test(test_filter_on_in_normal_build),
#if defined(__x86_64__)
		cmocka_unit_test(test_filter_table),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
