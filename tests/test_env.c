/*
 * test_env.c - the client environment allow-list (telnetd/env.c).
 *
 * Tables of {name, value, expected verdict}; names and values carry an
 * explicit length so NULs and 8-bit bytes are ordinary rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "login.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* A string literal with its length, NULs included. */
#define S(lit)		lit, sizeof(lit) - 1

struct env_case {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
	enum env_verdict want;
};

/* Every name that must never reach the program. */
static const char *const forbidden_names[] = {
	"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "LD_DEBUG",
	"LD_BIND_NOW", "LD_ORIGIN_PATH", "LD_PROFILE", "_RLD_ROOT",
	"_RLD_LIST", "_RLDN32_LIST", "_RLD64_LIST", "LIBPATH", "SHLIB_PATH",
	"BASH_ENV", "ENV", "IFS", "PATH", "CDPATH", "SHELLOPTS", "BASHOPTS",
	"PS4", "PS1", "PROMPT_COMMAND", "GLOBIGNORE", "PYTHONPATH",
	"PYTHONSTARTUP", "PYTHONHOME", "PYTHONINSPECT", "PERL5LIB",
	"PERLLIB", "PERL5OPT", "PERL5DB", "RUBYLIB", "RUBYOPT",
	"NODE_OPTIONS", "NODE_PATH", "LOCALDOMAIN", "HOSTALIASES",
	"RES_OPTIONS", "RESOLV_HOST_CONF", "RESOLV_ADD_TRIM_DOMAINS",
	"GCONV_PATH", "NLSPATH", "LOCPATH", "MALLOC_CHECK_", "MALLOC_TRACE",
	"MALLOC_ARENA_MAX", "GLIBC_TUNABLES", "TERMCAP", "TERMINFO",
	"TERMINFO_DIRS", "TMPDIR", "HOME", "SHELL", "MAIL", "KRB5CCNAME",
	"KRB5_CONFIG", "KRB5_KTNAME", "BASH_FUNC_ls%%", "LOGNAME",
	"TZDIR", "ZDOTDIR", "LESSOPEN", "DYLD_INSERT_LIBRARIES",
	"OPENSSL_CONF", "GIT_SSH", "SSH_AUTH_SOCK", "HISTFILE", "FPATH",
	/* lower and mixed case: refused too */
	"ld_preload", "Ld_Preload", "path", "bash_env", "pythonpath",
	"termcap", "ifs",
};

static void
test_forbidden_never_accepted(void **state)
{
	struct env_policy pol;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(forbidden_names); i++) {
		const char *n = forbidden_names[i];
		enum env_verdict v;

		memset(&pol, 0, sizeof(pol));
		why = NULL;
		assert_int_equal(env_policy_add(&pol, n, &why), -1);
		assert_non_null(why);
		assert_int_equal(pol.naccept, 0);
		/* A policy that holds the name anyway (a corrupted or
		 * hand-built one) still refuses it. */
		if (strlen(n) <= ENV_MAX_NAME) {
			strcpy(pol.accept[0], n);
			pol.naccept = 1;
		}
		v = env_check(&pol, n, strlen(n), "x", 1);
		if (strchr(n, '%') != NULL)
			assert_int_equal(v, ENV_BAD_NAME);
		else
			assert_int_equal(v, ENV_FORBIDDEN);
		v = env_check(NULL, n, strlen(n), "/tmp/evil.so", 12);
		assert_true(v == ENV_FORBIDDEN || v == ENV_BAD_NAME);
	}
}

static void
test_forbidden_never_kept(void **state)
{
	struct client_env env;
	size_t i;

	(void)state;
	memset(&env, 0, sizeof(env));
	for (i = 0; i < NELEM(forbidden_names); i++) {
		const char *n = forbidden_names[i];

		assert_int_not_equal(env_add(&env, NULL, n, strlen(n), "x", 1),
		    ENV_OK);
	}
	assert_int_equal(env.n, 0);
	assert_int_equal(env.dropped, NELEM(forbidden_names));
	assert_string_equal(env.user, "");
}

