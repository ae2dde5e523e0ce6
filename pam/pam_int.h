/*
 * pam_int.h - what pam_login.c (the login) and conv.c (the terminal and
 * the PAM conversation) share inside pam-login.
 */
#ifndef PAM_INT_H
#define PAM_INT_H

#include <security/pam_appl.h>

#define LINE_MAX_RESP	PAM_MAX_RESP_SIZE

/* What the conversation learnt: the terminal is gone (end of file or an
 * error), so asking again is pointless. */
struct conv_state {
	int gone;
};

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

#endif /* PAM_INT_H */
