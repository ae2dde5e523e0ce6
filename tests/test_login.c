/*
 * test_login.c - the login command line and environment (telnetd/login.c).
 *
 * Tables: -E strings with the words they parse into (or the refusal), and
 * {template, variables, expected argv}.  The hostile user names of the
 * telnetd CVEs run through every template: the argument count never
 * changes and no word that a client filled starts with '-'.
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
#define MAXW		8

extern char **environ;

struct parse_case {
	const char *s;
	int ok;
	const char *words[MAXW];	/* NULL-terminated */
};

static const struct parse_case parse_cases[] = {
	{ "/bin/login", 1, { "/bin/login" } },
	{ "/bin/login -p -h %h", 1, { "/bin/login", "-p", "-h", "%h" } },
	{ "  /usr/bin/prog\t%u  \t %T ", 1,
	    { "/usr/bin/prog", "%u", "%T" } },
	{ "/bin/echo 100%% %h:%t", 1, { "/bin/echo", "100%%", "%h:%t" } },
	{ "/bin/prog --user=%u", 1, { "/bin/prog", "--user=%u" } },
	{ "", 0, { NULL } },
	{ "   \t ", 0, { NULL } },
	{ "/bin/login %x", 0, { NULL } },
	{ "/bin/login %", 0, { NULL } },
	{ "/bin/login %U", 0, { NULL } },
	{ "/bin/login %?u{-f %u}{%U}", 0, { NULL } },
	{ "/bin/login 50%", 0, { NULL } },
	{ "login -p", 0, { NULL } },		/* not an absolute path */
	{ "%u", 0, { NULL } },			/* client picks the program */
	{ "/bin/%u", 0, { NULL } },
	{ "/bin/login\n-f root", 0, { NULL } },	/* control character */
	{ "/bin/login \x1b[2J", 0, { NULL } },
};

static void
test_parse(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < NELEM(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct login_template tpl;
		const char *why = NULL;
		int r;

		r = login_template_parse(&tpl, c->s, &why);
		if (!c->ok) {
			if (r != -1)
				fail_msg("row %zu: \"%s\" accepted", i, c->s);
			assert_non_null(why);
			assert_int_equal(tpl.nwords, 0);
			continue;
		}
		if (r != 0)
			fail_msg("row %zu: \"%s\" refused: %s", i, c->s, why);
		assert_int_equal(tpl.is_default, 0);
		for (j = 0; c->words[j] != NULL; j++) {
			assert_true(j < tpl.nwords);
			assert_string_equal(tpl.words[j], c->words[j]);
		}
		assert_int_equal(tpl.nwords, j);
		login_template_free(&tpl);
		assert_int_equal(tpl.nwords, 0);
	}
}

static void
test_parse_default_and_limits(void **state)
{
	struct login_template tpl;
	const char *why;
	char buf[LOGIN_MAX_WORDS * 4 + 32];
	size_t i;

	(void)state;
	assert_int_equal(login_template_parse(&tpl, NULL, &why), 0);
	assert_int_equal(tpl.is_default, 1);
	assert_int_equal(tpl.nwords, 0);
	login_template_free(&tpl);

	/* exactly LOGIN_MAX_WORDS words, then one more */
	strcpy(buf, "/bin/x");
	for (i = 1; i < LOGIN_MAX_WORDS; i++)
		strcat(buf, " a");
	assert_int_equal(login_template_parse(&tpl, buf, &why), 0);
	assert_int_equal(tpl.nwords, LOGIN_MAX_WORDS);
	login_template_free(&tpl);
	strcat(buf, " b");
	assert_int_equal(login_template_parse(&tpl, buf, &why), -1);
	assert_non_null(why);
}

/* The hostile user names of CVE-2007-0882 and CVE-2026-24061 and more. */
static const char *const hostile_users[] = {
	"-f root", "-froot", "-f", "root -f", "-- -f root", "root\n",
	"root\n-f", "ro ot", "-h evil", "--help", "-p", "\t-froot", "",
	"root\r", "$(id)", "`id`", "%u", "%h", "-", "root\x1b[2J",
};

