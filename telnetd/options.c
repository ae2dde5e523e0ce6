/*
 * options.c - the options that go on after the opening: LINEMODE
 * agreement and kludge linemode detection, TTYPE cycling (RFC 1091),
 * CHARSET (RFC 2066), LFLOW (RFC 1372) and SNDLOC (RFC 779).
 *
 * LINEMODE: asked for in the opening with -l; a client's WILL LINEMODE is
 * accepted always.  The MODE and SLC exchange starts when the pty is
 * there (ttymode.c).  A client that refuses LINEMODE (with -l and without
 * nokludge) is asked DO TIMING-MARK as BSD telnetd does; WILL TM means it
 * understands kludge linemode (SGA toggled with the program's ICANON).
 *
 * TTYPE: asked again after each IS until a name repeats (the last one, or
 * the first after a wrap) or TTYPE_MAX names are in; the whole list goes
 * to the monitor, which picks the first name the host's terminfo knows.
 *
 * CHARSET: when the client offers it (either side: its WILL gets our
 * WILL, for only the side that sent WILL may REQUEST), REQUEST UTF-8, then
 * ISO-8859-1, US-ASCII.  The start waits for the answer (bounded by the
 * deadline); an accepted UTF-8 asks for BINARY both ways, and the monitor
 * sets LANG for the program unless the client sent its own.
 */
#include <sys/types.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "telnetd.h"

static const char *const charsets[] = { "UTF-8", "ISO-8859-1", "US-ASCII" };

/* Once, and not while a request or our WILL CHARSET (--report) waits for
 * an answer, nor once the client answered one. */
static void
charset_request(struct session *s)
{
	if (s->wait[TELOPT_CHARSET] != 0 || s->charset[0] != '\0' ||
	    s->rep == NULL || s->charset_asked || s->rep->charset_ms != 0)
		return;
	telnet_send_charset_request(s->t, charsets,
	    sizeof(charsets) / sizeof(charsets[0]));
	s->charset_asked = 1;
	s->charset_open = 1;
	neg_wait(s, TELOPT_CHARSET, NEG_WAIT_SB);
	log_trace(s, DBG_OPTIONS, "send CHARSET REQUEST UTF-8 ISO-8859-1 "
	    "US-ASCII");
}

void
options_changed(struct session *s, unsigned char opt, int local, int enabled)
{
	switch (opt) {
	case TELOPT_LINEMODE:
		if (local)
			break;
		if (enabled) {
			s->lm_type = LMT_REAL;
			tty_mode_start(s);
			break;
		}
		if (s->lm_type == LMT_REAL) {
			/* Back to character mode. */
			s->lm_type = LMT_NONE;
			telnet_request_local(s->t, TELOPT_SGA, 1);
			telnet_request_local(s->t, TELOPT_ECHO, 1);
			tty_mode_check(s);
		} else if (s->cfg->linemode && !s->cfg->nokludge &&
		    !s->kludge_tm) {
			/* Refused: does it know kludge linemode? */
			s->kludge_tm = 1;
			probe_do_tm(s);
			log_trace(s, DBG_OPTIONS, "send DO TIMING-MARK (kludge "
			    "linemode?)");
		}
		break;
	case TELOPT_ECHO:
		if (local && !enabled && s->state == S_RELAYING)
			tty_echo_refused(s);
		else if (local && enabled && s->state == S_RELAYING)
			tty_echo_agreed(s);
		break;
	case TELOPT_SNDLOC:
		if (!local && enabled)
			neg_wait(s, opt, NEG_WAIT_SB);
		break;
	case TELOPT_CHARSET:
		/* RFC 2066 section 3: only a side that sent WILL and got DO
		 * may REQUEST.  The client's WILL alone gets our WILL
		 * (negotiate.c's remote_agreed); its DO, or its refusal,
		 * answers that. */
		if (local)
			neg_done(s, opt, NEG_WAIT_ANSWER);
		if (enabled && local)
			charset_request(s);
		else if (!enabled && local && s->charset_open) {
			/* Our WILL turned off with our REQUEST unanswered:
			 * no answer can come now, none is waited for, and
			 * the client's own REQUEST crosses nothing. */
			s->charset_open = 0;
			neg_done(s, opt, NEG_WAIT_SB);
		}
		break;
	case TELOPT_LFLOW:
		if (local || !enabled)
			break;
		/* RFC 1372 section 5: at each agreement the client turns
		 * flow control on, its restart mode its own (after a
		 * WONT/DONT it "may revert to an implementation-defined
		 * default"): what we told it before counts no more. */
		s->lflow_on = 1;
		s->lflow_any = -1;
		tty_mode_check(s);
		break;
	default:
		break;
	}
}

