/*
 * negotiate.c - the opening of a session: the server's option requests in
 * one write, the subnegotiation requests once the client agrees, and the
 * decision to start the program as soon as every answer that matters is
 * in (or at the deadline, for a client that answers nothing).
 *
 * What matters for the start: TTYPE (TERM, the whole cycled list), NAWS
 * (window size), TSPEED, XDISPLOC (DISPLAY), NEW-ENVIRON (or old ENVIRON
 * when NEW-ENVIRON is refused), and the answer to a CHARSET REQUEST (LANG).
 * Both ENVIRON options are asked in the opening batch, as FreeBSD's
 * telnetd does, so a client that only has the old one costs no second
 * round trip.
 * The answers to SGA, ECHO, LFLOW, LINEMODE and STATUS do not hold the
 * start back.  The opening is the same with --report: the probes that
 * describe the client come after it (probe.c, the S_PROBING phase).
 *
 * negotiate_event() is the one dispatch of the engine's negotiation
 * events: each kind goes to one handler, here or in options.c.
 */
#include <sys/types.h>

#include <ctype.h>
#include <string.h>

#include "telnetd.h"

/* The options whose answers the start waits for. */
static const unsigned char waited[] = {
	TELOPT_TTYPE, TELOPT_TSPEED, TELOPT_XDISPLOC, TELOPT_NEW_ENVIRON,
	TELOPT_NAWS, TELOPT_OLD_ENVIRON, TELOPT_CHARSET, TELOPT_SNDLOC,
};

void
negotiate_begin(struct session *s)
{
	static const unsigned char remote[] = {
		TELOPT_TTYPE, TELOPT_TSPEED, TELOPT_XDISPLOC,
		TELOPT_NEW_ENVIRON, TELOPT_OLD_ENVIRON, TELOPT_NAWS,
	};
	size_t i;

	if (s->rep == NULL &&
	    (s->rep = pages_alloc(sizeof(*s->rep))) == NULL)
		fatal("report");
	probe_init(s);
	for (i = 0; i < sizeof(remote); i++) {
		if (telnet_request_remote(s->t, remote[i], 1) == 0)
			neg_wait(s, remote[i], NEG_WAIT_ANSWER);
	}
	/* Kludge linemode: the server echoes and suppresses go-ahead. */
	telnet_request_local(s->t, TELOPT_SGA, 1);
	telnet_request_local(s->t, TELOPT_ECHO, 1);
	telnet_request_remote(s->t, TELOPT_LFLOW, 1);
	telnet_request_local(s->t, TELOPT_STATUS, 1);
	if (s->cfg->linemode)
		telnet_request_remote(s->t, TELOPT_LINEMODE, 1);
	s->t_begin = now_ms();
	s->dl[DL_NEGOTIATE] = s->t_begin + s->cfg->neg_timeout_ms;
	log_trace(s, DBG_OPTIONS, "send DO TTYPE TSPEED XDISPLOC NEW-ENVIRON "
	    "OLD-ENVIRON NAWS, WILL SGA ECHO, DO LFLOW, WILL STATUS");
}

/* The same opening with --report: what a client answers there does not
 * depend on the mode, and the probe (probe.c) asks the rest. */
int
negotiate_ready(const struct session *s)
{
	size_t i;

	for (i = 0; i < sizeof(waited); i++)
		if (s->wait[waited[i]] != 0)
			return 0;
	return 1;
}

/* Ask for the client's variables over opt (NEW-ENVIRON or the old
 * ENVIRON): one short request for everything (an empty list), since long
 * lists of names crash some clients. */
static void
env_send(struct session *s, unsigned char opt)
{
	telnet_send_env(s->t, opt, TELQUAL_SEND, NULL, 0);
	neg_wait(s, opt, NEG_WAIT_SB);
}

/* The client refused an option of its side. */
static void
remote_refused(struct session *s, unsigned char opt)
{
	neg_done(s, opt, NEG_WAIT_ANSWER | NEG_WAIT_SB);
	/* RFC 1571: NEW-ENVIRON refused, the old ENVIRON (asked in the
	 * same batch) carries the variables if it was agreed. */
	if (opt == TELOPT_NEW_ENVIRON && s->state == S_NEGOTIATING &&
	    telnet_remote_enabled(s->t, TELOPT_OLD_ENVIRON))
		env_send(s, TELOPT_OLD_ENVIRON);
}

