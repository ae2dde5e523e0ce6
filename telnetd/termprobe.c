/*
 * termprobe.c - the terminal probe: what the terminal behind the client
 * answers to in-band queries (--report, which is the client's consent),
 * and the parsing of those answers.  No I/O: probe.c sends what this file
 * hands out and feeds back what the client sends.
 *
 * One query at a time.  Each one ends with a query every VT100 answers, a
 * cursor position report (CPR, CSI 6 n; after the C1 test a DA1, whose
 * answer cannot be mistaken for a CPR), so a query the terminal ignores
 * costs no wait: its answer is simply missing before the sentinel's.  The
 * probe stops at the first query whose sentinel does not come within the
 * bound (TP_FIRST_MS for the first: a dumb terminal answers nothing; then
 * TP_STEP_MS each, TP_TOTAL_MS in all).
 *
 *   ENQ        ESC 7 (save the cursor), ENQ, CPR: the answerback, if any,
 *              comes before the CPR
 *   DA1        CSI c: "CSI ? 62 ; ... c", the VT class and extensions
 *   DA2        CSI > c: "CSI > 84 ; 0 ; 0 c", type and firmware (tmux,
 *              GNU screen, xterm's patch level)
 *   XTVERSION  CSI > 0 q: "DCS > | tmux 3.3a ST"
 *   SIZE       CSI 9999;9999 H, CPR, ESC 8: the far corner is the real
 *              screen size, compared in the report with NAWS
 *   WIDTH      CPR, U+4E00 (East Asian wide), CPR, "e" U+0301 (a
 *              combining acute), CPR: 2 and 1 columns when UTF-8 is
 *              rendered right
 *   C1         0x9b "6n" (CSI 6 n as the 8-bit C1 control), then DA1 as
 *              the sentinel: a CPR before it means C1 is understood
 *
 * The clean-up restores the cursor (ESC 8) and erases what the width and
 * C1 tests drew (CSI K, from the cursor to the end of the line).
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "telnetd.h"

#define ESC	"\033"
#define CSI	"\033["
#define CPR	CSI "6n"

struct tp_query {
	const char *name;
	const char *bytes;
	size_t len;
	unsigned int sentinels;		/* replies that end it */
	enum tp_kind sentinel;
};

#define Q(name, s, n, k)	{ (name), (s), sizeof(s) - 1, (n), (k) }
static const struct tp_query queries[TP_NSTEPS] = {
	[TP_ENQ] = Q("ENQ", ESC "7" "\005" CPR, 1, TPR_CPR),
	[TP_DA1] = Q("DA1", CSI "c" CPR, 1, TPR_CPR),
	[TP_DA2] = Q("DA2", CSI ">c" CPR, 1, TPR_CPR),
	[TP_XTVERSION] = Q("XTVERSION", CSI ">0q" CPR, 1, TPR_CPR),
	[TP_SIZE] = Q("size", CSI "9999;9999H" CPR ESC "8", 1, TPR_CPR),
	[TP_WIDTH] = Q("width", CPR "\xe4\xb8\x80" CPR "e\xcc\x81" CPR, 3,
	    TPR_CPR),
	[TP_C1] = Q("C1", "\x9b" "6n" CSI "c", 1, TPR_DA1),
};
static const unsigned char cleanup[] = ESC "8" CSI "K";

const char *
tp_step_name(enum tp_step st)
{
	return st < TP_NSTEPS ? queries[st].name : "none";
}

/* ---- parsing --------------------------------------------------------- */

/* A CSI sequence from p[i] (after its introducer): parameters 0x30-0x3f,
 * intermediates 0x20-0x2f, one final 0x40-0x7e.  The index of the final
 * byte, or n when incomplete; -1 (as n + 1) when broken. */
static size_t
csi_end(const unsigned char *p, size_t i, size_t n)
{
	while (i < n && p[i] >= 0x30 && p[i] <= 0x3f)
		i++;
	while (i < n && p[i] >= 0x20 && p[i] <= 0x2f)
		i++;
	if (i >= n)
		return n;
	return p[i] >= 0x40 && p[i] <= 0x7e ? i : n + 1;
}

