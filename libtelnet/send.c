/*
 * send.c - data and commands out: the NVT encoding of the caller's data
 * (IAC doubled, a bare CR sent as CR NUL), as SEND events or copied into
 * the caller's buffer, and the SEND event that every other outgoing byte
 * (commands, negotiation, subnegotiations) goes through.
 *
 * Spans of the caller's buffer go out as they are: only IAC and a bare CR
 * cost an extra event.
 */
#include <stdint.h>
#include <string.h>

#include "telnet_int.h"

static const unsigned char nul_byte[1] = { 0 };

/* Bytes for the wire, unmodified. */
static void
emit_raw(struct telnet *t, const unsigned char *buf, size_t len, int urgent,
    enum telnet_send_kind kind)
{
	struct telnet_event ev;

	if (len == 0)
		return;
	telnet_ev_init(&ev, TELNET_EV_SEND);
	ev.u.data.buf = buf;
	ev.u.data.len = len;
	ev.u.data.urgent = urgent;
	ev.u.data.kind = kind;
	telnet_emit(t, &ev);
}

/*
 * Anything but data (commands, negotiation, subnegotiations).  A CR we
 * sent last as data has not been paired yet; a command now makes it a bare
 * CR, which RFC 854 says must be followed by NUL.
 */
void
telnet_emit_send(struct telnet *t, const unsigned char *buf, size_t len,
    int urgent)
{
	if (t->cr_pending_out) {
		t->cr_pending_out = 0;
		emit_raw(t, nul_byte, 1, 0, TELNET_SEND_PROTOCOL);
	}
	emit_raw(t, buf, len, urgent, TELNET_SEND_PROTOCOL);
}

/* Where encoded data goes: a SEND event per span (dst NULL), or a copy
 * into the caller's buffer. */
struct sink {
	struct telnet *t;
	unsigned char *dst;
	size_t o;
};

static inline void
sink_put(struct sink *k, const unsigned char *p, size_t n)
{
	if (k->dst == NULL)
		emit_raw(k->t, p, n, 0, TELNET_SEND_DATA);
	else {
		memcpy(k->dst + k->o, p, n);
		k->o += n;
	}
}

/*
 * Data out: IAC is doubled always; while our side is not in BINARY mode a
 * CR not followed by LF goes out as CR NUL (RFC 854, "the sequence CR NUL
 * must be used where a carriage return alone is actually desired").  A CR
 * at the very end is sent at once and its partner decided by what comes
 * next (t->cr_pending_out), so nothing is held back.  In BINARY mode the
 * scan is one memchr per IAC.
 */
static void
encode_data(struct telnet *t, const unsigned char *buf, size_t len,
    struct sink *k)
{
	static const unsigned char nul = '\0';
	size_t i = 0, start = 0, j, iac = TELNET_IAC_UNKNOWN;
	int nvt = t->opts[TELOPT_BINARY].us != TELNET_Q_YES;

	if (len == 0)
		return;
	if (t->cr_pending_out) {
		t->cr_pending_out = 0;
		if (buf[0] != '\n')
			sink_put(k, &nul, 1);
	}
	if (!nvt) {
		/* RFC 856: only IAC is special in BINARY. */
		const unsigned char *p;

		while ((p = memchr(buf + i, TELNET_IAC, len - i)) != NULL) {
			j = (size_t)(p - buf);
			sink_put(k, buf + start, j + 1 - start);
			start = j;
			i = j + 1;
		}
		sink_put(k, buf + start, len - start);
		return;
	}
	while (i < len) {
		j = telnet_next_special(buf, i, len, nvt, &iac);
		if (j >= len)
			break;
		if (buf[j] == TELNET_IAC) {
			/* Through the IAC, and the next span starts at the
			 * same IAC: it goes out twice. */
			sink_put(k, buf + start, j + 1 - start);
			start = j;
			i = j + 1;
			continue;
		}
		/* CR */
		if (j + 1 == len) {
			t->cr_pending_out = 1;
			break;
		}
		if (buf[j + 1] == '\n') {
			i = j + 2;
			continue;
		}
		sink_put(k, buf + start, j + 1 - start);
		sink_put(k, &nul, 1);
		start = i = j + 1;
	}
	sink_put(k, buf + start, len - start);
}

void
telnet_send(struct telnet *t, const unsigned char *buf, size_t len)
{
	struct sink k = { t, NULL, 0 };

	encode_data(t, buf, len, &k);
}

/*
 * telnet_send() into the caller's buffer: the same bytes and the same
 * state (a CR at the end still waits for its partner), but one copy into
 * DST instead of a SEND event per span.  DST holds at least 2 * len + 1
 * bytes.
 */
size_t
telnet_send_into(struct telnet *t, unsigned char *dst,
    const unsigned char *buf, size_t len)
{
	struct sink k = { t, dst, 0 };

	encode_data(t, buf, len, &k);
	return k.o;
}

/*
 * telnet_send_into() where the data already is: buf holds len bytes of
 * data and room for 2 * len + 1.  Every input byte gives one output byte
 * or more, so the output of a byte never lies before it: one forward scan
 * counts what is added (a doubled IAC, the NUL after a bare CR, the NUL a
 * CR left pending asks for), then one backward pass moves each span up by
 * what is added before its end.  When nothing is added (text without a
 * bare CR, data without IAC) no byte moves: the relay reads the pty
 * straight into its queue and sends it from there.
 */
