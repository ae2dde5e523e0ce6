/*
 * env.c - the allow-list for the client's environment (NEW-ENVIRON VAR and
 * USERVAR, old ENVIRON), the user name and terminal type checks.
 *
 * The program's environment is built from nothing (login.c); what a client
 * sends reaches it only through env_add(), which keeps:
 *
 *   USER        only as the login name (client_env.user), only when it is a
 *               plain user name (user_name_ok); never as a variable.
 *   DISPLAY     host:display[.screen], no '/' (no socket paths).
 *   LANG, LANGUAGE, LC_ALL, LC_CTYPE, ... (the thirteen glibc categories)
 *               locale names only: [A-Za-z0-9_.@-] (LANGUAGE also ':').
 *               No '/': glibc opens locale names containing one as paths.
 *   TZ          a POSIX rule or a zoneinfo name: no leading ':' or '/', no
 *               "..".  glibc reads TZ=/file or TZ=:file as a file name, so
 *               an absolute path would let a client make login open
 *               /dev/zero, a FIFO or a huge file.
 *   COLORTERM   a plain word ("truecolor", "24bit").
 *
 * TERM is deliberately not taken from NEW-ENVIRON: it comes from
 * TERMINAL-TYPE only (the daemon passes it to login_build_envp), as in
 * inetutils, which lets TTYPE win.  A TERM variable is refused
 * (ENV_NOT_ALLOWED) and cannot be added with --accept-env.
 *
 * An admin may add names with --accept-env (env_policy_add); the names in
 * forbidden[] below (loader, shell, interpreter, resolver, locale-path and
 * identity variables) are refused there, compared without regard to case.
 * A value for an admin-added name is printable ASCII (0x20-0x7e) only.
 *
 * The operator may lower the number of variables kept and the size of a
 * value (env_policy.max_vars, max_value: --max-env, --max-env-size); a
 * value over the bound is ENV_TOO_LONG, a variable over the count
 * ENV_TOO_MANY.
 *
 * Every check takes an explicit length: the bytes come from the network
 * and may hold NULs, which make a name or value invalid.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "login.h"

/* Names that can never reach the program, even through --accept-env. */
static const char *const forbidden[] = {
	"BASH_ENV", "BASHOPTS", "CDPATH", "ENV", "FPATH", "GCONV_PATH",
	"GETCONF_DIR", "GLOBIGNORE", "HISTFILE", "HOME", "HOSTALIASES", "IFS",
	"LESSCLOSE", "LESSOPEN", "LIBPATH", "LOCALDOMAIN", "LOCPATH",
	"LOGNAME", "MAIL", "MAILPATH", "NLSPATH", "NODE_OPTIONS", "PATH",
	"PROMPT_COMMAND", "PS1", "PS2", "PS3", "PS4", "RES_OPTIONS", "SHELL",
	"SHELLOPTS", "SHLIB_PATH", "TERMCAP", "TERMINFO", "TERMINFO_DIRS",
	"TMPDIR", "TZDIR", "ZDOTDIR",
};

/* Name prefixes that can never reach the program. */
static const char *const forbidden_prefix[] = {
	"LD_",		/* the dynamic loader */
	"_RLD",		/* IRIX/Tru64 loader */
	"DYLD_",	/* macOS loader, for completeness */
	"BASH_",	/* BASH_ENV, BASH_XTRACEFD, BASH_FUNC_... */
	"GLIBC_",	/* GLIBC_TUNABLES */
	"MALLOC_",	/* MALLOC_CHECK_, MALLOC_TRACE (a file) */
	"RESOLV_",	/* the resolver */
	"KRB5",		/* KRB5CCNAME, KRB5_CONFIG, ... */
	"PYTHON",	/* PYTHONPATH, PYTHONSTARTUP, PYTHONHOME, ... */
	"PERL",		/* PERL5LIB, PERLLIB, PERL5OPT, PERL5DB, ... */
	"RUBY",		/* RUBYLIB, RUBYOPT */
	"NODE_",	/* NODE_OPTIONS, NODE_PATH */
	"LUA_",		/* LUA_INIT, LUA_PATH */
	"TCL",		/* TCLLIBPATH */
	"JAVA_TOOL",	/* JAVA_TOOL_OPTIONS */
	"OPENSSL_",	/* OPENSSL_CONF, OPENSSL_ENGINES */
	"GIT_",		/* GIT_SSH, GIT_EXEC_PATH, ... */
	"SSH_",		/* SSH_ASKPASS, SSH_AUTH_SOCK, ... */
	"SUDO_",
};

/* Names that are never variables: USER is the login name, TERM comes from
 * TERMINAL-TYPE. */
static const char *const reserved[] = { "USER", "TERM" };

enum value_kind {
	V_GENERIC,	/* admin-added name: printable ASCII */
	V_DISPLAY,
	V_LOCALE,	/* LANG, LC_* */
	V_LANGUAGE,	/* colon-separated locale names */
	V_TZ,
	V_WORD,		/* COLORTERM */
};

struct builtin {
	const char *name;
	enum value_kind kind;
};