static const char *const templates[] = {
	NULL,				/* the default login */
	"/bin/login -p -h %h %u",
	"/bin/login -p -h %h -- %u",
	"/usr/local/bin/prog --user=%u --tty=%t",
	"/usr/local/bin/prog %u%u %T %h %t",
	"/usr/local/bin/prog x%u y",
	"/bin/sh -c exec\t/bin/login\t%u",
};

/* A word a client filled: the template word started with an escape. */
static int
client_word(const struct login_template *tpl, size_t i)
{
	return !tpl->is_default && tpl->words[i][0] == '%';
}

static void
check_no_option_from_client(const struct login_template *tpl, char **argv,
    const char *why)
{
	size_t i;

	for (i = 0; argv[i] != NULL; i++) {
		const char *p;

		for (p = argv[i]; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				fail_msg("%s: control char in argv[%zu]", why,
				    i);
		if (tpl->is_default)
			continue;
		if (client_word(tpl, i) && argv[i][0] == '-')
			fail_msg("%s: argv[%zu] \"%s\" is an option", why, i,
			    argv[i]);
		if (tpl->words[i][0] != '-' && argv[i][0] == '-')
			fail_msg("%s: argv[%zu] \"%s\" became an option", why,
			    i, argv[i]);
	}
}

static void
test_hostile_users(void **state)
{
	size_t t, u, n;

	(void)state;
	for (t = 0; t < NELEM(templates); t++) {
		struct login_template tpl;
		const char *why;

		assert_int_equal(login_template_parse(&tpl, templates[t],
		    &why), 0);
		for (u = 0; u < NELEM(hostile_users); u++) {
			struct login_vars lv = { "client.example", hostile_users[u],
			    "pts/3", "xterm" };
			char **argv = login_build_argv(&tpl, &lv);

			assert_non_null(argv);
			/* every hostile name fails user_name_ok: a word
			 * that is just %u expands to "" */
			for (n = 0; argv[n] != NULL; n++)
				if (!tpl.is_default &&
				    strcmp(tpl.words[n], "%u") == 0)
					assert_string_equal(argv[n], "");
			if (tpl.is_default) {
				/* no user: login asks for the name itself */
				assert_int_equal(n, 4);
				assert_string_equal(argv[0], "/bin/login");
			} else {
				assert_int_equal(n, tpl.nwords);
			}
			check_no_option_from_client(&tpl, argv,
			    hostile_users[u]);
			login_argv_free(argv);
		}
		login_template_free(&tpl);
	}
}

/* A 10 KiB user name is dropped, not truncated into a valid one. */
static void
test_user_10k(void **state)
{
	struct login_template tpl;
	struct login_vars lv = { "h", NULL, "pts/0", "xterm" };
	char *big, **argv;
	const char *why;

	(void)state;
	big = malloc(10 * 1024 + 1);
	assert_non_null(big);
	memset(big, 'a', 10 * 1024);
	big[10 * 1024] = '\0';
	lv.user = big;
	assert_int_equal(login_template_parse(&tpl, NULL, &why), 0);
	argv = login_build_argv(&tpl, &lv);
	assert_non_null(argv);
	assert_null(argv[4]);
	login_argv_free(argv);
	assert_int_equal(login_template_parse(&tpl, "/bin/p u=%u", &why), 0);
	argv = login_build_argv(&tpl, &lv);
	assert_non_null(argv);
	assert_string_equal(argv[1], "u=");
	login_argv_free(argv);
	login_template_free(&tpl);
	free(big);
}

struct argv_case {
	const char *tpl;
	struct login_vars lv;
	const char *want[MAXW];
};

static const struct argv_case argv_cases[] = {
	{ NULL, { "10.0.0.1", "bob", "pts/3", "xterm" },
	    { "/bin/login", "-h", "10.0.0.1", "-p", "--", "bob" } },
	{ NULL, { "10.0.0.1", "", "pts/3", "xterm" },
	    { "/bin/login", "-h", "10.0.0.1", "-p" } },
	{ NULL, { "10.0.0.1", NULL, NULL, NULL },
	    { "/bin/login", "-h", "10.0.0.1", "-p" } },
	{ NULL, { "-froot", "-froot", "pts/3", "xterm" },
	    { "/bin/login", "-h", "", "-p" } },
	{ NULL, { "fe80::1%eth0", "a.b", "pts/3", "xterm" },
	    { "/bin/login", "-h", "fe80::1%eth0", "-p", "--", "a.b" } },
	{ NULL, { "evil host\n", "bob", "pts/3", "xterm" },
	    { "/bin/login", "-h", "", "-p", "--", "bob" } },
	{ "/bin/login -p -h %h %u", { "h.example", "bob", "pts/3", "vt100" },
	    { "/bin/login", "-p", "-h", "h.example", "bob" } },
	/* an empty expansion stays an (empty) argument in its place */
	{ "/bin/login -h %h -p %u", { "", "-f root", "pts/3", "vt100" },
	    { "/bin/login", "-h", "", "-p", "" } },
	{ "/bin/echo %h:%t:%T:%u:%%:100%%",
	    { "h", "bob", "pts/3", "xterm-256color" },
	    { "/bin/echo", "h:pts/3:xterm-256color:bob:%:100%" } },
	{ "/bin/echo %T %t", { "h", "bob", "../../etc/passwd", "-xterm" },
	    { "/bin/echo", "", "" } },
	{ "/bin/echo %t %T", { "h", "bob", "/dev/pts/3", "xterm\n" },
	    { "/bin/echo", "", "" } },
	/* escapes expand once: a %u that holds '%' is not expanded again */
	{ "/bin/echo %u", { "%h", "%h", "pts/1", "x" },
	    { "/bin/echo", "" } },
	{ "/bin/echo %h", { "%u", "bob", "pts/1", "x" },
	    { "/bin/echo", "%u" } },
};

static void
test_argv_table(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < NELEM(argv_cases); i++) {
		const struct argv_case *c = &argv_cases[i];
		struct login_template tpl;
		const char *why;
		char **argv;

		assert_int_equal(login_template_parse(&tpl, c->tpl, &why), 0);
		argv = login_build_argv(&tpl, &c->lv);
		assert_non_null(argv);
		for (j = 0; c->want[j] != NULL; j++) {
			if (argv[j] == NULL)
				fail_msg("row %zu: argv too short at %zu", i, j);
			if (strcmp(argv[j], c->want[j]) != 0)
				fail_msg("row %zu: argv[%zu] \"%s\" want \"%s\"",
				    i, j, argv[j], c->want[j]);
		}
		if (argv[j] != NULL)
			fail_msg("row %zu: extra argv[%zu] \"%s\"", i, j,
			    argv[j]);
		login_argv_free(argv);
		login_template_free(&tpl);
	}
	assert_null(login_build_argv(NULL, NULL));
}

