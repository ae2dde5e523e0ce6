/* test_report.c - the client report (telnetd/report.c) and the monitor's
 * checks of what the relay sends for it and for START (privsep.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
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
	pages_free(s->probe, sizeof(*s->probe));
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

/* ---- probes and fingerprints (probe.c, fingerprint.c) --------------- */

/* A session as after the probes of an inetutils-like client. */
static struct session *
probed_session(struct config *cfg)
{
	struct session *s = new_session(cfg);
	struct probe *p;

	cfg->report = REPORT_SHOW;
	s->probe = pages_alloc(sizeof(*s->probe));
	assert_non_null(s->probe);
	p = s->probe;
	p->plan = PLAN_FULL;
	p->step = PROBE_DONE;
	p->tm_answer = 1;
	/* Opening: TTYPE agreed; burst: BINARY both ways agreed, NAOL
	 * refused, KERMIT silent on the client side; an offer of SGA. */
	p->first[TELOPT_TTYPE][0] = FIRST_AGREED;
	p->asked[TELOPT_BINARY][0] = p->asked[TELOPT_BINARY][1] = ASK_PROBE;
	p->first[TELOPT_BINARY][0] = p->first[TELOPT_BINARY][1] =
	    FIRST_AGREED;
	p->ms[TELOPT_BINARY][0] = 3;
	p->asked[8][0] = p->asked[8][1] = ASK_PROBE;
	p->first[8][0] = p->first[8][1] = FIRST_REFUSED;
	p->asked[47][0] = ASK_PROBE;
	p->first[TELOPT_SGA][0] = FIRST_OFFERED;
	p->offers[0][0] = TELNET_WILL;
	p->offers[0][1] = TELOPT_SGA;
	p->noffers = 1;
	p->ttype_end = TTYPE_END_REPEAT;
	s->nterms = 1;
	strcpy(s->terms[0], "xterm-256color");
	s->rep->slc_seen = 1;
	s->rep->nslc = 2;
	s->rep->slc[0].func = SLC_EC;
	s->rep->slc[0].flags = SLC_VALUE;
	s->rep->slc[0].value = 0x7f;
	s->rep->slc[1].func = SLC_IP;
	s->rep->slc[1].flags = SLC_VALUE | SLC_FLUSHIN | SLC_FLUSHOUT;
	s->rep->slc[1].value = 3;
	return s;
}

static void
test_fingerprint_text(void **state)
{
	struct config cfg;
	struct session *s = probed_session(&cfg);
	char text[FP_TEXT_MAX], h1[17], h2[17];
	size_t n;

	(void)state;
	n = fp_protocol_text(s, text, sizeof(text));
	assert_int_equal(n, strlen(text));
	assert_string_equal(text, "p1;plan=full;opts=0:AA,3:O-,8:RR,24:A-,"
	    "47:S-;offers=WILL 3;tm=W;ttype=1:*/repeat;slc=3:2io,10:2");
	fp_hash(text, n, h1);
	assert_true(fp_hash_ok(h1, strlen(h1)));

	/* Not in it: timings, the user's terminal name, the SLC
	 * characters, the order of the SLC table. */
	s->probe->ms[TELOPT_BINARY][0] = 400;
	strcpy(s->terms[0], "vt100");
	s->rep->slc[0].value = 8;
	s->rep->slc[1].value = 0x7f;
	n = fp_protocol_text(s, text, sizeof(text));
	fp_hash(text, n, h2);
	assert_string_equal(h1, h2);
	/* In it: a different answer, a client's own name. */
	s->probe->first[47][0] = FIRST_REFUSED;
	n = fp_protocol_text(s, text, sizeof(text));
	fp_hash(text, n, h2);
	assert_string_not_equal(h1, h2);
	strcpy(s->terms[0], "tintin++");
	n = fp_protocol_text(s, text, sizeof(text));
	assert_non_null(strstr(text, ";ttype=1:tintin++/repeat;"));
	free_session(s);
}

