/*
 * relay.c - the data path between the pty and the network, in the
 * unprivileged relay.
 *
 * pty -> network: the pty is in packet mode (TIOCPKT): every read starts
 * with a status byte.  Data goes through the engine (IAC doubling, CR NUL)
 * into the bounded network queue; FLUSHWRITE becomes netclear plus an
 * urgent IAC DM; FLUSHREAD drops the client input not yet written;
 * NOSTOP/DOSTOP become LFLOW OFF/ON.
 *
 * network -> pty: bytes go to the engine, whose DATA/EOL/COMMAND events
 * land here: an end of line of any kind is one "\r" (the tty's ICRNL makes
 * it the program's newline), commands become the pty's own control
 * characters, read from its termios each time.  While nothing is queued
 * for the pty, the DATA spans (pointers into the read buffer) are only
 * noted, and written from there with one writev once the read is decoded;
 * what the pty does not take, and everything while something is queued,
 * is copied into the bounded input queue.
 *
 * Reads are large and only as large as the opposite queue has room for;
 * nothing is read per byte and nothing grows.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "telnetd.h"

/* Queue bytes for the client: the program's data (which abort-output may
 * drop) or protocol bytes and replies (always kept whole). */
void
relay_queue_net(struct session *s, enum netq_kind kind,
    const unsigned char *p, size_t n, int urgent)
{
	if (netq_append(&s->out, kind, p, n, urgent) == -1) {
		/* Only a client that sends without reading gets here:
		 * reads are sized so that data always fits. */
		if (s->drops++ == 0)
			log_warnx("client not reading: output queue full, "
			    "dropping replies");
		return;
	}
	if (kind == NETQ_DATA && !(s->limits_logged & LIM_OUTPUT) &&
	    netq_room(&s->out) <= NETOUT_RESERVE + 1024) {
		s->limits_logged |= LIM_OUTPUT;
		log_info("output queue full (%zu bytes, --output-buffer): "
		    "program output waits for the client", s->out.b.size);
	}
	log_trace_dump(s, DBG_NETDATA, urgent ? "net> (urgent)" : "net>", p, n);
}

/* The program's output: encoded by the engine straight into the queue
 * (one copy, no event per IAC); through SEND events when it cannot be
 * reserved at once, which the read sizes make rare. */
static void
relay_queue_data(struct session *s, const unsigned char *p, size_t n)
{
	unsigned char *dst = netq_reserve(&s->out, NETQ_DATA, 2 * n + 1);
	size_t len;

	if (dst == NULL) {
		telnet_send(s->t, p, n);	/* SEND events of kind DATA */
		return;
	}
	len = telnet_send_into(s->t, dst, p, n);
	log_trace_dump(s, DBG_NETDATA, "net>", dst, len);
	netq_commit(&s->out, NETQ_DATA, len, 0);
	if (!(s->limits_logged & LIM_OUTPUT) &&
	    netq_room(&s->out) <= NETOUT_RESERVE + 1024) {
		s->limits_logged |= LIM_OUTPUT;
		log_info("output queue full (%zu bytes, --output-buffer): "
		    "program output waits for the client", s->out.b.size);
	}
}

/*
 * Text of the daemon's own for the client (the AYT answer, a refusal, the
 * --report text): encoded as data, queued as a reply that abort-output
 * keeps.  In pieces the queue has room for, as SEND events would be; what
 * does not fit is dropped, as with any reply to a client that does not
 * read.
 */
void
relay_reply(struct session *s, const unsigned char *p, size_t n)
{
	unsigned char *dst;
	size_t k, len;

	while (n > 0) {
		k = netq_space(&s->out);
		k = k > 1 ? (k - 1) / 2 : 0;
		if (k > n)
			k = n;
		if (k == 0 ||
		    (dst = netq_reserve(&s->out, NETQ_CMD, 2 * k + 1)) == NULL) {
			if (s->drops++ == 0)
				log_warnx("client not reading: output queue "
				    "full, dropping replies");
			return;
		}
		len = telnet_send_into(s->t, dst, p, k);
		log_trace_dump(s, DBG_NETDATA, "net>", dst, len);
		netq_commit(&s->out, NETQ_CMD, len, 0);
		p += k;
		n -= k;
	}
}