static int
envp_count(char **envp)
{
	int n = 0;

	while (envp[n] != NULL)
		n++;
	return n;
}

static const char *
envp_get(char **envp, const char *name)
{
	size_t nl = strlen(name);
	int i;

	for (i = 0; envp[i] != NULL; i++)
		if (strncmp(envp[i], name, nl) == 0 && envp[i][nl] == '=')
			return envp[i] + nl + 1;
	return NULL;
}

static void
test_envp(void **state)
{
	struct client_env env;
	struct env_policy pol;
	const char *extra[] = { "HOME=/home/bob", "LANG=de_DE.UTF-8",
	    "bogus", "=x", NULL };
	char **envp;
	int i;

	(void)state;
	/* the daemon's own environment must not leak */
	setenv("LEAK_CHECK", "1", 1);
	setenv("LD_PRELOAD", "/nonexistent.so", 1);
	memset(&env, 0, sizeof(env));
	memset(&pol, 0, sizeof(pol));
	assert_int_equal(env_policy_add(&pol, "MYVAR", NULL), 0);
	assert_int_equal(env_add(&env, &pol, "LANG", 4, "C", 1), ENV_OK);
	assert_int_equal(env_add(&env, &pol, "TZ", 2, "UTC", 3), ENV_OK);
	assert_int_equal(env_add(&env, &pol, "MYVAR", 5, "v", 1), ENV_OK);
	assert_int_equal(env_add(&env, &pol, "USER", 4, "bob", 3), ENV_OK);
	assert_int_not_equal(env_add(&env, &pol, "LD_PRELOAD", 10, "/x", 2),
	    ENV_OK);
	envp = login_build_envp(&env, "xterm", NULL);
	assert_non_null(envp);
	assert_string_equal(envp[0], "TERM=xterm");
	assert_string_equal(envp_get(envp, "LANG"), "C");
	assert_string_equal(envp_get(envp, "TZ"), "UTC");
	assert_string_equal(envp_get(envp, "MYVAR"), "v");
	assert_null(envp_get(envp, "USER"));	/* only a login name */
	assert_null(envp_get(envp, "LEAK_CHECK"));
	assert_null(envp_get(envp, "LD_PRELOAD"));
	assert_null(envp_get(envp, "PATH"));
	assert_int_equal(envp_count(envp), 4);
	login_argv_free(envp);

	/* extra replaces by name and is appended; malformed ones are not */
	envp = login_build_envp(&env, "vt100", extra);
	assert_non_null(envp);
	assert_string_equal(envp_get(envp, "LANG"), "de_DE.UTF-8");
	assert_string_equal(envp_get(envp, "HOME"), "/home/bob");
	for (i = 0; envp[i] != NULL; i++) {
		assert_string_not_equal(envp[i], "bogus");
		assert_string_not_equal(envp[i], "=x");
	}
	assert_int_equal(envp_count(envp), 5);
	login_argv_free(envp);

	/* a bad terminal type gives no TERM; no env gives only TERM */
	envp = login_build_envp(NULL, "-xterm", NULL);
	assert_non_null(envp);
	assert_int_equal(envp_count(envp), 0);
	login_argv_free(envp);
	envp = login_build_envp(NULL, NULL, NULL);
	assert_non_null(envp);
	assert_null(envp[0]);
	login_argv_free(envp);
	unsetenv("LEAK_CHECK");
	unsetenv("LD_PRELOAD");
	assert_null(getenv("LD_PRELOAD"));
	(void)environ;
}

