/*
 * datapath.c - the relay's reads, both ways, and its writes to the client:
 * the client's input read and fed to the engine (pty_input.c queues and
 * writes what it decodes to), the program's output read into the queue to
 * the client and encoded there, and that queue written.  The loop
 * (relay.c) says when.  relay.c's top comment draws each byte's path.
 *
 * Reads are large and only as large as the opposite queue has room for;
 * nothing is read per byte and nothing grows.  What a packet-mode status
 * byte or urgent data means is synch.c's.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
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

/* Behind a second linemode EOF (pty_input.c's input_eof), input waits in
 * the socket until what was read behind it is fed (relay_feed_held). */
int
relay_input_held(const struct session *s)
{
	return s->held_eof || buf_len(&s->held) > 0;
}

/* Whether the client's input has anywhere to go: room in the queue to the
 * pty; always in a Synch (data is dropped) and when lingering.  The loop
 * watches for urgent data (POLLPRI) while this holds. */
int
relay_net_room(const struct session *s)
{
	if (relay_lingering(s))
		return 1;
	if (relay_input_held(s))
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
 * negotiation), and while queued input waits for the program to read
 * (ldisc_room.c; the pty takes nothing then, however long the program
 * is busy): as soon as there is room, so that the client's IP, AO, AYT
 * or window size behind a paste act now.  In a Synch and when
 * lingering: always.
 */
int
relay_net_want(const struct session *s)
{
	size_t whole = s->in.size;

	if (relay_lingering(s) || telnet_in_synch(s->t))
		return 1;
	if (s->pty.fd == -1 || s->dl[DL_LDISC] != 0)
		return input_room(s) > 0;
	if (whole > IO_CHUNK)
		whole = IO_CHUNK;
	return input_room(s) >= whole;
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
	if (s->state == S_PROBING)
		(void)probe_client_gone(s, now_ms());
	telnet_send_command(s->t, TELNET_NOP);
	return 0;
}

/* Client input fed to the engine, stopping where it asked for pty I/O
 * (relay_input_act) and going on after it, unless that was a second
 * linemode EOF, which waits with the rest (s->held_eof).  While nothing is
 * queued for a pty that takes input, the decoded spans are written from p
 * itself (relay_input_span, relay_spans_write).  Returns the bytes
 * consumed. */
static size_t
feed_read(struct session *s, const unsigned char *p, size_t n)
{
	size_t used = 0;

	do {
		s->direct = s->pty.fd != -1 && s->pty.st != SIDE_DONE &&
		    !s->pty.full && !s->eof_pending && !s->eof_window &&
		    buf_len(&s->in) == 0;
		used += telnet_feed(s->t, p + used, n - used);
		s->direct = 0;
		if (s->in_act == IN_ACT_NONE || relay_input_act(s) == -1)
			break;
	} while (used < n);
	return used;
}

/* The rest of a read behind a second linemode EOF, kept undecoded: fed
 * once the first is done, it gets EXTPROC's treatment (ends of line,
 * another EOF) as if it came then.  At most one read, for no more is
 * read meanwhile. */
static void
hold_rest(struct session *s, const unsigned char *p, size_t n)
{
	if ((s->held.data == NULL && buf_init(&s->held, IO_CHUNK) == -1) ||
	    buf_append(&s->held, p, n) == -1) {
		if (s->drops++ == 0)
			log_warnx("input behind a linemode EOF dropped");
	}
}

/* The EOF and input held behind a linemode EOF, once that one is done. */
void
relay_feed_held(struct session *s)
{
	size_t n, used;

	if (s->held_eof) {
		if (s->eof_pending)
			return;
		relay_input_eof(s);
	}
	if ((n = buf_len(&s->held)) == 0)
		return;
	/* The room a read of n bytes would need (relay_read_net()): the
	 * queues may have filled while it waited; it waits on for them. */
	if (!telnet_in_synch(s->t) && (input_room(s) < n ||
	    netq_space(&s->out) < n + NETOUT_REPLY_ROOM))
		return;
	used = feed_read(s, buf_ptr(&s->held), n);
	relay_spans_write(s);
	/* Only another EOF stops it short: START_TLS cannot begin once
	 * the program runs. */
	buf_consume(&s->held, s->held_eof ? used : n);
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
	if (relay_input_held(s))
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
		relay_input_full(s);
	log_trace_dump(s, DBG_NETDATA, "net<", s->scratch, (size_t)n);
	used = feed_read(s, s->scratch, (size_t)n);
	/* The engine stops after the client's START_TLS FOLLOWS: the rest
	 * of the read is the TLS handshake's (tls_session.c). */
	if (used < (size_t)n && s->held_eof)
		hold_rest(s, s->scratch + used, (size_t)n - used);
	else if (used < (size_t)n && s->tls != NULL)
		tls_session_prefix(s, s->scratch + used, (size_t)n - used);
	relay_spans_write(s);
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
