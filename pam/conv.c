/*
 * conv.c - pam-login's terminal: output, line input with and without echo,
 * the PAM conversation function over the pty, and the login timeout.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "pam_int.h"

/* ---- terminal output and input ---------------------------------------- */

void
out(const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len > 0) {
		n = write(STDOUT_FILENO, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

void
outln(const char *s)
{
	out(s);
	out("\n");
}

void
die(const char *msg)
{
	if (msg != NULL)
		outln(msg);
	closelog();
	_exit(1);
}

/* Read one line from the terminal into buf (without its end of line).
 * 0 on success, -1 on end of file or an error (st->gone set), or a line
 * that does not fit (the rest of which is read and thrown away). */
static int
read_line(struct conv_state *st, char *buf, size_t size)
{
	size_t len = 0;
	int toolong = 0;
	ssize_t n;
	char c;

	for (;;) {
		n = read(STDIN_FILENO, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			explicit_bzero(buf, size);
			st->gone = 1;
			return -1;
		}
		if (c == '\n' || c == '\r')
			break;
		if (len + 1 >= size) {
			toolong = 1;
			continue;
		}
		buf[len++] = c;
	}
	buf[len] = '\0';
	if (toolong) {
		explicit_bzero(buf, size);
		return -1;
	}
	return 0;
}

/* The terminal in the state a login prompt needs: canonical input with
 * erase and kill, echo, CR to NL, and NL to CR NL on output. */
void
tty_sane(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &t) != 0)
		return;
	t.c_iflag |= ICRNL | IXON;
	t.c_iflag &= ~(INLCR | IGNCR);
	t.c_oflag |= OPOST | ONLCR;
	t.c_lflag |= ISIG | ICANON | ECHO | ECHOE | ECHOK;
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static int
tty_echo(int on, struct termios *saved)
{
	struct termios t;

	if (!on) {
		if (tcgetattr(STDIN_FILENO, saved) != 0)
			return -1;
		t = *saved;
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
		return tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	return tcsetattr(STDIN_FILENO, TCSANOW, saved);
}

/* ---- the PAM conversation over the pty -------------------------------- */

static void
free_responses(struct pam_response *r, int n)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
}

int
conversation(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data)
{
	struct conv_state *st = data;
	struct pam_response *r;
	struct termios saved;
	char line[LINE_MAX_RESP];
	int i, rc;

	*resp = NULL;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_ON:
			out(msg[i]->msg);
			if (read_line(st, line, sizeof(line)) != 0)
				goto fail;
			break;
		case PAM_PROMPT_ECHO_OFF:
			/* echo off before the prompt, and without flushing:
			 * a password typed ahead is neither shown nor lost */
			if (tty_echo(0, &saved) != 0)
				goto fail;
			out(msg[i]->msg);
			rc = read_line(st, line, sizeof(line));
			(void)tty_echo(1, &saved);
			out("\n");
			if (rc != 0)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			outln(msg[i]->msg);
			continue;
		default:
			goto fail;
		}
		r[i].resp = strdup(line);
		explicit_bzero(line, sizeof(line));
		if (r[i].resp == NULL)
			goto fail;
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	explicit_bzero(line, sizeof(line));
	free_responses(r, n);
	return PAM_CONV_ERR;
}

/* ---- the login timeout ------------------------------------------------- */

void
timed_out(int sig)
{
	static const char msg[] = "\nLogin timed out.\n";
	struct termios t;

	(void)sig;
	/* echo back on, in case the alarm came at the password prompt */
	if (tcgetattr(STDIN_FILENO, &t) == 0) {
		t.c_lflag |= ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}
