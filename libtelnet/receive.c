/*
 * receive.c - the receive parser: telnet_feed() turns the peer's bytes
 * into DATA, EOL, COMMAND and negotiation events, follows the Synch (RFC
 * 854), and collects subnegotiations for subneg.c.
 *
 * The parser is a byte-driven state machine, but plain data never goes
 * through it byte by byte: in the data state the next special byte (IAC,
 * and CR while the peer is not in BINARY mode) is found with memchr and the
 * span before it is handed to the caller as one DATA event pointing into
 * the caller's own buffer.
 */
#include <string.h>

#include "telnet_int.h"

static void
emit_data(struct telnet *t, const unsigned char *buf, size_t len)
{
	struct telnet_event ev;

	if (len == 0 || t->synch)
		return;
	telnet_ev_init(&ev, TELNET_EV_DATA);
	ev.u.data.buf = buf;
	ev.u.data.len = len;
	telnet_emit(t, &ev);
}

static void
emit_eol(struct telnet *t, enum telnet_eol kind)
{
	struct telnet_event ev;

	if (t->synch)
		return;
	telnet_ev_init(&ev, TELNET_EV_EOL);
	ev.u.eol.kind = kind;
	telnet_emit(t, &ev);
}

static void
emit_simple(struct telnet *t, enum telnet_event_type type, unsigned char a)
{
	struct telnet_event ev;

	telnet_ev_init(&ev, type);
	ev.u.command.cmd = a;
	telnet_emit(t, &ev);
}

void
telnet_synch_begin(struct telnet *t)
{
	t->synch = 1;
}

int
telnet_in_synch(const struct telnet *t)
{
	return t->synch;
}

static void
command(struct telnet *t, unsigned char c)
{
	/* RFC 854: the Synch ends at the Data Mark. */
	if (c == TELNET_DM)
		t->synch = 0;
	/* START_TLS: once our FOLLOWS is out, nothing is answered (draft
	 * section 2: the sender "MUST NOT respond to nor initiate any
	 * additional telnet commands"), so the caller does not hear of
	 * them: an AYT answered, or an AO's DM, would go out in clear
	 * where the peer awaits the first byte of TLS. */
	if (telnet_tls_frozen(t))
		return;
	switch (c) {
	case TELNET_DM:
	case TELNET_NOP:
	case TELNET_BRK:
	case TELNET_IP:
	case TELNET_AO:
	case TELNET_AYT:
	case TELNET_EC:
	case TELNET_EL:
	case TELNET_GA:
	case TELNET_EOR:
	case TELNET_ABORT:
	case TELNET_SUSP:
	case TELNET_EOF:
		emit_simple(t, TELNET_EV_COMMAND, c);
		break;
	default:
		/* RFC 1123 3.2.3: a host "MUST be able to receive and
		 * ignore" any control function it does not support. */
		break;
	}
}

/* Append to the subnegotiation buffer; past the limit the whole
 * subnegotiation is marked for discarding (never truncated). */
static void
sb_append(struct telnet *t, const unsigned char *p, size_t n)
{
	if (t->sb_overflow)
		return;
	if (n > t->sb_max - t->sb_len) {
		t->sb_overflow = 1;
		return;
	}
	memcpy(t->sb_buf + t->sb_len, p, n);
	t->sb_len += n;
}

static void
sb_end(struct telnet *t)
{
	if (t->sb_overflow)
		telnet_emit_error(t, TELNET_ERR_SB_OVERFLOW, t->sb_opt,
		    "subnegotiation over the size limit dropped");
	else
		telnet_subneg_dispatch(t);
	t->sb_len = 0;
	t->sb_overflow = 0;
}

/* How far back the next feed starts after a DATA span of len bytes the
 * caller stopped at (telnet_yield): the bytes it gave back, and `after`
 * bytes past the span (the second IAC of an escaped 255) unless it gave
 * any back.  What a caller cannot give back (all of the span) it keeps. */
static size_t
given_back(const struct telnet *t, size_t len, size_t after)
{
	if (t->yield_back == 0 || t->yield_back >= len)
		return 0;
	return t->yield_back + after;
}

/*
 * PS_DATA: hand the caller the span of plain data at buf[i..) as one
 * DATA event and step over the special byte that ends it (IAC, or a bare
 * CR in NVT text, which is reported at once).  Returns the next index.
 */
