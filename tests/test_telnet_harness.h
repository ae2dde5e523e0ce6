/*
 * test_telnet_harness.h - the table runner shared by the engine tests
 * (test_telnet.c, test_telnet_sb.c).
 *
 * A case is a policy, a list of steps (feed bytes, make requests, send
 * data, call encoders, print option states) and what must come out: the
 * event trace as compact text lines, the SEND bytes as one byte string
 * and the offsets of the urgent bytes.  Every case runs twice: with the
 * steps as written, and with every feed and every telnet_send cut into
 * single bytes; both runs must give the expected result.
 *
 * Trace lines (see fmt_event):
 *   DATA "ab\r\xff"          adjacent DATA events merged
 *   EOL CRLF | CRNUL | CR
 *   CMD AYT
 *   RECV WILL TTYPE          a NEGOTIATE event
 *   OPT local ECHO on        OPTION, "refused" appended when refused
 *   TM local on
 *   SB 99 "raw"              SB_RAW
 *   TTYPE IS "xterm"   TTYPE SEND   XDISPLOC IS "h:0"   SNDLOC "here"
 *   NAWS 80x24   TSPEED IS 38400,9600
 *   ENV IS VAR "USER"="bob" USERVAR "X"(novalue)     (OLDENV for ENVIRON)
 *   LM MODE 0x03   LM SLC 3:0x62:0x03 ...   LM FORWARDMASK DO 00ff
 *   LFLOW 1   STATUS SEND   STATUS IS fb05fd18
 *   CHARSET REQUEST "UTF-8" "ISO-8859-1"   CHARSET TTABLE-IS
 *   ERROR SB_OVERFLOW NAWS
 *   STARTTLS                 both FOLLOWS seen (test_telnet_starttls.c)
 * and lines the runner itself adds:
 *   REQ local ECHO on = 0    the return value of telnet_request_*
 *   STATE ECHO local YES remote NO
 *   SYNCH 1                  telnet_in_synch()
 */
#ifndef TEST_TELNET_HARNESS_H
#define TEST_TELNET_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "telnet.h"

#define UNUSED __attribute__((unused))
#define PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))

/* Not every file that includes this uses every helper. */
#pragma GCC diagnostic ignored "-Wunused-function"

/* Byte-string pieces to build inputs by concatenation of literals. */
#define XIAC	"\xff"
#define XDONT	"\xfe"
#define XDO	"\xfd"
#define XWONT	"\xfc"
#define XWILL	"\xfb"
#define XSB	"\xfa"
#define XGA	"\xf9"
#define XEL	"\xf8"
#define XEC	"\xf7"
#define XAYT	"\xf6"
#define XAO	"\xf5"
#define XIP	"\xf4"
#define XBRK	"\xf3"
#define XDM	"\xf2"
#define XNOP	"\xf1"
#define XSE	"\xf0"
#define XEOR	"\xef"
#define XABORT	"\xee"
#define XSUSP	"\xed"
#define XEOF	"\xec"

#define O_BINARY	"\x00"
#define O_ECHO		"\x01"
#define O_SGA		"\x03"
#define O_STATUS	"\x05"
#define O_TM		"\x06"
#define O_LOGOUT	"\x12"
#define O_SNDLOC	"\x17"
#define O_TTYPE		"\x18"
#define O_EOR		"\x19"
#define O_NAWS		"\x1f"
#define O_TSPEED	"\x20"
#define O_LFLOW		"\x21"
#define O_LINEMODE	"\x22"
#define O_XDISPLOC	"\x23"
#define O_OLDENV	"\x24"
#define O_AUTH		"\x25"
#define O_ENCRYPT	"\x26"
#define O_NEWENV	"\x27"
#define O_CHARSET	"\x2a"
#define O_COMPORT	"\x2c"
#define O_X99		"\x63"	/* an option without a decoder (99) */

#define SBEG(o)	XIAC XSB o
#define SEND_	XIAC XSE

struct bytes {
	const char *p;
	size_t n;
};
#define B(s)	{ (s), sizeof(s) - 1 }

