/*
 * telnet_harness.c - the engine tests' table runner (telnet_harness.h):
 * policies, the recorder behind the engine's callback, one case run as
 * written and byte at a time, and a table as a cmocka group.
 */
#include <stdint.h>

#include "telnet_harness.h"
#include "telnetd.h"

/* ------------------------------------------------------------------ */
/* Policies                                                             */

const struct telnet_policy *
harness_pol_server(void)
{
	static struct telnet_policy pol[258];
	size_t n;

	if (pol[0].opt != 0 || pol[0].local != 0 || pol[0].remote != 0)
		return pol;
	for (n = 0; negotiate_policy[n].opt >= 0; n++)
		pol[n] = negotiate_policy[n];
	pol[n].opt = 99;
	pol[n].local = pol[n].remote = 1;
	pol[n + 1].opt = -1;
	return pol;
}

/* The mirror image: what a client allows. */
const struct telnet_policy pol_client[] = {
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
const struct telnet_policy pol_notm[] = {
	{ TELOPT_ECHO, 1, 0 },
	{ TELOPT_TTYPE, 0, 1 },
	{ -1, 0, 0 },
};

/* Nothing is allowed. */
const struct telnet_policy pol_none[] = {
	{ -1, 0, 0 },
};

/* ------------------------------------------------------------------ */
/* The recorder                                                         */

void
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

void
rec_reset(struct rec *r)
{
	sb_reset(&r->trace);
	sb_reset(&r->data);
	sb_reset(&r->send);
	sb_reset(&r->kinds);
	sb_reset(&r->urgent);
	r->nsend = 0;
}

void
rec_free(struct rec *r)
{
	sb_free(&r->trace);
	sb_free(&r->data);
	sb_free(&r->send);
	sb_free(&r->kinds);
	sb_free(&r->urgent);
}

void
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
		else {
			size_t i;

			sb_addn(&r->send, ev->u.data.buf, ev->u.data.len);
			for (i = 0; i < ev->u.data.len; i++)
				sb_addn(&r->kinds,
				    ev->u.data.kind == TELNET_SEND_DATA ? "d" :
				    ev->u.data.kind == TELNET_SEND_PROTOCOL ?
				    "p" : "?", 1);
		}
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

typedef void (*bytes_fn)(struct telnet *, const unsigned char *, size_t);

/* fn (telnet_feed or telnet_send) on an exact-size heap copy, so that an
 * overread is an ASan error. */
static void
exact(struct telnet *t, const unsigned char *p, size_t n, bytes_fn fn)
{
	unsigned char *copy = malloc(n ? n : 1);

	if (copy == NULL)
		abort();
	if (n)
		memcpy(copy, p, n);
	fn(t, copy, n);
	free(copy);
}

/* The same, whole or one byte at a time. */
static void
by_mode(struct telnet *t, const unsigned char *p, size_t n, int bytewise,
    bytes_fn fn)
{
	size_t i;

	if (!bytewise) {
		exact(t, p, n, fn);
		return;
	}
	for (i = 0; i < n; i++)
		exact(t, p + i, 1, fn);
}

/* telnet_feed without its count: the tables feed everything, and after a
 * START_TLS stop the engine takes nothing more (test_telnet_starttls.c
 * checks the count itself). */
static void
feed_all(struct telnet *t, const unsigned char *p, size_t n)
{
	(void)telnet_feed(t, p, n);
}

void
feed_exact(struct telnet *t, const unsigned char *p, size_t n)
{
	exact(t, p, n, feed_all);
}

void
feed_mode(struct telnet *t, const unsigned char *p, size_t n, int bytewise)
{
	by_mode(t, p, n, bytewise, feed_all);
}

#define GEN_CAP	(256 * 1024)

struct telnet *
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
			by_mode(t, (const unsigned char *)s->b.p, s->b.n,
			    bytewise, telnet_send);
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
		case OP_PROBE:
			ret = telnet_probe(t, (unsigned char)s->opt, s->arg);
			rec_line(r, "PROBE %s %s = %d", s->arg ? "local" :
			    "remote", t_opt_name((unsigned)s->opt), ret);
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
report_bytes(struct sbuf *rep, const char *label, const void *p, size_t n)
{
	sb_printf(rep, "  %s (%zu): ", label, n);
	sb_quote(rep, p, n);
	sb_addn(rep, "\n", 1);
}

/* The SEND bytes that came as data, as ranges of offsets: "0-4,7". */
static void
data_ranges(struct sbuf *out, const struct sbuf *kinds)
{
	size_t i, start;

	sb_addn(out, "", 0);
	for (i = 0; i < kinds->len; i++) {
		if (kinds->p[i] != 'd')
			continue;
		start = i;
		while (i + 1 < kinds->len && kinds->p[i + 1] == 'd')
			i++;
		sb_printf(out, "%s%zu", out->len ? "," : "", start);
		if (i > start)
			sb_printf(out, "-%zu", i);
	}
}

/* Run c in one mode; 0 when everything matched, 1 (and a report) when
 * not. */
static int
run_case_mode(const struct tcase *c, int bytewise, struct sbuf *rep)
{
	const char *how = bytewise ? " (byte at a time)" : "";
	const char *urg = c->urgent ? c->urgent : "";
	const char *dat = c->data ? c->data : "";
	struct sbuf want = { 0 }, ranges = { 0 };
	struct telnet *t;
	struct rec r;
	int bad = 0;

	memset(&r, 0, sizeof(r));
	sb_addn(&want, "", 0);
	sb_addn(&r.trace, "", 0);
	sb_addn(&r.urgent, "", 0);
	if ((t = new_engine(c, &r)) == NULL) {
		sb_printf(rep, "[%s] telnet_new failed\n", c->name);
		return 1;
	}
	run_steps(c, t, &r, bytewise);
	telnet_free(t);

	join_lines(&want, c->trace, MAX_LINES);
	if (strcmp(want.p, r.trace.p) != 0) {
		sb_printf(rep, "[%s]%s trace differs\n--- want\n%s--- got\n%s",
		    c->name, how, want.p, r.trace.p);
		bad = 1;
	}
	if (r.send.len != c->send.n ||
	    (c->send.n && memcmp(r.send.p, c->send.p, c->send.n) != 0)) {
		sb_printf(rep, "[%s]%s SEND bytes differ\n", c->name, how);
		report_bytes(rep, "want", c->send.p, c->send.n);
		report_bytes(rep, "got ", r.send.p, r.send.len);
		bad = 1;
	}
	if (strcmp(urg, r.urgent.p ? r.urgent.p : "") != 0) {
		sb_printf(rep, "[%s]%s urgent offsets differ: want \"%s\" got "
		    "\"%s\"\n", c->name, how, urg, r.urgent.p ? r.urgent.p :
		    "");
		bad = 1;
	}
	data_ranges(&ranges, &r.kinds);
	if (strcmp(dat, ranges.p) != 0) {
		sb_printf(rep, "[%s]%s data bytes differ: want \"%s\" got "
		    "\"%s\"\n", c->name, how, dat, ranges.p);
		bad = 1;
	}
	sb_free(&ranges);
	sb_free(&want);
	rec_free(&r);
	return bad;
}

int
run_case(const struct tcase *c, struct sbuf *report)
{
	int bad = run_case_mode(c, 0, report);

	bad |= run_case_mode(c, 1, report);
	return bad;
}

/* One row of a table, as a cmocka test whose state is the row. */
static void
run_row(void **state)
{
	const struct tcase *c = *state;
	struct sbuf report = { 0 };

	if (run_case(c, &report)) {
		print_error("%s", report.p);
		sb_free(&report);
		fail();
	}
}

int
run_table(const char *group, const struct tcase *tab, size_t n)
{
	struct CMUnitTest *tests;
	size_t i;
	int fails;

	if ((tests = calloc(n, sizeof(*tests))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		tests[i].name = tab[i].name;
		tests[i].test_func = run_row;
		tests[i].initial_state = (void *)(uintptr_t)&tab[i];
	}
	fails = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	free(tests);
	return fails;
}

/* ------------------------------------------------------------------ */
/* Running a byte sequence and capturing the result (for sweeps)        */

void
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

void
capture_free(struct capture *c)
{
	sb_free(&c->trace);
	sb_free(&c->send);
}
