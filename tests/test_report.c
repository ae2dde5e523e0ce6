/* test_report.c - the client report (telnetd/report.c) and the monitor's
 * checks of what the relay sends for it and for START (privsep.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "telnetd.h"

static void
nop_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	(void)t;
	(void)ev;
	(void)ctx;
}

static struct session *
new_session(struct config *cfg)
{
	struct telnet_config tc;
	struct session *s = pages_alloc(sizeof(*s));

	assert_non_null(s);
	memset(cfg, 0, sizeof(*cfg));
	memset(&tc, 0, sizeof(tc));
	tc.policy = negotiate_policy;
	s->cfg = cfg;
	s->host = "192.0.2.7";
	s->t = telnet_new(&tc, nop_cb, s);
	assert_non_null(s->t);
	s->rep = pages_alloc(sizeof(*s->rep));
	assert_non_null(s->rep);
	s->t_begin = now_ms();
	s->pty.fd = -1;
	return s;
}

/* An option's answer, as the engine reports it. */
static void
answer(struct session *s, unsigned char opt, int local, int enabled)
{
	struct telnet_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = TELNET_EV_OPTION;
	ev.u.option.opt = opt;
	ev.u.option.local = local;
	ev.u.option.enabled = enabled;
	report_event(s, &ev);
}

static void
free_session(struct session *s)
{
	telnet_free(s->t);
	pages_free(s->rep, sizeof(*s->rep));
	pages_free(s, sizeof(*s));
}