static const struct builtin builtins[] = {
	{ "DISPLAY", V_DISPLAY },
	{ "LANG", V_LOCALE },
	{ "LANGUAGE", V_LANGUAGE },
	{ "LC_ALL", V_LOCALE },
	{ "LC_CTYPE", V_LOCALE },
	{ "LC_NUMERIC", V_LOCALE },
	{ "LC_TIME", V_LOCALE },
	{ "LC_COLLATE", V_LOCALE },
	{ "LC_MONETARY", V_LOCALE },
	{ "LC_MESSAGES", V_LOCALE },
	{ "LC_PAPER", V_LOCALE },
	{ "LC_NAME", V_LOCALE },
	{ "LC_ADDRESS", V_LOCALE },
	{ "LC_TELEPHONE", V_LOCALE },
	{ "LC_MEASUREMENT", V_LOCALE },
	{ "LC_IDENTIFICATION", V_LOCALE },
	{ "TZ", V_TZ },
	{ "COLORTERM", V_WORD },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

/* 1 when BUF[0..LEN) holds only bytes from SET or alphanumerics. */
static int
only_alnum_and(const char *buf, size_t len, const char *set)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (is_alnum(c))
			continue;
		if (c == '\0' || strchr(set, c) == NULL)
			return 0;
	}
	return 1;
}

/* 1 when the LEN bytes at NAME equal the NUL-terminated WORD. */
static int
name_is(const char *name, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(name, word, len) == 0;
}

static int
name_is_nocase(const char *name, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(name, word, len) == 0;
}

static int
has_prefix_nocase(const char *name, size_t len, const char *prefix)
{
	size_t plen = strlen(prefix);

	return len >= plen && strncasecmp(name, prefix, plen) == 0;
}

/* A plain identifier: [A-Za-z_][A-Za-z0-9_]*, 1..ENV_MAX_NAME bytes. */
static int
name_ok(const char *name, size_t len)
{
	size_t i;

	if (name == NULL || len == 0 || len > ENV_MAX_NAME)
		return 0;
	if (!is_alpha((unsigned char)name[0]) && name[0] != '_')
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!is_alnum(c) && c != '_')
			return 0;
	}
	return 1;
}

static int
name_forbidden(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NELEM(forbidden); i++)
		if (name_is_nocase(name, len, forbidden[i]))
			return 1;
	for (i = 0; i < NELEM(forbidden_prefix); i++)
		if (has_prefix_nocase(name, len, forbidden_prefix[i]))
			return 1;
	return 0;
}

static int
name_reserved(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NELEM(reserved); i++)
		if (name_is_nocase(name, len, reserved[i]))
			return 1;
	return 0;
}

static const struct builtin *
builtin_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NELEM(builtins); i++)
		if (name_is(name, len, builtins[i].name))
			return &builtins[i];
	return NULL;
}

static int
policy_has(const struct env_policy *pol, const char *name, size_t len)
{
	size_t i;

	if (pol == NULL)
		return 0;
	for (i = 0; i < pol->naccept && i < ENV_MAX_ACCEPT; i++)
		if (name_is(name, len, pol->accept[i]))
			return 1;
	return 0;
}

/* Printable ASCII only: no C0 controls, no DEL, no 8-bit bytes. */
static int
value_printable(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c >= 0x7f)
			return 0;
	}
	return 1;
}

static int
contains(const char *v, size_t len, const char *needle)
{
	size_t nlen = strlen(needle), i;

	for (i = 0; i + nlen <= len; i++)
		if (memcmp(v + i, needle, nlen) == 0)
			return 1;
	return 0;
}

static int
value_ok(enum value_kind kind, const char *v, size_t len)
{
	if (len > ENV_MAX_VALUE || (len > 0 && v == NULL))
		return 0;
	if (!value_printable(v, len))
		return 0;
	switch (kind) {
	case V_GENERIC:
		return 1;
	case V_DISPLAY:
		/* host:0.0, [::1]:0, unix:0, :0 - never a path */
		return len > 0 && only_alnum_and(v, len, "_.:-[]") &&
		    v[0] != '-';
	case V_LOCALE:
		/* en_US.UTF-8, C, de_DE@euro, C.UTF-8 */
		return len > 0 && only_alnum_and(v, len, "_.@-") &&
		    v[0] != '-' && v[0] != '.';
	case V_LANGUAGE:
		/* de_DE:de:en */
		return len > 0 && only_alnum_and(v, len, "_.@-:") &&
		    v[0] != '-' && v[0] != '.';
	case V_TZ:
		/* EST5EDT,M3.2.0/2,M11.1.0 or <+03>-3 or Europe/Berlin;
		 * never :file, /file or a path climbing out of TZDIR. */
		return len > 0 && only_alnum_and(v, len, "_+-,.:/<>") &&
		    v[0] != ':' && v[0] != '/' && !contains(v, len, "..");
	case V_WORD:
		return len > 0 && only_alnum_and(v, len, "_.+-") &&
		    v[0] != '-';
	}
	return 0;
}

