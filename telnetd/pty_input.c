/*
 * pty_input.c - the client's input on its way into the pty: the queue to
 * the program, the writes (the spans the engine decoded, borrowed from the
 * read buffer for one writev while nothing is queued, or the queue), and
 * what input in EXTPROC asks of the pty beyond bytes (an EOF, a signal),
 * done between two events of a feed.  datapath.c reads and feeds; the
 * line discipline's room is ldisc_room.c's, its modes ttymode.c's.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <termios.h>
#include <unistd.h>

#include "telnetd.h"

static void spans_queue(struct session *, size_t);
static void spans_unborrow(struct session *);
static int queue_write(struct session *);

void
relay_input_full(struct session *s)
{
	if (s->limits_logged & LIM_INPUT)
		return;
	s->limits_logged |= LIM_INPUT;
	log_info("input queue full (%zu bytes, --input-buffer): "
	    "client input waits for the program", s->in.size);
}

/*
 * An EOF in EXTPROC (client_input.c).  An EOF at the start of a line goes
 * to the pty as a VEOF alone, once the program has read what came before
 * it, with EXTPROC off until the program has read it too (eof_due;
 * ttymode.c's tty_eof_window_begin says why): ICANON keeps it as its
 * end-of-file mark.  An EOF that ends a partial line writes nothing: it
 * only makes that line a read of its own, as ICANON's EOF does, for
 * nothing joins the line until the program has read it.  Neither touches
 * the echo.  The EOF waits in the input queue at eof_at; input after it
 * is queued behind it.  One EOF at a time: at a second one the feed
 * stops, and it and the rest wait (held_eof, datapath.c's held bytes).
 * Returns -1 then, else 0.
 */
static int
input_eof(struct session *s)
{
	struct termios t;
	unsigned char c;

	if (s->eof_pending)
		return -1;
	if (tty_input_modes(s, &t) == -1) {
		/* A held EOF, out of EXTPROC by now: what the line
		 * discipline made of the EOF typed in ICANON, a byte now
		 * (its EOF mark, a NUL, for a program that reads keys). */
		if (s->pty.fd != -1 && tcgetattr(s->pty.fd, &t) == 0 &&
		    (c = t.c_cc[VEOF]) != _POSIX_VDISABLE) {
			if (!(t.c_lflag & ICANON))
				c = '\0';
			relay_input_copy(s, &c, 1);
		}
		return 0;
	}
	if (t.c_cc[VEOF] == _POSIX_VDISABLE)
		return 0;
	spans_queue(s, 0);
	s->eof_pending = 1;
	s->eof_at = buf_len(&s->in);
	s->eof_veof = tty_ends_line(&t, s->in_last);
	s->in_last = '\n';	/* a line starts after it, either way */
	return 0;
}

/* The EOF at the head of the input queue, once the program has read
 * everything before it: a VEOF alone with EXTPROC off, or nothing (the
 * end of a partial line).  1 when done, 0 to wait, -1 when the pty is
 * gone. */
static int
eof_due(struct session *s)
{
	struct termios t;
	unsigned char c;
	ssize_t n;

	if (!ldisc_drained(s))
		return 0;
	/* A program that reads keys by now (a shell's line editor that
	 * read the line before the EOF in character mode) gets ICANON's
	 * EOF mark as a NUL on any pty: a NUL goes, without a window.  A
	 * VEOF with ICANON off would be the byte ^D, and readline logs out
	 * at ^D on an empty line. */
	if (s->eof_veof && tcgetattr(s->pty.fd, &t) == 0 &&
	    (c = t.c_cc[VEOF]) != _POSIX_VDISABLE) {
		if (t.c_lflag & ICANON)
			tty_eof_window_begin(s, &t);
		else
			c = '\0';
		while ((n = write(s->pty.fd, &c, 1)) == -1 && errno == EINTR)
			;
		if (n == -1 && errno == EAGAIN) {
			if (s->eof_window)
				tty_eof_window_end(s);
			s->pty.full = 1;
			return 0;
		}
		if (n == -1) {
			if (errno != EIO)
				log_warn("write to pty");
			return -1;
		}
		log_trace_dump(s, DBG_PTYDATA, "pty>", &c, 1);
		ldisc_written(s, 1);
		if (s->eof_window)
			ldisc_barrier(s);
	}
	s->eof_pending = 0;
	return 1;
}

