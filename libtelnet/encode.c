/*
 * encode.c - build outgoing subnegotiations: IAC SB <opt> payload IAC SE.
 *
 * Each encoder writes its payload through a small writer (struct sbw)
 * that doubles IAC and frames the result.  The body of an encoder runs
 * twice: once to count the bytes, once to write them, so the whole SB is
 * built in one buffer and goes out as ONE SEND event:
 *
 *	for (sbw_begin(&w, t, opt); sbw_next(&w); )
 *		... sbw_byte(&w, c) ...
 *
 * SBs that fit in SBW_STACK bytes are built on the stack; bigger ones get
 * one malloc per call.  If that fails the SB still goes out, in pieces of
 * SBW_STACK bytes (several SEND events in a row, nothing else between).
 * A payload over TELNET_SB_MAX_MAX bytes (before IAC doubling) is not
 * sent: no peer of this engine would accept it.  Caller mistakes (a bad
 * verb, a name that cannot be encoded) send nothing and are reported as a
 * TELNET_EV_ERROR with TELNET_ERR_SB_MALFORMED, as the API returns void.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telnet_int.h"

#define SBW_STACK		2048	/* all of STATUS IS fits */
#define LM_FORWARDMASK_MAX	32	/* RFC 1184 2.3 */

struct sbw {
	struct telnet *t;
	unsigned char opt;
	int pass;		/* 0 before counting, 1 counting, 2 writing */
	size_t need;		/* encoded size found by the counting pass */
	size_t plen;		/* payload bytes, before IAC doubling */
	unsigned char *buf;	/* NULL while counting */
	size_t cap, len;
	unsigned char *heap;
	unsigned char stk[SBW_STACK];
};

static void
sbw_raw(struct sbw *w, unsigned char c)
{
	if (w->buf == NULL) {
		w->need++;
		return;
	}
	/* Full only when the malloc failed: send what we have. */
	if (w->len == w->cap) {
		telnet_emit_send(w->t, w->buf, w->len, 0);
		w->len = 0;
	}
	w->buf[w->len++] = c;
}

/* One payload byte; IAC is doubled (RFC 854). */
static void
sbw_byte(struct sbw *w, unsigned char c)
{
	w->plen++;
	sbw_raw(w, c);
	if (c == TELNET_IAC)
		sbw_raw(w, c);
}

static void
sbw_bytes(struct sbw *w, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sbw_byte(w, p[i]);
}

static void
sbw_str(struct sbw *w, const char *s)
{
	if (s != NULL)
		sbw_bytes(w, (const unsigned char *)s, strlen(s));
}

static void
sbw_begin(struct sbw *w, struct telnet *t, unsigned char opt)
{
	w->t = t;
	w->opt = opt;
	w->pass = 0;
	w->need = w->plen = 0;
	w->buf = w->heap = NULL;
	w->cap = w->len = 0;
}

/*
 * Drives the two passes; returns 1 while the encoder body must run.
 * Writes the IAC SB <opt> head before each pass and the IAC SE tail
 * after it.  The option byte is not doubled: IAC SB IAC would be EXOPL.
 */
static int
sbw_next(struct sbw *w)
{
	if (w->pass > 0) {
		sbw_raw(w, TELNET_IAC);
		sbw_raw(w, TELNET_SE);
	}
	switch (w->pass++) {
	case 0:
		break;
	case 1:
		if (w->plen > TELNET_SB_MAX_MAX) {
			telnet_emit_error(w->t, TELNET_ERR_SB_OVERFLOW, w->opt,
			    "outgoing subnegotiation too long: not sent");
			return 0;
		}
		/* The stack buffer, or one malloc; without it, pieces. */
		w->buf = w->stk;
		w->cap = sizeof(w->stk);
		if (w->need > sizeof(w->stk) &&
		    (w->heap = malloc(w->need)) != NULL) {
			w->buf = w->heap;
			w->cap = w->need;
		}
		w->len = w->plen = 0;
		break;
	default:
		if (w->len > 0)
			telnet_emit_send(w->t, w->buf, w->len, 0);
		free(w->heap);
		w->heap = NULL;
		return 0;
	}
	sbw_raw(w, TELNET_IAC);
	sbw_raw(w, TELNET_SB);
	sbw_raw(w, w->opt);
	return 1;
}

