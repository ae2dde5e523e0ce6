/*
 * tls_signer.c - the signer process: tls-helper signer CERT KEY, with its
 * control socket on descriptor 3 (TLS-DESIGN.md).
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "telnetd.h"
#include "tls.h"

struct chan {
	int fd;
	struct ks_state st;
};

/* The signer's poll slots: the control socket, then a slot per channel
 * from SPFD_CHANS (channel i in SPFD_CHANS + i). */
enum { SPFD_CTL, SPFD_CHANS };

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

/* The ready message, with the chain's text after it. */
static int
say_ready(int ctl, const struct ks_key *k, const char *why)
{
	struct ks_ready *r;
	const char *chain = NULL;
	size_t len = 0;
	int rc;

	if (k != NULL)
		chain = ks_key_chain(k, &len);
	if ((r = calloc(1, sizeof(*r) + len)) == NULL)
		return -1;
	r->type = KS_READY;
	r->error = k == NULL;
	strlcpy(r->why, why, sizeof(r->why));
	r->chainlen = (uint32_t)len;
	if (len > 0)
		memcpy(r + 1, chain, len);
	rc = ps_send(ctl, r, sizeof(*r) + len, -1);
	free(r);
	return rc;
}

/*
 * With the key in memory, the files are no longer needed and neither is
 * root: the signer goes on as the relay's user in the relay's empty root
 * directory.  It stays not dumpable (a change of ids makes the kernel
 * reset that flag), so a process of that user can neither trace it nor
 * read its memory.
 */
static void
give_up_root(uid_t uid, gid_t gid)
{
	if (uid == (uid_t)-1 || geteuid() != 0)
		return;
	if (sandbox_chroot(SANDBOX_DIR) == -1)
		fatal("signer: chroot %s", SANDBOX_DIR);
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		fatal("signer: dropping root");
	if (setuid(0) != -1 || geteuid() == 0)
		fatalx("signer: privilege drop did not stick");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("signer: prctl");
}

int
ks_signer_run(const char *chainfile, const char *keyfile, int ctl,
    uid_t uid, gid_t gid)
{
	struct ks_key *k;
	struct chan *ch;
	struct pollfd *pfd;
	size_t n = 0, i, w;
	char why[256] = "";

	k = ks_key_load(keyfile, chainfile, why, sizeof(why));
	if (say_ready(ctl, k, why) == -1 || k == NULL) {
		ks_key_free(k);
		return 1;
	}
	give_up_root(uid, gid);
	if ((ch = calloc(KS_CHANNELS_MAX, sizeof(*ch))) == NULL ||
	    (pfd = calloc(SPFD_CHANS + KS_CHANNELS_MAX, sizeof(*pfd))) == NULL)
		fatal("signer: calloc");
	while (ctl != -1 || n > 0) {
		pfd[SPFD_CTL].fd = ctl;
		pfd[SPFD_CTL].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[SPFD_CHANS + i].fd = ch[i].fd;
			pfd[SPFD_CHANS + i].events = POLLIN;
		}
		if (poll(pfd, SPFD_CHANS + n, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("signer: poll");
		}
		/* Answer first: the channel list moves below. */
		for (i = 0, w = 0; i < n; i++) {
			if (pfd[SPFD_CHANS + i].revents & (POLLIN | POLLHUP |
			    POLLERR)) {
				/* Signed, EOF or refused: done either way. */
				(void)ks_answer(k, &ch[i].st, ch[i].fd);
				close(ch[i].fd);
			} else
				ch[w++] = ch[i];	/* nothing yet */
		}
		n = w;
		if (ctl != -1 && (pfd[SPFD_CTL].revents & (POLLIN | POLLHUP |
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