/*
 * A signal from the client in EXTPROC drops the client input the program
 * has not read, a pending EOF too, as the line discipline drops its queue
 * at a signal character (unless NOFLSH): typeahead and the rest of a
 * paste a program was slow to read must not go to the shell once the
 * program is interrupted.  Both queues: the relay's, and the line
 * discipline's, which TIOCSIG leaves as it is (ldisc_discard).
 */
static void
input_signal_flush(struct session *s)
{
	struct termios t;
	size_t n = buf_len(&s->in) + s->span_len;

	if (tty_input_modes(s, &t) == -1 || (t.c_lflag & NOFLSH))
		return;
	relay_input_drop(s);
	ldisc_discard(s);
	log_trace(s, DBG_PTYDATA, "signal: input dropped (%zu bytes queued)",
	    n);
}

/* The client input queued for the program dropped, borrowed spans and a
 * pending EOF with it (its eof_at would point past the emptied queue):
 * a signal (above), or the program's own input flush (synch.c). */
void
relay_input_drop(struct session *s)
{
	spans_queue(s, s->span_len);
	buf_reset(&s->in);
	s->eof_pending = 0;
	s->in_last = '\n';
}

/*
 * EXTPROC coming on while client input is still queued: those bytes were
 * taken as the line discipline takes input without EXTPROC, where a CR
 * waits for ICRNL to make it a newline (character mode writes the client's
 * CR as it is), but EXTPROC queues them raw.  Their line ends get here
 * what EXTPROC input's get in client_input.c, or the program would read
 * "line\r" run into the next line (RFC 1123 3.3.1: CR LF ends a line).
 * It happens to input typed before the session started (EXTPROC comes on
 * with the program, before the queue is written) or held back while the
 * pty was full.  A signal or VEOF character among them stays a byte, as
 * it was when it came.  Not called when the queue was taken as EXTPROC
 * input (ttymode.c's extproc_check); bytes queued in EXTPROC still queued
 * when the program read keys and then lines again are mapped twice, which
 * changes them only under both INLCR and ICRNL.
 */
void
relay_input_extproc_on(struct session *s, const struct termios *t)
{
	struct tty_in in;
	unsigned char *p;
	size_t i, n, k = 0, at = s->eof_at;

	spans_unborrow(s);
	p = buf_edit(&s->in);
	n = buf_len(&s->in);
	for (i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n') {
			tty_map_eol(t, p[i], &in);
			if (in.what == TTY_IN_DROP) {
				if (s->eof_pending && i < s->eof_at)
					at--;
				continue;
			}
			p[i] = in.byte;
		}
		p[k++] = p[i];
	}
	buf_keep(&s->in, k);
	s->eof_at = at;
	if (k > 0)
		s->in_last = p[k - 1];
}

/* What the client's input asked of the pty beyond its bytes, done
 * between two events of the feed (client_input.c).  -1: the feed must
 * stop there (a second EOF: it waits, s->held_eof). */
int
relay_input_act(struct session *s)
{
	int r = 0;

	switch (s->in_act) {
	case IN_ACT_SIGNAL:
		input_signal_flush(s);
		if (ioctl(s->pty.fd, TIOCSIG, s->in_act_arg) == -1 &&
		    errno != EINVAL)
			log_warn("TIOCSIG");
		break;
	case IN_ACT_EOF:
		if ((r = input_eof(s)) == -1)
			s->held_eof = 1;
		break;
	case IN_ACT_NONE:
		break;
	}
	s->in_act = IN_ACT_NONE;
	return r;
}

/* The EOF that waited before the held bytes, now that the one before it
 * is done. */
void
relay_input_eof(struct session *s)
{
	s->held_eof = 0;
	(void)input_eof(s);
}

