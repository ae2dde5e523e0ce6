/*
 * negotiate.c - the opening of a session: the server's option requests in
 * one write, the subnegotiation requests once the client agrees, and the
 * decision to start the program as soon as every answer that matters is
 * in (or at the deadline, for a client that answers nothing).
 *
 * What matters for the start: TTYPE (TERM), NAWS (window size), TSPEED,
 * XDISPLOC (DISPLAY), NEW-ENVIRON (or old ENVIRON when NEW-ENVIRON is
 * refused).  The answers to SGA, ECHO, LFLOW and STATUS do not hold the
 * start back.
 */
#include <sys/types.h>

#include <ctype.h>
#include <string.h>

#include "telnetd.h"

/* What the server accepts, per option and side. */
const struct telnet_policy negotiate_policy[] = {
	{ TELOPT_BINARY, 1, 1 },
	{ TELOPT_ECHO, 1, 0 },
	{ TELOPT_SGA, 1, 1 },
	{ TELOPT_STATUS, 1, 0 },
	{ TELOPT_TM, 1, 0 },
	{ TELOPT_LOGOUT, 1, 0 },
	{ TELOPT_SNDLOC, 0, 1 },
	{ TELOPT_TTYPE, 0, 1 },
	{ TELOPT_EOR, 0, 1 },
	{ TELOPT_NAWS, 0, 1 },
	{ TELOPT_TSPEED, 0, 1 },
	{ TELOPT_LFLOW, 0, 1 },
	{ TELOPT_XDISPLOC, 0, 1 },
	{ TELOPT_OLD_ENVIRON, 0, 1 },
	{ TELOPT_NEW_ENVIRON, 0, 1 },
	{ -1, 0, 0 },
};

/* The options whose answers the start waits for. */
static const unsigned char waited[] = {
	TELOPT_TTYPE, TELOPT_TSPEED, TELOPT_XDISPLOC, TELOPT_NEW_ENVIRON,
	TELOPT_NAWS, TELOPT_OLD_ENVIRON,
};

void
negotiate_begin(struct session *s)
{
	static const unsigned char remote[] = {
		TELOPT_TTYPE, TELOPT_TSPEED, TELOPT_XDISPLOC,
		TELOPT_NEW_ENVIRON, TELOPT_NAWS,
	};
	size_t i;

	s->data_ctx = 0;
	for (i = 0; i < sizeof(remote); i++) {
		if (telnet_request_remote(s->t, remote[i], 1) == 0)
			s->wait[remote[i]] = NEG_WAIT_ANSWER;
	}
	/* Kludge linemode: the server echoes and suppresses go-ahead. */
	telnet_request_local(s->t, TELOPT_SGA, 1);
	telnet_request_local(s->t, TELOPT_ECHO, 1);
	telnet_request_remote(s->t, TELOPT_LFLOW, 1);
	telnet_request_local(s->t, TELOPT_STATUS, 1);
	s->t_begin = now_ms();
	s->neg_deadline = s->t_begin + s->cfg->neg_timeout_ms;
	if (s->cfg->debug & DBG_OPTIONS)
		log_debug("send DO TTYPE TSPEED XDISPLOC NEW-ENVIRON NAWS, "
		    "WILL SGA ECHO, DO LFLOW, WILL STATUS");
}

int
negotiate_ready(const struct session *s)
{
	size_t i;

	for (i = 0; i < sizeof(waited); i++)
		if (s->wait[waited[i]] != 0)
			return 0;
	return 1;
}

static void
option_changed(struct session *s, unsigned char opt, int local, int enabled)
{
	if (s->cfg->debug & DBG_OPTIONS)
		log_debug("%s %s %s", local ? "we" : "client",
		    enabled ? "enable" : "disable", telnet_opt_name(opt));
	if (local) {
		if (opt == TELOPT_LOGOUT && enabled)
			s->logout = 1;
		return;
	}
	s->wait[opt] &= (unsigned char)~NEG_WAIT_ANSWER;
	if (!enabled) {
		s->wait[opt] = 0;
		/* RFC 1571: fall back to the old ENVIRON. */
		if (opt == TELOPT_NEW_ENVIRON && s->state == S_NEGOTIATING &&
		    telnet_request_remote(s->t, TELOPT_OLD_ENVIRON, 1) == 0)
			s->wait[TELOPT_OLD_ENVIRON] = NEG_WAIT_ANSWER;
		return;
	}
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
		if (telnet_remote_enabled(s->t, TELOPT_NEW_ENVIRON))
			return;
		/* FALLTHROUGH */
	case TELOPT_NEW_ENVIRON:
		/* One short request: everything (an empty list).  Long
		 * lists of names crash some clients. */
		telnet_send_env(s->t, opt, TELQUAL_SEND, NULL, 0);
		break;
	case TELOPT_NAWS:
		break;	/* the client sends its size unasked */
	default:
		return;
	}
	/* Only what the start waits for is worth waiting for, and only
	 * before the start. */
	if (s->state == S_NEGOTIATING && memchr(waited, opt, sizeof(waited)))
		s->wait[opt] = NEG_WAIT_SB;
}