static const struct env_case cases[] = {
	/* the allow-list */
	{ S("LANG"), S("en_US.UTF-8"), ENV_OK },
	{ S("LANG"), S("C"), ENV_OK },
	{ S("LANG"), S("C.UTF-8"), ENV_OK },
	{ S("LANG"), S("de_DE@euro"), ENV_OK },
	{ S("LANGUAGE"), S("de_DE:de:en"), ENV_OK },
	{ S("LC_ALL"), S("en_GB.UTF-8"), ENV_OK },
	{ S("LC_CTYPE"), S("en_US.UTF-8"), ENV_OK },
	{ S("LC_NUMERIC"), S("C"), ENV_OK },
	{ S("LC_TIME"), S("C"), ENV_OK },
	{ S("LC_COLLATE"), S("C"), ENV_OK },
	{ S("LC_MONETARY"), S("C"), ENV_OK },
	{ S("LC_MESSAGES"), S("C"), ENV_OK },
	{ S("LC_PAPER"), S("C"), ENV_OK },
	{ S("LC_NAME"), S("C"), ENV_OK },
	{ S("LC_ADDRESS"), S("C"), ENV_OK },
	{ S("LC_TELEPHONE"), S("C"), ENV_OK },
	{ S("LC_MEASUREMENT"), S("C"), ENV_OK },
	{ S("LC_IDENTIFICATION"), S("C"), ENV_OK },
	{ S("DISPLAY"), S("client.example:0.0"), ENV_OK },
	{ S("DISPLAY"), S(":0"), ENV_OK },
	{ S("DISPLAY"), S("[::1]:10.0"), ENV_OK },
	{ S("TZ"), S("UTC"), ENV_OK },
	{ S("TZ"), S("Europe/Berlin"), ENV_OK },
	{ S("TZ"), S("America/Argentina/Buenos_Aires"), ENV_OK },
	{ S("TZ"), S("EST5EDT,M3.2.0/2,M11.1.0"), ENV_OK },
	{ S("TZ"), S("<+03>-3"), ENV_OK },
	{ S("COLORTERM"), S("truecolor"), ENV_OK },
	/* an empty value for a built-in name is refused */
	{ S("LANG"), S(""), ENV_BAD_VALUE },
	{ S("TZ"), S(""), ENV_BAD_VALUE },
	/* locale names that are paths */
	{ S("LANG"), S("/tmp/evil"), ENV_BAD_VALUE },
	{ S("LANG"), S("../../tmp/evil"), ENV_BAD_VALUE },
	{ S("LC_ALL"), S("en_US/../../../tmp"), ENV_BAD_VALUE },
	{ S("LC_CTYPE"), S(".evil"), ENV_BAD_VALUE },
	{ S("LANG"), S("-x"), ENV_BAD_VALUE },
	{ S("LANG"), S("en US"), ENV_BAD_VALUE },
	{ S("LANG"), S("en_US.UTF-8;id"), ENV_BAD_VALUE },
	{ S("LANG"), S("$(id)"), ENV_BAD_VALUE },
	{ S("LANGUAGE"), S("de:/tmp/x"), ENV_BAD_VALUE },
	/* TZ that glibc would read as a file */
	{ S("TZ"), S(":/etc/shadow"), ENV_BAD_VALUE },
	{ S("TZ"), S(":UTC"), ENV_BAD_VALUE },
	{ S("TZ"), S("/dev/zero"), ENV_BAD_VALUE },
	{ S("TZ"), S("../../../../dev/zero"), ENV_BAD_VALUE },
	{ S("TZ"), S("Europe/../../../../etc/shadow"), ENV_BAD_VALUE },
	{ S("TZ"), S("UTC\n"), ENV_BAD_VALUE },
	/* DISPLAY that is a socket path */
	{ S("DISPLAY"), S("/tmp/.X11-unix/X0"), ENV_BAD_VALUE },
	{ S("DISPLAY"), S("-display"), ENV_BAD_VALUE },
	{ S("DISPLAY"), S("host:0 ; id"), ENV_BAD_VALUE },
	{ S("COLORTERM"), S("true color"), ENV_BAD_VALUE },
	/* not on the list */
	{ S("FOO"), S("bar"), ENV_NOT_ALLOWED },
	{ S("lang"), S("C"), ENV_NOT_ALLOWED },
	{ S("Lang"), S("C"), ENV_NOT_ALLOWED },
	{ S("LC_FOO"), S("C"), ENV_NOT_ALLOWED },
	{ S("EDITOR"), S("vi"), ENV_NOT_ALLOWED },
	{ S("TERM"), S("xterm"), ENV_NOT_ALLOWED },
	{ S("term"), S("xterm"), ENV_NOT_ALLOWED },
	{ S("user"), S("root"), ENV_NOT_ALLOWED },
	/* names that are not plain identifiers */
	{ S(""), S("x"), ENV_BAD_NAME },
	{ S("LANG=C"), S("x"), ENV_BAD_NAME },
	{ S("LD_PRELOAD=/tmp/x.so"), S(""), ENV_BAD_NAME },
	{ S("MY-VAR"), S("x"), ENV_BAD_NAME },
	{ S("MY VAR"), S("x"), ENV_BAD_NAME },
	{ S(" LANG"), S("C"), ENV_BAD_NAME },
	{ S("LANG "), S("C"), ENV_BAD_NAME },
	{ S("LANG\0"), S("C"), ENV_BAD_NAME },
	{ S("LA\0NG"), S("C"), ENV_BAD_NAME },
	{ S("LD_PRELOAD\0"), S("x"), ENV_BAD_NAME },
	{ S("\0LD_PRELOAD"), S("x"), ENV_BAD_NAME },
	{ S("LANG\xc3\xa9"), S("C"), ENV_BAD_NAME },
	{ S("\xff"), S("x"), ENV_BAD_NAME },
	{ S("\x80LANG"), S("x"), ENV_BAD_NAME },
	{ S("9LANG"), S("x"), ENV_BAD_NAME },
	{ S("LANG\n"), S("x"), ENV_BAD_NAME },
	{ S("LANG\t"), S("x"), ENV_BAD_NAME },
	{ S("BASH_FUNC_ls%%"), S("() { id; }"), ENV_BAD_NAME },
	{ S("LANG.UTF"), S("x"), ENV_BAD_NAME },
	/* USER: only a plain user name */
	{ S("USER"), S("bob"), ENV_OK },
	{ S("USER"), S("alice.smith"), ENV_OK },
	{ S("USER"), S("_svc"), ENV_OK },
	{ S("USER"), S("host01$"), ENV_OK },
	{ S("USER"), S("-f root"), ENV_BAD_USER },
	{ S("USER"), S("-froot"), ENV_BAD_USER },
	{ S("USER"), S("-f"), ENV_BAD_USER },
	{ S("USER"), S("root -f"), ENV_BAD_USER },
	{ S("USER"), S("root\n"), ENV_BAD_USER },
	{ S("USER"), S("root\r"), ENV_BAD_USER },
	{ S("USER"), S("ro\nt"), ENV_BAD_USER },
	{ S("USER"), S("root\0"), ENV_BAD_USER },
	{ S("USER"), S("root\0-f"), ENV_BAD_USER },
	{ S("USER"), S("root\t"), ENV_BAD_USER },
	{ S("USER"), S(""), ENV_BAD_USER },
	{ S("USER"), S("--"), ENV_BAD_USER },
	{ S("USER"), S(".hidden"), ENV_BAD_USER },
	{ S("USER"), S("a$b"), ENV_BAD_USER },
	{ S("USER"), S("$"), ENV_BAD_USER },
	{ S("USER"), S("r\xc3\xb6t"), ENV_BAD_USER },
	{ S("USER"), S("root;id"), ENV_BAD_USER },
	{ S("USER"), S("../root"), ENV_BAD_USER },
	{ S("USER"), S("a/b"), ENV_BAD_USER },
};

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		const struct env_case *c = &cases[i];
		struct client_env env;
		enum env_verdict v;

		v = env_check(NULL, c->name, c->name_len, c->value,
		    c->value_len);
		if (v != c->want)
			fail_msg("row %zu (%.*s): env_check %s, want %s", i,
			    (int)c->name_len, c->name, env_verdict_str(v),
			    env_verdict_str(c->want));
		memset(&env, 0, sizeof(env));
		v = env_add(&env, NULL, c->name, c->name_len, c->value,
		    c->value_len);
		assert_int_equal(v, c->want);
		if (c->want != ENV_OK) {
			assert_int_equal(env.n, 0);
			assert_int_equal(env.dropped, 1);
			assert_string_equal(env.user, "");
		} else if (c->name_len == 4 && memcmp(c->name, "USER", 4) ==
		    0) {
			assert_int_equal(env.n, 0);	/* never a variable */
			assert_memory_equal(env.user, c->value, c->value_len);
			assert_int_equal(env.user[c->value_len], '\0');
		} else {
			assert_int_equal(env.n, 1);
			assert_string_equal(env.vars[0].name, c->name);
			assert_string_equal(env.vars[0].value, c->value);
			assert_int_equal(env.dropped, 0);
		}
	}
}

