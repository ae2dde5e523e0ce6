/*
 * report.c - the client report: what the client agreed to and refused on
 * each side, when (ms after the opening requests), its terminal types,
 * window, speed, environment (names only for refused variables), the SLC
 * table it sent, its charset and line mode.
 *
 * With --report also the probes' findings and the fingerprints, in the
 * form reportprobe.c gives them.
 *
 * Two forms: text for a person testing a terminal (--report prints it to
 * the client instead of starting a program), and one JSON line for
 * scripts, which the relay hands to the monitor (PS_REPORT) to be written
 * to --report-log=FILE or syslog.  The JSON holds printable ASCII only:
 * foreign strings are escaped (\uXXXX for anything else).
 */
#include <sys/types.h>

#include <string.h>

#include "telnetd.h"

static const char *const slc_names[SLC_MAXFUNC + 1] = {
	"0", "SYNCH", "BRK", "IP", "AO", "AYT", "EOR", "ABORT", "EOF", "SUSP",
	"EC", "EL", "EW", "RP", "LNEXT", "XON", "XOFF", "FORW1", "FORW2",
	"MCL", "MCR", "MCWL", "MCWR", "MCBOL", "MCEOL", "INSRT", "OVER",
	"ECR", "EWR", "EBOL", "EEOL",
};
static const char *const slc_levels[] = {
	"NOSUPPORT", "CANTCHANGE", "VALUE", "DEFAULT",
};

static int32_t
report_ms(const struct session *s)
{
	return ms_between(s->t_begin, now_ms());
}

/* How long the opening took: until the probes began, else until now. */
static int32_t
opening_ms(const struct session *s)
{
	if (s->probe == NULL || s->probe->step == PROBE_IDLE)
		return report_ms(s);
	return ms_between(s->t_begin, s->probe->t_burst);
}

/* One table for the report's answers and one for the probe's: both are
 * written here, so that an answer and its time mean the same in each. */
void
report_answer(unsigned char *what, int32_t *ms, unsigned char v,
    int64_t since)
{
	if (*what != 0)
		return;
	*what = v;
	*ms = ms_between(since, now_ms());
}

/* The first answer of each kind counts (a CHARSET answer: the last). */
void
report_event(struct session *s, const struct telnet_event *ev)
{
	struct neg_report *r = s->rep;
	unsigned char opt;
	int side;

	if (r == NULL)
		return;
	switch (ev->type) {
	case TELNET_EV_OPTION:
		opt = ev->u.option.opt;
		side = ev->u.option.local ? 1 : 0;
		/* The burst's answers are the probe's (json_probe). */
		if (s->probe != NULL && s->probe->asked[opt][side] != ASK_NONE)
			break;
		report_answer(&r->ans[opt][side], &r->ms[opt][side],
		    ev->u.option.enabled ? 1 : 2, s->t_begin);
		break;
	case TELNET_EV_TTYPE:
		if (ev->u.str.cmd == TELQUAL_IS && r->ttype_ms == 0)
			r->ttype_ms = report_ms(s);
		break;
	case TELNET_EV_ENVIRON:
		if ((ev->u.env.cmd == TELQUAL_IS ||
		    ev->u.env.cmd == TELQUAL_INFO) && r->env_ms == 0)
			r->env_ms = report_ms(s);
		break;
	case TELNET_EV_NAWS:
		if (r->naws_ms == 0)
			r->naws_ms = report_ms(s);
		break;
	case TELNET_EV_TSPEED:
		/* The speed is taken only before the start. */
		if (ev->u.tspeed.cmd == TELQUAL_IS &&
		    s->state < S_STARTING && r->tspeed_ms == 0)
			r->tspeed_ms = report_ms(s);
		break;
	case TELNET_EV_CHARSET:
		if (ev->u.charset.cmd == CHARSET_ACCEPTED ||
		    ev->u.charset.cmd == CHARSET_REJECTED)
			r->charset_ms = report_ms(s);
		break;
	case TELNET_EV_TM:
		if (!ev->u.tm.local && r->tm_answer == 0) {
			r->tm_answer = ev->u.tm.enabled ? 1 : 2;
			r->tm_ms = report_ms(s);
		}
		break;
	case TELNET_EV_LINEMODE:
		/* The first SLC table, kept: ttymode.c answers one that came
		 * before the pty when the pty is there. */
		if (ev->u.lm.cmd == LM_SLC && !r->slc_seen) {
			r->slc_seen = 1;
			r->nslc = ev->u.lm.nslc;
			memcpy(r->slc, ev->u.lm.slc,
			    ev->u.lm.nslc * sizeof(ev->u.lm.slc[0]));
		}
		break;
	default:
		break;
	}
}