int
user_name_ok(const char *name, size_t len)
{
	size_t i;

	if (name == NULL || len == 0 || len > USER_NAME_MAX)
		return 0;
	if (!is_alnum((unsigned char)name[0]) && name[0] != '_')
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (is_alnum(c) || c == '_' || c == '.' || c == '-')
			continue;
		if (c == '$' && i == len - 1)	/* Samba machine accounts */
			continue;
		return 0;
	}
	return 1;
}

int
term_name_ok(const char *term, size_t len)
{
	if (term == NULL || len == 0 || len > TERM_MAX)
		return 0;
	if (term[0] == '-' || term[0] == '.')
		return 0;
	return only_alnum_and(term, len, "_.+-");
}

int
env_policy_add(struct env_policy *pol, const char *name, const char **why)
{
	const char *dummy;
	size_t len;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (pol == NULL || name == NULL) {
		*why = "no name";
		return -1;
	}
	len = strlen(name);
	if (!name_ok(name, len)) {
		*why = "not a plain variable name";
		return -1;
	}
	if (name_forbidden(name, len)) {
		*why = "a loader, shell or resolver variable; never accepted";
		return -1;
	}
	if (name_is_nocase(name, len, "USER")) {
		*why = "USER is only ever the login name";
		return -1;
	}
	if (name_is_nocase(name, len, "TERM")) {
		*why = "TERM comes from TERMINAL-TYPE only";
		return -1;
	}
	if (builtin_find(name, len) != NULL || policy_has(pol, name, len))
		return 0;	/* already accepted */
	if (pol->naccept >= ENV_MAX_ACCEPT) {
		*why = "too many --accept-env names";
		return -1;
	}
	memcpy(pol->accept[pol->naccept], name, len + 1);
	pol->naccept++;
	return 0;
}

enum env_verdict
env_check(const struct env_policy *pol, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
	const struct builtin *b;

	if (!name_ok(name, name_len))
		return ENV_BAD_NAME;
	if (name_forbidden(name, name_len))
		return ENV_FORBIDDEN;
	if (value_len > 0 && value == NULL)
		return ENV_BAD_VALUE;
	if (name_is(name, name_len, "USER"))
		return user_name_ok(value, value_len) ? ENV_OK : ENV_BAD_USER;
	if (name_reserved(name, name_len))
		return ENV_NOT_ALLOWED;
	if (pol != NULL && pol->max_value > 0 && value_len > pol->max_value &&
	    (builtin_find(name, name_len) != NULL ||
	    policy_has(pol, name, name_len)))
		return ENV_TOO_LONG;
	if ((b = builtin_find(name, name_len)) != NULL)
		return value_ok(b->kind, value, value_len) ? ENV_OK :
		    ENV_BAD_VALUE;
	if (policy_has(pol, name, name_len))
		return value_ok(V_GENERIC, value, value_len) ? ENV_OK :
		    ENV_BAD_VALUE;
	return ENV_NOT_ALLOWED;
}

enum env_verdict
env_add(struct client_env *env, const struct env_policy *pol,
    const char *name, size_t name_len, const char *value, size_t value_len)
{
	enum env_verdict v;
	size_t i, max = ENV_MAX_VARS;

	if (env == NULL)
		return ENV_BAD_NAME;
	if (pol != NULL && pol->max_vars > 0 && pol->max_vars < max)
		max = pol->max_vars;
	if (env->n > ENV_MAX_VARS)	/* never trust a corrupted count */
		env->n = ENV_MAX_VARS;
	v = env_check(pol, name, name_len, value, value_len);
	if (name_ok(name, name_len) && name_is(name, name_len, "USER")) {
		/* A later USER replaces an earlier one; a refused one
		 * leaves none, so login asks for the name itself. */
		memset(env->user, 0, sizeof(env->user));
		if (v == ENV_OK)
			memcpy(env->user, value, value_len);
		else
			env->dropped++;
		return v;
	}
	if (v != ENV_OK) {
		env->dropped++;
		return v;
	}
	for (i = 0; i < env->n; i++)
		if (name_is(name, name_len, env->vars[i].name))
			break;
	if (i == env->n) {
		if (env->n >= max) {
			env->dropped++;
			return ENV_TOO_MANY;
		}
		env->n++;
	}
	memset(&env->vars[i], 0, sizeof(env->vars[i]));
	memcpy(env->vars[i].name, name, name_len);
	if (value_len > 0)
		memcpy(env->vars[i].value, value, value_len);
	return ENV_OK;
}

const char *
env_verdict_str(enum env_verdict v)
{
	switch (v) {
	case ENV_OK:
		return "kept";
	case ENV_BAD_NAME:
		return "not a plain variable name";
	case ENV_FORBIDDEN:
		return "forbidden variable";
	case ENV_NOT_ALLOWED:
		return "not on the allow-list";
	case ENV_BAD_VALUE:
		return "unsafe value";
	case ENV_TOO_MANY:
		return "too many variables";
	case ENV_BAD_USER:
		return "not a plain user name";
	case ENV_TOO_LONG:
		return "value too long";
	}
	return "unknown verdict";
}
