/*
 * datapath.c - the relay's bytes, both ways: the client's input to the
 * pty, the program's output to the client, and the queues between them.
 * The loop (relay.c) says when; this file reads, decodes, queues and
 * writes.  relay.c's top comment draws each byte's path.
 *
 * Reads are large and only as large as the opposite queue has room for;
 * nothing is read per byte and nothing grows.  Client input is written to
 * the pty from the read buffer itself while nothing is queued for it (the
 * spans the engine decoded are borrowed for one writev); the program's
 * output is read into the queue to the client and encoded there.  What a
 * packet-mode status byte or urgent data means is synch.c's.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "telnetd.h"

/* ---- the client's socket ------------------------------------------- */

/*
 * The net-I/O seam: every byte read from or written to the client goes
 * through these, and nothing else here or in relay.c touches the socket's
 * data (lingering reads aside, which only drop what comes).  A plain
 * session reads and writes the socket itself; a TLS session has the
 * record layer behind them (tls_session.c).
 */
static ssize_t
net_read(struct session *s, void *p, size_t n)
{
	if (s->tls != NULL)
		return tls_session_read(s, p, n);
	return read(s->net.fd, p, n);
}

/* The queue to the client, written: bytes sent, 0 when the socket is
 * full, -1 with errno. */
static ssize_t
net_flush(struct session *s)
{
	if (s->tls != NULL)
		return tls_session_flush(s);
	return netq_flush(&s->out, s->net.fd);
}

void
relay_net_shutdown(struct session *s)
{
	if (s->tls != NULL)
		tls_session_shutdown(s);
	shutdown(s->net.fd, SHUT_WR);
}

/* ---- to the client --------------------------------------------------- */

/* Whether the pty must be read now, without waiting: the last read waits
 * for the next to confirm it (relay_read_pty).  When there is no room to
 * read, and nothing ahead of the held bytes would make room by being sent,
 * they go unconfirmed (only a queue of about one read's size,
 * --output-buffer's least, gets there). */
int
relay_pty_confirm_due(struct session *s, int ptyin)
{
	if (netq_ready(&s->out) == netq_len(&s->out))
		return 0;
	if (ptyin)
		return 1;
	if (netq_ready(&s->out) == 0)
		netq_release(&s->out);
	return 0;
}

/* Draining, SHUT_WR done: the client's last bytes are read and dropped. */
int
relay_lingering(const struct session *s)
{
	return s->state == S_DRAINING && s->drain == DRAIN_LINGER;
}

/* ---- from the client ------------------------------------------------ */

/*
 * Room in the input queue for one read.  A read decodes into at most as
 * many bytes as it came in: the engine reports a CR when it arrives, so
 * nothing is held over from one read into the next.
 */
static size_t
input_room(const struct session *s)
{
	return buf_space(&s->in);
}

/* Whether the client's input has anywhere to go: room in the queue to the
 * pty; always in a Synch (data is dropped) and when lingering.  The loop
 * watches for urgent data (POLLPRI) while this holds. */
/* Behind a linemode EOF, input waits in the socket until what was read
 * behind it is fed (relay_feed_held). */
static int
input_behind_eof(const struct session *s)
{
	return s->dl[DL_EOF_HOLD] != 0 || buf_len(&s->held) > 0;
}

int
relay_net_room(const struct session *s)
{
	if (relay_lingering(s))
		return 1;
	if (input_behind_eof(s))
		return 0;
	if (telnet_in_synch(s->t))
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
 * negotiation): as soon as there is room; in a Synch and when lingering:
 * always.
 */
