/*
 * subneg.c - decode one received subnegotiation into one typed event.
 *
 * The parser (receive.c) has collected the bytes between IAC SB <opt> and
 * IAC SE into t->sb_buf[0..sb_len), with IAC IAC already reduced to one
 * byte.  Here each option's grammar is checked strictly: a form that is
 * too short, too long, over a limit or carries an unknown code is dropped
 * whole with TELNET_ERR_SB_MALFORMED, never cut down to something that
 * looks valid.  Every walk uses an index below a length.
 *
 * Text (names, values) is copied NUL-terminated into t->dec_buf; the small
 * arrays an event points at (environment variables, SLC triplets, charset
 * names) live on this file's stack.  Both are valid only during the
 * callback, which is what telnet.h promises.
 *
 * Forms are decoded whichever side we are: the caller knows what it asked
 * for, and a server that receives, say, TTYPE SEND simply gets an event it
 * will ignore.
 */
#include <stddef.h>
#include <string.h>
#include <limits.h>

#include "telnet_int.h"

#define LM_FORWARDMASK_MAX	32	/* RFC 1184 2.3: "up to 32 octets" */
#define TTABLE_MARK		"[TTABLE ]"	/* RFC 2066 CHARSET REQUEST */
#define TTABLE_MARK_LEN		(sizeof(TTABLE_MARK) - 1)

void
telnet_sb_malformed(struct telnet *t, const char *msg)
{
	telnet_emit_error(t, TELNET_ERR_SB_MALFORMED, t->sb_opt, msg);
}

/* Append one byte to the decode buffer; -1 when it is full. */
int
telnet_dec_put(struct dec *d, unsigned char c)
{
	if (d->t->dec_buf == NULL || d->pos >= d->t->dec_max)
		return -1;
	d->t->dec_buf[d->pos++] = c;
	return 0;
}

const char *
telnet_dec_ptr(const struct dec *d, size_t off)
{
	return (const char *)d->t->dec_buf + off;
}

/*
 * Copy buf[0..len) into the decode buffer with a NUL after it.  NULL when
 * it does not fit, which cannot happen with the 2 * sb_max + 64 buffer
 * telnet_new allocates, but the bound is checked rather than assumed.
 */
const char *
telnet_dec_copy(struct dec *d, const unsigned char *buf, size_t len)
{
	size_t start = d->pos, i;

	for (i = 0; i < len; i++)
		if (telnet_dec_put(d, buf[i]) == -1)
			return NULL;
	if (telnet_dec_put(d, '\0') == -1)
		return NULL;
	return telnet_dec_ptr(d, start);
}

/*
 * In effect means YES on either side, or WANTNO: after we sent WONT/DONT
 * the peer may still send a subnegotiation it wrote before our request
 * reached it (RFC 1143: the option stays enabled until the answer).  An
 * option the policy never let reach YES can be in neither state, so
 * unsolicited SB ENCRYPT and friends (CVE-2011-4862) are dropped here.
 */
static int
in_effect(const struct telnet *t, unsigned char opt)
{
	enum telnet_q us = telnet_local_state(t, opt);
	enum telnet_q him = telnet_remote_state(t, opt);

	return us == TELNET_Q_YES || us == TELNET_Q_WANTNO ||
	    him == TELNET_Q_YES || him == TELNET_Q_WANTNO;
}

/* TTYPE (RFC 1091), XDISPLOC (RFC 1096): SEND alone, or IS <text>. */
static void
sb_text_qual(struct telnet *t, enum telnet_event_type type)
{
	const unsigned char *buf = t->sb_buf;
	size_t len = t->sb_len;
	struct telnet_event ev;
	struct dec d = { t, 0 };
	const char *s;

	if (len == 0) {
		telnet_sb_malformed(t, "empty subnegotiation");
		return;
	}
	telnet_ev_init(&ev, type);
	ev.u.str.cmd = buf[0];
	switch (buf[0]) {
	case TELQUAL_SEND:
		if (len != 1) {
			telnet_sb_malformed(t, "bytes after SEND");
			return;
		}
		ev.u.str.text.s = "";
		ev.u.str.text.len = 0;
		break;
	case TELQUAL_IS:
		/* An empty name is odd but harmless: report len 0. */
		if ((s = telnet_dec_copy(&d, buf + 1, len - 1)) == NULL) {
			telnet_sb_malformed(t, "text too long");
			return;
		}
		ev.u.str.text.s = s;
		ev.u.str.text.len = len - 1;
		break;
	default:
		telnet_sb_malformed(t, "unknown command (not IS or SEND)");
		return;
	}
	telnet_emit(t, &ev);
}

