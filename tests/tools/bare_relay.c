/*
 * bare_relay.c - the benchmark's reference: a pty <-> socket relay that
 * speaks no protocol at all.
 *
 *	bare_relay PROGRAM [ARG...]
 *
 * Run in inetd mode (the connected socket is descriptor 0, as
 * inetd_launcher arranges).  It starts PROGRAM on a fresh pty with
 * forkpty() and copies bytes both ways with big non-blocking reads and
 * writes in one poll() loop, each direction through one bounded 64 KiB
 * buffer (the pty is read until it has nothing more or the buffer is full,
 * then the socket gets one write).
 * When the program exits it reads the pty dry and sends everything before
 * closing; when the client goes away the program gets SIGHUP.  This is
 * the lower bound a TELNET daemon's relay is measured against: everything
 * a telnetd adds (option negotiation, IAC escaping, CR handling, privilege
 * separation) costs something relative to it.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUFSZ	65536

struct dir {
	unsigned char buf[BUFSZ];
	size_t off, len;
	int eof;
};

static struct dir to_net, to_pty;

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Read into d from fd; returns -1 on EOF or a hard error. */
static int
fill(struct dir *d, int fd)
{
	ssize_t n;

	if (d->len == 0)
		d->off = 0;
	n = read(fd, d->buf + d->off + d->len, BUFSZ - d->off - d->len);
	if (n > 0) {
		d->len += (size_t)n;
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1;
}

/* Write from d to fd; returns -1 when the peer is gone. */
static int
drain(struct dir *d, int fd)
{
	ssize_t n;

	n = write(fd, d->buf + d->off, d->len);
	if (n > 0) {
		d->off += (size_t)n;
		d->len -= (size_t)n;
		if (d->len == 0)
			d->off = 0;
		return 0;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1;
}

/* Blocking write of what is left, for the end of the session. */
static void
flush_all(struct dir *d, int fd)
{
	struct pollfd p = { fd, POLLOUT, 0 };

	while (d->len > 0) {
		if (drain(d, fd) < 0)
			return;
		if (d->len > 0 && poll(&p, 1, 5000) <= 0)
			return;
	}
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[2];
	pid_t pid;
	int net = 0, pty, one = 1, net_gone = 0, pty_gone = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: bare_relay PROGRAM [ARG...]\n");
		return 2;
	}
	setsockopt(net, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	signal(SIGPIPE, SIG_IGN);

	pid = forkpty(&pty, NULL, NULL, NULL);
	if (pid < 0)
		return 1;
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		execv(argv[1], argv + 1);
		_exit(127);
	}
	/* The socket is also on descriptors 1 and 2: one is enough. */
	dup2(pty, 1);
	dup2(pty, 2);
	close(pty);
	pty = 1;
	set_nonblock(net);
	set_nonblock(pty);

	while (!net_gone && !pty_gone) {
		pfd[0].fd = net;
		pfd[0].events = (to_pty.len + to_pty.off < BUFSZ ? POLLIN : 0) |
		    (to_net.len > 0 ? POLLOUT : 0);
		pfd[1].fd = pty;
		pfd[1].events = (to_net.len + to_net.off < BUFSZ ? POLLIN : 0) |
		    (to_pty.len > 0 ? POLLOUT : 0);
		/* Nothing wanted on a side: leave it out, or a hang-up there
		 * would wake the loop again and again. */
		if (pfd[0].events == 0)
			pfd[0].fd = -1;
		if (pfd[1].events == 0)
			pfd[1].fd = -1;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* A pty read returns at most what the line discipline holds
		 * (4 KiB): read on while it gives, so the socket gets one big
		 * write instead of many small ones. */
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR) &&
		    pfd[1].events & POLLIN) {
			size_t before;

			do {
				before = to_net.len;
				if (fill(&to_net, pty) < 0) {
					pty_gone = 1;
					break;
				}
			} while (to_net.len > before &&
			    to_net.off + to_net.len < BUFSZ);
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR) &&
		    pfd[0].events & POLLIN && fill(&to_pty, net) < 0)
			net_gone = 1;
		if (to_net.len > 0 && drain(&to_net, net) < 0)
			net_gone = 1;
		if (to_pty.len > 0 && drain(&to_pty, pty) < 0)
			pty_gone = 1;
	}

	if (pty_gone && !net_gone) {
		/* The program is gone: send everything still in the pty. */
		int fl = fcntl(pty, F_GETFL);

		fcntl(pty, F_SETFL, fl & ~O_NONBLOCK);
		for (;;) {
			flush_all(&to_net, net);
			if (to_net.len > 0 || fill(&to_net, pty) < 0 ||
			    to_net.len == 0)
				break;
		}
		flush_all(&to_net, net);
	} else {
		kill(-pid, SIGHUP);
		kill(pid, SIGHUP);
	}
	shutdown(net, SHUT_RDWR);
	close(net);
	close(pty);
	waitpid(pid, NULL, 0);
	return 0;
}
