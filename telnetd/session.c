/*
 * session.c - one connection, in both modes: inetd mode calls
 * session_run(cfg, socket) directly, --listen calls it in a child per
 * connection.
 *
 * session_run() sets the socket up, splits into the privileged monitor
 * (this process, monitor.c) and the unprivileged relay (a child), and the
 * relay runs the per-connection state machine in one poll() loop:
 *
 *   NEGOTIATING --answers in, or deadline--> STARTING --pty from the
 *   monitor--> RELAYING --program ended / client logout--> DRAINING -->
 *   CLOSED.  The client going away ends it at once from any state.
 *
 * The poll timeout is the nearest deadline.  POLLIN on a side only while
 * the opposite queue has room; POLLOUT only while something is queued;
 * POLLPRI for the client's urgent data.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "telnetd.h"

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The engine's single callback. */
void
session_event(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	static const unsigned char cr[] = "\r";
	struct session *s = ctx;

	(void)t;
	switch (ev->type) {
	case TELNET_EV_SEND:
		relay_queue_net(s, ev->u.data.buf, ev->u.data.len,
		    ev->u.data.urgent);
		break;
	case TELNET_EV_DATA:
		/* EXTPROC input is ttymode.c's (looked at here, not there:
		 * this runs once per span of bulk input); the rest is a span
		 * of the buffer being fed, which may be borrowed. */
		if (!s->lm_ext ||
		    !tty_input_data(s, ev->u.data.buf, ev->u.data.len))
			relay_span_to_pty(s, ev->u.data.buf, ev->u.data.len);
		break;
	case TELNET_EV_EOL:
		/* CR LF, CR NUL and bare CR: one end of line each. */
		if (!s->lm_ext || !tty_input_eol(s))
			relay_span_to_pty(s, cr, 1);
		break;
	case TELNET_EV_COMMAND:
		relay_command(s, ev->u.command.cmd);
		break;
	default:
		negotiate_event(s, ev);
		break;
	}
}

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl != -1)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A message from the monitor. */
int
session_monitor(struct session *s)
{
	union {
		uint32_t type;
		struct ps_started st;
		struct ps_exited ex;
	} m;
	int fd = -1;
	ssize_t n;

	n = ps_recv(s->mon, &m, sizeof(m), &fd);
	if (n <= 0)
		return -1;	/* the monitor is gone */
	if (m.type == PS_STARTED && (size_t)n == sizeof(m.st) &&
	    s->state == S_STARTING) {
		if (m.st.error != 0 || fd == -1) {
			static const unsigned char msg[] =
			    "telnetd: cannot start a session.\r\n";

			if (fd != -1)
				close(fd);
			s->data_ctx = 0;
			telnet_send(s->t, msg, sizeof(msg) - 1);
			s->pty_eof = 1;
			s->state = S_DRAINING;
			return 0;
		}
		s->pty = fd;
		set_nonblock(s->pty);
		m.st.tty[sizeof(m.st.tty) - 1] = '\0';
		strlcpy(s->tty, m.st.tty, sizeof(s->tty));
		s->state = S_RELAYING;
		if (s->cfg->debug & DBG_REPORT)
			log_debug("program started on %s", s->tty);
		/* A NAWS that came while the monitor was starting. */
		relay_set_winsize(s);
		/* Line mode, LFLOW: the pty's modes to the client. */
		tty_mode_start(s);
		return 0;
	}
	if (fd != -1)
		close(fd);
	if (m.type == PS_EXITED && (size_t)n == sizeof(m.ex)) {
		s->prog_exited = 1;
		s->drain_deadline = now_ms() + DRAIN_IDLE_MS;
		if (s->pty == -1 && s->state == S_STARTING) {
			/* --report: no program was started; flush, close. */
			s->pty_eof = 1;
			s->state = S_DRAINING;
			s->flush_deadline = now_ms() + FLUSH_TIMEOUT_MS;
		}
		return 0;
	}
	log_warnx("unexpected message from monitor");
	return -1;
}

