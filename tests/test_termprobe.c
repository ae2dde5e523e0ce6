/*
 * test_termprobe.c - the terminal probe (telnetd/termprobe.c): the parser
 * of terminal answers as a table, the meanings of DA1/DA2, and the query
 * machine against scripted terminals (tmux-like, screen-like, a VT100
 * that knows no DA2, a dumb one, one that stops half-way, one that
 * floods), each run with its answers fed whole and one byte at a time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "telnetd.h"

/* ---- tp_scan --------------------------------------------------------- */

struct scan_case {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *want;	/* the replies, compact: "CPR 4;1|DA1 1;2" */
	size_t used;		/* (size_t)-1: all of it */
};

#define ALL	((size_t)-1)

static const struct scan_case scans[] = {
	{ "CPR", "\033[4;1R", 0, "CPR 4;1", ALL },
	{ "CPR, large", "\033[65535;999R", 0, "CPR 65535;999", ALL },
	{ "CPR zero row: not a CPR", "\033[0;5R", 0, "OTHER 0;5", ALL },
	{ "CPR over 65535: not a CPR", "\033[65536;1R", 0, "OTHER 65536;1",
	    ALL },
	{ "CPR one number: not a CPR", "\033[5R", 0, "OTHER 5", ALL },
	{ "CPR three numbers: not a CPR", "\033[1;2;3R", 0, "OTHER 1;2;3",
	    ALL },
	{ "DA1", "\033[?62;1;2;6c", 0, "DA1 62;1;2;6", ALL },
	{ "DA2", "\033[>84;0;0c", 0, "DA2 84;0;0", ALL },
	{ "DA without a marker", "\033[1;2c", 0, "OTHER 1;2", ALL },
	{ "XTVERSION, ESC \\", "\033P>|tmux 3.3a\033\\", 0,
	    "XTV tmux 3.3a", ALL },
	{ "XTVERSION, 8-bit ST", "\033P>|XTerm(388)\x9c", 0,
	    "XTV XTerm(388)", ALL },
	{ "8-bit CSI and DCS", "\x9b" "7;9R" "\x90>|x\x9c", 0,
	    "CPR 7;9|XTV x", ALL },
	{ "another DCS", "\033P1$r0m\033\\", 0, "OTHER 1$r0m", ALL },
	{ "answerback then CPR", "hello\r\033[2;3R", 0,
	    "TEXT hello\r|CPR 2;3", ALL },
	{ "several", "\033[?1;2c\033[4;1R\033[>0;95;0c", 0,
	    "DA1 1;2|CPR 4;1|DA2 0;95;0", ALL },
	{ "incomplete CSI waits", "\033[4;1R\033[4;", 0, "CPR 4;1", 6 },
	{ "lone ESC waits", "\033[4;1R\033", 0, "CPR 4;1", 6 },
	{ "incomplete DCS waits", "\033P>|tmux", 0, "", 0 },
	{ "DCS ending in ESC waits", "\033P>|tmux\033", 0, "", 0 },
	{ "broken CSI skipped", "\033[4\001\033[1;1R", 0,
	    "TEXT 4\001|CPR 1;1", ALL },
	{ "two-byte escape", "\033c\033[1;1R", 0, "OTHER c|CPR 1;1", ALL },
	{ "NUL in text (shown up to the NUL)", "a\0b", 3, "TEXT a", ALL },
	{ "nothing", "", 0, "", 0 },
};

/* The replies as compact text. */
static void
fmt_replies(const unsigned char *in, const struct tp_reply *r, size_t n,
    char *out, size_t size)
{
	static const char *const kinds[] = {
		"TEXT", "CPR", "DA1", "DA2", "XTV", "OTHER",
	};
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o + 1 < size; i++) {
		int k = snprintf(out + o, size - o, "%s%s ", i ? "|" : "",
		    kinds[r[i].kind]);

		o += (size_t)k;
		if (r[i].kind == TPR_CPR)
			k = snprintf(out + o, size - o, "%u;%u", r[i].row,
			    r[i].col);
		else
			k = snprintf(out + o, size - o, "%.*s",
			    (int)r[i].len, (const char *)in + r[i].off);
		o += (size_t)k;
	}
}

