/*
 * send.c - data and commands out: the NVT encoding of the caller's data
 * (IAC doubled, a bare CR sent as CR NUL), as SEND events or copied into
 * the caller's buffer, and the SEND event that every other outgoing byte
 * (commands, negotiation, subnegotiations) goes through.
 *
 * Spans of the caller's buffer go out as they are: only IAC and a bare CR
 * cost an extra event.
 */
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
	memset(&ev, 0, sizeof(ev));
	ev.type = TELNET_EV_SEND;
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

void
telnet_send_command(struct telnet *t, unsigned char cmd)
{
	unsigned char b[2];

	b[0] = TELNET_IAC;
	b[1] = cmd;
	/* RFC 854: the DM of a Synch is sent as TCP urgent data. */
	telnet_emit_send(t, b, sizeof(b), cmd == TELNET_DM);
}