/* SNDLOC (RFC 779): the whole payload is the location text. */
static void
sb_sndloc(struct telnet *t)
{
	struct telnet_event ev;
	struct dec d = { t, 0 };
	const char *s;

	if ((s = telnet_dec_copy(&d, t->sb_buf, t->sb_len)) == NULL) {
		telnet_sb_malformed(t, "text too long");
		return;
	}
	telnet_ev_init(&ev, TELNET_EV_SNDLOC);
	ev.u.str.cmd = TELQUAL_IS;
	ev.u.str.text.s = s;
	ev.u.str.text.len = t->sb_len;
	telnet_emit(t, &ev);
}

/*
 * One ASCII decimal number of 1 to 10 digits from buf[*i..len), checked
 * for overflow of unsigned long (32 bits on some Debian ports).
 */
static int
parse_speed(const unsigned char *buf, size_t len, size_t *i,
    unsigned long *out)
{
	unsigned long v = 0;
	size_t ndig = 0;

	while (*i < len && buf[*i] >= '0' && buf[*i] <= '9') {
		unsigned long dig = buf[*i] - '0';

		if (++ndig > 10 || v > (ULONG_MAX - dig) / 10)
			return -1;
		v = v * 10 + dig;
		(*i)++;
	}
	if (ndig == 0)
		return -1;
	*out = v;
	return 0;
}

/* TSPEED (RFC 1079): SEND alone, or IS "<tx>,<rx>". */
static void
sb_tspeed(struct telnet *t)
{
	const unsigned char *buf = t->sb_buf;
	size_t len = t->sb_len, i = 1;
	struct telnet_event ev;

	if (len == 0) {
		telnet_sb_malformed(t, "empty subnegotiation");
		return;
	}
	telnet_ev_init(&ev, TELNET_EV_TSPEED);
	ev.u.tspeed.cmd = buf[0];
	switch (buf[0]) {
	case TELQUAL_SEND:
		if (len != 1) {
			telnet_sb_malformed(t, "bytes after SEND");
			return;
		}
		break;
	case TELQUAL_IS:
		if (parse_speed(buf, len, &i, &ev.u.tspeed.tx) == -1 ||
		    i >= len || buf[i++] != ',' ||
		    parse_speed(buf, len, &i, &ev.u.tspeed.rx) == -1 ||
		    i != len) {
			telnet_sb_malformed(t, "speed is not \"<tx>,<rx>\"");
			return;
		}
		break;
	default:
		telnet_sb_malformed(t, "unknown command (not IS or SEND)");
		return;
	}
	telnet_emit(t, &ev);
}

/* NAWS (RFC 1073): exactly two 16-bit big-endian numbers. */
static void
sb_naws(struct telnet *t)
{
	const unsigned char *buf = t->sb_buf;
	struct telnet_event ev;

	if (t->sb_len != 4) {
		telnet_sb_malformed(t, "NAWS is not 4 bytes");
		return;
	}
	telnet_ev_init(&ev, TELNET_EV_NAWS);
	ev.u.naws.width = (uint16_t)(buf[0] << 8 | buf[1]);
	ev.u.naws.height = (uint16_t)(buf[2] << 8 | buf[3]);
	telnet_emit(t, &ev);
}

/* LINEMODE (RFC 1184) ---------------------------------------------------- */