static void
refuse(struct telnet *t, unsigned char opt, const char *msg)
{
	telnet_emit_error(t, TELNET_ERR_SB_MALFORMED, opt, msg);
}

void
telnet_send_sb(struct telnet *t, unsigned char opt,
    const unsigned char *payload, size_t len)
{
	struct sbw w;

	for (sbw_begin(&w, t, opt); sbw_next(&w); )
		if (payload != NULL)
			sbw_bytes(&w, payload, len);
}

/* IAC SB <opt> <qual> [text] IAC SE: TTYPE, TSPEED, XDISPLOC, STATUS. */
static void
send_qual(struct telnet *t, unsigned char opt, unsigned char qual,
    const char *text)
{
	struct sbw w;

	for (sbw_begin(&w, t, opt); sbw_next(&w); ) {
		sbw_byte(&w, qual);
		sbw_str(&w, text);
	}
}

void
telnet_send_ttype_send(struct telnet *t)
{
	send_qual(t, TELOPT_TTYPE, TELQUAL_SEND, NULL);
}

void
telnet_send_ttype_is(struct telnet *t, const char *name)
{
	send_qual(t, TELOPT_TTYPE, TELQUAL_IS, name);
}

/* RFC 1073: width and height as 16-bit big-endian; a 255 byte is doubled. */
void
telnet_send_naws(struct telnet *t, uint16_t width, uint16_t height)
{
	struct sbw w;

	for (sbw_begin(&w, t, TELOPT_NAWS); sbw_next(&w); ) {
		sbw_byte(&w, (unsigned char)(width >> 8));
		sbw_byte(&w, (unsigned char)(width & 0xff));
		sbw_byte(&w, (unsigned char)(height >> 8));
		sbw_byte(&w, (unsigned char)(height & 0xff));
	}
}

void
telnet_send_tspeed_send(struct telnet *t)
{
	send_qual(t, TELOPT_TSPEED, TELQUAL_SEND, NULL);
}

/* RFC 1079: IS "<tx>,<rx>" in ASCII decimal. */
void
telnet_send_tspeed_is(struct telnet *t, unsigned long tx, unsigned long rx)
{
	char speed[2 * 20 + 2];

	(void)snprintf(speed, sizeof(speed), "%lu,%lu", tx, rx);
	send_qual(t, TELOPT_TSPEED, TELQUAL_IS, speed);
}

void
telnet_send_xdisploc_send(struct telnet *t)
{
	send_qual(t, TELOPT_XDISPLOC, TELQUAL_SEND, NULL);
}

void
telnet_send_xdisploc_is(struct telnet *t, const char *display)
{
	send_qual(t, TELOPT_XDISPLOC, TELQUAL_IS, display);
}

/* A name or value with VAR, VALUE, ESC and USERVAR quoted by ESC. */
static void
env_text(struct sbw *w, const char *s, size_t n)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= TELENV_USERVAR)
			sbw_byte(w, TELENV_ESC);
		sbw_byte(w, c);
	}
}

/*
 * NEW-ENVIRON (RFC 1572 section 2) and old ENVIRON.  For old ENVIRON with
 * a peer found to swap VAR and VALUE (RFC 1571; see subneg.c), we speak
 * its dialect, so what we send parses the way it expects.  The four codes
 * 0..3 are quoted in both dialects, so escaping does not change.
 */