/* Every control character, in every kept variable and in an admin-added
 * one, refuses the value. */
static void
test_control_chars(void **state)
{
	static const char *const names[] = { "LANG", "LC_ALL", "TZ",
	    "DISPLAY", "LANGUAGE", "COLORTERM", "MYVAR", "USER" };
	struct env_policy pol;
	char val[8];
	size_t i;
	int c;

	(void)state;
	memset(&pol, 0, sizeof(pol));
	assert_int_equal(env_policy_add(&pol, "MYVAR", NULL), 0);
	for (i = 0; i < NELEM(names); i++) {
		for (c = 0; c < 256; c++) {
			enum env_verdict v;

			if (c >= 0x20 && c < 0x7f)
				continue;
			memcpy(val, "C", 1);
			val[1] = (char)c;
			memcpy(val + 2, "C", 1);
			v = env_check(&pol, names[i], strlen(names[i]), val,
			    3);
			assert_int_not_equal(v, ENV_OK);
		}
	}
	/* an ordinary printable value for MYVAR is fine */
	assert_int_equal(env_check(&pol, "MYVAR", 5, "a b=c;d", 7), ENV_OK);
}

/* Values at, under and over ENV_MAX_VALUE. */
static void
test_value_length_sweep(void **state)
{
	struct env_policy pol;
	char *val;
	size_t len;

	(void)state;
	memset(&pol, 0, sizeof(pol));
	assert_int_equal(env_policy_add(&pol, "MYVAR", NULL), 0);
	val = malloc(10 * 1024);
	assert_non_null(val);
	memset(val, 'a', 10 * 1024);
	for (len = 0; len <= ENV_MAX_VALUE + 2; len++) {
		enum env_verdict want = len <= ENV_MAX_VALUE ? ENV_OK :
		    ENV_BAD_VALUE;
		struct client_env env;

		assert_int_equal(env_check(&pol, "MYVAR", 5, val, len), want);
		if (len > 0)
			assert_int_equal(env_check(&pol, "LANG", 4, val, len),
			    want);
		memset(&env, 0, sizeof(env));
		assert_int_equal(env_add(&env, &pol, "MYVAR", 5, val, len),
		    want);
		if (want == ENV_OK)
			assert_int_equal(strlen(env.vars[0].value), len);
	}
	assert_int_equal(env_check(&pol, "MYVAR", 5, val, 10 * 1024),
	    ENV_BAD_VALUE);
	free(val);
}

