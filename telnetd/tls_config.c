/*
 * tls_config.c - TLS on the command line: the mode names, what "both on
 * one port" makes of a client's first bytes, and starting the signer
 * (tls-helper signer) and handing it a channel per connection: none of
 * this needs OpenSSL.
 *
 * The signer loads the certificate chain and the key with OpenSSL, so it
 * runs in tls-helper (../tls/main.c), a program of its own: the daemon
 * links no TLS library (a daemon not asked for TLS pays nothing for it),
 * and the daemon that goes on to fork monitors and relays never has the
 * key in its memory (the relay's memory is a copy of it).  Its READY
 * message, or its reason, is the start's check of the files.
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

static const char *const mode_names[] = {
	[TLS_MODE_OFF] = "off",
	[TLS_MODE_STARTTLS] = "starttls",
	[TLS_MODE_STARTTLS_REQUIRED] = "starttls-required",
	[TLS_MODE_IMPLICIT] = "implicit",
	[TLS_MODE_AUTO] = "auto",
	[TLS_MODE_AUTO_REQUIRED] = "auto-required",
};
#define NMODES	(sizeof(mode_names) / sizeof(mode_names[0]))

int
tls_mode_parse(const char *name, int *mode)
{
	size_t i;

	for (i = 0; name != NULL && i < NMODES; i++)
		if (strcmp(name, mode_names[i]) == 0) {
			*mode = (int)i;
			return 0;
		}
	return -1;
}

const char *
tls_mode_name(int mode)
{
	if (mode < 0 || (size_t)mode >= NMODES)
		return "?";
	return mode_names[mode];
}

enum tls_sniff
tls_sniff(const unsigned char *p, size_t n)
{
	if (n == 0)
		return TLS_SNIFF_MORE;
	if (p[0] != 0x16)
		return TLS_SNIFF_TELNET;
	if (n == 1)
		return TLS_SNIFF_MORE;
	/* RFC 8446 5.1: legacy_record_version is 0x0301 (or 0x0303); a
	 * ClientHello record never has another major version. */
	return p[1] == 0x03 ? TLS_SNIFF_TLS : TLS_SNIFF_TELNET;
}

int
tls_sniff_wait_ms(uint32_t rtt_us)
{
	uint64_t ms = ((uint64_t)rtt_us * 3 + 999) / 1000;

	if (ms < TLS_SNIFF_MIN_MS)
		return TLS_SNIFF_MIN_MS;
	if (ms > TLS_SNIFF_MAX_MS)
		return TLS_SNIFF_MAX_MS;
	return (int)ms;
}

/* ------------------------------------------------------------------ */
/* The signer, from the daemon's side (tls_signer.c is the other)       */

/* The signer's child: the control socket on 3, /dev/null on 0-2 (in
 * inetd mode they are the client's socket) but for log_stderr's 2, nothing
 * else; then exec.  With syslog alone, a refusal the signer logs (a relay
 * taken over) could go nowhere: no syslog daemon, or one restarted, which
 * the chrooted signer cannot reach again. */
static __attribute__((noreturn)) void
signer_exec(const char *helper, const char *chainfile, const char *keyfile,
    uid_t uid, gid_t gid, int log_stderr, int ctl)
{
	char ids[2][16];
	char *const argv[] = { (char *)(uintptr_t)"tls-helper",
	    (char *)(uintptr_t)"signer", (char *)(uintptr_t)chainfile,
	    (char *)(uintptr_t)keyfile, uid == (uid_t)-1 ? NULL : ids[0],
	    ids[1], NULL };
	static char *const envp[] = { NULL };
	int dn = open("/dev/null", O_RDWR);

	snprintf(ids[0], sizeof(ids[0]), "%ld", (long)uid);
	snprintf(ids[1], sizeof(ids[1]), "%ld", (long)gid);
	/* dup2 clears close-on-exec on 3. */
	if (dn == -1 || dup2(dn, 0) == -1 || dup2(dn, 1) == -1 ||
	    (!log_stderr && dup2(dn, 2) == -1) || dup2(ctl, 3) == -1)
		_exit(127);
	closefrom(4);
	execve(helper, argv, envp);
	_exit(127);
}

