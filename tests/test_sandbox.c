/* test_sandbox.c - the relay's seccomp filter (telnetd/sandbox.c): allowed
 * calls work, anything else kills the process, and only that process. */
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_forbidden_kills),
		cmocka_unit_test(test_filter_on_in_normal_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