/* Names at, under and over ENV_MAX_NAME. */
static void
test_name_length_sweep(void **state)
{
	struct env_policy pol;
	char name[ENV_MAX_NAME + 8];
	size_t len;

	(void)state;
	for (len = 1; len <= ENV_MAX_NAME + 4; len++) {
		const char *why;

		memset(name, 'A', len);
		name[len] = '\0';
		memset(&pol, 0, sizeof(pol));
		if (len <= ENV_MAX_NAME) {
			assert_int_equal(env_policy_add(&pol, name, &why), 0);
			assert_int_equal(env_check(&pol, name, len, "x", 1),
			    ENV_OK);
		} else {
			assert_int_equal(env_policy_add(&pol, name, &why), -1);
			assert_int_equal(env_check(&pol, name, len, "x", 1),
			    ENV_BAD_NAME);
		}
	}
}

static void
test_user_sequence(void **state)
{
	static const struct {
		const char *v;
		size_t len;
		const char *user_after;
	} seq[] = {
		{ S("bob"), "bob" },
		{ S("alice"), "alice" },	/* a later one replaces */
		{ S("-f root"), "" },		/* a refused one leaves none */
		{ S("carol"), "carol" },
		{ S("carol\n"), "" },
	};
	struct client_env env;
	size_t i;

	(void)state;
	memset(&env, 0, sizeof(env));
	for (i = 0; i < NELEM(seq); i++) {
		env_add(&env, NULL, "USER", 4, seq[i].v, seq[i].len);
		assert_string_equal(env.user, seq[i].user_after);
		assert_int_equal(env.n, 0);
	}
	assert_int_equal(env.dropped, 2);
}