static void
test_fingerprint_terminal(void **state)
{
	struct tp_result r;
	char text[FP_TEXT_MAX];

	(void)state;
	memset(&r, 0, sizeof(r));
	/* Not run, or nothing answered: no terminal fingerprint. */
	assert_int_equal(fp_terminal_text(&r, text, sizeof(text)), 0);
	r.ran = 1;
	assert_int_equal(fp_terminal_text(&r, text, sizeof(text)), 0);
	r.answered = 1;
	strcpy(r.da1, "1;2");
	strcpy(r.da2, "84;0;0");
	strcpy(r.xtversion, "tmux 3.3a");
	r.wide = 2;
	r.combining = 1;
	r.c1 = 0;
	r.rows = 30;
	r.cols = 90;
	(void)fp_terminal_text(&r, text, sizeof(text));
	assert_string_equal(text, "t1;enq=0;da1=1;2;da2=84;0;0;"
	    "xtv=tmux 3.3a;wide=2;comb=1;c1=0");
	/* The screen size is not in it. */
	r.rows = 50;
	assert_string_equal(text, "t1;enq=0;da1=1;2;da2=84;0;0;"
	    "xtv=tmux 3.3a;wide=2;comb=1;c1=0");
}

static void
test_fingerprint_hash(void **state)
{
	char h[17];

	(void)state;
	/* SHA-256("abc") begins ba7816bf8f01cfea (FIPS 180-2, B.1). */
	fp_hash("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea");
	assert_true(fp_hash_ok("0123456789abcdef", 16));
	assert_false(fp_hash_ok("0123456789ABCDEF", 16));
	assert_false(fp_hash_ok("0123456789abcde", 15));
	assert_false(fp_hash_ok("../../etc/passwd", 16));
	assert_false(fp_hash_ok("0123456789abcdeg", 16));
}

/* The database: well-formed, and two entries of a kind never share a
 * hash (two clients never share a fingerprint). */
static void
test_fingerprint_db(void **state)
{
	const struct fp_entry *e, *f;
	size_t n = 0;

	(void)state;
	for (e = fp_db; e->hash[0] != '\0'; e++, n++) {
		assert_true(e->kind == FP_PROTOCOL || e->kind == FP_TERMINAL);
		assert_true(fp_hash_ok(e->hash, strlen(e->hash)));
		assert_true(e->name[0] != '\0');
		assert_ptr_equal(fp_name(e->kind, e->hash), e->name);
		for (f = e + 1; f->hash[0] != '\0'; f++)
			assert_false(e->kind == f->kind &&
			    strcmp(e->hash, f->hash) == 0);
	}
	assert_null(fp_name(FP_PROTOCOL, "0000000000000000"));
}

static void
test_json_probe(void **state)
{
	struct config cfg;
	struct session *s = probed_session(&cfg);
	static char buf[REPORT_MAX];
	const char *line, *end;
	size_t n;

	(void)state;
	s->probe->sent = 5;
	s->probe->tp.res.ran = 1;
	s->probe->tp.res.answered = 1;
	s->probe->tp.res.stopped = TP_NSTEPS;
	strcpy(s->probe->tp.res.da1, "62;22");
	strcpy(s->probe->tp.res.xtversion, "a\"b");
	s->probe->tp.res.rows = 24;
	s->probe->tp.res.cols = 80;
	s->probe->tp.res.wide = 2;
	s->probe->tp.res.combining = 1;
	s->probe->tp.res.c1 = -1;
	s->ws_col = 80;
	s->ws_row = 24;
	fp_compute(s);
	n = report_json(s, buf, sizeof(buf));
	assert_int_equal(ps_report_validate(buf, n), 0);
	assert_non_null(strstr(buf, ",\"mode\":\"show\","));
	assert_non_null(strstr(buf, "\"probe\":{\"plan\":\"full\",\"sent\":5,"));
	assert_non_null(strstr(buf, "\"client\":{\"agreed\":{\"BINARY\":3},"
	    "\"refused\":{\"NAOL\":0},\"silent\":[\"KERMIT\"]}"));
	assert_non_null(strstr(buf, "\"offers\":[\"WILL SGA\"]"));
	assert_non_null(strstr(buf, "\"da1\":\"62;22\",\"da1_means\":"
	    "\"VT220 class, ANSI color\""));
	assert_non_null(strstr(buf, "\"xtversion\":\"a\\\"b\""));
	assert_non_null(strstr(buf, "\"size\":{\"rows\":24,\"cols\":80},"
	    "\"naws_matches\":true"));
	assert_non_null(strstr(buf, "\"utf8\":true,\"c1\":null"));
	assert_non_null(strstr(buf, "\"fingerprint\":{\"protocol\":\""));
	assert_non_null(strstr(buf, "\"protocol_text\":\"p1;plan=full;"));
	/* The text form says the same. */
	n = report_text(s, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(buf, "option probe: full, 5 requests"));
	assert_non_null(strstr(buf, "client side agreed (WILL): BINARY "
	    "(3 ms)"));
	assert_non_null(strstr(buf, "DA1 ?62;22c: VT220 class, ANSI color"));
	assert_non_null(strstr(buf, "screen: 80 columns x 24 rows (as NAWS "
	    "said)"));
	assert_non_null(strstr(buf, "fingerprint: protocol "));
	/* Each line fits an 80-column screen, the fingerprints' too. */
	for (line = buf; (end = strstr(line, "\r\n")) != NULL; line = end + 2)
		assert_in_range(end - line, 0, 79);
	free_session(s);
}