/* A client_env that did not come through env_add (a compromised relay
 * writing the struct the monitor reads) is checked once more: forbidden
 * names and unsafe values never reach envp.  (Whether a harmless name is
 * on the admin's list is env_check()'s job in the monitor, which has the
 * policy; login_build_envp() does not.) */
static void
test_envp_rechecks(void **state)
{
	static const struct env_var bad[] = {
		{ "LD_PRELOAD", "/tmp/x.so" }, { "TERMCAP", "/dev/zero" },
		{ "BASH_ENV", "/tmp/x" }, { "PATH", "/tmp" },
		{ "LANG", "/tmp/locale" }, { "TZ", ":/etc/shadow" },
		{ "TERM", "xterm" }, { "USER", "root" },
		{ "LANG", "C\nLD_PRELOAD=/x" }, { "ld_preload", "/x" },
		{ "A-B", "x" },
	};
	struct client_env env;
	char **envp;
	size_t i;

	(void)state;
	memset(&env, 0, sizeof(env));
	for (i = 0; i < NELEM(bad); i++)
		env.vars[env.n++] = bad[i];
	strcpy(env.vars[env.n].name, "LANG");
	strcpy(env.vars[env.n].value, "C");
	env.n++;
	/* a name and value without their NUL */
	memset(env.vars[env.n].name, 'A', sizeof(env.vars[0].name));
	memset(env.vars[env.n].value, 'a', sizeof(env.vars[0].value));
	env.n++;
	envp = login_build_envp(&env, "xterm", NULL);
	assert_non_null(envp);
	assert_string_equal(envp[0], "TERM=xterm");
	assert_string_equal(envp[1], "LANG=C");
	assert_null(envp[2]);
	login_argv_free(envp);
	/* a count past the array is not followed */
	env.n = (size_t)-1;
	envp = login_build_envp(&env, NULL, NULL);
	assert_non_null(envp);
	login_argv_free(envp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_default_and_limits),
		cmocka_unit_test(test_hostile_users),
		cmocka_unit_test(test_user_10k),
		cmocka_unit_test(test_argv_table),
		cmocka_unit_test(test_envp),
		cmocka_unit_test(test_envp_rechecks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