static void
test_user_10k(void **state)
{
	struct client_env env;
	char *big;

	(void)state;
	big = malloc(10 * 1024);
	assert_non_null(big);
	memset(big, 'a', 10 * 1024);
	memset(&env, 0, sizeof(env));
	assert_int_equal(env_add(&env, NULL, "USER", 4, big, 10 * 1024),
	    ENV_BAD_USER);
	assert_string_equal(env.user, "");
	assert_int_equal(user_name_ok(big, 10 * 1024), 0);
	free(big);
}

static const struct {
	const char *s;
	size_t len;
	int ok;
} user_rows[] = {
	{ S("root"), 1 }, { S("bob"), 1 }, { S("a"), 1 }, { S("0"), 1 },
	{ S("_x"), 1 }, { S("a.b-c_d"), 1 }, { S("WS01$"), 1 },
	{ S("-f root"), 0 }, { S("-froot"), 0 }, { S("root -f"), 0 },
	{ S("-"), 0 }, { S("--"), 0 }, { S("-h"), 0 }, { S("root\n"), 0 },
	{ S("\nroot"), 0 }, { S(""), 0 }, { S(" root"), 0 },
	{ S("root "), 0 }, { S("ro ot"), 0 }, { S("ro\0ot"), 0 },
	{ S("root\x7f"), 0 }, { S("\xe9t\xe9"), 0 }, { S(".x"), 0 },
	{ S("a$$"), 0 }, { S("$a"), 0 }, { S("a=b"), 0 }, { S("a:b"), 0 },
	{ S("a/b"), 0 }, { S("a@b"), 0 }, { S("a\\b"), 0 },
};

static void
test_user_name_ok(void **state)
{
	char name[USER_NAME_MAX + 4];
	size_t i, len;

	(void)state;
	for (i = 0; i < NELEM(user_rows); i++)
		if (user_name_ok(user_rows[i].s, user_rows[i].len) !=
		    user_rows[i].ok)
			fail_msg("user row %zu", i);
	assert_int_equal(user_name_ok(NULL, 0), 0);
	for (len = 1; len <= USER_NAME_MAX + 3; len++) {
		memset(name, 'u', len);
		assert_int_equal(user_name_ok(name, len),
		    len <= USER_NAME_MAX);
	}
}

static const struct {
	const char *s;
	size_t len;
	int ok;
} term_rows[] = {
	{ S("xterm"), 1 }, { S("xterm-256color"), 1 }, { S("vt100"), 1 },
	{ S("screen.xterm-256color"), 1 }, { S("rxvt-unicode+x"), 1 },
	{ S("ansi_x"), 1 }, { S("-xterm"), 0 }, { S(".xterm"), 0 },
	{ S(""), 0 }, { S("xterm\n"), 0 }, { S("../../tmp/t"), 0 },
	{ S("a/b"), 0 }, { S("x term"), 0 }, { S("x\0y"), 0 },
	{ S("xterm\xff"), 0 }, { S("x=y"), 0 },
};