/* 1 when p[0..n) is whole JSON as far as a cut shows: every string ends,
 * every escape is one JSON has, every bracket is closed by its own kind. */
static int
json_whole(const char *p, size_t n)
{
	char stack[64];
	size_t i, depth = 0;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		if (in_str) {
			if (p[i] == '"')
				in_str = 0;
			else if (p[i] == '\\') {
				if (++i >= n || strchr("\"\\/bfnrtu", p[i]) ==
				    NULL)
					return 0;
				if (p[i] == 'u' && (i + 4 >= n ||
				    strspn(p + i + 1, "0123456789abcdef") < 4))
					return 0;
			}
		} else if (p[i] == '"')
			in_str = 1;
		else if (p[i] == '{' || p[i] == '[') {
			if (depth == sizeof(stack))
				return 0;
			stack[depth++] = p[i] == '{' ? '}' : ']';
		} else if (p[i] == '}' || p[i] == ']') {
			if (depth == 0 || stack[--depth] != p[i])
				return 0;
		}
	}
	return !in_str && depth == 0;
}

/* The report stays one whole JSON line when the client's strings escape
 * to more than REPORT_MAX: 32 variables (--accept-env names take any
 * printable value) of 256 quotes, each one written \". */
static void
test_json_whole_when_long(void **state)
{
	struct config cfg;
	struct session *s = probed_session(&cfg);
	static char buf[REPORT_MAX];
	size_t i, n;

	(void)state;
	for (i = 0; i < ENV_MAX_VARS; i++) {
		snprintf(s->env.vars[i].name, sizeof(s->env.vars[i].name),
		    "V%02zu", i);
		memset(s->env.vars[i].value, '"', ENV_MAX_VALUE);
		s->env.vars[i].value[ENV_MAX_VALUE] = '\0';
	}
	s->env.n = ENV_MAX_VARS;
	fp_compute(s);
	n = report_json(s, buf, sizeof(buf));
	assert_int_equal(ps_report_validate(buf, n), 0);
	assert_true(json_whole(buf, n));
	/* What was left out is said, and what names the client is there. */
	assert_non_null(strstr(buf, "\"cut\":true"));
	assert_non_null(strstr(buf, "\"accepted\":[\"V00\",\"V01\","));
	assert_non_null(strstr(buf, "\"fingerprint\":{\"protocol\":\""));
	/* Too small for all but the host and the fingerprints. */
	n = report_json(s, buf, 200);
	assert_true(n > 0 && json_whole(buf, n));
	assert_non_null(strstr(buf, ",\"cut\":true,\"fingerprint\":{"));
	/* A report that fits is not cut. */
	s->env.n = 2;
	n = report_json(s, buf, sizeof(buf));
	assert_true(json_whole(buf, n));
	assert_non_null(strstr(buf, "\"cut\":false"));
	free_session(s);
}