enum step_op {
	OP_END = 0,
	OP_FEED,	/* feed b (split per mode) */
	OP_GEN,		/* feed what gen() builds (split per mode) */
	OP_MARK,	/* forget everything recorded so far: setup is over */
	OP_REQ_LOCAL,	/* telnet_request_local(opt, arg), traced with result */
	OP_REQ_REMOTE,
	OP_SEND,	/* telnet_send(b) (split per mode) */
	OP_CMD,		/* telnet_send_command(arg) */
	OP_SYNCH,	/* telnet_synch_begin() */
	OP_INSYNCH,	/* trace "SYNCH <telnet_in_synch()>" */
	OP_DO_TM,	/* telnet_send_do_tm() */
	OP_STATE,	/* trace the Q states of opt */
	OP_CALL,	/* fn(t): encoders and the like */
};

struct step {
	enum step_op op;
	struct bytes b;
	int opt;
	int arg;
	void (*fn)(struct telnet *);
	size_t (*gen)(unsigned char *buf, size_t cap);
};

#define FEED(s)		{ .op = OP_FEED, .b = B(s) }
#define GEN(g)		{ .op = OP_GEN, .gen = (g) }
#define MARK		{ .op = OP_MARK }
#define RL(o, e)	{ .op = OP_REQ_LOCAL, .opt = (o), .arg = (e) }
#define RR(o, e)	{ .op = OP_REQ_REMOTE, .opt = (o), .arg = (e) }
#define SEND(s)		{ .op = OP_SEND, .b = B(s) }
#define CMD(c)		{ .op = OP_CMD, .arg = (c) }
#define SYNCH		{ .op = OP_SYNCH }
#define INSYNCH		{ .op = OP_INSYNCH }
#define DOTM		{ .op = OP_DO_TM }
#define STATE(o)	{ .op = OP_STATE, .opt = (o) }
#define CALL(f)		{ .op = OP_CALL, .fn = (f) }

#define MAX_STEPS	16
#define MAX_LINES	48

struct tcase {
	const char *name;
	const struct telnet_policy *policy;	/* NULL: pol_server */
	int client;
	size_t sb_max;
	struct step steps[MAX_STEPS];
	const char *trace[MAX_LINES];		/* NULL-terminated */
	struct bytes send;
	const char *urgent;			/* "3,17" or NULL for none */
};

/* ------------------------------------------------------------------ */
/* Policies                                                             */

/* What telnetd allows, plus option 99 both ways for raw SBs. */
static const struct telnet_policy pol_server[] UNUSED = {
	{ TELOPT_BINARY, 1, 1 },
	{ TELOPT_ECHO, 1, 0 },
	{ TELOPT_SGA, 1, 1 },
	{ TELOPT_STATUS, 1, 0 },
	{ TELOPT_TM, 1, 0 },
	{ TELOPT_LOGOUT, 1, 0 },
	{ TELOPT_SNDLOC, 0, 1 },
	{ TELOPT_TTYPE, 0, 1 },
	{ TELOPT_EOR, 1, 1 },
	{ TELOPT_NAWS, 0, 1 },
	{ TELOPT_TSPEED, 0, 1 },
	{ TELOPT_LFLOW, 0, 1 },
	{ TELOPT_LINEMODE, 0, 1 },
	{ TELOPT_XDISPLOC, 0, 1 },
	{ TELOPT_OLD_ENVIRON, 0, 1 },
	{ TELOPT_NEW_ENVIRON, 0, 1 },
	{ TELOPT_CHARSET, 1, 1 },
	{ 99, 1, 1 },
	{ -1, 0, 0 },
};

/* The mirror image: what a client allows. */
static const struct telnet_policy pol_client[] UNUSED = {
	{ TELOPT_BINARY, 1, 1 },
	{ TELOPT_ECHO, 0, 1 },
	{ TELOPT_SGA, 1, 1 },
	{ TELOPT_STATUS, 0, 1 },
	{ TELOPT_TM, 0, 1 },
	{ TELOPT_LOGOUT, 0, 1 },
	{ TELOPT_SNDLOC, 1, 0 },
	{ TELOPT_TTYPE, 1, 0 },
	{ TELOPT_EOR, 1, 1 },
	{ TELOPT_NAWS, 1, 0 },
	{ TELOPT_TSPEED, 1, 0 },
	{ TELOPT_LFLOW, 1, 0 },
	{ TELOPT_LINEMODE, 1, 0 },
	{ TELOPT_XDISPLOC, 1, 0 },
	{ TELOPT_OLD_ENVIRON, 1, 0 },
	{ TELOPT_NEW_ENVIRON, 1, 0 },
	{ TELOPT_CHARSET, 1, 1 },
	{ 99, 1, 1 },
	{ -1, 0, 0 },
};

