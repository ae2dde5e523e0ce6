/*
 * relay.c - the unprivileged relay: its main, its poll loop and state, and
 * the engine's callback.  The bytes themselves are moved by datapath.c
 * and pty_input.c: a client byte by relay_read_net() -> telnet_feed() ->
 * relay_event() here -> relay_input_span() and one writev; a program
 * byte by relay_read_pty() straight into the queue,
 * telnet_send_inplace() -> relay_write_net() (telnetd/README draws both
 * paths).
 *
 * The session's states: [SECURING: TLS first, tls_session.c] ->
 * NEGOTIATING (negotiate.c) -> [PROBING: --report's probes, probe.c] ->
 * STARTING (START sent to the monitor) -> RELAYING (STARTED: the pty is
 * there) -> DRAINING (the program or the client is done: flush, then
 * linger) -> CLOSED.  The client going away ends it at once from any
 * state.  Each side has its own state (struct side: open, half-closed,
 * done), the drain its step, and every wait a deadline in one table whose
 * nearest entry is the poll timeout.  POLLIN on a side only while the
 * opposite queue has room, POLLOUT only while something is queued,
 * POLLPRI for urgent data.
 *
 * What the client's input means beyond its bytes (TELNET commands, and
 * while the pty is in EXTPROC what the line discipline would have done)
 * is client_input.c's: ttymode.c says what, client_input.c does it.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

/* The poll slots. */
enum { PFD_NET, PFD_PTY, PFD_MON, PFD_MAX };

/* Negotiation and subnegotiations (negotiate.c); a window size goes to the
 * pty at once.  Not inlined: relay_event() stays a dispatch that costs a
 * span of bulk input no more than it must. */
static __attribute__((noinline)) void
protocol_event(struct session *s, const struct telnet_event *ev)
{
	if (s->state == S_SECURING) {
		tls_session_event(s, ev);	/* START_TLS offered */
		return;
	}
	negotiate_event(s, ev);
	if (ev->type == TELNET_EV_NAWS && ev->u.naws.width != 0 &&
	    ev->u.naws.height != 0)
		relay_set_winsize(s);
}

/* The engine's single callback. */
void
relay_event(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	static const unsigned char cr[] = "\r";
	struct session *s = ctx;

	(void)t;
	switch (ev->type) {
	case TELNET_EV_SEND:
		relay_queue_net(s, ev->u.data.kind == TELNET_SEND_DATA ?
		    NETQ_DATA : NETQ_CMD, ev->u.data.buf, ev->u.data.len,
		    ev->u.data.urgent);
		break;
	case TELNET_EV_DATA:
		/* The terminal's answers to the report's probe. */
		if (__builtin_expect(s->state == S_PROBING, 0) &&
		    probe_input(s, ev->u.data.buf, ev->u.data.len))
			break;
		/* EXTPROC is looked at here, once per span of bulk input;
		 * otherwise the span of the read buffer may be borrowed. */
		if (!s->lm_ext || !client_input_extproc(s, ev))
			relay_input_span(s, ev->u.data.buf, ev->u.data.len);
		break;
	case TELNET_EV_EOL:
		if (__builtin_expect(s->state == S_PROBING, 0) &&
		    probe_input(s, ev->u.eol.kind == TELNET_EOL_CR ? cr :
		    (const unsigned char *)"\n", 1))
			break;
		/* CR LF, CR NUL and bare CR: one end of line each, at the
		 * CR (the LF of a CR LF is only its end). */
		if (ev->u.eol.kind == TELNET_EOL_CR &&
		    (!s->lm_ext || !client_input_extproc(s, ev)))
			relay_input_span(s, cr, 1);
		break;
	case TELNET_EV_COMMAND:
		client_command(s, ev->u.command.cmd);
		break;
	default:
		protocol_event(s, ev);
		break;
	}
}

/* The relay never blocks on either side: every read and write of the
 * client's socket and of the pty master is nonblocking. */
