/*
 * login.h - what the session hands to the program it starts: the client's
 * environment (filtered by an allow-list when it is collected, and checked
 * again by the privileged monitor), the login command line, and the PAM
 * login path.  Implemented in env.c, login.c and ../pam/pam_login.c.
 */
#ifndef TELNETD_LOGIN_H
#define TELNETD_LOGIN_H

#include <stddef.h>

/* Bounds on what a client may hand us: a hostile one sends as much as it
 * can. */
#define ENV_MAX_VARS	32	/* variables kept per session */
#define ENV_MAX_NAME	64	/* bytes in a name */
#define ENV_MAX_VALUE	256	/* bytes in a value */
#define ENV_MAX_ACCEPT	32	/* --accept-env names */
#define USER_NAME_MAX	32	/* bytes in a user name (LOGIN_NAME_MAX-ish) */
#define TERM_MAX	40	/* bytes in a terminal type */

/* Why a variable was refused; ENV_OK when it was kept. */
enum env_verdict {
	ENV_OK = 0,
	ENV_BAD_NAME,		/* not a plain identifier, or too long */
	ENV_FORBIDDEN,		/* loader, shell or resolver variable: never */
	ENV_NOT_ALLOWED,	/* not on the allow-list */
	ENV_BAD_VALUE,		/* control characters, too long, unsafe form */
	ENV_TOO_MANY,		/* over ENV_MAX_VARS */
	ENV_BAD_USER,		/* USER that is not a plain user name */
	ENV_TOO_LONG,		/* value over the policy's max_value */
};

/* The allow-list: built-in names plus what the admin added with
 * --accept-env (names only; forbidden names are refused at parse time). */
struct env_policy {
	size_t naccept;
	char accept[ENV_MAX_ACCEPT][ENV_MAX_NAME + 1];
	/* Lower bounds an operator may set (--max-env, --max-env-size);
	 * 0 = ENV_MAX_VARS, ENV_MAX_VALUE. */
	size_t max_vars;
	size_t max_value;
};

struct env_var {
	char name[ENV_MAX_NAME + 1];
	char value[ENV_MAX_VALUE + 1];
};

/* The client's environment as kept for the session.  USER is not among
 * vars: a valid one is kept in user[] and reaches login only as the user
 * name argument. */
struct client_env {
	size_t n;
	char user[USER_NAME_MAX + 1];	/* "" when none or refused */
	unsigned int dropped;		/* how many were refused */
	struct env_var vars[ENV_MAX_VARS];	/* last: mostly unused */
};

/* env.c */
/* 0 when NAME may be given to --accept-env, -1 (with a reason in *why)
 * when it is malformed or can never be accepted. */
int env_policy_add(struct env_policy *pol, const char *name, const char **why);
/* Check one variable against the policy without storing it. */
enum env_verdict env_check(const struct env_policy *pol, const char *name,
    size_t name_len, const char *value, size_t value_len);
/* Check and keep one variable (a later value for the same name replaces an
 * earlier one).  USER goes to env->user when it is a plain user name. */
enum env_verdict env_add(struct client_env *env, const struct env_policy *pol,
    const char *name, size_t name_len, const char *value, size_t value_len);
/* 1 when NAME is a plain user name: [A-Za-z0-9_][A-Za-z0-9_.-]* with an
 * optional trailing '$', at most USER_NAME_MAX bytes, no leading '-'. */
int user_name_ok(const char *name, size_t len);
/* 1 when TERM is a plain terminal type name (lower-cased by the caller). */
int term_name_ok(const char *term, size_t len);
const char *env_verdict_str(enum env_verdict v);

/* login.c */
/* The login command: the operator's -E string split into words once, at
 * option-parsing time; % escapes are expanded inside each word later, so
 * client text can never add, remove or split words. */
#define LOGIN_MAX_WORDS	32
struct login_template {
	size_t nwords;
	char *words[LOGIN_MAX_WORDS];	/* strdup'd; NULL = default login */
	int is_default;			/* /bin/login -h %h -p [-- %u] */
};
/* What the % escapes expand to. */
struct login_vars {
	const char *host;	/* %h: the client's address or name */
	const char *user;	/* %u: a checked user name, or "" */
	const char *tty;	/* %t: "pts/3" */
	const char *term;	/* %T: the terminal type, or "" */
};
/* Parse -E STRING; NULL selects the default login program.  Returns -1
 * with *why set on a bad string (empty, too many words, bad escape). */
int login_template_parse(struct login_template *tpl, const char *s,
    const char **why);
void login_template_free(struct login_template *tpl);
/* Build the argument vector (NULL-terminated, malloc'd; free with
 * login_argv_free).  A user name that fails user_name_ok() is dropped. */
char **login_build_argv(const struct login_template *tpl,
    const struct login_vars *lv);
void login_argv_free(char **argv);
/* The program the template runs (its first word, or the default). */
const char *login_program(const struct login_template *tpl);
/* An environment under construction: "NAME=value" strings, NULL-
 * terminated, a later NAME replacing an earlier one (free v with
 * login_argv_free).  A copy of s is added; a string that is not
 * NAME=value is ignored.  0, or -1 when out of memory. */
struct login_env {
	char **v;
	size_t n, cap;
};
int login_env_put(struct login_env *e, const char *s);
int login_env_set(struct login_env *e, const char *name, const char *value);
/* Build the program's environment from nothing: TERM, the kept client
 * variables, then EXTRA ("NAME=value" strings, may be NULL). */
char **login_build_envp(const struct client_env *env, const char *term,
    const char *const *extra);

/* The --pam program's argument vector (NULL-terminated, malloc'd; free
 * with login_argv_free): HELPER -s SERVICE -t TIMEOUT [-h HOST] [-T TERM]
 * [-u USER] [-e NAME=VALUE]..., each value present only when it passes
 * its check. */
char **login_build_pam_argv(const char *helper, const char *service,
    unsigned int timeout, const struct login_vars *lv,
    const struct client_env *env);
/* Where pam-login is: PAM_HELPER when the build names it, else
 * ../libexec/telnetd/pam-login from the directory of this executable
 * (the build tree and "make install" both put it there).  0, or -1 with
 * errno set; BUF holds the path tried either way. */
int login_pam_helper(char *buf, size_t size);
/* NAME in ../libexec/telnetd/ from this executable's directory, the same
 * way (pam-login, tls-helper): 0, or -1 with errno; BUF holds the path. */
int login_libexec_path(const char *name, char *buf, size_t size);

/* ../pam/pam_login.c: the --pam path, in pam-login (../pam/main.c), which
 * the daemon runs in the session's child, as root, with the pty already on
 * descriptors 0-2 as the controlling terminal.  Converses over the pty, authenticates, opens the session,
 * starts the user's login shell, waits for it, closes the session, and
 * exits; it never returns. */
struct pam_login_args {
	const char *service;		/* "telnetd" by default */
	const char *user;		/* checked name from the client, or NULL */
	const char *host;		/* PAM_RHOST */
	const char *tty;		/* "/dev/pts/3" */
	const struct client_env *env;	/* allow-listed client variables */
	const char *term;
	unsigned int login_timeout;	/* seconds at the prompts, 0 = none */
};
void pam_login_main(const struct pam_login_args *a) __attribute__((noreturn));

#endif /* TELNETD_LOGIN_H */