void
telnet_send_env(struct telnet *t, unsigned char opt, unsigned char cmd,
    const struct telnet_env_var *vars, size_t nvars)
{
	unsigned char var_code = TELENV_VAR, value_code = TELENV_VALUE;
	struct sbw w;
	size_t i;

	if (opt != TELOPT_NEW_ENVIRON && opt != TELOPT_OLD_ENVIRON) {
		refuse(t, opt, "telnet_send_env: not an ENVIRON option");
		return;
	}
	if (cmd != TELQUAL_IS && cmd != TELQUAL_SEND && cmd != TELQUAL_INFO) {
		refuse(t, opt, "telnet_send_env: bad command");
		return;
	}
	for (i = 0; i < nvars; i++)
		if (vars[i].type != TELENV_VAR &&
		    vars[i].type != TELENV_USERVAR) {
			refuse(t, opt, "telnet_send_env: bad variable type");
			return;
		}
	if (opt == TELOPT_OLD_ENVIRON && t->env_reversed_known &&
	    t->env_reversed) {
		var_code = TELENV_VALUE;
		value_code = TELENV_VAR;
	}

	for (sbw_begin(&w, t, opt); sbw_next(&w); ) {
		sbw_byte(&w, cmd);
		for (i = 0; i < nvars; i++) {
			const struct telnet_env_var *v = &vars[i];

			sbw_byte(&w, v->type == TELENV_USERVAR ?
			    TELENV_USERVAR : var_code);
			env_text(&w, v->name, v->name_len);
			/* SEND names variables; it never carries values. */
			if (cmd != TELQUAL_SEND && v->has_value) {
				sbw_byte(&w, value_code);
				env_text(&w, v->value, v->value_len);
			}
		}
	}
}

/* RFC 1184 2.2: MODE <mask>. */
void
telnet_send_linemode_mode(struct telnet *t, unsigned char mode)
{
	struct sbw w;

	for (sbw_begin(&w, t, TELOPT_LINEMODE); sbw_next(&w); ) {
		sbw_byte(&w, LM_MODE);
		sbw_byte(&w, mode);
	}
}

/*
 * RFC 1184 2.4: SLC and triplets.  A peer keeps at most TELNET_SLC_MAX
 * triplets of one subnegotiation (our decoder drops a longer one whole), so
 * a longer table goes out as several SLC subnegotiations of at most that
 * many: RFC 1184 lets either side send SLC at any time, and each triplet
 * stands alone.
 */
void
telnet_send_linemode_slc(struct telnet *t, const struct telnet_slc *slc,
    size_t n)
{
	struct sbw w;
	size_t at, i, k;

	for (at = 0; at < n; at += k) {
		k = n - at < (size_t)TELNET_SLC_MAX ? n - at :
		    (size_t)TELNET_SLC_MAX;
		for (sbw_begin(&w, t, TELOPT_LINEMODE); sbw_next(&w); ) {
			sbw_byte(&w, LM_SLC);
			for (i = at; i < at + k; i++) {
				sbw_byte(&w, slc[i].func);
				sbw_byte(&w, slc[i].flags);
				sbw_byte(&w, slc[i].value);
			}
		}
	}
}

/*
 * RFC 1184 2.3: <verb> FORWARDMASK [mask]; only DO carries a mask, of at
 * most 32 octets.
 */
void
telnet_send_linemode_forwardmask(struct telnet *t, unsigned char verb,
    const unsigned char *mask, size_t len)
{
	struct sbw w;

	if (verb != TELNET_DO && verb != TELNET_DONT &&
	    verb != TELNET_WILL && verb != TELNET_WONT) {
		refuse(t, TELOPT_LINEMODE, "FORWARDMASK: bad verb");
		return;
	}
	if ((verb != TELNET_DO && len > 0) || len > LM_FORWARDMASK_MAX ||
	    (len > 0 && mask == NULL)) {
		refuse(t, TELOPT_LINEMODE, "FORWARDMASK: bad mask length");
		return;
	}
	for (sbw_begin(&w, t, TELOPT_LINEMODE); sbw_next(&w); ) {
		sbw_byte(&w, verb);
		sbw_byte(&w, LM_FORWARDMASK);
		if (len > 0)
			sbw_bytes(&w, mask, len);
	}
}