/* "row;col" in p[0..n), both 1..65535. */
static int
cpr_numbers(const unsigned char *p, size_t n, unsigned int *row,
    unsigned int *col)
{
	unsigned int v[2] = { 0, 0 };
	size_t i, k = 0;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] == ';') {
			if (++k > 1)
				return -1;
		} else if (p[i] >= '0' && p[i] <= '9') {
			v[k] = v[k] * 10 + (unsigned int)(p[i] - '0');
			if (v[k] > 65535)
				return -1;
		} else
			return -1;
	}
	if (k != 1 || v[0] == 0 || v[1] == 0)
		return -1;
	*row = v[0];
	*col = v[1];
	return 0;
}

/* The CSI whose parameters are p[a..f) and final byte p[f]. */
static void
csi_reply(const unsigned char *p, size_t a, size_t f, struct tp_reply *r)
{
	r->kind = TPR_OTHER;
	r->off = a;
	r->len = f - a;
	if (p[f] == 'R' && cpr_numbers(p + a, f - a, &r->row, &r->col) == 0)
		r->kind = TPR_CPR;
	else if (p[f] == 'c' && f > a && (p[a] == '?' || p[a] == '>')) {
		r->kind = p[a] == '?' ? TPR_DA1 : TPR_DA2;
		r->off = a + 1;
		r->len = f - a - 1;
	}
}

/* A string sequence (DCS) from p[i] to its ST (ESC \ or 0x9c): the index
 * after the ST, and *end the index of the ST; 0 when incomplete. */
static size_t
dcs_end(const unsigned char *p, size_t i, size_t n, size_t *end)
{
	for (; i < n; i++) {
		if (p[i] == 0x9c) {
			*end = i;
			return i + 1;
		}
		if (p[i] == 0x1b) {
			if (i + 1 >= n)
				return 0;
			if (p[i + 1] == '\\') {
				*end = i;
				return i + 2;
			}
		}
	}
	return 0;
}

size_t
tp_scan(const unsigned char *p, size_t n, struct tp_reply *r, size_t max,
    size_t *used)
{
	size_t i = 0, k = 0, j, f, st;

	*used = 0;
	while (i < n && k < max) {
		if (p[i] != 0x1b && p[i] != 0x9b && p[i] != 0x90) {
			/* Text up to the next introducer. */
			for (j = i; j < n && p[j] != 0x1b && p[j] != 0x9b &&
			    p[j] != 0x90; j++)
				;
			r[k].kind = TPR_TEXT;
			r[k].off = i;
			r[k].len = j - i;
			k++;
			*used = i = j;
			continue;
		}
		if (p[i] == 0x1b && i + 1 >= n)
			break;			/* ESC, the rest to come */
		if (p[i] == 0x9b || p[i + 1] == '[') {
			j = i + (p[i] == 0x9b ? 1 : 2);
			f = csi_end(p, j, n);
			if (f == n)
				break;
			if (f > n) {
				/* Not a sequence: skip the introducer. */
				*used = i = j;
				continue;
			}
			csi_reply(p, j, f, &r[k++]);
			*used = i = f + 1;
			continue;
		}
		if (p[i] == 0x90 || p[i + 1] == 'P') {
			j = i + (p[i] == 0x90 ? 1 : 2);
			st = 0;
			f = dcs_end(p, j, n, &st);
			if (f == 0)
				break;
			r[k].kind = TPR_OTHER;
			r[k].off = j;
			r[k].len = st - j;
			if (st - j >= 2 && p[j] == '>' && p[j + 1] == '|') {
				r[k].kind = TPR_XTVERSION;
				r[k].off = j + 2;
				r[k].len = st - j - 2;
			}
			k++;
			*used = i = f;
			continue;
		}
		/* Another escape sequence: ESC and one byte. */
		r[k].kind = TPR_OTHER;
		r[k].off = i + 1;
		r[k].len = 1;
		k++;
		*used = i = i + 2;
	}
	return k;
}

/* ---- meanings -------------------------------------------------------- */

/* p[0..n) as a kept string: printable ASCII, at most TP_STR_MAX. */
static void
keep_str(char *dst, const unsigned char *p, size_t n)
{
	size_t i;

	if (n > TP_STR_MAX)
		n = TP_STR_MAX;
	for (i = 0; i < n; i++)
		dst[i] = p[i] >= 0x20 && p[i] <= 0x7e ? (char)p[i] : '?';
	dst[n] = '\0';
}

/* The first number of a parameter list, -1 when there is none. */
static long
first_param(const char *params, const char **rest)
{
	long v = 0;
	const char *p = params;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9' && v < 100000; p++)
		v = v * 10 + (*p - '0');
	*rest = *p == ';' ? p + 1 : p;
	return v;
}