static void
test_term_name_ok(void **state)
{
	char name[TERM_MAX + 4];
	size_t i, len;

	(void)state;
	for (i = 0; i < NELEM(term_rows); i++)
		if (term_name_ok(term_rows[i].s, term_rows[i].len) !=
		    term_rows[i].ok)
			fail_msg("term row %zu", i);
	assert_int_equal(term_name_ok(NULL, 0), 0);
	for (len = 1; len <= TERM_MAX + 3; len++) {
		memset(name, 't', len);
		assert_int_equal(term_name_ok(name, len), len <= TERM_MAX);
	}
}

static void
test_policy_add(void **state)
{
	static const char *const bad[] = { "", "1X", "A-B", "A B", "A=B",
	    "USER", "user", "TERM", "Term", "LD_PRELOAD", "\xe9" };
	struct env_policy pol;
	char name[16];
	const char *why;
	size_t i;

	(void)state;
	memset(&pol, 0, sizeof(pol));
	for (i = 0; i < NELEM(bad); i++) {
		why = NULL;
		assert_int_equal(env_policy_add(&pol, bad[i], &why), -1);
		assert_non_null(why);
	}
	assert_int_equal(env_policy_add(&pol, NULL, &why), -1);
	assert_int_equal(pol.naccept, 0);
	/* built-in names and duplicates are accepted without a slot */
	assert_int_equal(env_policy_add(&pol, "LANG", &why), 0);
	assert_int_equal(env_policy_add(&pol, "X_ONE", &why), 0);
	assert_int_equal(env_policy_add(&pol, "X_ONE", &why), 0);
	assert_int_equal(pol.naccept, 1);
	for (i = 1; i < ENV_MAX_ACCEPT; i++) {
		snprintf(name, sizeof(name), "X_%zu", i);
		assert_int_equal(env_policy_add(&pol, name, &why), 0);
	}
	assert_int_equal(pol.naccept, ENV_MAX_ACCEPT);
	assert_int_equal(env_policy_add(&pol, "ONE_TOO_MANY", &why), -1);
	assert_non_null(why);
	/* accepted names are case-sensitive */
	assert_int_equal(env_check(&pol, "X_ONE", 5, "v", 1), ENV_OK);
	assert_int_equal(env_check(&pol, "x_one", 5, "v", 1),
	    ENV_NOT_ALLOWED);
	/* without the policy the name is not allowed */
	assert_int_equal(env_check(NULL, "X_ONE", 5, "v", 1),
	    ENV_NOT_ALLOWED);
}

/* At most ENV_MAX_VARS are kept; a later value replaces an earlier one
 * even when full; the count never grows past the cap. */
static void
test_too_many(void **state)
{
	struct env_policy pol;
	struct client_env env;
	char name[16];
	size_t i;

	(void)state;
	memset(&pol, 0, sizeof(pol));
	memset(&env, 0, sizeof(env));
	for (i = 0; i < ENV_MAX_ACCEPT; i++) {
		snprintf(name, sizeof(name), "V%zu", i);
		assert_int_equal(env_policy_add(&pol, name, NULL), 0);
	}
	for (i = 0; i < ENV_MAX_VARS; i++) {
		snprintf(name, sizeof(name), "V%zu", i);
		assert_int_equal(env_add(&env, &pol, name, strlen(name), "1",
		    1), ENV_OK);
	}
	assert_int_equal(env.n, ENV_MAX_VARS);
	assert_int_equal(env_add(&env, &pol, "LANG", 4, "C", 1),
	    ENV_TOO_MANY);
	assert_int_equal(env_add(&env, &pol, "V0", 2, "2", 1), ENV_OK);
	assert_string_equal(env.vars[0].value, "2");
	assert_int_equal(env.n, ENV_MAX_VARS);
	assert_int_equal(env.dropped, 1);
	/* USER does not take a slot */
	assert_int_equal(env_add(&env, &pol, "USER", 4, "bob", 3), ENV_OK);
	assert_string_equal(env.user, "bob");
	/* 10,000 more changes nothing */
	for (i = 0; i < 10000; i++)
		env_add(&env, &pol, "LANG", 4, "C", 1);
	assert_int_equal(env.n, ENV_MAX_VARS);
	assert_int_equal(env.dropped, 10001);
}