int
relay_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* ---- the loop -------------------------------------------------------- */

/*
 * Flushed and done: half-close, read what the client still sends (so the
 * kernel does not reset the connection over unread data), then close.  A
 * client that does not read gets FLUSH_TIMEOUT_MS after its last progress.
 */
static void
drain_step(struct session *s, int64_t now)
{
	switch (s->drain) {
	case DRAIN_FLUSH:
		if ((netq_len(&s->out) > 0 || relay_net_unsent(s) > 0) &&
		    now < s->dl[DL_FLUSH])
			return;
		relay_net_shutdown(s);
		s->drain = DRAIN_LINGER;
		s->dl[DL_FLUSH] = 0;
		s->dl[DL_LINGER] = now + LINGER_MS;
		/* FALLTHROUGH */
	case DRAIN_LINGER:
		if (now >= s->dl[DL_LINGER])
			s->state = S_CLOSED;
		break;
	}
}

/* IDLE_TRIM_MS without traffic: the buffers give their pages back (the
 * ones that still hold bytes waiting for a slow side keep them), so an
 * idle session holds only its state.  A session with traffic pays a few
 * page faults after each pause, nothing while data flows. */
static void
idle_step(struct session *s, int nready, int64_t now)
{
	if (nready > 0) {
		s->dl[DL_TRIM] = now + IDLE_TRIM_MS;
		return;
	}
	if (s->dl[DL_TRIM] == 0 || now < s->dl[DL_TRIM])
		return;
	s->dl[DL_TRIM] = 0;
	(void)buf_trim(&s->in);
	(void)buf_trim(&s->held);
	(void)netq_trim(&s->out);
	pages_discard(s->scratch, IO_CHUNK + 1);
	(void)telnet_trim(s->t, pages_discard);
	if (s->tls != NULL)
		tls_session_trim(s);
}

/*
 * --idle-timeout: a running session in which nothing has moved either way
 * (no byte from the client, none to it) that long is closed as if the
 * client had gone: a line tells the user why, the client's queue is
 * flushed, and the relay's end hangs the program up (SIGHUP, utmp
 * cleared by the monitor).  Moving bytes are counted, not polls: a
 * keepalive the client's TCP stack answers is no activity.
 */
static void
idle_timeout_step(struct session *s, int64_t now)
{
	static const unsigned char msg[] = "\r\ntelnetd: no input or output "
	    "for too long; closing the connection.\r\n";
	unsigned long long moved = s->bytes_in + s->bytes_out;

	if (s->cfg->idle_timeout == 0 || s->state != S_RELAYING)
		return;
	if (moved != s->idle_moved || s->dl[DL_IDLE] == 0) {
		s->idle_moved = moved;
		s->dl[DL_IDLE] = now + (int64_t)s->cfg->idle_timeout * 1000;
		return;
	}
	if (now < s->dl[DL_IDLE])
		return;
	log_info("%s: no input or output for %u s (--idle-timeout): closing",
	    s->host, s->cfg->idle_timeout);
	s->dl[DL_IDLE] = 0;
	relay_reply(s, msg, sizeof(msg) - 1);
	pty_done(s);
}

/* What to wait for.  Returns whether the pty may be read (the queue to the
 * client has room for it). */