/* A server that refuses TIMING-MARK. */
static const struct telnet_policy pol_notm[] UNUSED = {
	{ TELOPT_ECHO, 1, 0 },
	{ TELOPT_TTYPE, 0, 1 },
	{ -1, 0, 0 },
};

/* Nothing is allowed. */
static const struct telnet_policy pol_none[] UNUSED = {
	{ -1, 0, 0 },
};

/* ------------------------------------------------------------------ */
/* Names (the tests' own, so the traces do not depend on names.c)       */

static const char *
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

static const char *
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

static const char *
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

struct sbuf {
	char *p;
	size_t len, cap;
};

static void
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

static void PRINTFLIKE(2, 3)
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

static void
sb_reset(struct sbuf *s)
{
	s->len = 0;
	if (s->p != NULL)
		s->p[0] = '\0';
}

static void
sb_free(struct sbuf *s)
{
	free(s->p);
	memset(s, 0, sizeof(*s));
}

/* "..." with \r, \n, \", \\ and \xNN for everything else not printable. */
static void
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

static void
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
		sb_printf(s, "EOL %s", ev->u.eol.kind == TELNET_EOL_CRLF ?
		    "CRLF" : ev->u.eol.kind == TELNET_EOL_CRNUL ? "CRNUL" :
		    ev->u.eol.kind == TELNET_EOL_CR ? "CR" : "BAD");
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

/* ------------------------------------------------------------------ */
/* The recorder                                                         */

struct rec {
	struct sbuf trace;	/* lines, each ending in '\n' */
	struct sbuf data;	/* DATA not yet written as a line */
	struct sbuf send;	/* every SEND byte, in order */
	struct sbuf urgent;	/* "3,17": offsets of urgent last bytes */
	size_t nsend;		/* SEND events */
	int in_cb;
};

static void
rec_flush(struct rec *r)
{
	if (r->data.len == 0)
		return;
	sb_printf(&r->trace, "DATA ");
	sb_quote(&r->trace, r->data.p, r->data.len);
	sb_addn(&r->trace, "\n", 1);
	sb_reset(&r->data);
}

static void PRINTFLIKE(2, 3)
rec_line(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	char *tmp;

	rec_flush(r);
	va_start(ap, fmt);
	if (vasprintf(&tmp, fmt, ap) < 0)
		abort();
	va_end(ap);
	sb_printf(&r->trace, "%s\n", tmp);
	free(tmp);
}

static void
rec_reset(struct rec *r)
{
	sb_reset(&r->trace);
	sb_reset(&r->data);
	sb_reset(&r->send);
	sb_reset(&r->urgent);
	r->nsend = 0;
}

static void
rec_free(struct rec *r)
{
	sb_free(&r->trace);
	sb_free(&r->data);
	sb_free(&r->send);
	sb_free(&r->urgent);
}

static void
rec_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct rec *r = ctx;

	(void)t;
	if (r->in_cb)
		rec_line(r, "BUG nested callback");
	r->in_cb = 1;
	switch (ev->type) {
	case TELNET_EV_SEND:
		if (ev->u.data.len == 0)
			rec_line(r, "BUG empty SEND");
		else if (ev->u.data.buf == NULL)
			rec_line(r, "BUG SEND NULL");
		else
			sb_addn(&r->send, ev->u.data.buf, ev->u.data.len);
		if (ev->u.data.urgent)
			sb_printf(&r->urgent, "%s%zu",
			    r->urgent.len ? "," : "",
			    r->send.len ? r->send.len - 1 : 0);
		r->nsend++;
		break;
	case TELNET_EV_DATA:
		if (ev->u.data.len == 0)
			rec_line(r, "BUG empty DATA");
		else if (ev->u.data.buf == NULL)
			rec_line(r, "BUG DATA NULL");
		else
			sb_addn(&r->data, ev->u.data.buf, ev->u.data.len);
		break;
	default:
		rec_flush(r);
		fmt_event(&r->trace, ev);
		sb_addn(&r->trace, "\n", 1);
		break;
	}
	r->in_cb = 0;
}