/* The client agreed to an option of its side: ask for what it holds. */
static void
remote_agreed(struct session *s, unsigned char opt)
{
	switch (opt) {
	case TELOPT_TTYPE:
		telnet_send_ttype_send(s->t);
		break;
	case TELOPT_TSPEED:
		telnet_send_tspeed_send(s->t);
		break;
	case TELOPT_XDISPLOC:
		telnet_send_xdisploc_send(s->t);
		break;
	case TELOPT_OLD_ENVIRON:
		/* RFC 1572 section 6: NEW-ENVIRON has its own option
		 * number so that the two definitions of VAR and VALUE never
		 * mix: with both agreed only NEW-ENVIRON is used, and the
		 * old one is turned off (DONT).  Until NEW-ENVIRON is
		 * answered, its answer decides. */
		if (telnet_remote_enabled(s->t, TELOPT_NEW_ENVIRON))
			(void)telnet_request_remote(s->t, TELOPT_OLD_ENVIRON,
			    0);
		else if (!(s->wait[TELOPT_NEW_ENVIRON] & NEG_WAIT_ANSWER))
			env_send(s, TELOPT_OLD_ENVIRON);
		return;
	case TELOPT_NEW_ENVIRON:
		if (telnet_remote_enabled(s->t, TELOPT_OLD_ENVIRON)) {
			neg_done(s, TELOPT_OLD_ENVIRON,
			    NEG_WAIT_ANSWER | NEG_WAIT_SB);
			(void)telnet_request_remote(s->t, TELOPT_OLD_ENVIRON,
			    0);
		}
		env_send(s, opt);
		return;
	case TELOPT_NAWS:
		break;	/* the client sends its size unasked */
	case TELOPT_CHARSET:
		/* Its WILL: ours, for a REQUEST (options.c); the start
		 * waits for the answer and the REQUEST's. */
		if (telnet_request_local(s->t, opt, 1) == 0)
			neg_wait(s, opt, NEG_WAIT_ANSWER);
		return;
	default:
		return;
	}
	if (memchr(waited, opt, sizeof(waited)) != NULL)
		neg_wait(s, opt, NEG_WAIT_SB);
}

static void
got_option(struct session *s, const struct telnet_event *ev)
{
	unsigned char opt = ev->u.option.opt;
	int local = ev->u.option.local, enabled = ev->u.option.enabled;

	log_trace(s, DBG_OPTIONS, "%s %s %s", local ? "we" : "client",
	    enabled ? "enable" : "disable", telnet_opt_name(opt));
	options_changed(s, opt, local, enabled);
	if (local) {
		if (opt == TELOPT_LOGOUT && enabled)
			s->logout = 1;
		return;
	}
	neg_done(s, opt, NEG_WAIT_ANSWER);
	if (enabled)
		remote_agreed(s, opt);
	else
		remote_refused(s, opt);
}

/* For the report: the names refused (the kept ones, with their values,
 * are in s->env). */
static void
note_env(struct session *s, const struct telnet_env_var *v,
    enum env_verdict vd)
{
	struct neg_report *r = s->rep;
	char name[LOG_STR_MAX + 1];

	if (r == NULL || vd == ENV_OK || r->nenv_denied >= ENV_MAX_VARS)
		return;
	log_safe(name, sizeof(name), v->name, v->name_len);
	if (strlen(name) > ENV_MAX_NAME)
		name[ENV_MAX_NAME] = '\0';
	strlcpy(r->env_denied[r->nenv_denied++], name,
	    sizeof(r->env_denied[0]));
}

/* One variable from the client, through the allow-list; one log line per
 * kind of refusal, the limits naming their option. */
static void
take_env_var(struct session *s, const struct telnet_env_var *v)
{
	char name[LOG_STR_MAX + 1];
	enum env_verdict vd;

	vd = env_add(&s->env, &s->cfg->envpol, v->name, v->name_len,
	    v->value, v->value_len);
	note_env(s, v, vd);
	log_trace(s, DBG_OPTIONS, "recv %s %s: %s",
	    v->type == TELENV_USERVAR ? "USERVAR" : "VAR",
	    log_safe(name, sizeof(name), v->name, v->name_len),
	    env_verdict_str(vd));
	if (vd == ENV_OK || vd >= (int)(8 * sizeof(s->env_logged)) ||
	    (s->env_logged & (1u << vd)))
		return;
	s->env_logged |= 1u << vd;
	log_info("client variable %s refused: %s%s", log_safe(name,
	    sizeof(name), v->name, v->name_len), env_verdict_str(vd),
	    vd == ENV_TOO_MANY ? " (--max-env)" :
	    vd == ENV_TOO_LONG ? " (--max-env-size)" : "");
}

static void
got_env(struct session *s, const struct telnet_event *ev)
{
	size_t i;

	neg_done(s, ev->u.env.opt, NEG_WAIT_ANSWER | NEG_WAIT_SB);
	if (ev->u.env.cmd != TELQUAL_IS && ev->u.env.cmd != TELQUAL_INFO)
		return;
	if (s->state >= S_STARTING) {
		log_trace(s, DBG_OPTIONS, "late %s ignored",
		    telnet_opt_name(ev->u.env.opt));
		return;
	}
	for (i = 0; i < ev->u.env.nvars; i++)
		take_env_var(s, &ev->u.env.vars[i]);
}