void
tp_da1_meaning(const char *params, char *buf, size_t size)
{
	static const struct { long code; const char *name; } ext[] = {
		{ 1, "132 columns" }, { 2, "printer" }, { 3, "ReGIS" },
		{ 4, "sixel" }, { 6, "selective erase" }, { 8, "UDK" },
		{ 9, "NRCS" }, { 15, "technical characters" },
		{ 18, "windowing" }, { 21, "horizontal scrolling" },
		{ 22, "ANSI color" }, { 28, "rectangular editing" },
		{ 29, "ANSI text locator" },
	};
	const char *rest = "", *cls;
	size_t used, i;
	long v;
	int n;

	if (size == 0)
		return;
	buf[0] = '\0';
	if ((v = first_param(params, &rest)) < 0)
		return;
	cls = v == 1 ? "VT100 class" : v == 6 ? "VT102" : v == 62 ?
	    "VT220 class" : v == 63 ? "VT320 class" : v == 64 ?
	    "VT420 class" : v == 65 ? "VT500 class" : v == 0 ? "no options" :
	    "unknown class";
	n = snprintf(buf, size, "%s", cls);
	used = n < 0 ? 0 : (size_t)n;
	if (v == 1 && strcmp(rest, "2") == 0)
		(void)snprintf(buf + used, size - used, " with AVO");
	else if (v >= 62) {
		while (*rest != '\0' && used < size) {
			if ((v = first_param(rest, &rest)) < 0)
				break;
			for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
				if (ext[i].code == v) {
					n = snprintf(buf + used, size - used,
					    ", %s", ext[i].name);
					used += n < 0 ? 0 : (size_t)n;
					break;
				}
		}
	}
}

void
tp_da2_meaning(const char *params, char *buf, size_t size)
{
	/* char arrays: read-only pages, not relocated ones (fpdb.c's reason). */
	static const struct { long code; char name[16]; } types[] = {
		{ 0, "VT100" }, { 1, "VT220" }, { 2, "VT240" }, { 18, "VT330" },
		{ 19, "VT340" }, { 24, "VT320" }, { 28, "DECterm" },
		{ 41, "VT420" }, { 61, "VT510" }, { 64, "VT520" },
		{ 65, "VT525" }, { 77, "mintty" }, { 82, "rxvt" },
		{ 83, "GNU screen" }, { 84, "tmux" }, { 85, "rxvt-unicode" },
	};
	const char *rest = "", *name = "unknown type";
	long v, fw;
	size_t i;

	if (size == 0)
		return;
	buf[0] = '\0';
	if ((v = first_param(params, &rest)) < 0)
		return;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].code == v)
			name = types[i].name;
	fw = first_param(rest, &rest);
	if (v == 83 && fw > 0)	/* screen: version as MMmmpp */
		(void)snprintf(buf, size, "%s %ld.%02ld.%02ld", name,
		    fw / 10000, fw / 100 % 100, fw % 100);
	else if (v == 84 || fw <= 0)
		(void)snprintf(buf, size, "%s", name);
	else
		(void)snprintf(buf, size, "%s, firmware %ld", name, fw);
}

/* ---- the queries ----------------------------------------------------- */

static void
out_query(struct termprobe *tp, int64_t now, struct tp_out *out)
{
	const struct tp_query *q = &queries[tp->step];

	out->p = (const unsigned char *)q->bytes;
	out->n = q->len;
	tp->len = 0;
	tp->t_step = now;
	tp->deadline = now + (tp->step == TP_ENQ ? TP_FIRST_MS : TP_STEP_MS);
	if (tp->deadline > tp->t_begin + TP_TOTAL_MS)
		tp->deadline = tp->t_begin + TP_TOTAL_MS;
}

void
tp_begin(struct termprobe *tp, int64_t now, struct tp_out *out)
{
	int i;

	memset(tp, 0, sizeof(*tp));
	tp->t_begin = now;
	tp->res.ran = 1;
	tp->res.stopped = TP_NSTEPS;
	tp->res.wide = tp->res.combining = tp->res.c1 = -1;
	for (i = 0; i < TP_NSTEPS; i++)
		tp->res.step_ms[i] = -1;
	tp->step = TP_ENQ;
	out_query(tp, now, out);
}

void
tp_input(struct termprobe *tp, const unsigned char *p, size_t n)
{
	if (tp->step >= TP_NSTEPS)
		return;
	if (n > sizeof(tp->in) - tp->len) {
		n = sizeof(tp->in) - tp->len;
		tp->res.cut = 1;
	}
	memcpy(tp->in + tp->len, p, n);
	tp->len += n;
}

