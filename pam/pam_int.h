/*
 * pam_int.h - what the files of pam-login share: pam_login.c (the login's
 * PAM steps), conv.c (the terminal and the PAM conversation), shell.c (the
 * user's shell), tty_owner.c (the terminal's owner and mode) and
 * utmp_user.c (the USER_PROCESS record).
 */
#ifndef PAM_INT_H
#define PAM_INT_H

#include <sys/types.h>
#include <sys/stat.h>

#include <security/pam_appl.h>

#define LINE_MAX_RESP	PAM_MAX_RESP_SIZE

struct pam_login_args;

/* What the conversation learnt: the terminal is gone (end of file or an
 * error), so asking again is pointless. */
struct conv_state {
	int gone;
};

/* The account, copied out of getpwnam's static storage. */
struct account {
	char *name, *dir, *shell;
	uid_t uid;
	gid_t gid;
};

/* conv.c */
/* Text to the terminal (descriptor 1); outln ends the line. */
void out(const char *s);
void outln(const char *s);
/* Say MSG (when not NULL) and exit 1. */
void die(const char *msg) __attribute__((noreturn));
/* The terminal's modes as a login expects them (echo, canonical). */
void tty_sane(void);
/* The PAM conversation: prompts on the pty; appdata is a conv_state. */
int conversation(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data);
/* SIGALRM of the login timeout: say so, echo back on, exit 1. */
void timed_out(int sig);

/* shell.c */
/* Every signal to its default action and none blocked. */
void signals_default(void);
/* The shell's environment (the order is in shell.c); NULL when out of
 * memory. */
char **build_env(pam_handle_t *pamh, const struct pam_login_args *a,
    const struct account *acct);
/* The shell in a child as the user; the parent forwards a hangup or
 * SIGTERM to it, waits, and frees envp.  0 with the shell's wait status in
 * *status; -1 when it could not be started (logged). */
int shell_run(const struct account *acct, char **envp, int *status);

/* tty_owner.c: the terminal (descriptor 0) as it was before tty_take(). */
struct tty_owner {
	struct stat was;
	int taken;
};
void tty_take(struct tty_owner *o, const struct account *acct,
    const char *tty);
void tty_give_back(const struct tty_owner *o, const char *tty);

/* utmp_user.c: the USER_PROCESS record for this tty: it takes the place
 * (same ut_id) of the LOGIN_PROCESS record the daemon wrote for the line.
 * HOST may be NULL. */
void utmp_user_process(const char *line, const char *user, const char *host);

#endif /* PAM_INT_H */