static int
poll_set(struct session *s, struct pollfd *pfd)
{
	int netin = 0, ptyin = 0;

	pfd[PFD_NET].fd = s->net.fd;
	pfd[PFD_NET].events = 0;
	if (s->state != S_DRAINING || relay_lingering(s)) {
		netin = relay_net_room(s) &&
		    netq_space(&s->out) > NETOUT_RESERVE;
		if (s->net.st == SIDE_HALF_CLOSED)
			netin = 0;	/* only a reset is news */
		if (relay_lingering(s))
			netin = 1;
	}
	if (netin) {
		if (relay_net_want(s))
			pfd[PFD_NET].events |= POLLIN;
		if (!s->urg_wait && relay_net_urgent(s))
			pfd[PFD_NET].events |= POLLPRI;
	}
	if ((netq_ready(&s->out) > 0 || relay_net_unsent(s) > 0) &&
	    !relay_lingering(s))
		pfd[PFD_NET].events |= POLLOUT;

	pfd[PFD_PTY].fd = -1;
	pfd[PFD_PTY].events = 0;
	if (s->pty.fd != -1 && s->pty.st != SIDE_DONE) {
		pfd[PFD_PTY].fd = s->pty.fd;
		ptyin = netq_room(&s->out) > NETOUT_PTY_ROOM;
		if (ptyin)
			pfd[PFD_PTY].events |= POLLIN;
		/* Nothing asked of the pty while the line discipline must
		 * be looked at again first (ldisc_room.c). */
		if (relay_input_pending(s) && !ldisc_waiting(s, now_ms()))
			pfd[PFD_PTY].events |= POLLOUT;
	}

	pfd[PFD_MON].fd = s->mon;
	pfd[PFD_MON].events = s->mon != -1 ? POLLIN : 0;
	return ptyin;
}

/* The pty is readable: a pty read returns at most one line discipline
 * buffer (4 KiB), so several are read while there is room, then sent in
 * one write by the loop. */
static void
pty_readable(struct session *s, int64_t now)
{
	int i, r;

	for (i = 0; i < PTY_READS; i++) {
		if ((r = relay_read_pty(s)) == -1) {
			pty_done(s);
			break;
		}
		if (r == 0)
			break;
		if (s->pty.st == SIDE_HALF_CLOSED)
			s->dl[DL_PROGRAM_QUIET] = now + DRAIN_IDLE_MS;
	}
	if (s->tty_look) {
		s->tty_look = 0;
		tty_mode_check(s);
	}
	ldisc_look(s);
}

/* The program ended and its pty went quiet (while the client's queue had
 * no room, the pty was not read: that is no quiet), or DO LOGOUT. */
static void
program_end_step(struct session *s, int ptyin, int64_t now)
{
	if (s->pty.st == SIDE_HALF_CLOSED) {
		if (!ptyin)
			s->dl[DL_PROGRAM_QUIET] = now + DRAIN_IDLE_MS;
		else if (now >= s->dl[DL_PROGRAM_QUIET])
			pty_done(s);
	}
	if (s->logout)
		pty_done(s);
}

/*
 * TLS before TELNET (tls_session.c): the client's first bytes looked at,
 * or the handshake.  Only the client and the monitor's end are watched;
 * then what the step queued (the opening requests, once TLS is up) goes
 * out.
 */
static void
secure_turn(struct session *s)
{
	struct pollfd pfd[PFD_MAX];

	pfd[PFD_NET].fd = s->net.fd;
	pfd[PFD_NET].events = tls_session_events(s);
	pfd[PFD_PTY].fd = -1;	/* no program before TELNET: poll skips it */
	pfd[PFD_PTY].events = 0;
	pfd[PFD_MON].fd = s->mon;
	pfd[PFD_MON].events = POLLIN;
	if (poll(pfd, PFD_MAX, deadline_timeout(s->dl, DL_MAX, now_ms())) ==
	    -1) {
		if (errno != EINTR)
			fatal("poll");
		return;
	}
	if (pfd[PFD_MON].revents & (POLLIN | POLLHUP | POLLERR)) {
		s->state = S_CLOSED;	/* nothing is due from it yet */
		return;
	}
	tls_session_step(s, pfd[PFD_NET].revents, now_ms());
	if (s->state != S_CLOSED && relay_write_net(s) == -1)
		s->state = S_CLOSED;
}

/* poll() until a descriptor is ready or the nearest deadline; -1 on
 * EINTR.  Bytes the TLS record layer already holds count as readable:
 * poll() cannot see them. */
