/*
 * login.c - the login command line and the program's environment.
 *
 * The operator's -E string is split into words once, when the options are
 * parsed; the % escapes are expanded later inside each word, so nothing a
 * client sends can add, remove or split a word (GNU inetutils expanded the
 * whole string first and split it afterwards: CVE-2026-24061).
 *
 * Every expansion is checked before it is used and expands to "" when it
 * fails the check:
 *   %u  the user name from NEW-ENVIRON, only when user_name_ok()
 *   %T  the terminal type, only when term_name_ok()
 *   %h  the client's host, only [A-Za-z0-9.:%_-] not starting with '-'
 *   %t  the tty name ("pts/3"), only [A-Za-z0-9/._-] without ".."
 * so no expansion can start with '-' or hold a blank or control character.
 *
 * A word that expands to "" is kept as an empty argument rather than
 * dropped: the operator's template fixes the position of every argument,
 * and dropping one would shift the next word into the slot of an option's
 * argument ("-h %h -p" would become "-h -p").  An empty argument is never
 * an option.  The first word (the program) must be an absolute path and
 * may hold no escape at all: the client never picks what is executed.
 *
 * The default program is "/bin/login -h HOST -p", followed by "-- NAME"
 * only when the client sent a name that passes user_name_ok().
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "login.h"

#define LOGIN_PROGRAM	"/bin/login"
#define HOST_MAX	255	/* bytes in %h */
#define TTY_MAX		64	/* bytes in %t */
#define WORD_MAX	4096	/* bytes in one -E word */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

static int
only_alnum_and(const char *s, const char *set)
{
	for (; *s != '\0'; s++)
		if (!is_alnum((unsigned char)*s) && strchr(set, *s) == NULL)
			return 0;
	return 1;
}

static int
host_ok(const char *h)
{
	size_t len = strlen(h);

	/* a DNS name or a numeric address (fe80::1%eth0 included) */
	return len > 0 && len <= HOST_MAX && h[0] != '-' &&
	    only_alnum_and(h, ".:%_-");
}

static int
tty_ok(const char *t)
{
	size_t len = strlen(t);

	return len > 0 && len <= TTY_MAX && t[0] != '-' && t[0] != '/' &&
	    strstr(t, "..") == NULL && only_alnum_and(t, "/._-");
}

/* The checked values of the escapes; "" for anything that fails. */
struct expansions {
	const char *host, *user, *tty, *term;
};

static void
expansions_init(struct expansions *x, const struct login_vars *lv)
{
	x->host = x->user = x->tty = x->term = "";
	if (lv == NULL)
		return;
	if (lv->host != NULL && host_ok(lv->host))
		x->host = lv->host;
	if (lv->user != NULL && user_name_ok(lv->user, strlen(lv->user)))
		x->user = lv->user;
	if (lv->tty != NULL && tty_ok(lv->tty))
		x->tty = lv->tty;
	if (lv->term != NULL && term_name_ok(lv->term, strlen(lv->term)))
		x->term = lv->term;
}

/* Check the escapes of one word: 0 when valid. */
static int
word_escapes_ok(const char *w)
{
	for (; *w != '\0'; w++) {
		if (*w != '%')
			continue;
		w++;
		switch (*w) {
		case 'h':
		case 'u':
		case 't':
		case 'T':
		case '%':
			break;
		default:	/* unknown escape, or a lone '%' at the end */
			return -1;
		}
	}
	return 0;
}

int
login_template_parse(struct login_template *tpl, const char *s,
    const char **why)
{
	const char *dummy, *p, *start;
	size_t len;
	char *w;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (tpl == NULL) {
		*why = "no template";
		return -1;
	}
	memset(tpl, 0, sizeof(*tpl));
	if (s == NULL) {
		tpl->is_default = 1;
		return 0;
	}
	for (p = s; *p != '\0'; p++) {
		if (is_blank(*p))
			continue;
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "control character in the login command";
			goto fail;
		}
	}
	p = s;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && !is_blank(*p))
			p++;
		len = (size_t)(p - start);
		if (tpl->nwords >= LOGIN_MAX_WORDS) {
			*why = "too many words in the login command";
			goto fail;
		}
		if (len > WORD_MAX) {
			*why = "a word of the login command is too long";
			goto fail;
		}
		if ((w = strndup(start, len)) == NULL) {
			*why = "out of memory";
			goto fail;
		}
		tpl->words[tpl->nwords++] = w;
		if (word_escapes_ok(w) != 0) {
			*why = "unknown % escape in the login command "
			    "(known: %h %u %t %T %%)";
			goto fail;
		}
	}
	if (tpl->nwords == 0) {
		*why = "empty login command";
		goto fail;
	}
	if (tpl->words[0][0] != '/') {
		*why = "the login program must be an absolute path";
		goto fail;
	}
	if (strchr(tpl->words[0], '%') != NULL) {
		*why = "the login program's path may not hold % escapes";
		goto fail;
	}
	return 0;