static void
test_json_contents(void **state)
{
	struct config cfg;
	struct session *s = new_session(&cfg);
	char buf[REPORT_MAX];
	size_t n;

	(void)state;
	s->nterms = 2;
	strcpy(s->terms[0], "xterm-256color");
	strcpy(s->terms[1], "xterm");
	s->ws_col = 100;
	s->ws_row = 30;
	strcpy(s->location, "room \"7\"\\x");
	strcpy(s->env.vars[0].name, "LANG");
	strcpy(s->env.vars[0].value, "C.UTF-8");
	strcpy(s->env.vars[1].name, "TZ");
	strcpy(s->env.vars[1].value, "Europe/Berlin");
	s->env.n = 2;
	strcpy(s->rep->env_denied[s->rep->nenv_denied++], "LD_PRELOAD");
	answer(s, TELOPT_TTYPE, 0, 1);
	answer(s, TELOPT_TTYPE, 0, 0);	/* only the first counts */
	answer(s, TELOPT_ECHO, 1, 0);
	s->rep->slc_seen = 1;
	s->rep->nslc = 1;
	s->rep->slc[0].func = SLC_IP;
	s->rep->slc[0].flags = SLC_VALUE | SLC_FLUSHIN;
	s->rep->slc[0].value = 3;
	n = report_json(s, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_true(buf[0] == '{' && buf[n - 1] == '}');
	assert_int_equal(ps_report_validate(buf, n), 0);
	assert_non_null(strstr(buf, "\"ttype\":[\"xterm-256color\","
	    "\"xterm\"]"));
	assert_non_null(strstr(buf, "{\"option\":\"TTYPE\",\"code\":24,"
	    "\"side\":\"client\",\"answer\":\"agreed\""));
	assert_non_null(strstr(buf, "\"option\":\"ECHO\",\"code\":1,"
	    "\"side\":\"server\",\"answer\":\"refused\""));
	assert_non_null(strstr(buf, "\"naws\":{\"cols\":100,\"rows\":30"));
	/* Accepted variables with their values, refused ones by name. */
	assert_non_null(strstr(buf, "\"accepted\":[\"LANG=C.UTF-8\","
	    "\"TZ=Europe/Berlin\"],\"denied\":[\"LD_PRELOAD\"]"));
	assert_non_null(strstr(buf, "{\"func\":\"IP\",\"code\":3,"
	    "\"level\":\"VALUE\",\"value\":3,\"ack\":false,\"flushin\":true,"
	    "\"flushout\":false}"));
	/* Foreign text escaped. */
	assert_non_null(strstr(buf, "\"location\":\"room \\\"7\\\"\\\\x\""));
	assert_non_null(strstr(buf, "\"linemode\":{\"type\":\"none\","
	    "\"mode\":null}"));
	free_session(s);
}

static void
test_json_is_cut_not_overrun(void **state)
{
	struct config cfg;
	struct session *s = new_session(&cfg);
	char buf[64 + 8];
	size_t n;

	(void)state;
	memset(buf, 'Z', sizeof(buf));
	n = report_json(s, buf, 64);
	assert_true(n < 64);
	assert_int_equal(buf[n], '\0');
	assert_int_equal(buf[64], 'Z');
	free_session(s);
}

static void
test_report_validate(void **state)
{
	(void)state;
	assert_int_equal(ps_report_validate("{\"a\":1}", 7), 0);
	assert_int_equal(ps_report_validate("{\"a\":1}\n", 8), -1);
	assert_int_equal(ps_report_validate("{\"a\":\"\x1b\"}", 9), -1);
	assert_int_equal(ps_report_validate("x", 1), -1);
	assert_int_equal(ps_report_validate("", 0), -1);
}

static void
test_start_extra(void **state)
{
	static struct ps_start req;
	static struct client_env env;
	char extra[4][ENV_MAX_VALUE + 32];
	size_t n;

	(void)state;
	memset(&req, 0, sizeof(req));
	memset(&env, 0, sizeof(env));
	assert_int_equal(ps_start_extra(&req, &env, extra, 4), 0);
	strcpy(req.charset, "UTF-8");
	strcpy(req.location, "lab 3");
	n = ps_start_extra(&req, &env, extra, 4);
	assert_int_equal(n, 2);
	assert_string_equal(extra[0], "LANG=C.UTF-8");
	assert_string_equal(extra[1], "TELNET_LOCATION=lab 3");
	/* The client's own locale wins. */
	strcpy(env.vars[0].name, "LC_ALL");
	strcpy(env.vars[0].value, "de_DE.UTF-8");
	env.n = 1;
	n = ps_start_extra(&req, &env, extra, 4);
	assert_int_equal(n, 1);
	assert_string_equal(extra[0], "TELNET_LOCATION=lab 3");
	strcpy(req.charset, "ISO-8859-1");
	env.n = 0;
	assert_int_equal(ps_start_extra(&req, &env, extra, 4), 1);
}

static void
test_pick_term(void **state)
{
	static struct ps_start req;
	FILE *f;

	(void)state;
	/* Needs the host's terminfo (ncurses-base): vt100 is always in it. */
	if ((f = fopen("/usr/share/terminfo/v/vt100", "r")) == NULL &&
	    (f = fopen("/lib/terminfo/v/vt100", "r")) == NULL)
		skip();
	fclose(f);
	memset(&req, 0, sizeof(req));
	strcpy(req.term, "no-such-term");
	strcpy(req.terms[0], "no-such-term");
	strcpy(req.terms[1], "vt100");
	strcpy(req.terms[2], "xterm");
	req.nterms = 3;
	ps_start_pick_term(&req);
	assert_string_equal(req.term, "vt100");
	/* None known: "dumb", not a name nothing can look up. */
	strcpy(req.term, "aaa-unknown");
	strcpy(req.terms[0], "aaa-unknown");
	req.nterms = 1;
	ps_start_pick_term(&req);
	assert_string_equal(req.term, "dumb");
	/* No terminal type at all: "dumb" too, not an unset TERM. */
	memset(&req, 0, sizeof(req));
	ps_start_pick_term(&req);
	assert_string_equal(req.term, "dumb");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_contents),
		cmocka_unit_test(test_json_is_cut_not_overrun),
		cmocka_unit_test(test_report_validate),
		cmocka_unit_test(test_start_extra),
		cmocka_unit_test(test_pick_term),
	};

	log_init(1, 0, "test_report");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