/*
 * Room in the input queue for one read.  A read can decode into one byte
 * more than it is long: a CR that ended the previous read is held by the
 * engine until the next byte tells what it was, and a bare CR comes out
 * as "\r" ahead of that byte (RFC 854).  Everything else decodes into at
 * most as many bytes as it came in.
 */
static size_t
input_room(const struct session *s)
{
	size_t sp = buf_space(&s->in);

	return sp > 0 ? sp - 1 : 0;
}

static void
input_full(struct session *s)
{
	if (s->limits_logged & LIM_INPUT)
		return;
	s->limits_logged |= LIM_INPUT;
	log_info("input queue full (%zu bytes, --input-buffer): "
	    "client input waits for the program", s->in.size);
}

static void
queue_in(struct session *s, const void *p, size_t n)
{
	if (buf_append(&s->in, p, n) == -1) {
		if (s->drops++ == 0)
			log_warnx("input queue full, dropping client input");
	} else if (input_room(s) == 0)
		input_full(s);
}

/* The borrowed spans from byte `done` on, copied into the queue in order:
 * the pty did not take them, or bytes that must follow them came. */
static void
spans_queue(struct session *s, size_t done)
{
	int i;

	for (i = 0; i < s->nspan; i++) {
		const unsigned char *p = s->span[i].iov_base;
		size_t n = s->span[i].iov_len;

		if (done >= n) {
			done -= n;
			continue;
		}
		queue_in(s, p + done, n - done);
		done = 0;
	}
	s->nspan = 0;
	s->span_len = 0;
}

/* Client input for the program, copied into the queue (behind any
 * borrowed spans, which go into the queue first); the rest of the read
 * being fed follows it there. */
void
relay_to_pty(struct session *s, const void *p, size_t n)
{
	s->direct = 0;
	if (s->nspan > 0)
		spans_queue(s, 0);
	queue_in(s, p, n);
}

/*
 * Client input that stays valid until relay_read_net() has fed the read
 * to the engine: a DATA span of the read buffer, or static bytes.  While
 * nothing is queued for the pty it is only noted, and written from where
 * it is after the feed (no copy); otherwise it joins the queue.  Too many
 * spans (text cut up by line ends) are cheaper as one copy and one write.
 */
void
relay_span_to_pty(struct session *s, const unsigned char *p, size_t n)
{
	struct iovec *v;

	if (!s->direct || s->nspan == PTY_SPANS) {
		relay_to_pty(s, p, n);
		return;
	}
	v = &s->span[s->nspan];
	if (s->nspan > 0 &&
	    (const unsigned char *)v[-1].iov_base + v[-1].iov_len == p)
		v[-1].iov_len += n;
	else {
		v->iov_base = (void *)(uintptr_t)p;
		v->iov_len = n;
		s->nspan++;
	}
	s->span_len += n;
}

/* Abort output: drop the queued data, keep commands, send the Synch. */
void
relay_netclear(struct session *s)
{
	netq_clear(&s->out);
	telnet_send_command(s->t, TELNET_DM);
	log_trace(s, DBG_REPORT, "abort output: queue cleared, IAC DM sent "
	    "urgent");
}

/* A character from the pty's termios, or -1 when it is disabled. */
static int
tty_char(struct session *s, int idx, int dflt)
{
	struct termios tio;

	if (s->pty == -1)
		return -1;
	if (tcgetattr(s->pty, &tio) == -1)
		return dflt;
	if (tio.c_cc[idx] == _POSIX_VDISABLE)
		return -1;
	return tio.c_cc[idx];
}