static void
begin_draining(struct session *s)
{
	if (s->state == S_DRAINING || s->state == S_CLOSED)
		return;
	s->state = S_DRAINING;
	s->flush_deadline = now_ms() + FLUSH_TIMEOUT_MS;
}

/* Flushed and done: half-close, read what the client still sends (so the
 * kernel does not reset the connection over unread data), then close. */
static void
drain_step(struct session *s, int64_t now)
{
	if (netq_len(&s->out) > 0 && now < s->flush_deadline)
		return;
	if (!s->shut) {
		shutdown(s->net, SHUT_WR);
		s->shut = 1;
		s->linger_deadline = now + LINGER_MS;
	}
	if (now >= s->linger_deadline)
		s->state = S_CLOSED;
}

static int
poll_timeout(const struct session *s, int64_t now)
{
	int64_t d = -1, c;

	if (s->state == S_NEGOTIATING)
		d = s->neg_deadline;
	if (s->lm_hold != 0 && (d == -1 || s->lm_hold < d))
		d = s->lm_hold;
	if (s->prog_exited && !s->pty_eof && (d == -1 || s->drain_deadline < d))
		d = s->drain_deadline;
	if (s->state == S_DRAINING) {
		c = s->shut ? s->linger_deadline : s->flush_deadline;
		if (d == -1 || c < d)
			d = c;
	}
	if (s->trim_at != 0 && (d == -1 || s->trim_at < d))
		d = s->trim_at;
	if (d == -1)
		return -1;
	return d <= now ? 0 : (int)(d - now);
}

/* IDLE_TRIM_MS without traffic: the buffers give their pages back (the
 * ones that still hold bytes waiting for a slow side keep them), so an
 * idle session holds only its state.  A session with traffic pays a few
 * page faults after each pause, nothing while data flows. */
static void
session_trim(struct session *s)
{
	s->trim_at = 0;
	(void)buf_trim(&s->in);
	(void)netq_trim(&s->out);
	pages_discard(s->scratch, IO_CHUNK + 1);
	(void)telnet_trim(s->t, pages_discard);
}

