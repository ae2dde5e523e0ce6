/*
 * reportprobe.c - the parts of the client report that --report's probes
 * add (probe.c, termprobe.c, fingerprint.c): the burst's answers per
 * option and side, the terminal's answers with their meanings, and the
 * fingerprints with the database's names, as JSON fields and as text.
 * Every foreign string here passed termprobe.c's filter (printable
 * ASCII) and is escaped again for JSON.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "telnetd.h"

/* An option's name, or its number for one without a name. */
static const char *
opt_label(unsigned char opt, char *buf, size_t size)
{
	const char *n = telnet_opt_name(opt);

	if (strcmp(n, "unknown") != 0)
		return n;
	snprintf(buf, size, "option-%u", opt);
	return buf;
}

/* The report's word for a FIRST_* (probe.h). */
static const char *
first_name(unsigned char first)
{
	static const char *const names[] = {
		"silent", "agreed", "refused", "offered", "declined",
	};

	return first < sizeof(names) / sizeof(names[0]) ? names[first] : "?";
}

/* How long the burst took to be answered. */
static int
probe_ms(const struct probe *p)
{
	return ms_between(p->t_burst, p->t_end);
}

/* The burst's answers on one side: agreed and refused with the ms after
 * the burst, silent by name. */
static void
json_probe_side(struct out *o, const struct probe *p, int local)
{
	static const unsigned char kinds[] = { FIRST_AGREED, FIRST_REFUSED };
	char lb[16];
	unsigned int opt;
	size_t k;
	int n;

	out_printf(o, "\"%s\":{", local ? "server" : "client");
	for (k = 0; k < sizeof(kinds); k++) {
		out_printf(o, "\"%s\":{", first_name(kinds[k]));
		for (opt = 0, n = 0; opt < 256; opt++)
			if (p->asked[opt][local] != ASK_NONE &&
			    p->first[opt][local] == kinds[k])
				out_printf(o, "%s\"%s\":%d", n++ ? "," : "",
				    opt_label((unsigned char)opt, lb,
				    sizeof(lb)), (int)p->ms[opt][local]);
		out_printf(o, "},");
	}
	out_printf(o, "\"silent\":[");
	for (opt = 0, n = 0; opt < 256; opt++)
		if (p->asked[opt][local] != ASK_NONE &&
		    p->first[opt][local] == FIRST_NONE)
			out_printf(o, "%s\"%s\"", n++ ? "," : "",
			    opt_label((unsigned char)opt, lb, sizeof(lb)));
	out_printf(o, "]}");
}

static void
json_probe(struct out *o, const struct session *s)
{
	const struct probe *p = s->probe;
	char lb[16];
	size_t i;

	out_printf(o, ",\"probe\":{\"plan\":\"%s\",\"sent\":%u,\"ms\":%d,"
	    "\"timing_mark\":%s,\"left\":%s,", probe_plan_name(p->plan),
	    p->sent, probe_ms(p), p->tm_answer == 1 ? "\"WILL\"" :
	    p->tm_answer == 2 ? "\"WONT\"" : "null",
	    p->left == PROBE_OPTIONS ? "\"options\"" :
	    p->left == PROBE_TERMINAL ? "\"terminal\"" : "null");
	json_probe_side(o, p, 0);
	out_printf(o, ",");
	json_probe_side(o, p, 1);
	out_printf(o, ",\"offers\":[");
	for (i = 0; i < p->noffers; i++)
		out_printf(o, "%s\"%s %s\"", i ? "," : "",
		    telnet_cmd_name(p->offers[i][0]),
		    opt_label(p->offers[i][1], lb, sizeof(lb)));
	out_printf(o, "]}");
}

static void
json_int_or_null(struct out *o, const char *key, int v)
{
	if (v < 0)
		out_printf(o, ",\"%s\":null", key);
	else
		out_printf(o, ",\"%s\":%d", key, v);
}

/* An answer string and its meaning (fn), or nulls. */
static void
json_answer(struct out *o, const char *key, const char *v,
    void (*fn)(const char *, char *, size_t))
{
	char m[TP_MEANING_MAX];

	out_printf(o, ",\"%s\":", key);
	json_str_or_null(o, v);
	if (fn == NULL)
		return;
	out_printf(o, ",\"%s_means\":", key);
	if (v[0] == '\0') {
		out_printf(o, "null");
		return;
	}
	fn(v, m, sizeof(m));
	json_str(o, m);
}

/* 1 UTF-8 rendered (a wide character takes 1 or 2 columns, a combining
 * accent none), 0 not (the bytes took a column each), -1 unknown. */
static int
utf8_rendered(const struct tp_result *r)
{
	if (r->wide < 0 || r->combining < 0)
		return -1;
	if ((r->wide == 1 || r->wide == 2) && r->combining <= 1)
		return 1;
	return 0;
}