static void
got_ttype(struct session *s, const struct telnet_str *str)
{
	char term[TERM_MAX + 1], safe[LOG_STR_MAX + 1];
	size_t i;

	s->wait[TELOPT_TTYPE] = 0;
	if (str->len == 0 || str->len > TERM_MAX) {
		log_info("terminal type refused: \"%s\"",
		    log_safe(safe, sizeof(safe), str->s, str->len));
		return;
	}
	for (i = 0; i < str->len; i++)
		term[i] = (char)tolower((unsigned char)str->s[i]);
	term[i] = '\0';
	if (!term_name_ok(term, i)) {
		log_info("terminal type refused: \"%s\"",
		    log_safe(safe, sizeof(safe), str->s, str->len));
		return;
	}
	if (s->state >= S_STARTING) {
		if (s->cfg->debug & DBG_OPTIONS)
			log_debug("late TTYPE %s ignored", term);
		return;
	}
	memcpy(s->term, term, i + 1);
	if (s->cfg->debug & DBG_OPTIONS)
		log_debug("recv TTYPE IS %s", term);
}

static void
got_env(struct session *s, const struct telnet_event *ev)
{
	char name[LOG_STR_MAX + 1];
	size_t i;

	s->wait[ev->u.env.opt] = 0;
	if (ev->u.env.cmd != TELQUAL_IS && ev->u.env.cmd != TELQUAL_INFO)
		return;
	if (s->state >= S_STARTING) {
		if (s->cfg->debug & DBG_OPTIONS)
			log_debug("late %s ignored",
			    telnet_opt_name(ev->u.env.opt));
		return;
	}
	for (i = 0; i < ev->u.env.nvars; i++) {
		const struct telnet_env_var *v = &ev->u.env.vars[i];
		enum env_verdict vd;

		vd = env_add(&s->env, &s->cfg->envpol, v->name, v->name_len,
		    v->value, v->value_len);
		if (s->cfg->debug & DBG_OPTIONS)
			log_debug("recv %s %s: %s",
			    v->type == TELENV_USERVAR ? "USERVAR" : "VAR",
			    log_safe(name, sizeof(name), v->name, v->name_len),
			    env_verdict_str(vd));
		if (vd != ENV_OK && !s->env_logged) {
			s->env_logged = 1;
			log_info("client variable %s refused: %s",
			    log_safe(name, sizeof(name), v->name,
			    v->name_len), env_verdict_str(vd));
		}
	}
}

/*
 * A reply to one of our SEND requests proves the client has read what it
 * answered before: a client that agreed to NAWS sends its size right after
 * WILL NAWS, so if none came before this reply, it has none to send (a
 * later one still arrives as a window change).
 */
static void
sb_reply_seen(struct session *s)
{
	if (s->wait[TELOPT_NAWS] == NEG_WAIT_SB)
		s->wait[TELOPT_NAWS] = 0;
}