static const char *
lm_type_name(int t)
{
	return t == LMT_REAL ? "real" : t == LMT_KLUDGE ? "kludge" : "none";
}

static void
mode_names(struct out *o, unsigned char m, int json)
{
	static const struct { unsigned char bit; const char *name; } b[] = {
		{ LM_MODE_EDIT, "EDIT" }, { LM_MODE_TRAPSIG, "TRAPSIG" },
		{ LM_MODE_SOFT_TAB, "SOFT_TAB" },
		{ LM_MODE_LIT_ECHO, "LIT_ECHO" },
	};
	size_t i;
	int first = 1;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		if (!(m & b[i].bit))
			continue;
		out_printf(o, json ? "%s\"%s\"" : "%s%s",
		    first ? "" : (json ? "," : "|"), b[i].name);
		first = 0;
	}
	if (first && !json)
		out_printf(o, "0");
}

static void
json_str_list(struct out *o, const char (*v)[ENV_MAX_NAME + 1], size_t n)
{
	size_t i;

	out_printf(o, "[");
	for (i = 0; i < n; i++) {
		out_printf(o, "%s", i ? "," : "");
		json_str(o, v[i]);
	}
	out_printf(o, "]");
}

/* What the program would get: the variables the allow-list kept, as
 * NAME=VALUE (the refused ones go out as names only: their values are
 * whatever the client sent, never used); names only too in a report
 * that is too long with the values (report_json). */
static void
json_env_kept(struct out *o, const struct client_env *env, int values)
{
	size_t i;

	out_printf(o, "[");
	for (i = 0; i < env->n; i++) {
		out_printf(o, "%s\"", i ? "," : "");
		json_chars(o, env->vars[i].name);
		if (values) {
			out_printf(o, "=");
			json_chars(o, env->vars[i].value);
		}
		out_printf(o, "\"");
	}
	out_printf(o, "]");
}

/* Every answer, per option and side, in option order. */
static void
json_options(struct out *o, const struct session *s)
{
	const struct neg_report *r = s->rep;
	unsigned int opt;
	int first = 1, side, on;

	out_printf(o, "[");
	for (opt = 0; opt < 256; opt++)
		for (side = 0; side < 2; side++) {
			if (r->ans[opt][side] == 0)
				continue;
			on = side ? telnet_local_enabled(s->t,
			    (unsigned char)opt) : telnet_remote_enabled(s->t,
			    (unsigned char)opt);
			out_printf(o, "%s{\"option\":\"%s\",\"code\":%u,"
			    "\"side\":\"%s\",\"answer\":\"%s\",\"ms\":%d,"
			    "\"enabled\":%s}", first ? "" : ",",
			    telnet_opt_name((unsigned char)opt), opt,
			    side ? "server" : "client",
			    r->ans[opt][side] == 1 ? "agreed" : "refused",
			    (int)r->ms[opt][side], on ? "true" : "false");
			first = 0;
		}
	out_printf(o, "]");
}