static int
relay_poll(struct session *s, struct pollfd *pfd, int confirm)
{
	int timeout = deadline_timeout(s->dl, DL_MAX, now_ms());
	int buffered = (pfd[PFD_NET].events & POLLIN) &&
	    relay_net_buffered(s);
	int nready = poll(pfd, PFD_MAX, buffered || confirm ? 0 : timeout);

	if (nready == -1) {
		if (errno != EINTR)
			fatal("poll");
		return -1;
	}
	if (buffered) {
		pfd[PFD_NET].revents |= POLLIN;
		nready++;
	}
	return nready;
}

/* The phase's step after the reads: the handshake's check, or the START
 * request once the opening or the probe is done; -1 ends the relay. */
static int
phase_step(struct session *s, int64_t now)
{
	if (s->state == S_SECURING)
		tls_session_check(s, now);
	else if (s->state == S_NEGOTIATING && ((negotiate_ready(s) &&
	    probe_settled(s)) || now >= s->dl[DL_NEGOTIATE]) &&
	    opening_done(s, now) == -1) {
		log_warn("start request");
		return -1;
	}
	if (s->state == S_PROBING && probe_step(s, now) &&
	    request_start(s) == -1) {
		log_warn("start request");
		return -1;
	}
	return 0;
}

/* Write what is queued, without waiting for POLLOUT unless the last
 * write found the pty full; -1 when the client is gone. */
static int
write_step(struct session *s, const struct pollfd *pfd)
{
	if (pfd[PFD_PTY].revents & POLLOUT)
		s->pty.full = 0;
	if (s->pty.fd != -1 && s->pty.st != SIDE_DONE &&
	    relay_input_pending(s) && !s->pty.full &&
	    relay_write_pty(s) == -1)
		pty_done(s);
	/* A linemode EOF just done, or room made: what waited behind it
	 * goes on now.  Nothing else may wake the loop for it: the client
	 * is not read meanwhile, and the program may read without a word. */
	relay_feed_held(s);
	if (!relay_lingering(s) && relay_write_net(s) == -1) {
		s->net.st = SIDE_DONE;
		return -1;
	}
	return 0;
}

