/*
 * telnet_trace.c - engine events as trace lines (telnet_trace.h): the
 * engine tests compare them with their tables, tclient prints them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telnet_trace.h"

/* ------------------------------------------------------------------ */
/* Names (the tests' own, so the traces do not depend on names.c)       */

const char *
t_cmd_name(unsigned c)
{
	static const char *const n[] = {
		"EOF", "SUSP", "ABORT", "EOR", "SE", "NOP", "DM", "BRK", "IP",
		"AO", "AYT", "EC", "EL", "GA", "SB", "WILL", "WONT", "DO",
		"DONT", "IAC",
	};
	static char buf[8][16];
	static int k;

	if (c >= 236 && c <= 255)
		return n[c - 236];
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%u", c);
	return buf[k];
}

const char *
t_opt_name(unsigned o)
{
	static char buf[8][16];
	static int k;

	switch (o) {
	case TELOPT_BINARY: return "BINARY";
	case TELOPT_ECHO: return "ECHO";
	case TELOPT_SGA: return "SGA";
	case TELOPT_STATUS: return "STATUS";
	case TELOPT_TM: return "TM";
	case TELOPT_LOGOUT: return "LOGOUT";
	case TELOPT_SNDLOC: return "SNDLOC";
	case TELOPT_TTYPE: return "TTYPE";
	case TELOPT_EOR: return "EOR";
	case TELOPT_NAWS: return "NAWS";
	case TELOPT_TSPEED: return "TSPEED";
	case TELOPT_LFLOW: return "LFLOW";
	case TELOPT_LINEMODE: return "LINEMODE";
	case TELOPT_XDISPLOC: return "XDISPLOC";
	case TELOPT_OLD_ENVIRON: return "OLDENV";
	case TELOPT_AUTHENTICATION: return "AUTH";
	case TELOPT_ENCRYPT: return "ENCRYPT";
	case TELOPT_NEW_ENVIRON: return "NEWENV";
	case TELOPT_CHARSET: return "CHARSET";
	case TELOPT_COMPORT: return "COMPORT";
	case TELOPT_STARTTLS: return "STARTTLS";
	default:
		k = (k + 1) % 8;
		snprintf(buf[k], sizeof(buf[k]), "%u", o);
		return buf[k];
	}
}

const char *
t_q_name(enum telnet_q q)
{
	switch (q) {
	case TELNET_Q_NO: return "NO";
	case TELNET_Q_YES: return "YES";
	case TELNET_Q_WANTNO: return "WANTNO";
	case TELNET_Q_WANTYES: return "WANTYES";
	}
	return "BAD";
}

static const char *
t_err_name(enum telnet_error e)
{
	switch (e) {
	case TELNET_ERR_SB_OVERFLOW: return "SB_OVERFLOW";
	case TELNET_ERR_SB_MALFORMED: return "SB_MALFORMED";
	case TELNET_ERR_SB_NOT_ENABLED: return "SB_NOT_ENABLED";
	case TELNET_ERR_SB_UNTERMINATED: return "SB_UNTERMINATED";
	case TELNET_ERR_PROTOCOL: return "PROTOCOL";
	}
	return "BAD";
}

static const char *
t_qual_name(unsigned c)
{
	static char buf[4][16];
	static int k;

	switch (c) {
	case TELQUAL_IS: return "IS";
	case TELQUAL_SEND: return "SEND";
	case TELQUAL_INFO: return "INFO";
	}
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%u", c);
	return buf[k];
}

/* ------------------------------------------------------------------ */
/* A growing string                                                     */

void
sb_addn(struct sbuf *s, const void *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;

		while (cap < s->len + n + 1)
			cap *= 2;
		s->p = realloc(s->p, cap);
		if (s->p == NULL)
			abort();
		s->cap = cap;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
}

void
sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	char *tmp;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	sb_addn(s, tmp, (size_t)n);
	free(tmp);
}

void
sb_reset(struct sbuf *s)
{
	s->len = 0;
	if (s->p != NULL)
		s->p[0] = '\0';
}

void
sb_free(struct sbuf *s)
{
	free(s->p);
	memset(s, 0, sizeof(*s));
}