void
relay_command(struct session *s, unsigned char cmd)
{
	static const unsigned char ayt[] = "\r\n[Yes]\r\n";
	int c = -1;

	log_trace(s, DBG_OPTIONS, "recv IAC %s", telnet_cmd_name(cmd));
	/* In a line mode with EXTPROC the line discipline does not act on
	 * signal characters or EOF: ttymode.c does. */
	if (s->pty != -1 && tty_input_command(s, cmd))
		return;
	switch (cmd) {
	case TELNET_AYT:
		/* Answered at once, ahead of queued input, as a kept reply. */
		if (netq_space(&s->out) < NETOUT_RESERVE / 2) {
			if (s->drops++ == 0)
				log_warnx("AYT flood: replies dropped");
			return;
		}
		relay_reply(s, ayt, sizeof(ayt) - 1);
		return;
	case TELNET_AO:
		relay_netclear(s);
		return;
	case TELNET_IP:
	case TELNET_BRK:
		c = tty_char(s, VINTR, 0x03);
		break;
	case TELNET_ABORT:
		c = tty_char(s, VQUIT, 0x1c);
		break;
	case TELNET_SUSP:
		c = tty_char(s, VSUSP, 0x1a);
		break;
	case TELNET_EOF:
		c = tty_char(s, VEOF, 0x04);
		break;
	case TELNET_EC:
		c = tty_char(s, VERASE, 0x7f);
		break;
	case TELNET_EL:
		c = tty_char(s, VKILL, 0x15);
		break;
	case TELNET_EOR:
		/* RFC 885: an end of record ends a line. */
		if (s->pty != -1 || s->state < S_RELAYING)
			relay_to_pty(s, "\r", 1);
		return;
	default:	/* NOP, DM, GA: nothing to do */
		return;
	}
	if (c >= 0) {
		unsigned char ch = (unsigned char)c;

		relay_to_pty(s, &ch, 1);
	}
}

void
relay_set_winsize(struct session *s)
{
	struct winsize ws;

	if (s->pty == -1 || s->ws_col == 0 || s->ws_row == 0)
		return;
	memset(&ws, 0, sizeof(ws));
	ws.ws_col = s->ws_col;
	ws.ws_row = s->ws_row;
	/* On the master: the kernel signals SIGWINCH to the foreground
	 * process group when the size changed. */
	if (ioctl(s->pty, TIOCSWINSZ, &ws) == -1)
		log_warn("TIOCSWINSZ");
}

/* The client typing is the moment to notice a program that went back to
 * reading lines without a word (no packet, no output). */
static void
pty_written(struct session *s)
{
	if (s->lm_type != LMT_NONE && !s->lm_ext)
		tty_mode_check(s);
}

/* The spans borrowed from one read, written where they are with one
 * writev; what the pty does not take is queued for POLLOUT.  After an
 * error other than EAGAIN everything is queued too: relay_write_pty()
 * meets the error again and ends the pty side as usual. */
static void
spans_write(struct session *s)
{
	ssize_t n;
	size_t left;
	int i;

	if (s->nspan == 0)
		return;
	do
		n = writev(s->pty, s->span, s->nspan);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN)
			s->pty_full = 1;
		spans_queue(s, 0);
		return;
	}
	if (s->cfg->debug & DBG_PTYDATA) {
		left = (size_t)n;
		for (i = 0; i < s->nspan && left > 0; i++) {
			size_t k = s->span[i].iov_len < left ?
			    s->span[i].iov_len : left;

			log_dump("pty>", s->span[i].iov_base, k);
			left -= k;
		}
	}
	/* A short write: the pty is full, as in relay_write_pty(). */
	if ((size_t)n < s->span_len)
		s->pty_full = 1;
	spans_queue(s, (size_t)n);
	if (n > 0)
		pty_written(s);
}

/* Whether the client's input has anywhere to go: room in the queue to the
 * pty; always in a Synch (data is dropped) and when closing.  The loop
 * watches for urgent data (POLLPRI) while this holds. */
int
relay_net_room(const struct session *s)
{
	if (s->shut || telnet_in_synch(s->t))
		return 1;
	return input_room(s) > 0;
}