/* RFC 1372: OFF, ON, RESTART-ANY, RESTART-XON. */
void
telnet_send_lflow(struct telnet *t, unsigned char cmd)
{
	struct sbw w;

	if (cmd > LFLOW_RESTART_XON) {
		refuse(t, TELOPT_LFLOW, "LFLOW: unknown command");
		return;
	}
	for (sbw_begin(&w, t, TELOPT_LFLOW); sbw_next(&w); )
		sbw_byte(&w, cmd);
}

void
telnet_send_status_send(struct telnet *t)
{
	send_qual(t, TELOPT_STATUS, TELQUAL_SEND, NULL);
}

/*
 * RFC 859 section 5: IS, then for each option in order WILL <opt> if it
 * is on at our side and DO <opt> if it is on at the peer's.  Inside IS a
 * data byte equal to SE is sent twice (SE SE), so option 240 reads
 * "WILL SE SE"; an option byte 255 is doubled as IAC like any other
 * payload byte.  SB contents are not reported (the RFC allows either).
 */
void
telnet_send_status_is(struct telnet *t)
{
	struct sbw w;
	unsigned int o;

	for (sbw_begin(&w, t, TELOPT_STATUS); sbw_next(&w); ) {
		sbw_byte(&w, TELQUAL_IS);
		for (o = 0; o < 256; o++) {
			unsigned char opt = (unsigned char)o;

			if (telnet_local_state(t, opt) == TELNET_Q_YES) {
				sbw_byte(&w, TELNET_WILL);
				sbw_byte(&w, opt);
				if (opt == TELNET_SE)
					sbw_byte(&w, opt);
			}
			if (telnet_remote_state(t, opt) == TELNET_Q_YES) {
				sbw_byte(&w, TELNET_DO);
				sbw_byte(&w, opt);
				if (opt == TELNET_SE)
					sbw_byte(&w, opt);
			}
		}
	}
}

/* RFC 2066: REQUEST ";name;name..."; names must be non-empty, no ';'. */
void
telnet_send_charset_request(struct telnet *t, const char *const *names,
    size_t n)
{
	struct sbw w;
	size_t i;

	if (n == 0) {
		refuse(t, TELOPT_CHARSET, "CHARSET REQUEST without names");
		return;
	}
	for (i = 0; i < n; i++)
		if (names[i] == NULL || names[i][0] == '\0' ||
		    strchr(names[i], ';') != NULL) {
			refuse(t, TELOPT_CHARSET,
			    "CHARSET REQUEST: empty name or name with ';'");
			return;
		}
	for (sbw_begin(&w, t, TELOPT_CHARSET); sbw_next(&w); ) {
		sbw_byte(&w, CHARSET_REQUEST);
		for (i = 0; i < n; i++) {
			sbw_byte(&w, ';');
			sbw_str(&w, names[i]);
		}
	}
}

void
telnet_send_charset_accepted(struct telnet *t, const char *name)
{
	if (name == NULL || name[0] == '\0') {
		refuse(t, TELOPT_CHARSET, "CHARSET ACCEPTED without a name");
		return;
	}
	send_qual(t, TELOPT_CHARSET, CHARSET_ACCEPTED, name);
}

void
telnet_send_charset_rejected(struct telnet *t)
{
	send_qual(t, TELOPT_CHARSET, CHARSET_REJECTED, NULL);
}

/* RFC 779: the location text is the whole payload. */
void
telnet_send_sndloc(struct telnet *t, const char *location)
{
	struct sbw w;

	for (sbw_begin(&w, t, TELOPT_SNDLOC); sbw_next(&w); )
		sbw_str(&w, location);
}
