/*
 * tls_echo.c - one server-side TLS handshake and an echo, with the private
 * key in another process: the relay's TLS module (telnetd/tls.c) driven as
 * the daemon drives it, for tests and for strace.
 *
 *	tls_echo -H TLS-HELPER -c CHAIN -k KEY [-p PORT] [-P] [-W]
 *
 * Starts the signer first (TLS-HELPER signer CHAIN KEY: it alone reads
 * KEY; ks_signer_start) and gets a channel to it (ks_signer_channel), as
 * the daemon will per connection; this process never opens KEY.  Then it
 * listens on 127.0.0.1:PORT (0, the default: any free port), prints
 * "READY <port>" and, per line below, one connection:
 *
 *   -P  the first read from the client (the start of its ClientHello) is
 *       done here with read(2) and handed to tls_prefix(), as the relay does
 *       with the bytes after IAC SB START_TLS FOLLOWS IAC SE;
 *   -W  after the handshake, print "WAIT <pid>" and wait for one line on
 *       standard input before echoing (a test reads this process's memory
 *       and the signer's meanwhile).
 *
 * After the handshake it prints "HANDSHAKE <version> <cipher> sni=<name>
 * ktls=<tx>,<rx>", echoes what the client sends until it ends, sends
 * close_notify and prints "DONE <bytes>".  Errors: "ERROR <reason>" and
 * exit status 1; usage: 2.  The poll loop waits on POLLIN/POLLOUT as the
 * step functions ask and never longer than the handshake deadline.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "telnetd.h"
#include "tls.h"

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tls_echo -H TLS-HELPER -c CHAIN -k KEY "
	    "[-p PORT] [-P] [-W]\n");
	exit(2);
}

static void
fail(const char *what, const char *why)
{
	printf("ERROR %s: %s\n", what, why);
	fflush(stdout);
	exit(1);
}

/* Wait until fd is ready for what r asks (TLS_WANT_*), or until ms. */
static void
wait_for(int fd, int r, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left = deadline - ms_now();

	pfd.fd = fd;
	pfd.events = r == TLS_WANT_WRITE ? POLLOUT : POLLIN;
	if (left < 0)
		left = 0;
	if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
		fail("poll", strerror(errno));
}

int
main(int argc, char **argv)
{
	const char *chain = NULL, *key = NULL, *helper = NULL;
	int port = 0, prefix = 0, wait = 0, ch, ctl, chan, lfd, fd, r, on = 1;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct tls_ctx *ctx;
	struct tls *t;
	struct tls_info info;
	char why[256], buf[16384];
	unsigned long long total = 0;
	struct ks_signer sg;
	pid_t signer;
	int status;

	while ((ch = getopt(argc, argv, "H:c:k:p:PW")) != -1) {
		switch (ch) {
		case 'H': helper = optarg; break;
		case 'c': chain = optarg; break;
		case 'k': key = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'P': prefix = 1; break;
		case 'W': wait = 1; break;
		default: usage();
		}
	}
	if (helper == NULL || chain == NULL || key == NULL || optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	log_init(1, 0, "tls_echo");
	if (ks_signer_start(helper, chain, key, (uid_t)-1, (gid_t)-1, 1, &sg,
	    why, sizeof(why)) == -1)
		fail("signer", why);
	signer = sg.pid;
	ctl = sg.ctl;
	/* One channel.  The control socket stays open until the echo
	 * begins, so the signer stays too (as a --listen daemon's does); then
	 * it ends. */
	if (ks_signer_channel(ctl, &chan) == -1)
		fail("channel", strerror(errno));

	/* The certificates the signer checked, as the relay gets them. */
	if ((ctx = tls_ctx_new_mem(sg.chain, sg.chainlen, why,
	    sizeof(why))) == NULL)
		fail("certificate", why);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fail("socket", strerror(errno));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 1) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1)
		fail("listen", strerror(errno));
	printf("READY %d\n", ntohs(sin.sin_port));
	fflush(stdout);
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		fail("accept", strerror(errno));
	close(lfd);

	if ((t = tls_new(ctx, fd, chan)) == NULL)
		fail("tls_new", "failed");
	if (prefix) {
		/* What a relay read in plain before TLS began. */
		ssize_t n = read(fd, buf, 64);

		if (n <= 0 || tls_prefix(t, (unsigned char *)buf,
		    (size_t)n) == -1)
			fail("prefix", "no bytes");
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		fail("fcntl", strerror(errno));
	while ((r = tls_handshake(t)) != 1) {
		if (r == TLS_ERROR)
			fail("handshake", tls_error(t));
		wait_for(fd, r, tls_deadline(t));
	}
	tls_get_info(t, &info);
	printf("HANDSHAKE %s %s sni=%s ktls=%d,%d\n", info.version,
	    info.cipher, info.sni, info.ktls_tx, info.ktls_rx);
	if (wait) {
		printf("WAIT %ld\n", (long)getpid());
		fflush(stdout);
		if (fgets(buf, sizeof(buf), stdin) == NULL)
			fail("wait", "no line on stdin");
	}
	fflush(stdout);
	ks_signer_stop(&sg);

	for (;;) {
		ssize_t n = tls_read(t, buf, sizeof(buf)), off = 0;

		if (n == 0)
			break;
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
			wait_for(fd, (int)n, ms_now() + 30000);
			continue;
		}
		if (n < 0)
			fail("read", tls_error(t));
		total += (unsigned long long)n;
		while (off < n) {
			ssize_t w = tls_write(t, buf + off, (size_t)(n - off));

			if (w == TLS_WANT_READ || w == TLS_WANT_WRITE) {
				if (tls_flush(t) == TLS_ERROR)
					fail("send", tls_error(t));
				wait_for(fd, (int)w, ms_now() + 30000);
				continue;
			}
			if (w < 0)
				fail("write", tls_error(t));
			off += w;
		}
		/* The records made go out before the next read. */
		while ((r = tls_flush(t)) == 0)
			wait_for(fd, TLS_WANT_WRITE, ms_now() + 30000);
		if (r == TLS_ERROR)
			fail("send", tls_error(t));
	}
	while ((r = tls_shutdown(t)) == TLS_WANT_WRITE)
		wait_for(fd, r, ms_now() + 5000);
	printf("DONE %llu\n", total);
	fflush(stdout);
	tls_free(t);
	tls_ctx_free(ctx);
	close(fd);
	close(chan);
	if (waitpid(signer, &status, 0) == signer &&
	    (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		printf("ERROR signer: status %d\n", status);
		return 1;
	}
	return 0;
}