fail:
	login_template_free(tpl);
	return -1;
}

void
login_template_free(struct login_template *tpl)
{
	size_t i;

	if (tpl == NULL)
		return;
	for (i = 0; i < LOGIN_MAX_WORDS; i++)
		free(tpl->words[i]);
	memset(tpl, 0, sizeof(*tpl));
}

/* Expand the escapes of one template word into a new string. */
static char *
expand_word(const char *w, const struct expansions *x)
{
	size_t len = 0, n;
	const char *p, *val;
	char *out, *o;
	int pass;

	out = NULL;
	/* pass 0 measures, pass 1 copies */
	for (pass = 0; pass < 2; pass++) {
		o = out;
		for (p = w; *p != '\0'; p++) {
			char one[2] = { *p, '\0' };

			val = one;
			if (*p == '%') {
				p++;
				switch (*p) {
				case 'h':
					val = x->host;
					break;
				case 'u':
					val = x->user;
					break;
				case 't':
					val = x->tty;
					break;
				case 'T':
					val = x->term;
					break;
				case '%':
					val = "%";
					break;
				default:	/* parse refused it */
					free(out);
					return NULL;
				}
			}
			n = strlen(val);
			if (pass == 0)
				len += n;
			else {
				memcpy(o, val, n);
				o += n;
			}
		}
		if (pass == 0 && (out = malloc(len + 1)) == NULL)
			return NULL;
	}
	out[len] = '\0';
	return out;
}

const char *
login_program(const struct login_template *tpl)
{
	if (tpl->is_default || tpl->nwords == 0 || tpl->words[0] == NULL)
		return LOGIN_PROGRAM;
	return tpl->words[0];
}

void
login_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

char **
login_build_argv(const struct login_template *tpl,
    const struct login_vars *lv)
{
	struct expansions x;
	char **argv;
	size_t i, n = 0, max;

	if (tpl == NULL)
		return NULL;
	expansions_init(&x, lv);
	if (!tpl->is_default &&
	    (tpl->nwords == 0 || tpl->nwords > LOGIN_MAX_WORDS))
		return NULL;
	max = tpl->is_default ? 6 : tpl->nwords;
	if ((argv = calloc(max + 1, sizeof(*argv))) == NULL)
		return NULL;
	if (tpl->is_default) {
		const char *def[6] = { LOGIN_PROGRAM, "-h", x.host, "-p",
		    "--", x.user };
		size_t ndef = x.user[0] != '\0' ? 6 : 4;

		for (i = 0; i < ndef; i++)
			if ((argv[n++] = strdup(def[i])) == NULL)
				goto fail;
	} else {
		for (i = 0; i < tpl->nwords; i++) {
			if (tpl->words[i] == NULL)
				goto fail;
			if ((argv[n++] = expand_word(tpl->words[i], &x)) ==
			    NULL)
				goto fail;
		}
	}
	return argv;
fail:
	login_argv_free(argv);
	return NULL;
}

/* The length of the NAME in "NAME=value", 0 when s is not of that form. */
static size_t
env_name_len(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq != NULL ? (size_t)(eq - s) : 0;
}

int
login_env_put(struct login_env *e, const char *s)
{
	size_t i, nl = env_name_len(s);
	char *c, **nv;

	if (nl == 0)
		return 0;	/* not NAME=value: ignored */
	if ((c = strdup(s)) == NULL)
		return -1;
	for (i = 0; i < e->n; i++) {
		if (env_name_len(e->v[i]) == nl &&
		    memcmp(e->v[i], s, nl + 1) == 0) {
			free(e->v[i]);
			e->v[i] = c;
			return 0;
		}
	}
	if (e->n + 2 > e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 16;

		if ((nv = reallocarray(e->v, ncap, sizeof(*nv))) == NULL) {
			free(c);
			return -1;
		}
		e->v = nv;
		e->cap = ncap;
	}
	e->v[e->n++] = c;
	e->v[e->n] = NULL;
	return 0;
}

int
login_env_set(struct login_env *e, const char *name, const char *value)
{
	char *s;
	int r;

	if (asprintf(&s, "%s=%s", name, value) < 0)
		return -1;
	r = login_env_put(e, s);
	free(s);
	return r;
}

/* A kept variable checked once more, as the monitor would: the name and
 * value must still pass the allow-list with only that name accepted. */
static int
kept_var_ok(const struct env_var *ev)
{
	struct env_policy one;
	size_t nl = strnlen(ev->name, sizeof(ev->name));
	size_t vl = strnlen(ev->value, sizeof(ev->value));

	if (nl > ENV_MAX_NAME || vl > ENV_MAX_VALUE)
		return 0;
	memset(&one, 0, sizeof(one));
	if (env_policy_add(&one, ev->name, NULL) != 0)
		return 0;
	return env_check(&one, ev->name, nl, ev->value, vl) == ENV_OK;
}