/* The window size, for the program (the relay sets it on the pty). */
static void
got_naws(struct session *s, const struct telnet_event *ev)
{
	neg_done(s, TELOPT_NAWS, NEG_WAIT_ANSWER | NEG_WAIT_SB);
	if (ev->u.naws.width == 0 || ev->u.naws.height == 0)
		return;
	s->ws_col = ev->u.naws.width;
	s->ws_row = ev->u.naws.height;
	log_trace(s, DBG_OPTIONS, "recv NAWS %ux%u", s->ws_col, s->ws_row);
}

static void
got_tspeed(struct session *s, const struct telnet_event *ev)
{
	if (ev->u.tspeed.cmd != TELQUAL_IS)
		return;
	neg_done(s, TELOPT_TSPEED, NEG_WAIT_ANSWER | NEG_WAIT_SB);
	if (s->state >= S_STARTING)
		return;
	s->tx = ev->u.tspeed.tx > UINT32_MAX ? 0 : (uint32_t)ev->u.tspeed.tx;
	s->rx = ev->u.tspeed.rx > UINT32_MAX ? 0 : (uint32_t)ev->u.tspeed.rx;
	log_trace(s, DBG_OPTIONS, "recv TSPEED %u,%u", s->tx, s->rx);
}

/* XDISPLOC becomes DISPLAY, through the allow-list like any variable. */
static void
got_xdisploc(struct session *s, const struct telnet_event *ev)
{
	char buf[LOG_STR_MAX + 1];

	if (ev->u.str.cmd != TELQUAL_IS)
		return;
	neg_done(s, TELOPT_XDISPLOC, NEG_WAIT_ANSWER | NEG_WAIT_SB);
	if (s->state >= S_STARTING)
		return;
	if (env_add(&s->env, &s->cfg->envpol, "DISPLAY", 7, ev->u.str.text.s,
	    ev->u.str.text.len) != ENV_OK) {
		if (note_first(s, NOTE_XDISPLOC_REFUSED))
			log_info("X display location refused: \"%s\"",
			    log_safe(buf, sizeof(buf), ev->u.str.text.s,
			    ev->u.str.text.len));
		return;
	}
	if (s->rep != NULL)
		strlcpy(s->rep->xdisploc, ev->u.str.text.s,
		    sizeof(s->rep->xdisploc));
	log_trace(s, DBG_OPTIONS, "recv XDISPLOC %s", log_safe(buf,
	    sizeof(buf), ev->u.str.text.s, ev->u.str.text.len));
}

static void
got_error(struct session *s, const struct telnet_event *ev)
{
	if (ev->u.error.code == TELNET_ERR_SB_OVERFLOW &&
	    !(s->limits_logged & LIM_SB)) {
		s->limits_logged |= LIM_SB;
		log_info("subnegotiation %s over %zu bytes (--sb-max) dropped",
		    telnet_opt_name(ev->u.error.opt), s->cfg->sb_max ?
		    s->cfg->sb_max : (size_t)TELNET_SB_DEFAULT_MAX);
	}
	log_trace(s, DBG_OPTIONS, "protocol: %s (option %s)",
	    ev->u.error.msg, telnet_opt_name(ev->u.error.opt));
}

/*
 * A reply to one of our SEND requests proves the client has read what it
 * answered before: a client that agreed to NAWS sends its size right after
 * WILL NAWS, so if none came before this reply, it has none to send (a
 * later one still arrives as a window change).
 */
static void
sb_reply_seen(struct session *s, enum telnet_event_type type)
{
	if (type == TELNET_EV_TTYPE || type == TELNET_EV_TSPEED ||
	    type == TELNET_EV_XDISPLOC || type == TELNET_EV_ENVIRON)
		neg_done(s, TELOPT_NAWS, NEG_WAIT_SB);
}

/* A WILL, WONT, DO or DONT, before the engine acts on it: the probe
 * keeps the client's first word on each option and side. */
static void
got_negotiate(struct session *s, const struct telnet_event *ev)
{
	log_trace(s, DBG_OPTIONS, "recv %s %s",
	    telnet_cmd_name(ev->u.negotiate.verb),
	    telnet_opt_name(ev->u.negotiate.opt));
	probe_negotiate(s, ev->u.negotiate.verb, ev->u.negotiate.opt);
}

/* STATUS SEND: our options as the engine has them. */
static void
got_status(struct session *s, const struct telnet_event *ev)
{
	if (ev->u.status.cmd == TELQUAL_SEND &&
	    telnet_local_enabled(s->t, TELOPT_STATUS))
		telnet_send_status_is(s->t);
}