/* How the cycle ended, for the report's fingerprint. */
static void
ttype_end(struct session *s, int how)
{
	if (s->probe != NULL)
		s->probe->ttype_end = how;
}

/* RFC 1091: ask until the list repeats. */
void
options_ttype(struct session *s, const struct telnet_event *ev)
{
	const struct telnet_str *str = &ev->u.str.text;
	char term[TERM_MAX + 1], safe[LOG_STR_MAX + 1];
	size_t i;
	int valid = 1, again = 0;

	if (ev->u.str.cmd != TELQUAL_IS)
		return;
	if (str->len == 0 || str->len > TERM_MAX)
		valid = 0;
	else {
		for (i = 0; i < str->len; i++)
			term[i] = (char)tolower((unsigned char)str->s[i]);
		term[i] = '\0';
		valid = term_name_ok(term, i);
	}
	if (!valid) {
		if (note_first(s, NOTE_TTYPE_REFUSED))
			log_info("terminal type refused: \"%s\"",
			    log_safe(safe, sizeof(safe), str->s, str->len));
		if (!s->ttype_done)
			ttype_end(s, TTYPE_END_BAD);
		s->ttype_done = 1;
	} else if (s->ttype_done) {
		/* An answer after the list was complete. */
	} else if (s->nterms > 0 && (strcmp(term, s->terms[0]) == 0 ||
	    strcmp(term, s->terms[s->nterms - 1]) == 0)) {
		s->ttype_done = 1;
		ttype_end(s, strcmp(term, s->terms[s->nterms - 1]) == 0 ?
		    TTYPE_END_REPEAT : TTYPE_END_WRAP);
	} else {
		memcpy(s->terms[s->nterms++], term, strlen(term) + 1);
		if (s->term[0] == '\0' && !(s->state >= S_STARTING))
			memcpy(s->term, term, strlen(term) + 1);
		if (s->nterms >= (s->cfg->max_ttypes > 0 &&
		    s->cfg->max_ttypes < TTYPE_MAX ? s->cfg->max_ttypes :
		    TTYPE_MAX)) {
			s->ttype_done = 1;
			ttype_end(s, TTYPE_END_CAP);
			log_info("terminal type cycle stopped after %zu names "
			    "(--max-ttypes)", s->nterms);
		} else
			again = 1;
	}
	log_trace(s, DBG_OPTIONS, "recv TTYPE IS %s%s",
	    valid ? term : "(refused)", again ? ", asking for the next" : "");
	if (again) {
		telnet_send_ttype_send(s->t);
		neg_wait(s, TELOPT_TTYPE, NEG_WAIT_SB);
	} else
		neg_done(s, TELOPT_TTYPE, NEG_WAIT_ANSWER | NEG_WAIT_SB);
}