/* "..." with \r, \n, \", \\ and \xNN for everything else not printable. */
void
sb_quote(struct sbuf *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	sb_addn(s, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c == '\r')
			sb_addn(s, "\\r", 2);
		else if (c == '\n')
			sb_addn(s, "\\n", 2);
		else if (c == '"' || c == '\\') {
			sb_addn(s, "\\", 1);
			sb_addn(s, &c, 1);
		} else if (c >= 0x20 && c < 0x7f)
			sb_addn(s, &c, 1);
		else
			sb_printf(s, "\\x%02x", c);
	}
	sb_addn(s, "\"", 1);
}

static void
sb_hex(struct sbuf *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		sb_printf(s, "%02x", p[i]);
}

/* A string the engine hands out: quoted, and flagged when its NUL
 * terminator is missing. */
static void
sb_str(struct sbuf *s, const char *p, size_t len)
{
	if (p == NULL) {
		sb_printf(s, "(null)");
		return;
	}
	sb_quote(s, p, len);
	if (p[len] != '\0')
		sb_printf(s, "!NOTERM");
}

/* ------------------------------------------------------------------ */
/* Formatting one event (not DATA, not SEND) as one trace line          */

void
fmt_event(struct sbuf *s, const struct telnet_event *ev)
{
	size_t i;

	switch (ev->type) {
	case TELNET_EV_DATA:
	case TELNET_EV_SEND:
		sb_printf(s, "%s", ev->type == TELNET_EV_DATA ? "DATA " :
		    "SEND ");
		sb_quote(s, ev->u.data.buf, ev->u.data.len);
		break;
	case TELNET_EV_EOL:
		sb_printf(s, "EOL %s", ev->u.eol.kind == TELNET_EOL_CR ?
		    "CR" : ev->u.eol.kind == TELNET_EOL_LF ? "LF" : "BAD");
		break;
	case TELNET_EV_COMMAND:
		sb_printf(s, "CMD %s", t_cmd_name(ev->u.command.cmd));
		break;
	case TELNET_EV_NEGOTIATE:
		sb_printf(s, "RECV %s %s", t_cmd_name(ev->u.negotiate.verb),
		    t_opt_name(ev->u.negotiate.opt));
		break;
	case TELNET_EV_OPTION:
		sb_printf(s, "OPT %s %s %s%s",
		    ev->u.option.local ? "local" : "remote",
		    t_opt_name(ev->u.option.opt),
		    ev->u.option.enabled ? "on" : "off",
		    ev->u.option.refused ? " refused" : "");
		break;
	case TELNET_EV_TM:
		sb_printf(s, "TM %s %s", ev->u.tm.local ? "local" : "remote",
		    ev->u.tm.enabled ? "on" : "off");
		break;
	case TELNET_EV_SB_RAW:
		sb_printf(s, "SB %s ", t_opt_name(ev->u.sb.opt));
		sb_quote(s, ev->u.sb.buf, ev->u.sb.len);
		break;
	case TELNET_EV_TTYPE:
	case TELNET_EV_XDISPLOC:
		sb_printf(s, "%s %s", ev->type == TELNET_EV_TTYPE ? "TTYPE" :
		    "XDISPLOC", t_qual_name(ev->u.str.cmd));
		if (ev->u.str.cmd != TELQUAL_SEND || ev->u.str.text.len) {
			sb_addn(s, " ", 1);
			sb_str(s, ev->u.str.text.s, ev->u.str.text.len);
		}
		break;
	case TELNET_EV_SNDLOC:
		sb_printf(s, "SNDLOC ");
		sb_str(s, ev->u.str.text.s, ev->u.str.text.len);
		break;
	case TELNET_EV_NAWS:
		sb_printf(s, "NAWS %ux%u", ev->u.naws.width,
		    ev->u.naws.height);
		break;
	case TELNET_EV_TSPEED:
		sb_printf(s, "TSPEED %s", t_qual_name(ev->u.tspeed.cmd));
		if (ev->u.tspeed.cmd != TELQUAL_SEND)
			sb_printf(s, " %lu,%lu", ev->u.tspeed.tx,
			    ev->u.tspeed.rx);
		break;
	case TELNET_EV_ENVIRON:
		sb_printf(s, "%s %s", ev->u.env.opt == TELOPT_NEW_ENVIRON ?
		    "ENV" : ev->u.env.opt == TELOPT_OLD_ENVIRON ? "OLDENV" :
		    "ENV?", t_qual_name(ev->u.env.cmd));
		for (i = 0; i < ev->u.env.nvars; i++) {
			const struct telnet_env_var *v = &ev->u.env.vars[i];

			sb_printf(s, " %s ", v->type == TELENV_VAR ? "VAR" :
			    v->type == TELENV_USERVAR ? "USERVAR" : "TYPE?");
			sb_str(s, v->name, v->name_len);
			if (v->has_value) {
				sb_addn(s, "=", 1);
				sb_str(s, v->value, v->value_len);
			} else {
				if (ev->u.env.cmd != TELQUAL_SEND)
					sb_printf(s, "(novalue)");
				if (v->value == NULL || v->value_len != 0 ||
				    v->value[0] != '\0')
					sb_printf(s, "!VALUE");
			}
		}
		break;
	case TELNET_EV_LINEMODE:
		switch (ev->u.lm.cmd) {
		case LM_MODE:
			sb_printf(s, "LM MODE 0x%02x", ev->u.lm.mode);
			break;
		case LM_SLC:
			sb_printf(s, "LM SLC");
			for (i = 0; i < ev->u.lm.nslc; i++)
				sb_printf(s, " %u:0x%02x:0x%02x",
				    ev->u.lm.slc[i].func,
				    ev->u.lm.slc[i].flags,
				    ev->u.lm.slc[i].value);
			break;
		case TELNET_DO:
		case TELNET_DONT:
		case TELNET_WILL:
		case TELNET_WONT:
			sb_printf(s, "LM FORWARDMASK %s",
			    t_cmd_name(ev->u.lm.cmd));
			if (ev->u.lm.masklen) {
				sb_addn(s, " ", 1);
				sb_hex(s, ev->u.lm.mask, ev->u.lm.masklen);
			}
			break;
		default:
			sb_printf(s, "LM %u", ev->u.lm.cmd);
			break;
		}
		break;
	case TELNET_EV_LFLOW:
		sb_printf(s, "LFLOW %u", ev->u.lflow.cmd);
		break;
	case TELNET_EV_STATUS:
		sb_printf(s, "STATUS %s", t_qual_name(ev->u.status.cmd));
		if (ev->u.status.cmd == TELQUAL_IS) {
			sb_addn(s, " ", 1);
			sb_hex(s, ev->u.status.buf, ev->u.status.len);
		}
		break;
	case TELNET_EV_CHARSET:
		switch (ev->u.charset.cmd) {
		case CHARSET_REQUEST: sb_printf(s, "CHARSET REQUEST"); break;
		case CHARSET_ACCEPTED: sb_printf(s, "CHARSET ACCEPTED"); break;
		case CHARSET_REJECTED: sb_printf(s, "CHARSET REJECTED"); break;
		case CHARSET_TTABLE_IS: sb_printf(s, "CHARSET TTABLE-IS");
			break;
		case CHARSET_TTABLE_REJECTED:
			sb_printf(s, "CHARSET TTABLE-REJECTED");
			break;
		case CHARSET_TTABLE_ACK: sb_printf(s, "CHARSET TTABLE-ACK");
			break;
		case CHARSET_TTABLE_NAK: sb_printf(s, "CHARSET TTABLE-NAK");
			break;
		default:
			sb_printf(s, "CHARSET %u", ev->u.charset.cmd);
			break;
		}
		for (i = 0; i < ev->u.charset.nnames; i++) {
			sb_addn(s, " ", 1);
			sb_str(s, ev->u.charset.names[i].s,
			    ev->u.charset.names[i].len);
		}
		break;
	case TELNET_EV_STARTTLS:
		sb_printf(s, "STARTTLS");
		break;
	case TELNET_EV_ERROR:
		sb_printf(s, "ERROR %s %s", t_err_name(ev->u.error.code),
		    t_opt_name(ev->u.error.opt));
		if (ev->u.error.msg == NULL)
			sb_printf(s, " !NOMSG");
		break;
	default:
		sb_printf(s, "EVENT? %d", (int)ev->type);
		break;
	}
}