/* The terminal: types, window, speed, X display. */
static void
json_terminal(struct out *o, const struct session *s)
{
	const struct neg_report *r = s->rep;
	size_t i;

	out_printf(o, ",\"ttype\":[");
	for (i = 0; i < s->nterms; i++) {
		out_printf(o, "%s", i ? "," : "");
		json_str(o, s->terms[i]);
	}
	out_printf(o, "],\"ttype_ms\":%d", (int)r->ttype_ms);
	if (s->ws_col != 0)
		out_printf(o, ",\"naws\":{\"cols\":%u,\"rows\":%u,\"ms\":%d}",
		    s->ws_col, s->ws_row, (int)r->naws_ms);
	else
		out_printf(o, ",\"naws\":null");
	if (s->tx != 0 || s->rx != 0)
		out_printf(o, ",\"tspeed\":{\"tx\":%u,\"rx\":%u,\"ms\":%d}",
		    s->tx, s->rx, (int)r->tspeed_ms);
	else
		out_printf(o, ",\"tspeed\":null");
	out_printf(o, ",\"xdisploc\":");
	json_str_or_null(o, r->xdisploc);
}

static void
json_slc(struct out *o, const struct neg_report *r)
{
	size_t i;

	if (!r->slc_seen) {
		out_printf(o, "null");
		return;
	}
	out_printf(o, "[");
	for (i = 0; i < r->nslc; i++) {
		const struct telnet_slc *t = &r->slc[i];

		out_printf(o, "%s{\"func\":\"%s\",\"code\":%u,"
		    "\"level\":\"%s\",\"value\":%u,\"ack\":%s,"
		    "\"flushin\":%s,\"flushout\":%s}", i ? "," : "",
		    t->func <= SLC_MAXFUNC ? slc_names[t->func] : "?",
		    t->func, slc_levels[t->flags & SLC_LEVELBITS],
		    t->value, (t->flags & SLC_ACK) ? "true" : "false",
		    (t->flags & SLC_FLUSHIN) ? "true" : "false",
		    (t->flags & SLC_FLUSHOUT) ? "true" : "false");
	}
	out_printf(o, "]");
}

/* TLS: how the connection came to it (START_TLS, implicit, or plain),
 * the version, cipher and the name the client asked for (SNI). */
static void
json_tls(struct out *o, const struct session *s)
{
	const struct tls_info *i = s->tls_up;

	if (i == NULL) {
		out_printf(o, ",\"tls\":{\"how\":\"plain\"}");
		return;
	}
	out_printf(o, ",\"tls\":{\"how\":\"%s\",\"version\":",
	    i->how == TLS_HOW_STARTTLS ? "starttls" : "implicit");
	json_str(o, i->version);
	out_printf(o, ",\"cipher\":");
	json_str(o, i->cipher);
	out_printf(o, ",\"sni\":");
	json_str_or_null(o, i->sni);
	out_printf(o, ",\"ktls\":%s}", i->ktls_tx ? "true" : "false");
}

static void
text_tls(struct out *o, const struct session *s)
{
	const struct tls_info *i = s->tls_up;

	if (i == NULL) {
		out_printf(o, "  TLS: none (plain TELNET)\r\n");
		return;
	}
	out_printf(o, "  TLS: %s %s, %s%s%s\r\n", i->version, i->cipher,
	    i->how == TLS_HOW_STARTTLS ? "START_TLS" : "from the first byte",
	    i->sni[0] ? ", SNI " : "", i->sni);
}