static void
session_loop(struct session *s)
{
	struct pollfd pfd[3];
	int64_t now;

	while (s->state != S_CLOSED) {
		int netin = 0, ptyin = 0, i, nready;

		/* Decide what to wait for. */
		pfd[0].fd = s->net;
		pfd[0].events = 0;
		if (s->state != S_DRAINING || s->shut) {
			netin = relay_net_room(s) &&
			    netq_space(&s->out) > NETOUT_RESERVE;
			if (s->net_eof)
				netin = 0;	/* only a reset is news */
			if (s->shut)
				netin = 1;
		}
		if (netin) {
			if (relay_want_net(s))
				pfd[0].events |= POLLIN;
			if (!s->urg_wait)
				pfd[0].events |= POLLPRI;
		}
		if (netq_len(&s->out) > 0 && !s->shut)
			pfd[0].events |= POLLOUT;
		pfd[1].fd = s->pty;
		pfd[1].events = 0;
		if (s->pty != -1 && !s->pty_eof) {
			ptyin = netq_room(&s->out) > NETOUT_RESERVE + 1024;
			if (ptyin)
				pfd[1].events |= POLLIN;
			if (buf_len(&s->in) > 0 && !tty_input_held(s, now_ms()))
				pfd[1].events |= POLLOUT;
		}
		if (s->pty == -1 || s->pty_eof)
			pfd[1].fd = -1;
		pfd[2].fd = s->mon;
		pfd[2].events = s->mon != -1 ? POLLIN : 0;

		now = now_ms();
		if ((nready = poll(pfd, 3, poll_timeout(s, now))) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		now = now_ms();
		if (nready > 0)
			s->trim_at = now + IDLE_TRIM_MS;
		else if (s->trim_at != 0 && now >= s->trim_at)
			session_trim(s);

		/* The monitor. */
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (session_monitor(s) == -1) {
				close(s->mon);
				s->mon = -1;
				s->pty_eof = 1;
				begin_draining(s);
			}
		}

		/* The client. */
		if (pfd[0].revents & POLLPRI)
			relay_urgent(s);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (relay_read_net(s) == -1) {
				/* The client is gone: nothing more to say. */
				s->state = S_CLOSED;
				break;
			}
		}

		/* The program. */
		if (pfd[1].fd != -1 &&
		    (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			/* A pty read returns at most one line discipline
			 * buffer (4 KiB): read several while there is room,
			 * then send them in one write below. */
			for (i = 0; i < PTY_READS; i++) {
				int r = relay_read_pty(s);

				if (r == -1) {
					s->pty_eof = 1;
					begin_draining(s);
					break;
				}
				if (r == 0)
					break;
				if (s->prog_exited)
					s->drain_deadline = now +
					    DRAIN_IDLE_MS;
			}
			if (s->tty_look) {
				s->tty_look = 0;
				tty_mode_check(s);
			}
		}
		if (s->prog_exited && !ptyin)
			s->drain_deadline = now + DRAIN_IDLE_MS;
		if (s->prog_exited && !s->pty_eof && now >= s->drain_deadline) {
			/* Something else holds the pty open; the program's
			 * own output is read. */
			s->pty_eof = 1;
			begin_draining(s);
		}
		if (s->logout) {
			s->pty_eof = 1;
			begin_draining(s);
		}

		/* Start as soon as the answers are in. */
		if (s->state == S_NEGOTIATING &&
		    (negotiate_ready(s) || now >= s->neg_deadline)) {
			if (negotiate_start(s) == -1) {
				log_warn("start request");
				s->state = S_CLOSED;
				break;
			}
			s->state = S_STARTING;
		}

		/* Write what is queued, without waiting for POLLOUT unless
		 * the last write found the pty full. */
		if (pfd[1].fd != -1 && (pfd[1].revents & POLLOUT))
			s->pty_full = 0;
		if (s->pty != -1 && !s->pty_eof && buf_len(&s->in) > 0 &&
		    !s->pty_full && relay_write_pty(s) == -1) {
			s->pty_eof = 1;
			begin_draining(s);
		}
		if (!s->shut && relay_write_net(s) == -1) {
			s->state = S_CLOSED;
			break;
		}
		if (s->state == S_DRAINING)
			drain_step(s, now);
	}
}

struct session *
session_new(const struct config *cfg, int net, int mon, const char *host)
{
	struct telnet_config tc;
	struct session *s;

	/* Zero pages touched only where used (the environment table and
	 * the span ring are mostly empty in an idle session). */
	if ((s = ps_zalloc(sizeof(*s))) == NULL)
		fatal("mmap");
	s->cfg = cfg;
	s->host = host;
	s->net = net;
	s->mon = mon;
	s->pty = -1;
	s->state = S_NEGOTIATING;
	if (netq_init(&s->out, cfg->netout_size ? cfg->netout_size :
	    NETOUT_SIZE) == -1 ||
	    buf_init(&s->in, cfg->ptyout_size ? cfg->ptyout_size :
	    PTYOUT_SIZE) == -1 ||
	    (s->scratch = pages_alloc(IO_CHUNK + 1)) == NULL)
		fatal("buffers");
	memset(&tc, 0, sizeof(tc));
	tc.policy = negotiate_policy;
	tc.sb_max = cfg->sb_max;	/* 0: the engine's default */
	tc.alloc = pages_alloc;		/* so that session_trim can */
	tc.release = pages_free;	/* give its pages back */
	if ((s->t = telnet_new(&tc, session_event, s)) == NULL)
		fatalx("telnet_new failed");
	set_nonblock(net);
	return s;
}