char **
login_build_envp(const struct client_env *env, const char *term,
    const char *const *extra)
{
	struct login_env e = { NULL, 0, 0 };
	size_t i;

	if (term != NULL && term_name_ok(term, strlen(term)) &&
	    login_env_set(&e, "TERM", term) != 0)
		goto fail;
	if (env != NULL) {
		for (i = 0; i < env->n && i < ENV_MAX_VARS; i++) {
			if (!kept_var_ok(&env->vars[i]))
				continue;
			if (login_env_set(&e, env->vars[i].name,
			    env->vars[i].value) != 0)
				goto fail;
		}
	}
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		if (login_env_put(&e, extra[i]) != 0)
			goto fail;
	if (e.v == NULL && (e.v = calloc(1, sizeof(*e.v))) == NULL)
		goto fail;
	return e.v;
fail:
	login_argv_free(e.v);
	return NULL;
}

/* pam-login's arguments (pam/main.c): each value has been checked by the
 * caller, and is one argument word whatever it holds; a value that fails
 * its check here is left out (pam-login then asks for the name, or uses
 * no terminal type).  The variables go as -e words, not as pam-login's own
 * environment: it runs as root and its environment is the daemon's. */
char **
login_build_pam_argv(const char *helper, const char *service,
    unsigned int timeout, const struct login_vars *lv,
    const struct client_env *env)
{
	char **argv, num[16];
	size_t i, n = 0, max = 13 + 2 * ENV_MAX_VARS;

	if ((argv = calloc(max + 1, sizeof(*argv))) == NULL)
		return NULL;
	snprintf(num, sizeof(num), "%u", timeout);
#define ARG(s) do { if ((argv[n++] = strdup(s)) == NULL) goto fail; } while (0)
	ARG(helper);
	ARG("-s");
	ARG(service);
	ARG("-t");
	ARG(num);
	if (lv->host != NULL && host_ok(lv->host)) {
		ARG("-h");
		ARG(lv->host);
	}
	if (lv->term != NULL && term_name_ok(lv->term, strlen(lv->term))) {
		ARG("-T");
		ARG(lv->term);
	}
	if (lv->user != NULL && user_name_ok(lv->user, strlen(lv->user))) {
		ARG("-u");
		ARG(lv->user);
	}
	for (i = 0; env != NULL && i < env->n && i < ENV_MAX_VARS; i++) {
		if (!kept_var_ok(&env->vars[i]))
			continue;
		ARG("-e");
		if ((argv[n++] = malloc(strlen(env->vars[i].name) + 1 +
		    strlen(env->vars[i].value) + 1)) == NULL)
			goto fail;
		sprintf(argv[n - 1], "%s=%s", env->vars[i].name,
		    env->vars[i].value);
	}
#undef ARG
	return argv;
fail:
	login_argv_free(argv);
	return NULL;
}

/* NAME in ../libexec/telnetd/ from the directory of this executable: the
 * build tree and "make install" both put the helper programs there. */
#define LIBEXEC_SUBDIR	"/libexec/telnetd"

int
login_libexec_path(const char *name, char *buf, size_t size)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;
	int i;

	if (size > 0)
		buf[0] = '\0';
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return -1;
	exe[n] = '\0';
	/* One of the helpers itself (tls-helper runs the daemon when it
	 * serves TLS): its own directory. */
	if ((slash = strrchr(exe, '/')) != NULL && (size_t)(slash - exe) >=
	    sizeof(LIBEXEC_SUBDIR) - 1 && strncmp(slash -
	    (sizeof(LIBEXEC_SUBDIR) - 1), LIBEXEC_SUBDIR,
	    sizeof(LIBEXEC_SUBDIR) - 1) == 0) {
		*slash = '\0';
		if ((size_t)snprintf(buf, size, "%s/%s", exe, name) >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return access(buf, X_OK);
	}
	/* /usr/sbin/telnetd -> /usr; <tree>/telnetd/telnetd -> <tree> */
	for (i = 0; i < 2; i++) {
		if ((slash = strrchr(exe, '/')) == NULL) {
			errno = ENOENT;
			return -1;
		}
		*slash = '\0';
	}
	if ((size_t)snprintf(buf, size, "%s/libexec/telnetd/%s", exe, name) >=
	    size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return access(buf, X_OK);
}

int
login_pam_helper(char *buf, size_t size)
{
#ifdef PAM_HELPER
	if ((size_t)snprintf(buf, size, "%s", PAM_HELPER) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return access(buf, X_OK);
#else
	return login_libexec_path("pam-login", buf, size);
#endif
}