static void
test_replace(void **state)
{
	struct client_env env;

	(void)state;
	memset(&env, 0, sizeof(env));
	assert_int_equal(env_add(&env, NULL, "LANG", 4, "en_US.UTF-8", 11),
	    ENV_OK);
	assert_int_equal(env_add(&env, NULL, "LANG", 4, "C", 1), ENV_OK);
	assert_int_equal(env.n, 1);
	assert_string_equal(env.vars[0].value, "C");
	/* a refused later value keeps the earlier good one */
	assert_int_equal(env_add(&env, NULL, "LANG", 4, "/tmp/x", 6),
	    ENV_BAD_VALUE);
	assert_string_equal(env.vars[0].value, "C");
}

static void
test_verdict_str(void **state)
{
	int v;

	(void)state;
	for (v = ENV_OK; v <= ENV_TOO_LONG; v++) {
		assert_non_null(env_verdict_str((enum env_verdict)v));
		assert_string_not_equal(env_verdict_str((enum env_verdict)v),
		    "unknown verdict");
	}
}

/* The operator's lower bounds (--max-env, --max-env-size): the count and
 * the value size, swept around the bound; USER and unknown names keep
 * their own verdicts. */
static void
test_policy_limits(void **state)
{
	struct env_policy pol;
	struct client_env env;
	char val[ENV_MAX_VALUE + 1], name[16];
	size_t max, len, i;

	(void)state;
	memset(val, 'a', sizeof(val));
	for (max = 1; max <= 12; max++) {
		memset(&pol, 0, sizeof(pol));
		pol.max_value = max;
		assert_int_equal(env_policy_add(&pol, "MYVAR", NULL), 0);
		for (len = 0; len <= max + 2; len++) {
			enum env_verdict want = len <= max ? ENV_OK :
			    ENV_TOO_LONG;

			assert_int_equal(env_check(&pol, "MYVAR", 5, val,
			    len), want);
			if (len > 0)
				assert_int_equal(env_check(&pol, "LANG", 4,
				    val, len), want);
		}
		assert_int_equal(env_check(&pol, "NOTLISTED", 9, val,
		    max + 1), ENV_NOT_ALLOWED);
		assert_int_equal(env_check(&pol, "LD_PRELOAD", 10, val,
		    max + 1), ENV_FORBIDDEN);
		assert_int_equal(env_check(&pol, "USER", 4, "bob", 3),
		    ENV_OK);

		memset(&pol, 0, sizeof(pol));
		pol.max_vars = max;
		memset(&env, 0, sizeof(env));
		for (i = 0; i < max + 3; i++) {
			snprintf(name, sizeof(name), "V%zu", i);
			assert_int_equal(env_policy_add(&pol, name, NULL), 0);
			assert_int_equal(env_add(&env, &pol, name,
			    strlen(name), "x", 1), i < max ? ENV_OK :
			    ENV_TOO_MANY);
		}
		assert_int_equal(env.n, max);
		/* replacing a kept one still works at the bound */
		assert_int_equal(env_add(&env, &pol, "V0", 2, "y", 1), ENV_OK);
		assert_int_equal(env.n, max);
	}
	/* a bound above the compile-time one changes nothing */
	memset(&pol, 0, sizeof(pol));
	pol.max_vars = ENV_MAX_VARS + 10;
	memset(&env, 0, sizeof(env));
	for (i = 0; i < ENV_MAX_VARS + 2 && i < ENV_MAX_ACCEPT; i++) {
		snprintf(name, sizeof(name), "W%zu", i);
		assert_int_equal(env_policy_add(&pol, name, NULL), 0);
		(void)env_add(&env, &pol, name, strlen(name), "x", 1);
	}
	assert_true(env.n <= ENV_MAX_VARS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forbidden_never_accepted),
		cmocka_unit_test(test_forbidden_never_kept),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_value_length_sweep),
		cmocka_unit_test(test_name_length_sweep),
		cmocka_unit_test(test_user_sequence),
		cmocka_unit_test(test_user_10k),
		cmocka_unit_test(test_user_name_ok),
		cmocka_unit_test(test_term_name_ok),
		cmocka_unit_test(test_policy_add),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_verdict_str),
		cmocka_unit_test(test_policy_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
