/*
 * tls_signer.c - the signer process: tls-helper signer CERT KEY, with its
 * control socket on descriptor 3 (issue 15, TLS-DESIGN.md).
 *
 * It loads the key (and the chain it must match), says so once on the
 * control socket, and then serves channels: the daemon hands it one end of
 * a socketpair per connection (SCM_RIGHTS) and the connection's relay the
 * other.  Each channel gets its one signature (tls_sign.c checks what is
 * signed) and is closed after it; a channel whose request fails the
 * checks is closed at once.  All channels are served from one poll loop,
 * so a relay that never asks holds a descriptor and nothing else.  When
 * the daemon closes the control socket (it stops, or a SIGHUP put a new
 * signer in this one's place) no channel is taken any more and the
 * process ends with the last one.
 *
 * The daemon's side (starting the signer, passing it a channel) is in
 * tls_config.c, which the daemon links: this file needs OpenSSL.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"
#include "tls.h"

struct chan {
	int fd;
	struct ks_state st;
};

/* A channel from the control socket: 1 taken, 0 the socket closed, -1 a
 * broken message (the control socket is closed then too). */
static int
take_channel(int ctl, struct chan *ch, size_t *n)
{
	struct ks_channel m;
	ssize_t len;
	int fd;

	len = ps_recv(ctl, &m, sizeof(m), &fd);
	if (len <= 0)
		return len == 0 ? 0 : -1;
	if ((size_t)len != sizeof(m) || m.type != KS_CHANNEL || fd == -1) {
		if (fd != -1)
			close(fd);
		log_warnx("signer: bad message on the control socket");
		return -1;
	}
	if (*n >= KS_CHANNELS_MAX) {
		log_warnx("signer: %d channels open: one refused",
		    KS_CHANNELS_MAX);
		close(fd);
		return 1;
	}
	memset(&ch[*n], 0, sizeof(ch[*n]));
	ch[*n].fd = fd;
	(*n)++;
	return 1;
}

int
ks_signer_run(const char *chainfile, const char *keyfile, int ctl)
{
	struct ks_ready ready;
	struct ks_key *k;
	struct chan *ch;
	struct pollfd *pfd;
	size_t n = 0, i, w;

	memset(&ready, 0, sizeof(ready));
	ready.type = KS_READY;
	if ((k = ks_key_load(keyfile, chainfile, ready.why,
	    sizeof(ready.why))) == NULL)
		ready.error = 1;
	if (ps_send(ctl, &ready, sizeof(ready), -1) == -1 || k == NULL) {
		ks_key_free(k);
		return 1;
	}
	if ((ch = calloc(KS_CHANNELS_MAX, sizeof(*ch))) == NULL ||
	    (pfd = calloc(KS_CHANNELS_MAX + 1, sizeof(*pfd))) == NULL)
		fatal("signer: calloc");
	while (ctl != -1 || n > 0) {
		pfd[0].fd = ctl;
		pfd[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[i + 1].fd = ch[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, n + 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("signer: poll");
		}
		/* Answer first: the channel list moves below. */
		for (i = 0, w = 0; i < n; i++) {
			if (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) {
				/* Signed, EOF or refused: done either way. */
				(void)ks_answer(k, &ch[i].st, ch[i].fd);
				close(ch[i].fd);
			} else
				ch[w++] = ch[i];	/* nothing yet */
		}
		n = w;
		if (ctl != -1 && (pfd[0].revents & (POLLIN | POLLHUP |
		    POLLERR)) && take_channel(ctl, ch, &n) <= 0) {
			close(ctl);
			ctl = -1;
		}
	}
	free(ch);
	free(pfd);
	ks_key_free(k);
	return 0;
}