static void
json_termprobe(struct out *o, const struct session *s)
{
	const struct tp_result *r = &s->probe->tp.res;
	int i, u = utf8_rendered(r);

	out_printf(o, ",\"terminal_probe\":{\"skipped\":");
	if (s->probe->tp_skipped != NULL || !r->ran) {
		json_str(o, s->probe->tp_skipped != NULL &&
		    s->probe->tp_skipped[0] != '\0' ? s->probe->tp_skipped :
		    "not with --report=login");
		out_printf(o, "}");
		return;
	}
	out_printf(o, "null,\"ms\":%d,\"stopped\":", (int)r->ms);
	if (r->stopped < TP_NSTEPS)
		json_str(o, tp_step_name(r->stopped));
	else
		out_printf(o, "null");
	out_printf(o, ",\"query_ms\":{");
	for (i = 0; i < TP_NSTEPS; i++)
		out_printf(o, "%s\"%s\":%d", i ? "," : "",
		    tp_step_name((enum tp_step)i), (int)r->step_ms[i]);
	out_printf(o, "}");
	json_answer(o, "answerback", r->answerback, NULL);
	json_answer(o, "da1", r->da1, tp_da1_meaning);
	json_answer(o, "da2", r->da2, tp_da2_meaning);
	json_answer(o, "xtversion", r->xtversion, NULL);
	if (r->rows > 0)
		out_printf(o, ",\"size\":{\"rows\":%u,\"cols\":%u},"
		    "\"naws_matches\":%s", r->rows, r->cols, s->ws_col == 0 ?
		    "null" : s->ws_col == r->cols && s->ws_row == r->rows ?
		    "true" : "false");
	else
		out_printf(o, ",\"size\":null,\"naws_matches\":null");
	json_int_or_null(o, "wide_columns", r->wide);
	json_int_or_null(o, "combining_columns", r->combining);
	out_printf(o, ",\"utf8\":%s,\"c1\":%s,\"cut\":%s}", u < 0 ? "null" :
	    u ? "true" : "false", r->c1 < 0 ? "null" : r->c1 ? "true" :
	    "false", r->cut ? "true" : "false");
}

static void
json_fingerprint(struct out *o, const struct session *s)
{
	const struct probe *p = s->probe;
	char text[FP_TEXT_MAX];
	const char *name;

	out_printf(o, ",\"fingerprint\":{\"protocol\":");
	json_str_or_null(o, p->fp_protocol);
	out_printf(o, ",\"protocol_name\":");
	if ((name = fp_name(FP_PROTOCOL, p->fp_protocol)) != NULL)
		json_str(o, name);
	else
		out_printf(o, "null");
	(void)fp_protocol_text(s, text, sizeof(text));
	out_printf(o, ",\"protocol_text\":");
	json_str(o, text);
	out_printf(o, ",\"terminal\":");
	json_str_or_null(o, p->fp_terminal);
	out_printf(o, ",\"terminal_name\":");
	if (p->fp_terminal[0] != '\0' &&
	    (name = fp_name(FP_TERMINAL, p->fp_terminal)) != NULL)
		json_str(o, name);
	else
		out_printf(o, "null");
	(void)fp_terminal_text(&p->tp.res, text, sizeof(text));
	out_printf(o, ",\"terminal_text\":");
	json_str_or_null(o, text);
	out_printf(o, "}");
}

/* Words after a heading, wrapped before column 72. */
struct wrap {
	struct out *o;
	size_t col;
};

static void
wrap_word(struct wrap *w, const char *word, const char *suffix)
{
	size_t len = strlen(word) + strlen(suffix) + 1;

	if (w->col + len > 72) {
		out_printf(w->o, "\r\n       ");
		w->col = 7;
	}
	out_printf(w->o, " %s%s", word, suffix);
	w->col += len;
}

/* One kind of answer of the burst on one side, by name. */
static void
text_probe_kind(struct out *o, const struct probe *p, int local,
    unsigned char kind, const char *what)
{
	struct wrap w = { o, 0 };
	char lb[16], ms[24];
	unsigned int opt;
	int n = 0;

	for (opt = 0; opt < 256; opt++) {
		if (p->asked[opt][local] == ASK_NONE ||
		    p->first[opt][local] != kind)
			continue;
		if (n++ == 0) {
			out_printf(o, "    %s %s:", local ? "server" : "client",
			    what);
			w.col = 4 + strlen(local ? "server" : "client") + 1 +
			    strlen(what) + 1;
		}
		snprintf(ms, sizeof(ms), " (%d ms)", (int)p->ms[opt][local]);
		wrap_word(&w, opt_label((unsigned char)opt, lb, sizeof(lb)),
		    kind == FIRST_AGREED ? ms : "");
	}
	if (n > 0)
		out_printf(o, "\r\n");
}