static void
queue_in(struct session *s, const void *p, size_t n)
{
	if (n > 0)
		s->in_last = ((const unsigned char *)p)[n - 1];
	if (buf_append(&s->in, p, n) == -1) {
		if (s->drops++ == 0)
			log_warnx("input queue full, dropping client input");
	} else if (buf_space(&s->in) == 0)
		relay_input_full(s);
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

/* No more borrowing for this read: the spans noted so far go into the
 * queue, and what follows joins them there, in order. */
static void
spans_unborrow(struct session *s)
{
	s->direct = 0;
	if (s->nspan > 0)
		spans_queue(s, 0);
}

/* Client input for the program, copied into the queue (behind any
 * borrowed spans, which go into the queue first); the rest of the read
 * being fed follows it there. */
void
relay_input_copy(struct session *s, const void *p, size_t n)
{
	spans_unborrow(s);
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
	if (n > 0)
		s->in_last = p[n - 1];
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

/*
 * The client typing is the moment to notice a program that went back to
 * reading lines without a word (no packet, no output): looked at before
 * the write, not after.  EXTPROC turned on right after a write finds the
 * bytes still in the pty's flip buffer (the line discipline takes them
 * later, in a kernel worker) and they are then taken raw: the CR written
 * for ICRNL stayed a CR, and the program read "line\r" with no line end.
 * Before the write, EXTPROC's mapping (relay_input_extproc_on) reaches
 * them in the queue.
 */
static void
pty_mode_look(struct session *s)
{
	if (s->lm_type != LMT_NONE && !s->lm_ext)
		tty_mode_check(s);
}

/* The spans borrowed from one read, written where they are with one
 * writev; what the pty does not take is queued for POLLOUT.  After an
 * error other than EAGAIN everything is queued too: relay_write_pty()
 * meets the error again and ends the pty side as usual. */
void
relay_spans_write(struct session *s)
{
	ssize_t n;
	size_t left, k;
	int i;

	if (s->nspan == 0)
		return;
	/* EXTPROC coming on queues and maps the spans: the queue's
	 * writer takes them. */
	pty_mode_look(s);
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
}

/* Whether there is client input for the pty: queued bytes, an EOF, or a
 * VEOF's window to close once the program has read it. */
int
relay_input_pending(const struct session *s)
{
	return buf_len(&s->in) > 0 || s->eof_pending || s->eof_window;
}

/* Write queued client input to the program: what was borrowed goes
 * first, and the rest of that read is queued behind. */
int
relay_write_pty(struct session *s)
{
	spans_unborrow(s);
	if (ldisc_waiting(s, now_ms()))
		return 0;
	return queue_write(s);
}

/* The input queue written to the pty until it is empty or the pty full,
 * or the line discipline must wait, an EOF in it done when its turn
 * comes; -1 when the pty is gone. */
static int
queue_write(struct session *s)
{
	size_t len;
	int r;
	ssize_t n;

	if (buf_len(&s->in) > 0)
		pty_mode_look(s);
	for (;;) {
		/* A VEOF not read yet: nothing joins it; EXTPROC back once
		 * the program has read it, or reads keys (its EOF mark is a
		 * NUL then, and a VMIN above 1 would never read it alone). */
		if (s->eof_window) {
			if (tty_reads_lines(s) && !ldisc_drained(s))
				break;
			tty_eof_window_end(s);
		}
		len = buf_len(&s->in);
		if (s->eof_pending) {
			if (s->eof_at == 0) {
				if ((r = eof_due(s)) == -1)
					return -1;
				if (r == 0)
					break;
				continue;
			}
			len = s->eof_at;
		}
		if (len == 0 || (len = ldisc_room(s, len)) == 0)
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
		if (s->eof_pending)
			s->eof_at -= (size_t)n;
		if ((size_t)n < len) {
			/* A short write: the pty is full, and one more
			 * would only fail with EAGAIN.  POLLOUT resumes. */
			buf_consume(&s->in, (size_t)n);
			s->pty.full = 1;
			break;
		}
		buf_consume(&s->in, (size_t)n);
	}
	return 0;
}