/*
 * Whether to read the client now (POLLIN), once relay_net_room() and the
 * queue to the client said yes.  With a program to write to, only when the
 * queue to the pty can take a whole read: until then the pty drains it
 * (POLLOUT), and reading the little it took would only cut the input into
 * small reads and make the queue move its contents to the front.  So reads
 * stay big, and each finds the queue empty and is written from the read
 * buffer itself.  Before the pty is there (answers and typeahead during
 * negotiation): as soon as there is room; in a Synch and when closing:
 * always.
 */
int
relay_want_net(const struct session *s)
{
	size_t whole = s->in.size - 1;

	if (s->shut || telnet_in_synch(s->t))
		return 1;
	if (s->pty == -1)
		return input_room(s) > 0;
	if (whole > IO_CHUNK)
		whole = IO_CHUNK;
	return input_room(s) >= whole;
}

/* The client's bytes: at most what the queues have room for. */
int
relay_read_net(struct session *s)
{
	size_t room = IO_CHUNK, sp;
	ssize_t n;
	int by_queue = 0;

	if (s->shut) {
		/* Closing: read and drop what the client still sends. */
		n = read(s->net, s->scratch, IO_CHUNK);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return n > 0 ? 1 : -1;
	}
	if (!telnet_in_synch(s->t) && (sp = input_room(s)) <= room) {
		room = sp;
		by_queue = 1;
	}
	sp = netq_space(&s->out);
	sp = sp > NETOUT_RESERVE / 2 ? sp - NETOUT_RESERVE / 2 : 0;
	if (sp < room) {
		room = sp;
		by_queue = 0;
	}
	if (room == 0)
		return 0;
	n = read(s->net, s->scratch, room);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno != ECONNRESET && errno != ETIMEDOUT &&
		    errno != EPIPE)
			log_warn("read from client");
		return -1;
	}
	if (n == 0) {
		if (s->net_eof)
			return -1;
		/* The client half-closed (shutdown SHUT_WR): it sends no
		 * more but may still read, so the program's output goes on.
		 * A NOP finds out whether it is gone for good: a closed
		 * socket answers it with a reset, which ends the session. */
		s->net_eof = 1;
		log_trace(s, DBG_REPORT, "client finished sending "
		    "(half-close)");
		telnet_send_command(s->t, TELNET_NOP);
		return 0;
	}
	s->bytes_in += (unsigned long long)n;
	s->urg_wait = 0;
	/* As much as the input queue had room for: the queue holds the
	 * client back now, even when the pty takes this read at once from
	 * the read buffer and the queue itself never fills. */
	if (by_queue && (size_t)n == room)
		input_full(s);
	log_trace_dump(s, DBG_NETDATA, "net<", s->scratch, (size_t)n);
	/* Nothing queued for a pty that takes input: the decoded spans are
	 * written from the read buffer itself (relay_span_to_pty). */
	s->direct = s->pty != -1 && !s->pty_eof && !s->pty_full &&
	    s->lm_hold == 0 && buf_len(&s->in) == 0;
	telnet_feed(s->t, s->scratch, (size_t)n);
	s->direct = 0;
	spans_write(s);
	return 1;
}