void
options_charset(struct session *s, const struct telnet_event *ev)
{
	char safe[LOG_STR_MAX + 1];
	size_t i, k;

	switch (ev->u.charset.cmd) {
	case CHARSET_ACCEPTED:
		neg_done(s, TELOPT_CHARSET, NEG_WAIT_ANSWER | NEG_WAIT_SB);
		s->charset_open = 0;
		for (k = 0; k < sizeof(charsets) / sizeof(charsets[0]); k++)
			if (strcasecmp(ev->u.charset.names[0].s,
			    charsets[k]) == 0)
				break;
		if (k == sizeof(charsets) / sizeof(charsets[0])) {
			if (note_first(s, NOTE_CHARSET_UNOFFERED))
				log_info("client accepted a charset never "
				    "offered: \"%s\"", log_safe(safe,
				    sizeof(safe), ev->u.charset.names[0].s,
				    ev->u.charset.names[0].len));
			return;
		}
		strlcpy(s->charset, charsets[k], sizeof(s->charset));
		log_trace(s, DBG_OPTIONS, "recv CHARSET ACCEPTED %s",
		    s->charset);
		if (k == 0) {
			/* UTF-8 is 8 bits: BINARY both ways. */
			telnet_request_local(s->t, TELOPT_BINARY, 1);
			telnet_request_remote(s->t, TELOPT_BINARY, 1);
		}
		return;
	case CHARSET_REJECTED:
	case CHARSET_TTABLE_IS:
		/* A TTABLE-IS (never asked for) the engine has answered
		 * TTABLE-REJECTED, which ends the subnegotiation as a
		 * REJECTED does (RFC 2066 section 2). */
		neg_done(s, TELOPT_CHARSET, NEG_WAIT_ANSWER | NEG_WAIT_SB);
		s->charset_open = 0;
		log_trace(s, DBG_OPTIONS, "recv CHARSET %s",
		    ev->u.charset.cmd == CHARSET_REJECTED ? "REJECTED" :
		    "TTABLE-IS (answered TTABLE-REJECTED)");
		return;
	case CHARSET_REQUEST:
		/* RFC 2066 sections 2 and 5: requests that cross (ours
		 * still unanswered) are settled by the server, which "MUST
		 * issue a negative acknowledgment" to the client's and
		 * keeps its own, which the client answers; ignoring it
		 * would leave the client waiting.  Else pick from its
		 * list. */
		if (s->charset_open) {
			telnet_send_charset_rejected(s->t);
			log_trace(s, DBG_OPTIONS, "recv CHARSET REQUEST "
			    "crossing ours: REJECTED");
			return;
		}
		for (k = 0; k < sizeof(charsets) / sizeof(charsets[0]); k++)
			for (i = 0; i < ev->u.charset.nnames; i++)
				if (strcasecmp(ev->u.charset.names[i].s,
				    charsets[k]) == 0) {
					telnet_send_charset_accepted(s->t,
					    charsets[k]);
					if (s->charset[0] == '\0' &&
					    !(s->state >= S_STARTING))
						strlcpy(s->charset,
						    charsets[k],
						    sizeof(s->charset));
					return;
				}
		telnet_send_charset_rejected(s->t);
		return;
	default:
		return;
	}
}

void
options_sndloc(struct session *s, const struct telnet_event *ev)
{
	const struct telnet_str *str = &ev->u.str.text;
	char safe[LOG_STR_MAX + 1];
	size_t i;

	neg_done(s, TELOPT_SNDLOC, NEG_WAIT_ANSWER | NEG_WAIT_SB);
	if (note_first(s, NOTE_SNDLOC))
		log_info("client location: \"%s\"", log_safe(safe,
		    sizeof(safe), str->s, str->len));
	if (str->len > LOCATION_MAX || s->state >= S_STARTING)
		return;
	for (i = 0; i < str->len; i++)
		if ((unsigned char)str->s[i] < 0x20 ||
		    (unsigned char)str->s[i] > 0x7e)
			return;
	memcpy(s->location, str->s, str->len);
	s->location[str->len] = '\0';
}

/* The client's answer to our DO TIMING-MARK: while the kludge linemode
 * question is out, WILL says it does kludge linemode. */
void
options_tm(struct session *s, const struct telnet_event *ev)
{
	if (s->kludge_tm != 1 || s->lm_type != LMT_NONE)
		return;
	s->kludge_tm = 2;
	if (!ev->u.tm.enabled)
		return;
	s->lm_type = LMT_KLUDGE;
	log_trace(s, DBG_OPTIONS, "client does kludge linemode");
	tty_mode_start(s);
}

/* LINEMODE's SLC table is its answer (neg_done, as for the options
 * above); the MODE and SLC exchange itself is ttymode.c's. */
void
options_linemode(struct session *s, const struct telnet_event *ev)
{
	if (ev->u.lm.cmd == LM_SLC)
		neg_done(s, TELOPT_LINEMODE, NEG_WAIT_SB);
	tty_mode_linemode(s, ev);
}