/* The query's answer is complete: what it says. */
static void
take_answer(struct termprobe *tp, const struct tp_reply *r, size_t nr)
{
	struct tp_result *res = &tp->res;
	unsigned int cpr[3][2] = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
	size_t i, ncpr = 0;

	for (i = 0; i < nr; i++) {
		const unsigned char *p = tp->in + r[i].off;

		switch (r[i].kind) {
		case TPR_CPR:
			if (ncpr < 3) {
				cpr[ncpr][0] = r[i].row;
				cpr[ncpr][1] = r[i].col;
			}
			ncpr++;
			break;
		case TPR_TEXT:
			if (tp->step == TP_ENQ && ncpr == 0)
				keep_str(res->answerback, p, r[i].len);
			break;
		case TPR_DA1:
			if (tp->step == TP_DA1 && res->da1[0] == '\0')
				keep_str(res->da1, p, r[i].len);
			break;
		case TPR_DA2:
			if (tp->step == TP_DA2 && res->da2[0] == '\0')
				keep_str(res->da2, p, r[i].len);
			break;
		case TPR_XTVERSION:
			if (tp->step == TP_XTVERSION)
				keep_str(res->xtversion, p, r[i].len);
			break;
		case TPR_OTHER:
			break;
		}
	}
	switch (tp->step) {
	case TP_SIZE:
		res->rows = cpr[0][0];
		res->cols = cpr[0][1];
		break;
	case TP_WIDTH:
		/* Only when all three stayed on one line. */
		if (ncpr >= 3 && cpr[0][0] == cpr[1][0] &&
		    cpr[1][0] == cpr[2][0] &&
		    cpr[1][1] >= cpr[0][1] && cpr[2][1] >= cpr[1][1]) {
			res->wide = (int)(cpr[1][1] - cpr[0][1]);
			res->combining = (int)(cpr[2][1] - cpr[1][1]);
		}
		break;
	case TP_C1:
		res->c1 = ncpr > 0;
		break;
	default:
		break;
	}
}

/* 1 when the query's sentinels are all in (the answer is taken then). */
static int
answer_complete(struct termprobe *tp)
{
	struct tp_reply r[TP_REPLIES_MAX];
	size_t nr, used, i;
	unsigned int seen = 0;

	nr = tp_scan(tp->in, tp->len, r, TP_REPLIES_MAX, &used);
	for (i = 0; i < nr; i++)
		if (r[i].kind == queries[tp->step].sentinel &&
		    ++seen == queries[tp->step].sentinels) {
			take_answer(tp, r, i + 1);
			return 1;
		}
	return 0;
}

void
tp_stop(struct termprobe *tp, int64_t now)
{
	if (tp->step >= TP_NSTEPS)
		return;
	tp->res.stopped = tp->step;
	tp->res.ms = (int32_t)(now - tp->t_begin);
	tp->step = TP_NSTEPS;
}

/* The next query to send, skipping the C1 test when DA1 (its sentinel)
 * was not answered. */
static enum tp_step
next_step(const struct termprobe *tp)
{
	enum tp_step st = tp->step + 1;

	if (st == TP_C1 && tp->res.da1[0] == '\0')
		st++;
	return st;
}

int
tp_advance(struct termprobe *tp, int64_t now, struct tp_out *out)
{
	out->p = NULL;
	out->n = 0;
	if (tp->step >= TP_NSTEPS)
		return 1;
	if (answer_complete(tp)) {
		tp->res.answered = 1;
		tp->res.step_ms[tp->step] = (int32_t)(now - tp->t_step);
		tp->step = next_step(tp);
		if (tp->step < TP_NSTEPS && now < tp->t_begin + TP_TOTAL_MS) {
			out_query(tp, now, out);
			return 0;
		}
		if (tp->step < TP_NSTEPS)
			tp->res.stopped = tp->step;
	} else if (now < tp->deadline)
		return 0;
	else
		tp->res.stopped = tp->step;
	tp->step = TP_NSTEPS;
	tp->res.ms = (int32_t)(now - tp->t_begin);
	/* A terminal that answered has its cursor back and the test
	 * characters erased; a dumb one gets nothing more. */
	if (tp->res.answered) {
		out->p = cleanup;
		out->n = sizeof(cleanup) - 1;
	}
	return 1;
}