static void
relay_loop(struct session *s)
{
	struct pollfd pfd[PFD_MAX];
	int64_t now;
	int nready, ptyin, confirm;

	while (s->state != S_CLOSED) {
		if (s->state == S_SECURING && tls_session_own(s)) {
			secure_turn(s);
			continue;
		}
		ptyin = poll_set(s, pfd);
		confirm = relay_pty_confirm_due(s, ptyin);
		if ((nready = relay_poll(s, pfd, confirm)) == -1)
			continue;	/* EINTR */
		now = now_ms();
		idle_step(s, nready, now);
		relay_feed_held(s);

		if ((pfd[PFD_MON].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    relay_monitor(s) == -1) {
			close(s->mon);
			s->mon = -1;
			pty_done(s);
		}
		if (pfd[PFD_NET].revents & POLLPRI)
			relay_urgent(s);
		/* Input held behind a linemode EOF: the client is not read,
		 * so a reset connection (POLLHUP, POLLERR, which poll()
		 * reports whatever was asked) ends the session here. */
		if ((pfd[PFD_NET].revents & (POLLHUP | POLLERR)) &&
		    relay_input_held(s)) {
			s->net.st = SIDE_DONE;
			break;
		}
		if ((pfd[PFD_NET].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    relay_read_net(s) == -1) {
			s->net.st = SIDE_DONE;	/* the client is gone */
			break;
		}
		if ((pfd[PFD_PTY].revents & (POLLIN | POLLHUP | POLLERR)) ||
		    confirm)
			pty_readable(s, now);
		program_end_step(s, ptyin, now);
		idle_timeout_step(s, now);
		if (phase_step(s, now) == -1 || write_step(s, pfd) == -1)
			break;
		if (s->state == S_DRAINING)
			drain_step(s, now);
	}
	report_end(s);
	s->state = S_CLOSED;
}

/* ---- the relay's life ------------------------------------------------ */

struct session *
session_new(const struct config *cfg, int net, int mon, const char *host)
{
	struct telnet_config tc;
	struct session *s;

	/* Zero pages, touched only where used: the layout of struct
	 * session (session.h) keeps an idle session's state together. */
	if ((s = pages_alloc(sizeof(*s))) == NULL)
		fatal("session");
	s->cfg = cfg;
	s->host = host;
	s->net.fd = net;
	s->mon = mon;
	s->pty.fd = -1;
	s->state = S_NEGOTIATING;
	s->in_last = '\n';		/* the program's first line starts */
	if (netq_init(&s->out, cfg->netout_size ? cfg->netout_size :
	    NETOUT_SIZE) == -1 ||
	    buf_init(&s->in, cfg->ptyout_size ? cfg->ptyout_size :
	    PTYOUT_SIZE) == -1 ||
	    (s->scratch = pages_alloc(IO_CHUNK + 1)) == NULL)
		fatal("buffers");
	memset(&tc, 0, sizeof(tc));
	tc.policy = negotiate_policy;
	tc.sb_max = cfg->sb_max;	/* 0: the engine's default */
	tc.alloc = pages_alloc;		/* so that idle_step() can */
	tc.release = pages_free;	/* give its pages back */
	if ((s->t = telnet_new(&tc, relay_event, s)) == NULL)
		fatalx("telnet_new failed");
	if (relay_nonblock(net) == -1)
		fatal("client socket: O_NONBLOCK");
	return s;
}

/* Closing the master hangs the program up (SIGHUP). */
void
session_free(struct session *s)
{
	if (s->pty.fd != -1)
		close(s->pty.fd);
	close(s->net.fd);
	tls_session_free(s);
	telnet_free(s->t);
	netq_free(&s->out);
	buf_free(&s->in);
	buf_free(&s->held);
	pages_free(s->scratch, IO_CHUNK + 1);
	pages_free(s->rep, sizeof(*s->rep));
	pages_free(s->probe, sizeof(*s->probe));
	pages_free(s, sizeof(*s));
}

int
relay_main(const struct config *cfg, int net, int mon, const char *host,
    const struct tls_start *ts)
{
	struct tls_start tss;
	struct session *s;
	int sent;

	if (ts != NULL) {
		tss = *ts;
		privsep_relay_fds(cfg, &net, &mon, &tss.chan);
	} else
		privsep_relay_fds(cfg, &net, &mon, NULL);
	s = session_new(cfg, net, mon, host);
	title_relay(s->title, sizeof(s->title), host);

	/* The opening requests go out before the relay gives up root and
	 * its view of the file system: nothing from the client is read
	 * until relay_loop(), after the drop, and the client's round trip
	 * then overlaps the confinement (chroot, ids, the seccomp filter:
	 * about 100 us) instead of following it.  With TLS, the context
	 * and the connection object are made here too, and what goes out
	 * first is DO START_TLS, or nothing. */
	if (ts != NULL) {
		if (tls_session_new(s, &tss) == -1)
			return 1;
		tls_session_begin(s);
	} else
		negotiate_begin(s);
	sent = relay_write_net(s) != -1;
	privsep_drop(cfg, ts != NULL);
	if (sent)
		relay_loop(s);
	notes_end(s);
	log_trace(s, DBG_REPORT, "relay done: %llu bytes in, %llu bytes out",
	    s->bytes_in, s->bytes_out);
	/* The process ends here (session_run's _exit): the descriptors are
	 * closed for what the program and the client see, in that order
	 * (closing the master hangs the program up); the buffers go with
	 * the process instead of a munmap each (perf: about 30 us per
	 * session).  session_free() is for callers that go on. */
	if (s->pty.fd != -1)
		close(s->pty.fd);
	close(s->net.fd);
	return 0;
}