/* The signer's READY message on ctl: its certificate chain into sg, or
 * why it did not come (the signer's own reason when it sent one). */
static int
signer_ready(const char *helper, int ctl, struct ks_ready *ready,
    struct ks_signer *sg, char *why, size_t whysz)
{
	struct pollfd pfd = { .fd = ctl, .events = POLLIN };
	ssize_t len = -1;
	int fd = -1, n;

	/* The bound on the signer's load of the files: the start and a
	 * SIGHUP's reload wait this long, serving no one, and no longer. */
	if ((n = poll(&pfd, 1, KS_READY_TIMEOUT_MS)) == 1 &&
	    (len = ps_recv(ctl, ready, KS_READY_MAX, &fd)) >= 0 && fd != -1) {
		/* The signer sends no descriptor: one attached is not its
		 * READY, and not kept. */
		close(fd);
		len = 1;	/* "bad ready message" */
	} else if (n == 0) {
		snprintf(why, whysz, "the signer (%s) did not answer within "
		    "%d s (reading the certificate and key)", helper,
		    KS_READY_TIMEOUT_MS / 1000);
		return -1;
	}
	if (len >= (ssize_t)sizeof(*ready) && ready->type == KS_READY &&
	    ready->error == 0 && ready->chainlen <= KS_CHAIN_MAX &&
	    (size_t)len == sizeof(*ready) + ready->chainlen &&
	    (sg->chain = malloc(ready->chainlen + 1)) != NULL) {
		memcpy(sg->chain, ready + 1, ready->chainlen);
		sg->chain[ready->chainlen] = '\0';
		sg->chainlen = ready->chainlen;
		return 0;
	}
	if (len >= (ssize_t)sizeof(*ready) && ready->type == KS_READY &&
	    ready->error != 0) {
		ready->why[sizeof(ready->why) - 1] = '\0';
		snprintf(why, whysz, "%s", ready->why);
	} else
		snprintf(why, whysz, "the signer (%s) did not start: %s",
		    helper, len == 0 ? "it exited" : len > 0 ?
		    "bad ready message" : strerror(errno));
	return -1;
}

int
ks_signer_start(const char *helper, const char *chainfile,
    const char *keyfile, uid_t uid, gid_t gid, int log_stderr,
    struct ks_signer *sg, char *why, size_t whysz)
{
	struct ks_ready *ready;
	pid_t pid;
	int sp[2], status;

	sg->pid = -1;
	sg->ctl = -1;
	sg->chain = NULL;
	sg->chainlen = 0;
	if ((ready = calloc(1, KS_READY_MAX)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1) {
		snprintf(why, whysz, "socketpair: %s", strerror(errno));
		free(ready);
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(why, whysz, "fork: %s", strerror(errno));
		close(sp[0]);
		close(sp[1]);
		free(ready);
		return -1;
	}
	if (pid == 0)
		signer_exec(helper, chainfile, keyfile, uid, gid, log_stderr,
		    sp[1]);
	close(sp[1]);
	if (signer_ready(helper, sp[0], ready, sg, why, whysz) == 0) {
		sg->pid = pid;
		sg->ctl = sp[0];
		free(ready);
		return 0;
	}
	free(ready);
	close(sp[0]);
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return -1;
}

void
ks_signer_stop(struct ks_signer *sg)
{
	if (sg->ctl != -1)
		close(sg->ctl);
	free(sg->chain);
	sg->ctl = -1;
	sg->pid = -1;
	sg->chain = NULL;
	sg->chainlen = 0;
}

int
ks_signer_channel(int ctl, int *relay)
{
	struct ks_channel m;
	int sp[2], rc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1)
		return -1;
	memset(&m, 0, sizeof(m));
	m.type = KS_CHANNEL;
	rc = ps_send(ctl, &m, sizeof(m), sp[1]);
	close(sp[1]);
	if (rc == -1) {
		close(sp[0]);
		return -1;
	}
	*relay = sp[0];
	return 0;
}