/* The whole report, with the variables' values or without them. */
static size_t
json_form(const struct session *s, char *buf, size_t size, int values)
{
	const struct neg_report *r = s->rep;
	struct out o = { buf, size, 0 };

	out_printf(&o, "{\"host\":");
	json_str(&o, s->host);
	out_printf(&o, ",\"cut\":%s,\"negotiation_ms\":%d,\"options\":",
	    values ? "false" : "true", (int)opening_ms(s));
	json_options(&o, s);
	json_terminal(&o, s);
	out_printf(&o, ",\"env\":{\"ms\":%d,\"accepted\":", (int)r->env_ms);
	json_env_kept(&o, &s->env, values);
	out_printf(&o, ",\"denied\":");
	json_str_list(&o, r->env_denied, r->nenv_denied);
	out_printf(&o, ",\"user\":");
	json_str_or_null(&o, s->env.user);
	out_printf(&o, "},\"slc\":");
	json_slc(&o, r);
	out_printf(&o, ",\"charset\":");
	json_str_or_null(&o, s->charset);
	out_printf(&o, ",\"charset_ms\":%d", (int)r->charset_ms);
	out_printf(&o, ",\"linemode\":{\"type\":\"%s\",\"mode\":",
	    lm_type_name(s->lm_type));
	if (s->lm_real_started) {
		out_printf(&o, "%u,\"mode_names\":[", s->lm.mode);
		mode_names(&o, s->lm.mode, 1);
		out_printf(&o, "]");
	} else
		out_printf(&o, "null");
	out_printf(&o, "},\"timing_mark\":%s,\"timing_mark_ms\":%d",
	    r->tm_answer == 1 ? "\"WILL\"" : r->tm_answer == 2 ? "\"WONT\"" :
	    "null", (int)r->tm_ms);
	out_printf(&o, ",\"location\":");
	json_str_or_null(&o, s->location);
	json_tls(&o, s);
	if (s->probe != NULL)
		report_json_probe(&o, s);
	out_printf(&o, "}");
	return o.len;
}

static void
json_fp_name(struct out *o, int kind, const char *hash)
{
	const char *name = fp_name(kind, hash);

	json_str_or_null(o, name != NULL ? name : "");
}

/* The host and the fingerprints, when nothing more fits. */
static size_t
json_least(const struct session *s, char *buf, size_t size)
{
	const struct probe *p = s->probe;
	struct out o = { buf, size, 0 };

	out_printf(&o, "{\"host\":");
	json_str(&o, s->host);
	out_printf(&o, ",\"cut\":true");
	if (p != NULL) {
		out_printf(&o, ",\"fingerprint\":{\"protocol\":");
		json_str_or_null(&o, p->fp_protocol);
		out_printf(&o, ",\"protocol_name\":");
		json_fp_name(&o, FP_PROTOCOL, p->fp_protocol);
		out_printf(&o, ",\"terminal\":");
		json_str_or_null(&o, p->fp_terminal);
		out_printf(&o, ",\"terminal_name\":");
		json_fp_name(&o, FP_TERMINAL, p->fp_terminal);
		out_printf(&o, "}");
	}
	out_printf(&o, "}");
	return o.len;
}

/*
 * One JSON line, or none: a line cut at the buffer's end would not parse
 * (32 variables an admin let through with --accept-env, 256 quotes each,
 * escape to more than REPORT_MAX).  A form that fills the buffer is taken
 * as cut; the next leaves out the variables' values, the last all but
 * the host and the fingerprints, and those two say "cut":true.
 */
size_t
report_json(const struct session *s, char *buf, size_t size)
{
	size_t n;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (s->rep == NULL)
		return 0;
	if ((n = json_form(s, buf, size, 1)) + 1 < size ||
	    (n = json_form(s, buf, size, 0)) + 1 < size ||
	    (n = json_least(s, buf, size)) + 1 < size)
		return n;
	buf[0] = '\0';
	return 0;
}

static void
text_opts(struct out *o, const struct session *s, int side)
{
	unsigned int opt;
	int n = 0;

	for (opt = 0; opt < 256; opt++) {
		if (s->rep->ans[opt][side] == 0)
			continue;
		out_printf(o, "%s%s %s (%d ms)", n % 4 ? ", " : "\r\n    ",
		    telnet_opt_name((unsigned char)opt),
		    s->rep->ans[opt][side] == 1 ? "yes" : "no",
		    (int)s->rep->ms[opt][side]);
		n++;
	}
	if (n == 0)
		out_printf(o, " none");
	out_printf(o, "\r\n");
}