static void
text_probe(struct out *o, const struct session *s)
{
	const struct probe *p = s->probe;
	char lb[16];
	size_t i;
	int local;

	out_printf(o, "  option probe: %s, %u requests, answered in %d ms",
	    probe_plan_name(p->plan), p->sent, probe_ms(p));
	if (p->tm_answer != 0)
		out_printf(o, " (TIMING-MARK %s)",
		    p->tm_answer == 1 ? "WILL" : "WONT");
	out_printf(o, "\r\n");
	if (p->left == PROBE_OPTIONS)
		out_printf(o, "    the client stopped sending before it "
		    "answered them all\r\n");
	for (local = 0; local < 2; local++) {
		text_probe_kind(o, p, local, FIRST_AGREED, local ?
		    "side agreed (DO)" : "side agreed (WILL)");
		text_probe_kind(o, p, local, FIRST_REFUSED, "side refused");
		text_probe_kind(o, p, local, FIRST_NONE, "side silent");
	}
	if (p->noffers > 0) {
		out_printf(o, "    offered on its own:");
		for (i = 0; i < p->noffers; i++)
			out_printf(o, " %s %s", telnet_cmd_name(p->offers[i][0]),
			    opt_label(p->offers[i][1], lb, sizeof(lb)));
		out_printf(o, "\r\n");
	}
}

static void
text_termprobe(struct out *o, const struct session *s)
{
	const struct tp_result *r = &s->probe->tp.res;
	char m[TP_MEANING_MAX];

	if (s->probe->tp_skipped != NULL || !r->ran) {
		if (s->probe->tp_skipped != NULL &&
		    s->probe->tp_skipped[0] != '\0')
			out_printf(o, "  terminal: not asked: %s\r\n",
			    s->probe->tp_skipped);
		return;
	}
	if (!r->answered) {
		if (s->probe->left == PROBE_TERMINAL)
			out_printf(o, "  terminal: the client stopped sending "
			    "before an answer came\r\n");
		else
			out_printf(o, "  terminal: no answer within %d ms (a "
			    "dumb terminal, or none)\r\n", (int)r->ms);
		return;
	}
	out_printf(o, "  terminal: answered in %d ms", (int)r->ms);
	if (r->stopped < TP_NSTEPS)
		out_printf(o, ", %s %s on", s->probe->left == PROBE_TERMINAL ?
		    "the client stopped sending from" : "silent from",
		    tp_step_name(r->stopped));
	out_printf(o, "\r\n    answerback: %s\r\n", r->answerback[0] ?
	    r->answerback : "none");
	if (r->da1[0] != '\0') {
		tp_da1_meaning(r->da1, m, sizeof(m));
		out_printf(o, "    DA1 ?%sc: %s\r\n", r->da1, m);
	}
	if (r->da2[0] != '\0') {
		tp_da2_meaning(r->da2, m, sizeof(m));
		out_printf(o, "    DA2 >%sc: %s\r\n", r->da2, m);
	}
	if (r->xtversion[0] != '\0')
		out_printf(o, "    XTVERSION: %s\r\n", r->xtversion);
	if (r->rows > 0)
		out_printf(o, "    screen: %u columns x %u rows%s\r\n", r->cols,
		    r->rows, s->ws_col == 0 ? " (no NAWS)" :
		    s->ws_col == r->cols && s->ws_row == r->rows ?
		    " (as NAWS said)" : " (NAWS said otherwise)");
	if (r->wide >= 0)
		out_printf(o, "    UTF-8: %s; a wide character takes %d "
		    "columns, a combining sequence %d\r\n", utf8_rendered(r) ?
		    "rendered" : "not rendered", r->wide, r->combining);
	if (r->c1 >= 0)
		out_printf(o, "    8-bit C1 controls: %s\r\n", r->c1 ?
		    "understood" : "not understood");
}

static void
text_fingerprint(struct out *o, const struct session *s)
{
	const struct probe *p = s->probe;
	const char *name = fp_name(FP_PROTOCOL, p->fp_protocol);

	/* One line each: both on one went past 80 columns. */
	if (p->fp_protocol[0] == '\0')
		out_printf(o, "  fingerprint: none (not every answer came)\r\n");
	else
		out_printf(o, "  fingerprint: protocol %s (%s)\r\n",
		    p->fp_protocol, name != NULL ? name : "unknown");
	if (p->fp_terminal[0] != '\0') {
		name = fp_name(FP_TERMINAL, p->fp_terminal);
		out_printf(o, "               terminal %s (%s)\r\n",
		    p->fp_terminal, name != NULL ? name : "unknown");
	}
}

void
report_json_probe(struct out *o, const struct session *s)
{
	out_printf(o, ",\"mode\":\"%s\"", s->cfg->report == REPORT_SHOW ?
	    "show" : "login");
	json_probe(o, s);
	json_termprobe(o, s);
	json_fingerprint(o, s);
}

void
report_text_probe(struct out *o, const struct session *s)
{
	text_probe(o, s);
	text_termprobe(o, s);
	text_fingerprint(o, s);
}