/* Closing the master hangs the program up (SIGHUP). */
void
session_free(struct session *s)
{
	if (s->pty != -1)
		close(s->pty);
	close(s->net);
	telnet_free(s->t);
	netq_free(&s->out);
	buf_free(&s->in);
	pages_free(s->scratch, IO_CHUNK + 1);
	ps_zfree(s->rep, sizeof(*s->rep));
	ps_zfree(s, sizeof(*s));
}

int
relay_main(const struct config *cfg, int net, int mon, const char *host)
{
	struct session *s = session_new(cfg, net, mon, host);
	int sent;

	/* The opening requests go out before the relay gives up root and
	 * its view of the file system: nothing from the client is read
	 * until session_loop(), after the drop, and the client's round
	 * trip then overlaps the confinement (chroot, ids, the seccomp
	 * filter: about 100 us) instead of following it. */
	negotiate_begin(s);
	sent = relay_write_net(s) != -1;
	privsep_drop(cfg);
	if (sent)
		session_loop(s);
	if (cfg->debug & DBG_REPORT)
		log_debug("relay done: %llu bytes in, %llu bytes out",
		    s->bytes_in, s->bytes_out);
	/* The process ends here (session_run's _exit): the descriptors are
	 * closed for what the program and the client see, in that order
	 * (closing the master hangs the program up); the buffers go with
	 * the process instead of a munmap each (perf: about 30 us per
	 * session).  session_free() is for callers that go on. */
	if (s->pty != -1)
		close(s->pty);
	close(s->net);
	return 0;
}

/* The client's address, numeric; with -U its reverse name (refusing the
 * client without one). */
static int
peer_name(const struct config *cfg, int fd,
    const struct sockaddr_storage *client, char *host, size_t hostsz)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int e;

	if (peer_address(cfg, fd, client, &ss, &len) == -1)
		return -1;
	if ((e = getnameinfo((struct sockaddr *)&ss, len, host,
	    (socklen_t)hostsz, NULL, 0, NI_NUMERICHOST)) != 0) {
		log_warnx("getnameinfo: %s", gai_strerror(e));
		return -1;
	}
	if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, '.'))
		memmove(host, host + 7, strlen(host + 7) + 1);
	if (cfg->reverse_lookup) {
		char name[NI_MAXHOST];

		nss_builtin_only("hosts");
		if (getnameinfo((struct sockaddr *)&ss, len, name,
		    sizeof(name), NULL, 0, NI_NAMEREQD) != 0) {
			static const char msg[] = "telnetd: your address has "
			    "no host name; connection refused.\r\n";

			log_info("refused %s: no reverse name", host);
			(void)send(fd, msg, sizeof(msg) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			return -1;
		}
		strlcpy(host, name, hostsz);
	}
	return 0;
}

static void
socket_options(const struct config *cfg, int fd)
{
	int on = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1 &&
	    errno != EOPNOTSUPP && errno != ENOPROTOOPT)
		log_warn("TCP_NODELAY");
	/* Urgent data stays in the stream; POLLPRI tells it is there. */
	if (setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on)) == -1)
		log_warn("SO_OOBINLINE");
	if (cfg->keepalive &&
	    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == -1)
		log_warn("SO_KEEPALIVE");
}

int
session_run(const struct config *cfg, int fd,
    const struct sockaddr_storage *client)
{
	static char host[HOST_MAX];
	int sp[2];
	pid_t relay;

	log_setproc("session");
	if (peer_name(cfg, fd, client, host, sizeof(host)) == -1) {
		close(fd);
		return 1;
	}
	socket_options(cfg, fd);
	title_session(host, NULL);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	switch ((relay = fork())) {
	case -1:
		fatal("fork");
	case 0:
		close(sp[0]);
		log_setproc("relay");
		title_relay(host);
		_exit(relay_main(cfg, fd, sp[1], host));
	default:
		break;
	}
	close(sp[1]);
	close(fd);
	log_setproc("monitor");
	return monitor_run(cfg, sp[0], relay, host);
}