static void
test_scan_table(void **state)
{
	struct tp_reply r[TP_REPLIES_MAX];
	char got[512];
	size_t i, n, used, len;
	int fails = 0;

	(void)state;
	for (i = 0; i < sizeof(scans) / sizeof(scans[0]); i++) {
		const struct scan_case *c = &scans[i];

		len = c->len ? c->len : strlen(c->in);
		n = tp_scan((const unsigned char *)c->in, len, r,
		    TP_REPLIES_MAX, &used);
		fmt_replies((const unsigned char *)c->in, r, n, got,
		    sizeof(got));
		if (strcmp(got, c->want) != 0) {
			print_message("%s: got \"%s\", want \"%s\"\n", c->name,
			    got, c->want);
			fails++;
		}
		if (used != (c->used == ALL ? len : c->used)) {
			print_message("%s: used %zu\n", c->name, used);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

/* At most max replies, and what is used stops after the last one. */
static void
test_scan_bounded(void **state)
{
	struct tp_reply r[2];
	const char *in = "\033[1;1R\033[2;2R\033[3;3R";
	size_t used, n;

	(void)state;
	n = tp_scan((const unsigned char *)in, strlen(in), r, 2, &used);
	assert_int_equal(n, 2);
	assert_int_equal(used, 12);
	assert_int_equal(r[1].row, 2);
}

/* ---- meanings -------------------------------------------------------- */

static void
test_meanings(void **state)
{
	static const struct { const char *in, *da1; } da1[] = {
		{ "1;2", "VT100 class with AVO" },
		{ "1;0", "VT100 class" },
		{ "6", "VT102" },
		{ "62;1;2;6;22", "VT220 class, 132 columns, printer, "
		    "selective erase, ANSI color" },
		{ "64;4", "VT420 class, sixel" },
		{ "65;1;9;999", "VT500 class, 132 columns, NRCS" },
		/* xterm 379's, and every extension: none cut. */
		{ "64;1;2;6;9;15;16;17;18;21;22;28", "VT420 class, 132 "
		    "columns, printer, selective erase, NRCS, technical "
		    "characters, windowing, horizontal scrolling, ANSI color, "
		    "rectangular editing" },
		{ "65;1;2;3;4;6;8;9;15;18;21;22;28;29", "VT500 class, 132 "
		    "columns, printer, ReGIS, sixel, selective erase, UDK, "
		    "NRCS, technical characters, windowing, horizontal "
		    "scrolling, ANSI color, rectangular editing, ANSI text "
		    "locator" },
		{ "77", "unknown class" },
		{ "", "" },
		{ "x", "" },
	};
	static const struct { const char *in, *da2; } da2[] = {
		{ "84;0;0", "tmux" },
		{ "83;40900;0", "GNU screen 4.09.00" },
		{ "41;388;0", "VT420, firmware 388" },
		{ "0;95;0", "VT100, firmware 95" },
		{ "1;0", "VT220" },
		{ "99;2", "unknown type, firmware 2" },
		{ "", "" },
	};
	char buf[TP_MEANING_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(da1) / sizeof(da1[0]); i++) {
		tp_da1_meaning(da1[i].in, buf, sizeof(buf));
		assert_string_equal(buf, da1[i].da1);
	}
	for (i = 0; i < sizeof(da2) / sizeof(da2[0]); i++) {
		tp_da2_meaning(da2[i].in, buf, sizeof(buf));
		assert_string_equal(buf, da2[i].da2);
	}
	/* Cut, never overrun. */
	memset(buf, 'Z', sizeof(buf));
	tp_da1_meaning("62;1;2;6;22", buf, 12);
	assert_int_equal(strlen(buf), 11);
	assert_int_equal(buf[12], 'Z');
}

/* ---- the query machine against scripted terminals --------------------- */

/* A terminal's answers per query (NULL: it says nothing from there on). */
struct term {
	const char *name;
	const char *answer[TP_NSTEPS];
};

static const struct term tmux_like = { "tmux", {
	[TP_ENQ] = "\033[4;1R",
	[TP_DA1] = "\033[?1;2c\033[4;1R",
	[TP_DA2] = "\033[>84;0;0c\033[4;1R",
	[TP_XTVERSION] = "\033P>|tmux 3.3a\033\\\033[4;1R",
	[TP_SIZE] = "\033[30;90R",
	[TP_WIDTH] = "\033[4;1R\033[4;3R\033[4;4R",
	[TP_C1] = "\033[?1;2c",
} };

static const struct term screen_like = { "screen", {
	[TP_ENQ] = "\033[7;1R",
	[TP_DA1] = "\033[?1;2c\033[7;1R",
	[TP_DA2] = "\033[>83;40900;0c\033[7;1R",
	[TP_XTVERSION] = "\033[7;1R",
	[TP_SIZE] = "\033[24;80R",
	[TP_WIDTH] = "\033[7;1R\033[7;3R\033[7;4R",
	[TP_C1] = "\033[?1;2c",
} };

/* A VT100 with an answerback: no DA2 or XTVERSION, no UTF-8 (each byte
 * of the wide character a column, the accent two), C1 understood. */
static const struct term vt100 = { "vt100", {
	[TP_ENQ] = "vt100\033[1;1R",
	[TP_DA1] = "\033[?1;0c\033[1;1R",
	[TP_DA2] = "\033[1;1R",
	[TP_XTVERSION] = "\033[1;1R",
	[TP_SIZE] = "\033[24;80R",
	[TP_WIDTH] = "\033[1;1R\033[1;4R\033[1;6R",
	[TP_C1] = "\033[1;7R\033[?1;0c",
} };

static const struct term dumb = { "dumb", { NULL } };

/* Answers ENQ and DA1, then falls silent. */
static const struct term halfway = { "halfway", {
	[TP_ENQ] = "\033[1;1R",
	[TP_DA1] = "\033[?62c\033[1;1R",
} };

/* Knows no DA1: the C1 test (DA1 is its sentinel) is not sent. */
static const struct term no_da1 = { "no-da1", {
	[TP_ENQ] = "\033[1;1R",
	[TP_DA1] = "\033[1;1R",
	[TP_DA2] = "\033[1;1R",
	[TP_XTVERSION] = "\033[1;1R",
	[TP_SIZE] = "\033[25;80R",
	[TP_WIDTH] = "\033[1;1R\033[1;3R\033[1;4R",
	[TP_C1] = "\033[1;1R",
} };

/* The query the machine sent: which step's bytes. */
static int
which_query(const struct tp_out *out)
{
	static const struct { enum tp_step st; const char *start; } q[] = {
		{ TP_ENQ, "\0337\005" }, { TP_DA1, "\033[c" },
		{ TP_DA2, "\033[>c" }, { TP_XTVERSION, "\033[>0q" },
		{ TP_SIZE, "\033[9999;9999H" }, { TP_WIDTH, "\033[6n\xe4" },
		{ TP_C1, "\x9b" "6n" },
	};
	size_t i;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (out->n >= strlen(q[i].start) &&
		    memcmp(out->p, q[i].start, strlen(q[i].start)) == 0)
			return q[i].st;
	return -1;
}

/* Run the machine against t, answers fed whole or bytewise, 5 ms of
 * fake time per answer; the result, whether the clean-up went out, the
 * queries sent and the time it ended. */
static struct tp_result
run_term(const struct term *t, int bytewise, int *cleaned, int *nq,
    int64_t *end)
{
	static struct termprobe tp;
	struct tp_out out;
	int64_t now = 1000;
	const char *a;
	size_t i;
	int q, done;

	tp_begin(&tp, now, &out);
	*nq = 0;
	*cleaned = 0;
	for (;;) {
		q = which_query(&out);
		if (out.n > 0) {
			assert_true(q >= 0);
			++*nq;
		}
		a = q >= 0 ? t->answer[q] : NULL;
		if (a != NULL) {
			now += 5;
			if (bytewise)
				for (i = 0; a[i] != '\0'; i++) {
					tp_input(&tp, (const unsigned char *)a +
					    i, 1);
					/* Not done before the last byte. */
					if (a[i + 1] != '\0') {
						struct tp_out o2;

						assert_int_equal(tp_advance(&tp,
						    now, &o2), 0);
						assert_int_equal(o2.n, 0);
					}
				}
			else
				tp_input(&tp, (const unsigned char *)a,
				    strlen(a));
		} else
			now = tp.deadline;	/* nothing: its bound */
		done = tp_advance(&tp, now, &out);
		if (done) {
			*cleaned = out.n > 0;
			*end = now;
			return tp.res;
		}
	}
}

static void
test_machine(void **state)
{
	struct tp_result r;
	int bytewise, cleaned, nq;
	int64_t end;

	(void)state;
	for (bytewise = 0; bytewise < 2; bytewise++) {
		r = run_term(&tmux_like, bytewise, &cleaned, &nq, &end);
		assert_true(r.answered && cleaned);
		assert_int_equal(nq, TP_NSTEPS);
		assert_int_equal(r.stopped, TP_NSTEPS);
		assert_string_equal(r.answerback, "");
		assert_string_equal(r.da1, "1;2");
		assert_string_equal(r.da2, "84;0;0");
		assert_string_equal(r.xtversion, "tmux 3.3a");
		assert_int_equal(r.rows, 30);
		assert_int_equal(r.cols, 90);
		assert_int_equal(r.wide, 2);
		assert_int_equal(r.combining, 1);
		assert_int_equal(r.c1, 0);
		assert_int_equal(r.ms, 35);
		assert_int_equal(r.step_ms[TP_DA2], 5);

		r = run_term(&screen_like, bytewise, &cleaned, &nq, &end);
		assert_string_equal(r.da2, "83;40900;0");
		assert_string_equal(r.xtversion, "");
		assert_int_equal(r.rows, 24);
		assert_int_equal(r.stopped, TP_NSTEPS);

		r = run_term(&vt100, bytewise, &cleaned, &nq, &end);
		assert_string_equal(r.answerback, "vt100");
		assert_string_equal(r.da1, "1;0");
		assert_string_equal(r.da2, "");
		assert_int_equal(r.wide, 3);
		assert_int_equal(r.combining, 2);
		assert_int_equal(r.c1, 1);

		/* Nothing: stopped at the first query after its bound, and
		 * no clean-up drawn on a terminal that may show it. */
		r = run_term(&dumb, bytewise, &cleaned, &nq, &end);
		assert_false(r.answered);
		assert_false(cleaned);
		assert_int_equal(nq, 1);
		assert_int_equal(r.stopped, TP_ENQ);
		assert_int_equal(r.ms, TP_FIRST_MS);
		assert_int_equal(end - 1000, TP_FIRST_MS);

		r = run_term(&halfway, bytewise, &cleaned, &nq, &end);
		assert_true(r.answered && cleaned);
		assert_int_equal(r.stopped, TP_DA2);
		assert_string_equal(r.da1, "62");
		assert_int_equal(nq, 3);
		assert_int_equal(r.ms, 10 + TP_STEP_MS);
		assert_int_equal(r.rows, 0);
		assert_int_equal(r.wide, -1);

		r = run_term(&no_da1, bytewise, &cleaned, &nq, &end);
		assert_int_equal(nq, TP_NSTEPS - 1);	/* no C1 test */
		assert_int_equal(r.c1, -1);
		assert_int_equal(r.stopped, TP_NSTEPS);
		assert_int_equal(r.rows, 25);
	}
}

/* A terminal that takes 240 ms for every answer (inside each query's
 * bound): the whole probe still ends at TP_TOTAL_MS, the last query cut
 * short. */
static void
test_machine_total_bound(void **state)
{
	static struct termprobe tp;
	struct tp_out out;
	int64_t now = 5000;
	int done = 0, q;

	(void)state;
	tp_begin(&tp, now, &out);
	while (!done) {
		q = which_query(&out);
		if (q >= 0 && tmux_like.answer[q] != NULL &&
		    tp.t_step + 240 < tp.deadline) {
			now = tp.t_step + 240;
			tp_input(&tp, (const unsigned char *)
			    tmux_like.answer[q], strlen(tmux_like.answer[q]));
		} else
			now = tp.deadline;
		done = tp_advance(&tp, now, &out);
	}
	assert_int_equal(now - 5000, TP_TOTAL_MS);
	assert_int_equal(tp.res.stopped, TP_C1);
	assert_int_equal(tp.res.ms, TP_TOTAL_MS);
	assert_int_equal(tp.res.wide, 2);
}

/* Answers are bounded; a flood is cut, not kept. */
static void
test_machine_flood(void **state)
{
	static struct termprobe tp;
	static unsigned char junk[4 * TP_INPUT_MAX];
	struct tp_out out;

	(void)state;
	memset(junk, 'x', sizeof(junk));
	tp_begin(&tp, 0, &out);
	tp_input(&tp, junk, sizeof(junk));
	tp_input(&tp, junk, sizeof(junk));
	assert_int_equal(tp.len, TP_INPUT_MAX);
	assert_true(tp.res.cut);
	assert_int_equal(tp_advance(&tp, 1, &out), 0);
	assert_int_equal(tp_advance(&tp, TP_FIRST_MS, &out), 1);
	/* Text before a CPR that never came is no answerback. */
	assert_string_equal(tp.res.answerback, "");
	/* The answerback kept is short and printable. */
	tp_begin(&tp, 0, &out);
	tp_input(&tp, (const unsigned char *)"\x01\x7f", 2);
	tp_input(&tp, junk, 100);
	tp_input(&tp, (const unsigned char *)"\033[1;1R", 6);
	assert_int_equal(tp_advance(&tp, 1, &out), 0);
	assert_int_equal(strlen(tp.res.answerback), TP_STR_MAX);
	assert_memory_equal(tp.res.answerback, "??xx", 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_table),
		cmocka_unit_test(test_scan_bounded),
		cmocka_unit_test(test_meanings),
		cmocka_unit_test(test_machine),
		cmocka_unit_test(test_machine_total_bound),
		cmocka_unit_test(test_machine_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