/* The places of the last specials the count found, kept for the backward
 * pass: a read of the pty (4 KiB) of random bytes holds about 16 IACs;
 * past this many, the rest are found again with memrchr. */
#define INPLACE_KEPT	64

struct inplace {
	unsigned char *buf;
	size_t len;		/* input bytes */
	size_t end;		/* input not yet placed: [0, end) */
	size_t w;		/* output from here on is placed */
	int nvt;
	size_t n;		/* specials that add a byte */
	size_t kept[INPLACE_KEPT];	/* the last of them, a ring */
};

/* The specials that add a byte: every IAC; in NVT every CR followed by
 * anything but LF (a CR at the end waits for the next call, as
 * encode_data's does).  In order, the last INPLACE_KEPT of them kept. */
static void
inplace_count(struct inplace *x)
{
	size_t i, j, iac = TELNET_IAC_UNKNOWN;

	for (i = 0; (j = telnet_next_special(x->buf, i, x->len, x->nvt,
	    &iac)) < x->len; i = j + 1) {
		if (x->buf[j] == '\r' && (j + 1 == x->len ||
		    x->buf[j + 1] == '\n'))
			continue;	/* stays as it is */
		x->kept[x->n % INPLACE_KEPT] = j;
		x->n++;
	}
}

/* The highest special byte below x->end, or SIZE_MAX: IAC, and in NVT
 * CR.  The two memrchr results are kept (*iac, *cr: highest below the
 * last bound) so that each part of buf is scanned once. */
static size_t
inplace_prev(const struct inplace *x, size_t *iac, size_t *cr)
{
	const unsigned char *p;

	if (*iac != SIZE_MAX && *iac >= x->end) {
		p = memrchr(x->buf, TELNET_IAC, x->end);
		*iac = p ? (size_t)(p - x->buf) : SIZE_MAX;
	}
	if (x->nvt && *cr != SIZE_MAX && *cr >= x->end) {
		p = memrchr(x->buf, '\r', x->end);
		*cr = p ? (size_t)(p - x->buf) : SIZE_MAX;
	}
	if (!x->nvt || *cr == SIZE_MAX)
		return *iac;
	if (*iac == SIZE_MAX)
		return *cr;
	return *iac > *cr ? *iac : *cr;
}

/* Place the input span (j, end) and the special byte j's output below it. */
static void
inplace_place(struct inplace *x, size_t j)
{
	size_t n = x->end - j - 1;
	unsigned char c = x->buf[j];
	/* Read before the span moves over it: whether a CR has its LF. */
	int bare_cr = c == '\r' && j + 1 < x->len && x->buf[j + 1] != '\n';

	x->w -= n;
	memmove(x->buf + x->w, x->buf + j + 1, n);
	if (c == TELNET_IAC)
		x->buf[--x->w] = TELNET_IAC;
	else if (bare_cr)
		x->buf[--x->w] = '\0';
	x->buf[--x->w] = c;
	x->end = j;
}

size_t
telnet_send_inplace(struct telnet *t, unsigned char *buf, size_t len)
{
	struct inplace x;
	size_t out, j, top, iac = SIZE_MAX - 1, cr = SIZE_MAX - 1;
	int lead = 0;

	if (len == 0)
		return 0;
	x.buf = buf;
	x.len = x.end = len;
	x.nvt = t->opts[TELOPT_BINARY].us != TELNET_Q_YES;
	x.n = 0;
	if (t->cr_pending_out) {
		t->cr_pending_out = 0;
		lead = buf[0] != '\n';
	}
	inplace_count(&x);
	out = len + (size_t)lead + x.n;
	if (x.nvt && buf[len - 1] == '\r')
		t->cr_pending_out = 1;
	if (out == len)
		return len;
	x.w = out;
	/* Highest first: the places the count kept, then (more than it
	 * keeps) the rest found again. */
	for (top = x.n; top > 0 && x.n - top < INPLACE_KEPT; top--)
		inplace_place(&x, x.kept[(top - 1) % INPLACE_KEPT]);
	while (x.w > x.end && (j = inplace_prev(&x, &iac, &cr)) != SIZE_MAX)
		inplace_place(&x, j);
	/* What is left below the last special moves up by the lead NUL. */
	if (x.w > x.end) {
		x.w -= x.end;
		memmove(buf + x.w, buf, x.end);
	}
	if (lead)
		buf[0] = '\0';
	return out;
}

void
telnet_send_command(struct telnet *t, unsigned char cmd)
{
	unsigned char b[2];

	/* Nothing initiated once our START_TLS FOLLOWS is out (draft
	 * section 2): the next bytes are TLS's. */
	if (telnet_tls_frozen(t))
		return;
	b[0] = TELNET_IAC;
	b[1] = cmd;
	/* RFC 854: the DM of a Synch is sent as TCP urgent data. */
	telnet_emit_send(t, b, sizeof(b), cmd == TELNET_DM);
}