/* ------------------------------------------------------------------ */
/* Running one case                                                     */

/* Feed from an exact-size heap copy, so an overread is an ASan error. */
static void
feed_exact(struct telnet *t, const unsigned char *p, size_t n)
{
	unsigned char *copy = malloc(n ? n : 1);

	if (copy == NULL)
		abort();
	if (n)
		memcpy(copy, p, n);
	telnet_feed(t, copy, n);
	free(copy);
}

static void
send_exact(struct telnet *t, const unsigned char *p, size_t n)
{
	unsigned char *copy = malloc(n ? n : 1);

	if (copy == NULL)
		abort();
	if (n)
		memcpy(copy, p, n);
	telnet_send(t, copy, n);
	free(copy);
}

static void
feed_mode(struct telnet *t, const unsigned char *p, size_t n, int bytewise)
{
	size_t i;

	if (!bytewise) {
		feed_exact(t, p, n);
		return;
	}
	for (i = 0; i < n; i++)
		feed_exact(t, p + i, 1);
}

static void
send_mode(struct telnet *t, const unsigned char *p, size_t n, int bytewise)
{
	size_t i;

	if (!bytewise) {
		send_exact(t, p, n);
		return;
	}
	for (i = 0; i < n; i++)
		send_exact(t, p + i, 1);
}

#define GEN_CAP	(256 * 1024)

static struct telnet *
new_engine(const struct tcase *c, struct rec *r)
{
	struct telnet_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = c->policy ? c->policy : pol_server;
	cfg.sb_max = c->sb_max;
	cfg.is_client = c->client;
	return telnet_new(&cfg, rec_cb, r);
}

static void
run_steps(const struct tcase *c, struct telnet *t, struct rec *r,
    int bytewise)
{
	const struct step *s;
	unsigned char *gbuf;
	size_t n;
	int k, ret;

	for (k = 0; k < MAX_STEPS && c->steps[k].op != OP_END; k++) {
		s = &c->steps[k];
		switch (s->op) {
		case OP_END:
			break;
		case OP_FEED:
			feed_mode(t, (const unsigned char *)s->b.p, s->b.n,
			    bytewise);
			break;
		case OP_GEN:
			if ((gbuf = malloc(GEN_CAP)) == NULL)
				abort();
			n = s->gen(gbuf, GEN_CAP);
			feed_mode(t, gbuf, n, bytewise);
			free(gbuf);
			break;
		case OP_MARK:
			rec_flush(r);
			rec_reset(r);
			break;
		case OP_REQ_LOCAL:
		case OP_REQ_REMOTE:
			ret = s->op == OP_REQ_LOCAL ?
			    telnet_request_local(t, (unsigned char)s->opt,
			    s->arg) :
			    telnet_request_remote(t, (unsigned char)s->opt,
			    s->arg);
			rec_line(r, "REQ %s %s %s = %d",
			    s->op == OP_REQ_LOCAL ? "local" : "remote",
			    t_opt_name((unsigned)s->opt), s->arg ? "on" : "off",
			    ret);
			break;
		case OP_SEND:
			send_mode(t, (const unsigned char *)s->b.p, s->b.n,
			    bytewise);
			break;
		case OP_CMD:
			telnet_send_command(t, (unsigned char)s->arg);
			break;
		case OP_SYNCH:
			telnet_synch_begin(t);
			break;
		case OP_INSYNCH:
			rec_line(r, "SYNCH %d", telnet_in_synch(t));
			break;
		case OP_DO_TM:
			telnet_send_do_tm(t);
			break;
		case OP_STATE: {
			unsigned char o = (unsigned char)s->opt;
			enum telnet_q l = telnet_local_state(t, o);
			enum telnet_q h = telnet_remote_state(t, o);

			rec_line(r, "STATE %s local %s remote %s%s",
			    t_opt_name(o), t_q_name(l), t_q_name(h),
			    (telnet_local_enabled(t, o) != (l == TELNET_Q_YES) ||
			    telnet_remote_enabled(t, o) !=
			    (h == TELNET_Q_YES)) ? " !ENABLED" : "");
			break;
		}
		case OP_CALL:
			s->fn(t);
			break;
		}
	}
	rec_flush(r);
}