/* The client's answer to our DO TIMING-MARK answers two questions that
 * can be out at once: the probe's marker after its burst, and whether it
 * does kludge linemode (options.c). */
static void
got_tm(struct session *s, const struct telnet_event *ev)
{
	log_trace(s, DBG_OPTIONS, "TIMING-MARK answered (%s)",
	    ev->u.tm.enabled ? "WILL" : "WONT");
	if (ev->u.tm.local)
		return;		/* its DO TM, which the engine answered */
	probe_tm(s, ev->u.tm.enabled);
	options_tm(s, ev);
}

int
negotiate_event(struct session *s, const struct telnet_event *ev)
{
	report_event(s, ev);
	sb_reply_seen(s, ev->type);
	/* Recorded above; an option the probe took back does nothing. */
	if (probe_muted(s, ev)) {
		log_trace(s, DBG_OPTIONS, "subnegotiation for %s, which the "
		    "probe turned off: only reported", ev->type ==
		    TELNET_EV_SB_RAW ? telnet_opt_name(ev->u.sb.opt) :
		    "an option");
		return 1;
	}
	switch (ev->type) {
	case TELNET_EV_NEGOTIATE:
		got_negotiate(s, ev);
		break;
	case TELNET_EV_OPTION:
		got_option(s, ev);
		break;
	case TELNET_EV_NAWS:
		got_naws(s, ev);
		break;
	case TELNET_EV_TSPEED:
		got_tspeed(s, ev);
		break;
	case TELNET_EV_XDISPLOC:
		got_xdisploc(s, ev);
		break;
	case TELNET_EV_ENVIRON:
		got_env(s, ev);
		break;
	case TELNET_EV_STATUS:
		got_status(s, ev);
		break;
	case TELNET_EV_TM:
		got_tm(s, ev);
		break;
	case TELNET_EV_TTYPE:
		options_ttype(s, ev);
		break;
	case TELNET_EV_LINEMODE:
		options_linemode(s, ev);
		break;
	case TELNET_EV_CHARSET:
		options_charset(s, ev);
		break;
	case TELNET_EV_SNDLOC:
		options_sndloc(s, ev);
		break;
	case TELNET_EV_LFLOW:
		break;	/* the client does not command the server */
	case TELNET_EV_SB_RAW:
		log_trace(s, DBG_OPTIONS, "subnegotiation %d ignored",
		    (int)ev->type);
		break;
	case TELNET_EV_ERROR:
		got_error(s, ev);
		break;
	default:
		return 0;
	}
	return 1;
}

/* The START request: what the client told us, for the monitor to check
 * again and use. */
int
negotiate_start(struct session *s)
{
	struct ps_start *req;
	size_t i, n = s->env.n <= ENV_MAX_VARS ? s->env.n : ENV_MAX_VARS;

	log_trace(s, DBG_REPORT, "negotiation done in %lld ms%s: TERM=%s, "
	    "%ux%u, %u/%u baud, %zu variables, user %s",
	    (long long)(now_ms() - s->t_begin),
	    negotiate_ready(s) ? "" : " (deadline)",
	    *s->term ? s->term : "-", s->ws_col, s->ws_row, s->tx,
	    s->rx, s->env.n, *s->env.user ? s->env.user : "-");
	if (!negotiate_ready(s) && !(s->limits_logged & LIM_NEG_DEADLINE)) {
		s->limits_logged |= LIM_NEG_DEADLINE;
		log_info("negotiation: not every answer within %d ms "
		    "(--negotiation-timeout); starting with what came",
		    s->cfg->neg_timeout_ms);
	}
	if (s->cfg->report != REPORT_OFF) {
		if (report_send(s) == -1)
			return -1;
	}
	if (s->cfg->report == REPORT_SHOW)
		return 0;	/* no program: the monitor answers EXITED */
	/* Built in the read buffer, which no read uses now: an idle
	 * session's trim gives its pages back. */
	req = (struct ps_start *)(void *)s->scratch;
	memset(req, 0, PS_START_LEN(n));
	req->type = PS_START;
	req->nterms = (uint32_t)s->nterms;
	for (i = 0; i < s->nterms && i < TTYPE_MAX; i++)
		strlcpy(req->terms[i], s->terms[i], sizeof(req->terms[i]));
	strlcpy(req->location, s->location, sizeof(req->location));
	strlcpy(req->charset, s->charset, sizeof(req->charset));
	strlcpy(req->term, s->term, sizeof(req->term));
	req->ws_col = s->ws_col;
	req->ws_row = s->ws_row;
	req->tx = s->tx;
	req->rx = s->rx;
	strlcpy(req->user, s->env.user, sizeof(req->user));
	req->nvars = (uint32_t)n;
	memcpy(req->vars, s->env.vars, n * sizeof(req->vars[0]));
	return ps_send(s->mon, req, PS_START_LEN(n), -1);
}