/* The program's bytes, in packet mode. */
int
relay_read_pty(struct session *s)
{
	size_t room = netq_room(&s->out);
	unsigned char ctl;
	ssize_t n;

	room = room > NETOUT_RESERVE ? (room - NETOUT_RESERVE) / 2 : 0;
	if (room > IO_CHUNK)
		room = IO_CHUNK;
	if (room == 0)
		return 0;
	n = read(s->pty, s->scratch, room + 1);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno != EIO)
			log_warn("read from pty");
		return -1;	/* EIO: every slave closed */
	}
	if (n == 0)
		return -1;
	ctl = s->scratch[0];
	if (ctl == TIOCPKT_DATA) {
		if (n == 1)
			return 1;
		log_trace_dump(s, DBG_PTYDATA, "pty<", s->scratch + 1,
		    (size_t)n - 1);
		relay_queue_data(s, s->scratch + 1, (size_t)n - 1);
		/* No packet tells of a termios change while EXTPROC is
		 * off: in a line mode or with LFLOW (IXANY) the loop looks
		 * once after this batch of reads (one TCGETS per batch, not
		 * per 4 KiB read). */
		if (s->lm_type != LMT_NONE ||
		    telnet_remote_enabled(s->t, TELOPT_LFLOW))
			s->tty_look = 1;
		return 1;
	}
	log_trace(s, DBG_REPORT, "pty packet 0x%02x", ctl);
	if (ctl & TIOCPKT_FLUSHREAD)
		buf_reset(&s->in);
	if (ctl & TIOCPKT_FLUSHWRITE)
		relay_netclear(s);
	if ((ctl & (TIOCPKT_NOSTOP | TIOCPKT_DOSTOP)) &&
	    telnet_remote_enabled(s->t, TELOPT_LFLOW) &&
	    s->lflow_on != ((ctl & TIOCPKT_DOSTOP) != 0)) {
		s->lflow_on = (ctl & TIOCPKT_DOSTOP) != 0;
		telnet_send_lflow(s->t, s->lflow_on ? LFLOW_ON : LFLOW_OFF);
	}
	/* A termios change (with EXTPROC), or anything else: look. */
	tty_mode_check(s);
	return 1;
}

/* Write queued client input to the program. */
int
relay_write_pty(struct session *s)
{
	int wrote = 0;

	/* Called while a read is fed (a linemode EOF): what was borrowed
	 * goes first, and the rest of that read is queued behind. */
	s->direct = 0;
	if (s->nspan > 0)
		spans_queue(s, 0);
	if (tty_input_held(s, now_ms()))
		return 0;
	while (buf_len(&s->in) > 0) {
		ssize_t n = write(s->pty, buf_ptr(&s->in), buf_len(&s->in));

		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				s->pty_full = 1;
				return 0;
			}
			if (errno != EIO)
				log_warn("write to pty");
			return -1;
		}
		log_trace_dump(s, DBG_PTYDATA, "pty>", buf_ptr(&s->in),
		    (size_t)n);
		wrote = 1;
		if ((size_t)n < buf_len(&s->in)) {
			/* A short write: the pty is full, and one more
			 * would only fail with EAGAIN.  POLLOUT resumes. */
			buf_consume(&s->in, (size_t)n);
			s->pty_full = 1;
			break;
		}
		buf_consume(&s->in, (size_t)n);
	}
	if (wrote)
		pty_written(s);
	return 0;
}

/* Write the queue to the client. */
int
relay_write_net(struct session *s)
{
	ssize_t n;

	if (netq_len(&s->out) == 0)
		return 0;
	if ((n = netq_flush(&s->out, s->net)) == -1) {
		if (errno != EPIPE && errno != ECONNRESET)
			log_warn("write to client");
		return -1;
	}
	if (n > 0) {
		s->bytes_out += (unsigned long long)n;
		if (s->flush_deadline != 0)
			s->flush_deadline = now_ms() + FLUSH_TIMEOUT_MS;
	}
	return 0;
}

/* Urgent data from the client (POLLPRI, with SO_OOBINLINE): a Synch.
 * Data is discarded until the IAC DM; commands still act. */
void
relay_urgent(struct session *s)
{
	if (s->urg_wait)
		return;
	s->urg_wait = 1;
	log_trace(s, DBG_REPORT, "urgent data from client: Synch");
	telnet_synch_begin(s->t);
}

/* ---- the relay's loop (moved from session.c) ---- */

/* The engine's single callback. */
void
session_event(struct telnet *t, const struct telnet_event *ev, void *ctx)
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
			relay_reply(s, msg, sizeof(msg) - 1);
			s->pty_eof = 1;
			s->state = S_DRAINING;
			return 0;
		}
		s->pty = fd;
		set_nonblock(s->pty);
		m.st.tty[sizeof(m.st.tty) - 1] = '\0';
		strlcpy(s->tty, m.st.tty, sizeof(s->tty));
		s->state = S_RELAYING;
		log_trace(s, DBG_REPORT, "program started on %s", s->tty);
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
	log_trace(s, DBG_REPORT, "relay done: %llu bytes in, %llu bytes out",
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