static void
join_lines(struct sbuf *out, const char *const *lines, size_t max)
{
	size_t i;

	for (i = 0; i < max && lines[i] != NULL; i++)
		sb_printf(out, "%s\n", lines[i]);
}

static void
print_bytes(const char *label, const void *p, size_t n)
{
	struct sbuf s = { 0 };

	sb_quote(&s, p, n);
	fprintf(stderr, "  %s (%zu): %s\n", label, n, s.p);
	sb_free(&s);
}

/* Run c in one mode; 0 when everything matched, 1 (and a report) when
 * not. */
static int
run_case_mode(const struct tcase *c, int bytewise)
{
	struct rec r;
	struct telnet *t;
	struct sbuf want = { 0 };
	int bad = 0;
	const char *urg = c->urgent ? c->urgent : "";

	memset(&r, 0, sizeof(r));
	sb_reset(&want);
	sb_addn(&want, "", 0);
	sb_addn(&r.trace, "", 0);
	sb_addn(&r.urgent, "", 0);
	if ((t = new_engine(c, &r)) == NULL) {
		fprintf(stderr, "[%s] telnet_new failed\n", c->name);
		return 1;
	}
	run_steps(c, t, &r, bytewise);
	telnet_free(t);

	join_lines(&want, c->trace, MAX_LINES);
	if (strcmp(want.p, r.trace.p) != 0) {
		fprintf(stderr, "[%s]%s trace differs\n--- want\n%s--- got\n%s",
		    c->name, bytewise ? " (byte at a time)" : "", want.p,
		    r.trace.p);
		bad = 1;
	}
	if (r.send.len != c->send.n ||
	    (c->send.n && memcmp(r.send.p, c->send.p, c->send.n) != 0)) {
		fprintf(stderr, "[%s]%s SEND bytes differ\n", c->name,
		    bytewise ? " (byte at a time)" : "");
		print_bytes("want", c->send.p, c->send.n);
		print_bytes("got ", r.send.p, r.send.len);
		bad = 1;
	}
	if (strcmp(urg, r.urgent.p ? r.urgent.p : "") != 0) {
		fprintf(stderr, "[%s]%s urgent offsets differ: want \"%s\" "
		    "got \"%s\"\n", c->name, bytewise ? " (byte at a time)" :
		    "", urg, r.urgent.p ? r.urgent.p : "");
		bad = 1;
	}
	sb_free(&want);
	rec_free(&r);
	return bad;
}

static int
run_case(const struct tcase *c)
{
	int bad = run_case_mode(c, 0);

	bad |= run_case_mode(c, 1);
	return bad;
}

/* Run a table; report every failing row, then fail the test once. */
static void
run_table(const struct tcase *tab, size_t n)
{
	size_t i, fails = 0;

	for (i = 0; i < n; i++)
		if (run_case(&tab[i]))
			fails++;
	if (fails)
		fprintf(stderr, "%zu of %zu cases failed\n", fails, n);
	assert_int_equal(fails, 0);
}

#define RUN_TABLE(tab)	run_table((tab), sizeof(tab) / sizeof((tab)[0]))

/* ------------------------------------------------------------------ */
/* Running a byte sequence and capturing the result (for sweeps)        */

struct capture {
	struct sbuf trace, send;
};

/* Feed each chunk in turn into a fresh engine; capture trace and SEND. */
static UNUSED void
capture_run(const struct telnet_config *cfg, const unsigned char *const *chunks,
    const size_t *lens, size_t nchunks, struct capture *out)
{
	struct rec r;
	struct telnet *t;
	size_t i;

	memset(&r, 0, sizeof(r));
	t = telnet_new(cfg, rec_cb, &r);
	assert_non_null(t);
	for (i = 0; i < nchunks; i++)
		feed_exact(t, chunks[i], lens[i]);
	rec_flush(&r);
	telnet_free(t);
	memset(out, 0, sizeof(*out));
	sb_addn(&out->trace, r.trace.p ? r.trace.p : "", r.trace.len);
	sb_addn(&out->send, r.send.p ? r.send.p : "", r.send.len);
	rec_free(&r);
}

static UNUSED void
capture_free(struct capture *c)
{
	sb_free(&c->trace);
	sb_free(&c->send);
}

#endif /* TEST_TELNET_HARNESS_H */