static void
sb_linemode(struct telnet *t)
{
	const unsigned char *buf = t->sb_buf;
	size_t len = t->sb_len, n, k;
	struct telnet_slc slc[TELNET_SLC_MAX];
	struct telnet_event ev;

	if (len == 0) {
		telnet_sb_malformed(t, "empty subnegotiation");
		return;
	}
	telnet_ev_init(&ev, TELNET_EV_LINEMODE);
	ev.u.lm.cmd = buf[0];
	switch (buf[0]) {
	case LM_MODE:		/* 2.2: MODE mask */
		if (len != 2) {
			telnet_sb_malformed(t, "MODE is not one mask byte");
			return;
		}
		ev.u.lm.mode = buf[1];
		break;
	case LM_SLC:		/* 2.4: SLC { func flags value } */
		/*
		 * A hostile peer can fill the whole SB with triplets; they
		 * are counted before any is stored, and a list over the
		 * limit is dropped whole (CVE-2026-32746 wrote past a fixed
		 * reply buffer for such a list).
		 */
		if ((len - 1) % 3 != 0) {
			telnet_sb_malformed(t, "SLC is not whole triplets");
			return;
		}
		n = (len - 1) / 3;
		if (n > (size_t)TELNET_SLC_MAX) {
			telnet_sb_malformed(t, "too many SLC triplets");
			return;
		}
		for (k = 0; k < n; k++) {
			slc[k].func = buf[1 + 3 * k];
			slc[k].flags = buf[2 + 3 * k];
			slc[k].value = buf[3 + 3 * k];
		}
		ev.u.lm.slc = n > 0 ? slc : NULL;
		ev.u.lm.nslc = n;
		break;
	case TELNET_DO:		/* 2.3: <verb> FORWARDMASK [mask] */
	case TELNET_DONT:
	case TELNET_WILL:
	case TELNET_WONT:
		if (len < 2 || buf[1] != LM_FORWARDMASK) {
			telnet_sb_malformed(t, "verb not followed by FORWARDMASK");
			return;
		}
		n = len - 2;
		/* Only DO carries a mask, of at most 32 octets. */
		if ((buf[0] != TELNET_DO && n > 0) ||
		    n > LM_FORWARDMASK_MAX) {
			telnet_sb_malformed(t, "bad FORWARDMASK length");
			return;
		}
		ev.u.lm.mask = n > 0 ? buf + 2 : NULL;
		ev.u.lm.masklen = n;
		break;
	default:
		telnet_sb_malformed(t, "unknown LINEMODE suboption");
		return;
	}
	telnet_emit(t, &ev);
}

/* LFLOW (RFC 1372): one byte, OFF, ON, RESTART-ANY or RESTART-XON. */
static void
sb_lflow(struct telnet *t)
{
	struct telnet_event ev;

	if (t->sb_len != 1 || t->sb_buf[0] > LFLOW_RESTART_XON) {
		telnet_sb_malformed(t, "LFLOW is not one known command");
		return;
	}
	telnet_ev_init(&ev, TELNET_EV_LFLOW);
	ev.u.lflow.cmd = t->sb_buf[0];
	telnet_emit(t, &ev);
}

/* STATUS (RFC 859): SEND alone, or IS with the peer's list, passed raw. */
static void
sb_status(struct telnet *t)
{
	const unsigned char *buf = t->sb_buf;
	size_t len = t->sb_len;
	struct telnet_event ev;

	if (len == 0) {
		telnet_sb_malformed(t, "empty subnegotiation");
		return;
	}
	telnet_ev_init(&ev, TELNET_EV_STATUS);
	ev.u.status.cmd = buf[0];
	switch (buf[0]) {
	case TELQUAL_SEND:
		if (len != 1) {
			telnet_sb_malformed(t, "bytes after SEND");
			return;
		}
		break;
	case TELQUAL_IS:
		ev.u.status.buf = len > 1 ? buf + 1 : NULL;
		ev.u.status.len = len - 1;
		break;
	default:
		telnet_sb_malformed(t, "unknown command (not IS or SEND)");
		return;
	}
	telnet_emit(t, &ev);
}

/* CHARSET (RFC 2066) ----------------------------------------------------- */