size_t
report_text(const struct session *s, char *buf, size_t size)
{
	const struct neg_report *r = s->rep;
	struct out o = { buf, size, 0 };
	size_t i;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (r == NULL)
		return 0;
	out_printf(&o, "\r\ntelnetd client report for %s (no login)\r\n",
	    s->host);
	out_printf(&o, "  negotiation took %d ms\r\n", (int)opening_ms(s));
	out_printf(&o, "  client side (our DO -> its WILL/WONT):");
	text_opts(&o, s, 0);
	out_printf(&o, "  server side (our WILL -> its DO/DONT):");
	text_opts(&o, s, 1);
	out_printf(&o, "  terminal types:");
	for (i = 0; i < s->nterms; i++)
		out_printf(&o, " %s", s->terms[i]);
	out_printf(&o, "%s\r\n", s->nterms ? "" : " none");
	if (s->ws_col != 0)
		out_printf(&o, "  window: %u columns x %u rows\r\n",
		    s->ws_col, s->ws_row);
	if (s->tx != 0 || s->rx != 0)
		out_printf(&o, "  speed: %u/%u baud\r\n", s->tx, s->rx);
	if (r->xdisploc[0] != '\0')
		out_printf(&o, "  X display: %s\r\n", r->xdisploc);
	out_printf(&o, "  environment:");
	/* Names and values passed the allow-list: printable ASCII. */
	for (i = 0; i < s->env.n; i++)
		out_printf(&o, " %s=%s", s->env.vars[i].name,
		    s->env.vars[i].value);
	if (s->env.user[0] != '\0')
		out_printf(&o, " USER=%s", s->env.user);
	if (r->nenv_denied > 0) {
		out_printf(&o, "; refused:");
		for (i = 0; i < r->nenv_denied; i++)
			out_printf(&o, " %s", r->env_denied[i]);
	}
	out_printf(&o, "\r\n  charset: %s\r\n", s->charset[0] ? s->charset :
	    "none");
	out_printf(&o, "  line mode: %s", lm_type_name(s->lm_type));
	if (r->tm_answer != 0)
		out_printf(&o, " (TIMING-MARK answered %s)",
		    r->tm_answer == 1 ? "WILL" : "WONT");
	out_printf(&o, "\r\n");
	if (r->slc_seen) {
		out_printf(&o, "  SLC table sent:");
		for (i = 0; i < r->nslc; i++) {
			const struct telnet_slc *t = &r->slc[i];

			out_printf(&o, "%s%s %s 0x%02x", i % 5 ? ", " :
			    "\r\n    ", t->func <= SLC_MAXFUNC ?
			    slc_names[t->func] : "?",
			    slc_levels[t->flags & SLC_LEVELBITS], t->value);
		}
		out_printf(&o, "\r\n");
	}
	if (s->location[0] != '\0')
		out_printf(&o, "  location: %s\r\n", s->location);
	text_tls(&o, s);
	if (s->probe != NULL)
		report_text_probe(&o, s);
	return o.len;
}

int
report_send(struct session *s)
{
	/* Built in the read buffer, which no read uses now. */
	struct ps_report *m = (struct ps_report *)(void *)s->scratch;
	size_t n;

	m->type = PS_REPORT;
	memset(m->fp_protocol, 0, sizeof(m->fp_protocol));
	memset(m->fp_terminal, 0, sizeof(m->fp_terminal));
	if (s->probe != NULL) {
		memcpy(m->fp_protocol, s->probe->fp_protocol,
		    sizeof(m->fp_protocol));
		memcpy(m->fp_terminal, s->probe->fp_terminal,
		    sizeof(m->fp_terminal));
	}
	n = report_json(s, m->text, sizeof(m->text));
	return ps_send(s->mon, m, offsetof(struct ps_report, text) + n, -1);
}