int
relay_net_want(const struct session *s)
{
	size_t whole = s->in.size;

	if (relay_lingering(s) || telnet_in_synch(s->t))
		return 1;
	if (s->pty.fd == -1)
		return input_room(s) > 0;
	if (whole > IO_CHUNK)
		whole = IO_CHUNK;
	return input_room(s) >= whole;
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

/* The client's EOF: it sends no more but may still read, so the program's
 * output goes on.  A NOP finds out whether it is gone for good: a closed
 * socket answers it with a reset, which ends the session. */
static int
net_half_closed(struct session *s)
{
	if (s->net.st == SIDE_HALF_CLOSED)
		return -1;
	s->net.st = SIDE_HALF_CLOSED;
	log_trace(s, DBG_REPORT, "client finished sending (half-close)");
	telnet_send_command(s->t, TELNET_NOP);
	return 0;
}

static void spans_write(struct session *);
static void spans_queue(struct session *, size_t);
static int queue_write(struct session *);

/* An EOF in EXTPROC (client_input.c): a raw queue cannot carry it, so
 * VEOF is written with EXTPROC off, after what came before it, and later
 * input waits until the line discipline has taken it (ttymode.c). */
static void
input_eof(struct session *s)
{
	struct termios t;
	unsigned char c;

	if (tty_input_modes(s, &t) == -1 ||
	    (c = t.c_cc[VEOF]) == _POSIX_VDISABLE)
		return;
	/* EXTPROC off first, then the line and the EOF (tty_eof_begin()
	 * says why); the hold that begins there does not hold these.  What
	 * a full pty does not take waits for the hold's end, the EOF behind
	 * it as a byte (best effort: EXTPROC is back on by then). */
	spans_queue(s, 0);
	tty_eof_begin(s, &t);
	if (queue_write(s) == -1 || buf_len(&s->in) > 0) {
		relay_input_copy(s, &c, 1);
		return;
	}
	if (write(s->pty.fd, &c, 1) != 1)
		log_warn("write to pty");
	else
		ldisc_written(s, 1);
}

/*
 * A signal from the client in EXTPROC drops the client input queued for
 * the program, as the line discipline drops its own queue at a signal
 * character (unless NOFLSH): the rest of a paste a program was slow to
 * read must not go to the shell once the program is interrupted.  What
 * the line discipline holds already (LDISC_SAFE at most) stays: the
 * relay only sees the pty's master side.
 */
static void
input_signal_flush(struct session *s)
{
	struct termios t;
	size_t n = buf_len(&s->in) + s->span_len;

	if (n == 0 || tty_input_modes(s, &t) == -1 || (t.c_lflag & NOFLSH))
		return;
	spans_queue(s, s->span_len);
	buf_consume(&s->in, buf_len(&s->in));
	log_trace(s, DBG_PTYDATA, "signal: %zu bytes of queued input dropped",
	    n);
}

/* What the client's input asked of the pty beyond its bytes, done
 * between two events of the feed (client_input.c). */
static void
input_act(struct session *s)
{
	switch (s->in_act) {
	case IN_ACT_SIGNAL:
		input_signal_flush(s);
		if (ioctl(s->pty.fd, TIOCSIG, s->in_act_arg) == -1 &&
		    errno != EINVAL)
			log_warn("TIOCSIG");
		break;
	case IN_ACT_EOF:
		input_eof(s);
		break;
	case IN_ACT_NONE:
		break;
	}
	s->in_act = IN_ACT_NONE;
}

/* Client input fed to the engine, stopping where it asked for pty I/O
 * (input_act) and going on after it, unless that began a linemode EOF's
 * hold.  While nothing is queued for a pty that takes input, the decoded
 * spans are written from p itself (relay_input_span, spans_write).
 * Returns the bytes consumed. */
static size_t
feed_read(struct session *s, const unsigned char *p, size_t n)
{
	size_t used = 0;

	do {
		s->direct = s->pty.fd != -1 && s->pty.st != SIDE_DONE &&
		    !s->pty.full && s->dl[DL_EOF_HOLD] == 0 &&
		    buf_len(&s->in) == 0;
		used += telnet_feed(s->t, p + used, n - used);
		s->direct = 0;
		if (s->in_act == IN_ACT_NONE)
			break;
		input_act(s);
	} while (used < n && s->dl[DL_EOF_HOLD] == 0);
	return used;
}

/* The rest of a read behind a linemode EOF, kept undecoded: fed once the
 * line discipline has taken the EOF and EXTPROC is back (ttymode.c), it
 * gets EXTPROC's treatment (ends of line, another EOF) as if it came
 * then.  At most one read, for no more is read meanwhile. */
static void
hold_rest(struct session *s, const unsigned char *p, size_t n)
{
	if ((s->held.data == NULL && buf_init(&s->held, IO_CHUNK) == -1) ||
	    buf_append(&s->held, p, n) == -1) {
		if (s->drops++ == 0)
			log_warnx("input behind a linemode EOF dropped");
	}
}

/* Input held behind a linemode EOF, once the hold is over. */
void
relay_feed_held(struct session *s)
{
	size_t n, used;

	if ((n = buf_len(&s->held)) == 0 || s->dl[DL_EOF_HOLD] != 0)
		return;
	/* The room a read of n bytes would need (relay_read_net()): the
	 * queues may have filled while it waited; it waits on for them. */
	if (!telnet_in_synch(s->t) && (input_room(s) < n ||
	    netq_space(&s->out) < n + NETOUT_REPLY_ROOM))
		return;
	used = feed_read(s, buf_ptr(&s->held), n);
	spans_write(s);
	/* Only another EOF's hold stops it short: START_TLS cannot begin
	 * once the program runs. */
	buf_consume(&s->held, s->dl[DL_EOF_HOLD] != 0 ? used : n);
}

/* The client's bytes: at most what the queues have room for. */
int
relay_read_net(struct session *s)
{
	size_t room = IO_CHUNK, sp, used;
	ssize_t n;
	int by_queue = 0;

	if (relay_lingering(s)) {
		/* Dropped unread, records and all: past the seam. */
		n = read(s->net.fd, s->scratch, IO_CHUNK);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return n > 0 ? 1 : -1;
	}
	if (input_behind_eof(s))
		return 0;
	if (!telnet_in_synch(s->t) && (sp = input_room(s)) <= room) {
		room = sp;
		by_queue = 1;
	}
	sp = netq_space(&s->out);
	sp = sp > NETOUT_REPLY_ROOM ? sp - NETOUT_REPLY_ROOM : 0;
	if (sp < room) {
		room = sp;
		by_queue = 0;
	}
	if (room == 0)
		return 0;
	if ((n = net_read(s, s->scratch, room)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		if (errno != ECONNRESET && errno != ETIMEDOUT &&
		    errno != EPIPE)
			log_warn("read from client");
		return -1;
	}
	if (n == 0)
		return net_half_closed(s);
	s->bytes_in += (unsigned long long)n;
	s->urg_wait = 0;
	/* As much as the input queue had room for: the queue holds the
	 * client back now, even when the pty takes this read at once from
	 * the read buffer and the queue itself never fills. */
	if (by_queue && (size_t)n == room)
		input_full(s);
	log_trace_dump(s, DBG_NETDATA, "net<", s->scratch, (size_t)n);
	used = feed_read(s, s->scratch, (size_t)n);
	/* The engine stops after the client's START_TLS FOLLOWS: the rest
	 * of the read is the TLS handshake's (tls_session.c). */
	if (used < (size_t)n && s->dl[DL_EOF_HOLD] != 0)
		hold_rest(s, s->scratch + used, (size_t)n - used);
	else if (used < (size_t)n && s->tls != NULL)
		tls_session_prefix(s, s->scratch + used, (size_t)n - used);
	spans_write(s);
	return 1;
}

/* Write the queue to the client. */
int
relay_write_net(struct session *s)
{
	ssize_t n;

	/* With TLS, records already made may wait for the socket with the
	 * queue empty: they are the end of the output. */
	if (netq_ready(&s->out) == 0 && relay_net_unsent(s) == 0)
		return 0;
	if ((n = net_flush(s)) == -1) {
		if (errno != EPIPE && errno != ECONNRESET)
			log_warn("write to client");
		return -1;
	}
	if (n > 0) {
		s->bytes_out += (unsigned long long)n;
		if (s->dl[DL_FLUSH] != 0)
			s->dl[DL_FLUSH] = now_ms() + FLUSH_TIMEOUT_MS;
	}
	return 0;
}

/* ---- to the pty ----------------------------------------------------- */

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
relay_input_copy(struct session *s, const void *p, size_t n)
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
relay_input_span(struct session *s, const unsigned char *p, size_t n)
{
	struct iovec *v;

	if (!s->direct || s->nspan == PTY_SPANS) {
		relay_input_copy(s, p, n);
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
	size_t left, k;
	int i;

	if (s->nspan == 0)
		return;
	/* Less than all of it may go to the line discipline now: the
	 * queue's writer paces it (ldisc_room.c). */
	if (ldisc_room(s, s->span_len) < s->span_len) {
		spans_queue(s, 0);
		return;
	}
	do
		n = writev(s->pty.fd, s->span, s->nspan);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN)
			s->pty.full = 1;
		spans_queue(s, 0);
		return;
	}
	if (s->cfg->debug & DBG_PTYDATA) {
		left = (size_t)n;
		for (i = 0; i < s->nspan && left > 0; i++) {
			k = s->span[i].iov_len < left ? s->span[i].iov_len :
			    left;
			log_dump("pty>", s->span[i].iov_base, k);
			left -= k;
		}
	}
	ldisc_written(s, (size_t)n);
	/* A short write: the pty is full, as in relay_write_pty(). */
	if ((size_t)n < s->span_len)
		s->pty.full = 1;
	spans_queue(s, (size_t)n);
	if (n > 0)
		pty_written(s);
}

/* Whether queued client input waits for the line discipline: behind a
 * linemode EOF, or until the program reads (ldisc_room.c). */
int
relay_input_waits(struct session *s, int64_t now)
{
	return tty_input_held(s, now) || ldisc_waiting(s, now);
}

/* Write queued client input to the program: what was borrowed goes first
 * (an EOF in EXTPROC writes mid-read), and the rest of that read is
 * queued behind. */
int
relay_write_pty(struct session *s)
{
	s->direct = 0;
	if (s->nspan > 0)
		spans_queue(s, 0);
	if (relay_input_waits(s, now_ms()))
		return 0;
	return queue_write(s);
}

/* The input queue written to the pty until it is empty or the pty full;
 * -1 when the pty is gone. */
static int
queue_write(struct session *s)
{
	size_t len;
	int wrote = 0;
	ssize_t n;

	while (buf_len(&s->in) > 0) {
		if ((len = ldisc_room(s, buf_len(&s->in))) == 0)
			break;
		if ((n = write(s->pty.fd, buf_ptr(&s->in), len)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				s->pty.full = 1;
				return 0;
			}
			if (errno != EIO)
				log_warn("write to pty");
			return -1;
		}
		log_trace_dump(s, DBG_PTYDATA, "pty>", buf_ptr(&s->in),
		    (size_t)n);
		ldisc_written(s, (size_t)n);
		wrote = 1;
		if ((size_t)n < len) {
			/* A short write: the pty is full, and one more
			 * would only fail with EAGAIN.  POLLOUT resumes. */
			buf_consume(&s->in, (size_t)n);
			s->pty.full = 1;
			break;
		}
		buf_consume(&s->in, (size_t)n);
	}
	if (wrote)
		pty_written(s);
	return 0;
}

/* ---- from the pty --------------------------------------------------- */

/*
 * The program's bytes, in packet mode.
 *
 * The bytes of a data read wait in the queue (held) until the next read
 * of the pty confirms them.  The program's tcflush(TCOFLUSH) sets the
 * TIOCPKT_FLUSHWRITE status, which the first read that starts after it
 * returns; but a read that found the pty empty waits inside the kernel
 * (n_tty_read() runs the pty's buffer work) after looking for a status,
 * and may come back with what the program wrote after the flush, the
 * status following on the next read.  So only the last data read before
 * a status can be newer than the flush.  A read that returns data, or
 * finds the pty empty, confirms it; at a FLUSHWRITE it is kept while the
 * rest of the unsent data is dropped, and goes out after the urgent DM
 * (a client in a Synch discards the data before the DM).  A batch of
 * reads ends with EAGAIN, which confirms at once: the hold costs nothing
 * then.
 */
int
relay_read_pty(struct session *s)
{
	size_t room = netq_room(&s->out), len;
	unsigned char ctl, *dst;
	struct iovec iov[2];
	ssize_t n;

	room = room > NETOUT_RESERVE ? (room - NETOUT_RESERVE) / 2 : 0;
	if (room > IO_CHUNK)
		room = IO_CHUNK;
	if (room == 0)
		return 0;
	/* The data straight into the queue, room for its encoding kept
	 * behind it (telnet_send_inplace).  netq_room() counted this room
	 * and a free span, so the reserve does not fail. */
	if ((dst = netq_reserve(&s->out, NETQ_DATA, 2 * room + 1)) == NULL)
		return 0;
	iov[0].iov_base = &ctl;
	iov[0].iov_len = 1;
	iov[1].iov_base = dst;
	iov[1].iov_len = room;
	if ((n = readv(s->pty.fd, iov, 2)) == -1) {
		if (errno == EINTR)
			return 0;
		netq_release(&s->out);	/* empty, or gone: confirmed */
		if (errno == EAGAIN)
			return 0;
		if (errno != EIO)
			log_warn("read from pty");
		return -1;	/* EIO: every slave closed */
	}
	if (n == 0 || ctl != TIOCPKT_DATA) {
		if (n > 0)
			pty_packet(s, ctl);
		netq_release(&s->out);
		return n > 0 ? 1 : -1;
	}
	netq_release(&s->out);
	if (n == 1)
		return 1;
	len = (size_t)n - 1;
	log_trace_dump(s, DBG_PTYDATA, "pty<", dst, len);
	netq_hold(&s->out);
	len = telnet_send_inplace(s->t, dst, len);
	log_trace_dump(s, DBG_NETDATA, "net>", dst, len);
	netq_commit(&s->out, NETQ_DATA, len, 0);
	relay_output_full_check(s);
	/* No packet tells of a termios change while EXTPROC is off: in a
	 * line mode or with LFLOW (IXANY) the loop looks once after this
	 * batch of reads (one TCGETS per batch, not per 4 KiB read). */
	if (s->lm_type != LMT_NONE ||
	    telnet_remote_enabled(s->t, TELOPT_LFLOW))
		s->tty_look = 1;
	return 1;
}