int
negotiate_event(struct session *s, const struct telnet_event *ev)
{
	char buf[LOG_STR_MAX + 1];

	switch (ev->type) {
	case TELNET_EV_TTYPE:
	case TELNET_EV_TSPEED:
	case TELNET_EV_XDISPLOC:
	case TELNET_EV_ENVIRON:
		sb_reply_seen(s);
		break;
	default:
		break;
	}
	switch (ev->type) {
	case TELNET_EV_NEGOTIATE:
		if (s->cfg->debug & DBG_OPTIONS)
			log_debug("recv %s %s",
			    telnet_cmd_name(ev->u.negotiate.verb),
			    telnet_opt_name(ev->u.negotiate.opt));
		return 1;
	case TELNET_EV_OPTION:
		option_changed(s, ev->u.option.opt, ev->u.option.local,
		    ev->u.option.enabled);
		return 1;
	case TELNET_EV_TM:
		if (s->cfg->debug & DBG_OPTIONS)
			log_debug("TIMING-MARK answered (%s)",
			    ev->u.tm.enabled ? "WILL" : "WONT");
		return 1;
	case TELNET_EV_TTYPE:
		if (ev->u.str.cmd == TELQUAL_IS)
			got_ttype(s, &ev->u.str.text);
		return 1;
	case TELNET_EV_NAWS:
		s->wait[TELOPT_NAWS] = 0;
		if (ev->u.naws.width == 0 || ev->u.naws.height == 0)
			return 1;
		s->ws_col = ev->u.naws.width;
		s->ws_row = ev->u.naws.height;
		if (s->cfg->debug & DBG_OPTIONS)
			log_debug("recv NAWS %ux%u", s->ws_col, s->ws_row);
		relay_set_winsize(s);
		return 1;
	case TELNET_EV_TSPEED:
		if (ev->u.tspeed.cmd != TELQUAL_IS)
			return 1;
		s->wait[TELOPT_TSPEED] = 0;
		if (s->state >= S_STARTING)
			return 1;
		s->tx = ev->u.tspeed.tx > UINT32_MAX ? 0 :
		    (uint32_t)ev->u.tspeed.tx;
		s->rx = ev->u.tspeed.rx > UINT32_MAX ? 0 :
		    (uint32_t)ev->u.tspeed.rx;
		if (s->cfg->debug & DBG_OPTIONS)
			log_debug("recv TSPEED %u,%u", s->tx, s->rx);
		return 1;
	case TELNET_EV_XDISPLOC:
		if (ev->u.str.cmd != TELQUAL_IS)
			return 1;
		s->wait[TELOPT_XDISPLOC] = 0;
		if (s->state >= S_STARTING)
			return 1;
		if (env_add(&s->env, &s->cfg->envpol, "DISPLAY", 7,
		    ev->u.str.text.s, ev->u.str.text.len) != ENV_OK)
			log_info("X display location refused: \"%s\"",
			    log_safe(buf, sizeof(buf), ev->u.str.text.s,
			    ev->u.str.text.len));
		else if (s->cfg->debug & DBG_OPTIONS)
			log_debug("recv XDISPLOC %s", log_safe(buf,
			    sizeof(buf), ev->u.str.text.s,
			    ev->u.str.text.len));
		return 1;
	case TELNET_EV_ENVIRON:
		got_env(s, ev);
		return 1;
	case TELNET_EV_STATUS:
		if (ev->u.status.cmd == TELQUAL_SEND &&
		    telnet_local_enabled(s->t, TELOPT_STATUS))
			telnet_send_status_is(s->t);
		return 1;
	case TELNET_EV_SNDLOC:
		log_info("client location: \"%s\"", log_safe(buf,
		    sizeof(buf), ev->u.str.text.s, ev->u.str.text.len));
		return 1;
	case TELNET_EV_LFLOW:
	case TELNET_EV_LINEMODE:
	case TELNET_EV_CHARSET:
	case TELNET_EV_SB_RAW:
		if (s->cfg->debug & DBG_OPTIONS)
			log_debug("subnegotiation %d ignored", (int)ev->type);
		return 1;
	case TELNET_EV_ERROR:
		if (s->cfg->debug & DBG_OPTIONS)
			log_debug("protocol: %s (option %s)", ev->u.error.msg,
			    telnet_opt_name(ev->u.error.opt));
		return 1;
	default:
		return 0;
	}
}

/* The START request: what the client told us, for the monitor to check
 * again and use. */
int
negotiate_start(struct session *s)
{
	struct ps_start *req;
	size_t n = s->env.n <= ENV_MAX_VARS ? s->env.n : ENV_MAX_VARS;
	int r;

	if (s->cfg->debug & DBG_REPORT)
		log_debug("negotiation done in %lld ms%s: TERM=%s, %ux%u, "
		    "%u/%u baud, %zu variables, user %s",
		    (long long)(now_ms() - s->t_begin),
		    negotiate_ready(s) ? "" : " (deadline)",
		    *s->term ? s->term : "-", s->ws_col, s->ws_row, s->tx,
		    s->rx, s->env.n, *s->env.user ? s->env.user : "-");
	if ((req = ps_zalloc(sizeof(*req))) == NULL)
		return -1;
	req->type = PS_START;
	strlcpy(req->term, s->term, sizeof(req->term));
	req->ws_col = s->ws_col;
	req->ws_row = s->ws_row;
	req->tx = s->tx;
	req->rx = s->rx;
	strlcpy(req->user, s->env.user, sizeof(req->user));
	req->nvars = (uint32_t)n;
	memcpy(req->vars, s->env.vars, n * sizeof(req->vars[0]));
	r = ps_send(s->mon, req, PS_START_LEN(n), -1);
	ps_zfree(req, sizeof(*req));
	return r;
}