/* --report-dir: files named by the hashes, new ones only, in a directory
 * of ours that no one else may write to. */
static void
test_report_dir(void **state)
{
	char dir[] = "/tmp/test_report_dir.XXXXXX", path[256], link[256];
	const char *why = NULL;
	const char *p = "0123456789abcdef", *t = "fedcba9876543210";
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(report_dir_check(dir, &why), 0);
	assert_int_equal(report_dir_save(dir, p, t, "{\"a\":1}", 7), 1);
	snprintf(path, sizeof(path), "%s/%s-%s.json", dir, p, t);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 8);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* Not new: not written again. */
	assert_int_equal(report_dir_save(dir, p, t, "{\"b\":2}", 7), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 8);
	/* No terminal fingerprint: PROTOCOL.json. */
	assert_int_equal(report_dir_save(dir, p, "", "{}", 2), 1);
	snprintf(path, sizeof(path), "%s/%s.json", dir, p);
	assert_int_equal(stat(path, &st), 0);
	/* A link planted under a new name is not followed. */
	snprintf(link, sizeof(link), "%s/%s.json", dir, t);
	assert_int_equal(symlink("/tmp/test_report_dir_target", link), 0);
	assert_int_equal(report_dir_save(dir, t, "", "{}", 2), 0);
	assert_int_equal(access("/tmp/test_report_dir_target", F_OK), -1);
	unlink(link);
	/* Names are hashes only. */
	assert_int_equal(report_dir_save(dir, "../../../etc/x", "", "{}", 2),
	    -1);
	assert_int_equal(report_dir_save(dir, p, "../x", "{}", 2), -1);
	/* A directory others may write to, even sticky, is refused. */
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(report_dir_check(dir, &why), -1);
	assert_string_equal(why, "writable by group or others");
	assert_int_equal(report_dir_save(dir, t, "", "{}", 2), -1);
	assert_int_equal(chmod(dir, 0755), 0);
	/* A link to a directory, a file. */
	snprintf(link, sizeof(link), "%s.link", dir);
	assert_int_equal(symlink(dir, link), 0);
	assert_int_equal(report_dir_check(link, &why), -1);
	assert_string_equal(why, "a symbolic link");
	unlink(link);
	snprintf(path, sizeof(path), "%s/%s.json", dir, p);
	assert_int_equal(report_dir_check(path, &why), -1);
	assert_string_equal(why, "not a directory");
	/* Another user's directory (as root: chown it away). */
	if (geteuid() == 0) {
		assert_int_equal(chown(dir, 65534, 65534), 0);
		assert_int_equal(report_dir_check(dir, &why), -1);
		assert_string_equal(why, "owned by another user");
		assert_int_equal(chown(dir, 0, 0), 0);
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* At most REPORT_DIR_MAX files: a client that makes new fingerprints
 * fills no disk. */
static void
test_report_dir_full(void **state)
{
	char dir[] = "/tmp/test_report_dir.XXXXXX", path[256];
	char h[17];
	int i, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	for (i = 0; i < REPORT_DIR_MAX - 1; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		close(fd);
	}
	fp_hash("1", 1, h);
	assert_int_equal(report_dir_save(dir, h, "", "{}", 2), 1);
	fp_hash("2", 1, h);
	assert_int_equal(report_dir_save(dir, h, "", "{}", 2), -1);
	snprintf(path, sizeof(path), "%s/%s.json", dir, h);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
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
		cmocka_unit_test(test_fingerprint_text),
		cmocka_unit_test(test_fingerprint_terminal),
		cmocka_unit_test(test_fingerprint_hash),
		cmocka_unit_test(test_fingerprint_db),
		cmocka_unit_test(test_json_probe),
		cmocka_unit_test(test_json_whole_when_long),
		cmocka_unit_test(test_report_dir),
		cmocka_unit_test(test_report_dir_full),
	};

	log_init(1, 0, "test_report");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