/* RFC 2066 section 2: names are 7-bit ASCII printable characters. */
static int
charset_name_ok(const unsigned char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

/*
 * REQUEST [ "[TTABLE ]" <version> ] <sep> name { <sep> name }.
 * Empty names (doubled or trailing separators) are skipped.  Names past
 * TELNET_CHARSET_MAX are checked but not reported: the list is in order
 * of preference, so what is kept is the sender's first choices and any
 * answer chosen from it is still a valid one.
 */
static void
charset_request(struct telnet *t, struct telnet_event *ev)
{
	const unsigned char *buf = t->sb_buf;
	size_t len = t->sb_len, i = 1, start, n = 0;
	struct telnet_str names[TELNET_CHARSET_MAX];
	struct dec d = { t, 0 };
	unsigned char sep;

	if (len - i >= TTABLE_MARK_LEN &&
	    memcmp(buf + i, TTABLE_MARK, TTABLE_MARK_LEN) == 0) {
		i += TTABLE_MARK_LEN;
		/* The version must be there and must not be zero. */
		if (i >= len || buf[i] == 0) {
			telnet_sb_malformed(t, "bad TTABLE version");
			return;
		}
		i++;
	}
	if (i >= len || buf[i] == TELNET_IAC) {
		telnet_sb_malformed(t, "no separator");
		return;
	}
	sep = buf[i++];
	for (start = i; i <= len; i++) {
		if (i < len && buf[i] != sep)
			continue;
		if (i > start) {
			if (!charset_name_ok(buf + start, i - start)) {
				telnet_sb_malformed(t, "charset name not printable");
				return;
			}
			if (n < TELNET_CHARSET_MAX) {
				names[n].s = telnet_dec_copy(&d, buf + start,
				    i - start);
				if (names[n].s == NULL) {
					telnet_sb_malformed(t, "too long to decode");
					return;
				}
				names[n].len = i - start;
				n++;
			}
		}
		start = i + 1;
	}
	if (n == 0) {
		telnet_sb_malformed(t, "no charset names");
		return;
	}
	ev->u.charset.names = names;
	ev->u.charset.nnames = n;
	telnet_emit(t, ev);
}

static void
sb_charset(struct telnet *t)
{
	const unsigned char *buf = t->sb_buf;
	size_t len = t->sb_len;
	struct telnet_str name;
	struct telnet_event ev;
	struct dec d = { t, 0 };
	static const unsigned char ttable_rejected = CHARSET_TTABLE_REJECTED;

	if (len == 0) {
		telnet_sb_malformed(t, "empty subnegotiation");
		return;
	}
	telnet_ev_init(&ev, TELNET_EV_CHARSET);
	ev.u.charset.cmd = buf[0];
	switch (buf[0]) {
	case CHARSET_REQUEST:
		charset_request(t, &ev);
		return;
	case CHARSET_ACCEPTED:
		if (!charset_name_ok(buf + 1, len - 1)) {
			telnet_sb_malformed(t, "ACCEPTED without a printable name");
			return;
		}
		if ((name.s = telnet_dec_copy(&d, buf + 1, len - 1)) == NULL) {
			telnet_sb_malformed(t, "too long to decode");
			return;
		}
		name.len = len - 1;
		ev.u.charset.names = &name;
		ev.u.charset.nnames = 1;
		break;
	case CHARSET_TTABLE_IS:
		/*
		 * We never offer [TTABLE], and RFC 2066 section 2 makes
		 * TTABLE-REJECTED the one answer every implementation must
		 * support; the table itself is not looked at.
		 */
		telnet_send_sb(t, TELOPT_CHARSET, &ttable_rejected, 1);
		break;
	case CHARSET_REJECTED:
	case CHARSET_TTABLE_REJECTED:
	case CHARSET_TTABLE_ACK:
	case CHARSET_TTABLE_NAK:
		if (len != 1) {
			telnet_sb_malformed(t, "bytes after the command");
			return;
		}
		break;
	default:
		telnet_sb_malformed(t, "unknown CHARSET command");
		return;
	}
	telnet_emit(t, &ev);
}

/* Options without a decoder: the payload as it came. */
static void
sb_raw(struct telnet *t)
{
	struct telnet_event ev;

	telnet_ev_init(&ev, TELNET_EV_SB_RAW);
	ev.u.sb.opt = t->sb_opt;
	ev.u.sb.buf = t->sb_len > 0 ? t->sb_buf : NULL;
	ev.u.sb.len = t->sb_len;
	telnet_emit(t, &ev);
}

void
telnet_subneg_dispatch(struct telnet *t)
{
	if (!in_effect(t, t->sb_opt)) {
		telnet_emit_error(t, TELNET_ERR_SB_NOT_ENABLED, t->sb_opt,
		    "subnegotiation for an option not in effect");
		return;
	}
	/* START_TLS: after our FOLLOWS only the peer's FOLLOWS counts. */
	if (telnet_tls_frozen(t) && t->sb_opt != TELOPT_STARTTLS) {
		telnet_emit_error(t, TELNET_ERR_PROTOCOL, t->sb_opt,
		    "subnegotiation while START_TLS follows: ignored");
		return;
	}
	switch (t->sb_opt) {
	case TELOPT_TTYPE:
		sb_text_qual(t, TELNET_EV_TTYPE);
		break;
	case TELOPT_XDISPLOC:
		sb_text_qual(t, TELNET_EV_XDISPLOC);
		break;
	case TELOPT_TSPEED:
		sb_tspeed(t);
		break;
	case TELOPT_NAWS:
		sb_naws(t);
		break;
	case TELOPT_NEW_ENVIRON:
	case TELOPT_OLD_ENVIRON:
		telnet_sb_environ(t);
		break;
	case TELOPT_LINEMODE:
		sb_linemode(t);
		break;
	case TELOPT_LFLOW:
		sb_lflow(t);
		break;
	case TELOPT_STATUS:
		sb_status(t);
		break;
	case TELOPT_CHARSET:
		sb_charset(t);
		break;
	case TELOPT_SNDLOC:
		sb_sndloc(t);
		break;
	case TELOPT_STARTTLS:
		telnet_sb_starttls(t);
		break;
	default:
		sb_raw(t);
		break;
	}
}
