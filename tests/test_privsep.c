/*
 * test_privsep.c - ps_recv() (telnetd/privsep.c), the one receive of the
 * relay <-> monitor and relay <-> signer sockets, against a sender that
 * attaches what it likes: a relay taken over can put any number of its
 * descriptors on a message.  The receiver gets at most one (the first)
 * and no other stays open in it: a root monitor, or the one signer every
 * TLS session shares, must not collect descriptors a relay chose.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "telnetd.h"

/* Descriptors open in this process (the listing's own included). */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* One message of len bytes with n descriptors (copies of fd), in cm
 * control messages of SCM_RIGHTS (the kernel joins them into one). */
static void
send_fds(int sock, const void *msg, size_t len, int fd, int n, int cm)
{
	union {
		struct cmsghdr hdr;
		char buf[2 * CMSG_SPACE(8 * sizeof(int))];
	} u;
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	int i, k, per = n / cm;

	memset(&mh, 0, sizeof(mh));
	memset(&u, 0, sizeof(u));
	iov.iov_base = (void *)(uintptr_t)msg;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = u.buf;
	mh.msg_controllen = (size_t)cm * CMSG_SPACE((size_t)per * sizeof(int));
	for (c = CMSG_FIRSTHDR(&mh), k = 0; k < cm; k++, c = CMSG_NXTHDR(&mh,
	    c)) {
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)per * sizeof(int));
		for (i = 0; i < per; i++)
			memcpy(CMSG_DATA(c) + (size_t)i * sizeof(int), &fd,
			    sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t)len);
}

/* n descriptors in cm control messages: one (the first) comes out of
 * ps_recv, and nothing else is left open. */
static void
check_attached(int n, int cm)
{
	char msg[8] = "message", buf[64];
	int sp[2], before, fd;
	ssize_t got;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	before = open_fds();
	send_fds(sp[1], msg, sizeof(msg), sp[1], n, cm);
	got = ps_recv(sp[0], buf, sizeof(buf), &fd);
	if (got == -1) {
		/* More than fit: refused, and none kept. */
		assert_int_equal(fd, -1);
	} else {
		assert_int_equal(got, (ssize_t)sizeof(msg));
		assert_memory_equal(buf, msg, sizeof(msg));
		assert_true(fd > 2);
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
	}
	assert_int_equal(open_fds(), before);
	close(sp[0]);
	close(sp[1]);
}

static void
test_no_descriptor(void **state)
{
	char buf[16];
	int sp[2], fd = 7;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	assert_int_equal(ps_send(sp[1], "abc", 3, -1), 0);
	assert_int_equal(ps_recv(sp[0], buf, sizeof(buf), &fd), 3);
	assert_int_equal(fd, -1);
	close(sp[0]);
	close(sp[1]);
}

static void
test_one_descriptor(void **state)
{
	(void)state;
	check_attached(1, 1);
}

/* Two fit the receiver's control buffer (CMSG_SPACE(sizeof(int)) holds
 * two ints on LP64), so the kernel installs both without MSG_CTRUNC. */
static void
test_two_descriptors(void **state)
{
	(void)state;
	check_attached(2, 1);
	check_attached(2, 2);
}

/* More than fit: the kernel installs what fits and says MSG_CTRUNC. */
static void
test_many_descriptors(void **state)
{
	(void)state;
	check_attached(3, 1);
	check_attached(8, 1);
	check_attached(8, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_descriptor),
		cmocka_unit_test(test_one_descriptor),
		cmocka_unit_test(test_two_descriptors),
		cmocka_unit_test(test_many_descriptors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