static size_t
feed_data(struct telnet *t, const unsigned char *buf, size_t i, size_t len,
    size_t *iac)
{
	const unsigned char *p;
	size_t j;

	if (t->opts[TELOPT_BINARY].him == TELNET_Q_YES) {
		/* RFC 856: only IAC is special in BINARY, and each IAC is
		 * looked for once. */
		p = memchr(buf + i, TELNET_IAC, len - i);
		j = p ? (size_t)(p - buf) : len;
	} else
		j = telnet_next_special(buf, i, len, 1, iac);
	if (j + 1 < len && buf[j] == TELNET_IAC && buf[j + 1] == TELNET_IAC) {
		/* RFC 854: IAC IAC is one data byte 255.  With both in this
		 * buffer the span ends with the first of them: one DATA
		 * event per escaped byte, not two and a parser state.  A
		 * span given back ends at the first IAC, so the next feed
		 * reads the pair again. */
		emit_data(t, buf + i, j + 1 - i);
		return j + 2 - given_back(t, j + 1 - i, 1);
	}
	emit_data(t, buf + i, j - i);
	/* The special byte after a span the caller stopped at waits for
	 * the next feed. */
	if (t->stop)
		return j - given_back(t, j - i, 0);
	if (j >= len)
		return len;
	if (buf[j] == TELNET_IAC) {
		t->state = PS_IAC;
		return j + 1;
	}
	emit_eol(t, TELNET_EOL_CR);
	t->state = PS_CR;
	return j + 1;
}

/* PS_IAC: the byte *cp after an IAC (cp points into the caller's buffer,
 * so an escaped 255 is reported from there). */
static void
after_iac(struct telnet *t, const unsigned char *cp)
{
	t->state = PS_DATA;
	switch (*cp) {
	case TELNET_IAC:
		emit_data(t, cp, 1);
		break;
	case TELNET_WILL:
	case TELNET_WONT:
	case TELNET_DO:
	case TELNET_DONT:
		t->verb = *cp;
		t->state = PS_VERB;
		break;
	case TELNET_SB:
		t->state = PS_SB_OPT;
		break;
	case TELNET_SE:
		break;	/* SE outside SB: ignored */
	default:
		command(t, *cp);
		break;
	}
}

/* PS_SB_IAC: the byte buf[i] after an IAC inside a subnegotiation.
 * Returns the next index. */
static size_t
sb_after_iac(struct telnet *t, const unsigned char *buf, size_t i)
{
	unsigned char c = buf[i];

	if (c == TELNET_IAC) {
		sb_append(t, buf + i, 1);
		t->state = PS_SB;
		return i + 1;
	}
	if (c == TELNET_SE) {
		t->state = PS_DATA;
		sb_end(t);
		return i + 1;
	}
	/* IAC <cmd> inside a subnegotiation: the SE was lost or never sent.
	 * Drop the partial subnegotiation and read <cmd> as a command, so
	 * the session goes on. */
	telnet_emit_error(t, TELNET_ERR_SB_UNTERMINATED, t->sb_opt,
	    "subnegotiation not ended by IAC SE dropped");
	t->sb_len = 0;
	t->sb_overflow = 0;
	t->state = PS_IAC;
	return i;
}

void
telnet_yield(struct telnet *t, size_t unconsumed)
{
	if (!t->in_feed)
		return;
	t->stop = 1;
	t->yield_back = unconsumed;
}

size_t
telnet_feed(struct telnet *t, const unsigned char *buf, size_t len)
{
	size_t i = 0, j, iac = TELNET_IAC_UNKNOWN;
	const unsigned char *p;
	unsigned char c;

	if (t->in_feed) {
		telnet_emit_error(t, TELNET_ERR_PROTOCOL, 0,
		    "telnet_feed called from its own callback");
		return 0;
	}
	t->in_feed = 1;
	/* START_TLS: the TELNET stream ends after the peer's FOLLOWS. */
	t->stop = t->tls == TELNET_TLS_BEGIN;
	t->yield_back = 0;
	while (i < len && !t->stop) {
		switch (t->state) {
		case PS_DATA:
			i = feed_data(t, buf, i, len, &iac);
			break;
		case PS_CR:
			/* The CR was reported when it came (telnet.h): an LF
			 * or NUL right after it is its partner (RFC 854), any
			 * other byte is read as usual. */
			c = buf[i];
			t->state = PS_DATA;
			if (c == '\n') {
				emit_eol(t, TELNET_EOL_LF);
				i++;
			} else if (c == '\0')
				i++;
			break;
		case PS_IAC:
			after_iac(t, buf + i++);
			break;
		case PS_VERB:
			t->state = PS_DATA;
			telnet_negotiate(t, t->verb, buf[i++]);
			break;
		case PS_SB_OPT:
			t->sb_opt = buf[i++];
			t->sb_len = 0;
			t->sb_overflow = 0;
			t->state = PS_SB;
			break;
		case PS_SB:
			p = memchr(buf + i, TELNET_IAC, len - i);
			j = p ? (size_t)(p - buf) : len;
			sb_append(t, buf + i, j - i);
			i = j;
			if (p != NULL) {
				t->state = PS_SB_IAC;
				i++;
			}
			break;
		case PS_SB_IAC:
			i = sb_after_iac(t, buf, i);
			break;
		}
	}
	t->in_feed = 0;
	return i;
}
