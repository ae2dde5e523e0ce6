/*
 * listen_tls.c - TLS in the listener (tls-helper's daemon): the signer,
 * the only process with the private key, and the TLS context made from
 * the certificates that signer checked, made once here so that every
 * session's relay shares it instead of making its own.  A connection on
 * a TLS address gets a channel to the signer before the fork.  SIGHUP
 * starts a new signer with the files as they are now and, once it has
 * checked them, puts it and a new context in the old ones' place for new
 * sessions (the old signer ends when the channels it was given are done);
 * files that do not pass leave the old pair in service, with a log line.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

/* The context for new sessions, made from the chain the signer checked.
 * -1 with why. */
static int
make_ctx(struct listen_tls *t, const struct ks_signer *sg,
    struct tls_ctx **ctx, char *why, size_t whysz)
{
	int chan;

	*ctx = t->cfg->tls.ops->ctx_new_mem(sg->chain, sg->chainlen, why,
	    whysz);
	if (*ctx == NULL)
		return -1;
	/* Its caches filled once here, for every session to share. */
	if (ks_signer_channel(sg->ctl, &chan) == 0) {
		if (t->cfg->tls.ops->ctx_warm(*ctx, chan) == -1)
			log_info("TLS: the warm-up handshake did not complete");
		close(chan);
	}
	tls_heap_settle();
	return 0;
}

/* The certificate's and the key's files as they are now (all zero for
 * one that cannot be looked at). */
static void
files_now(const struct listen_tls *t, struct stat st[2])
{
	memset(st, 0, 2 * sizeof(*st));
	if (stat(t->cfg->tls.cert, &st[0]) == -1)
		memset(&st[0], 0, sizeof(st[0]));
	if (stat(t->cfg->tls.key, &st[1]) == -1)
		memset(&st[1], 0, sizeof(st[1]));
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* A reload that did not pass: with a signer in service it stays; without
 * one (it ended), TLS connections are refused until the files change. */
static void
reload_failed(struct listen_tls *t, const char *why_now, const char *why)
{
	if (t->sg->pid != -1) {
		log_warnx("%s: certificate and key not reloaded, the old ones "
		    "stay in service: %s", why_now, why);
		return;
	}
	/* Tried again only at a SIGHUP or when the files change: a line
	 * each time is a line for something the admin did. */
	log_warnx("%s: no signer, TLS connections refused until the files "
	    "pass: %s", why_now, why);
	t->lost = 1;
	files_now(t, t->lost_st);
}

/* SIGHUP (or the signer died): a new signer with the files as they are
 * now and a context from what it checked, in place of the old ones for
 * new sessions; the old signer ends once the channels it was given are
 * done.  Files that do not pass change nothing. */
void
listen_tls_reload(struct listen_tls *t, const char *why_now)
{
	char helper[PATH_MAX], why[256];
	struct ks_signer ng;
	struct tls_ctx *nctx;
	size_t i;

	if (login_libexec_path("tls-helper", helper, sizeof(helper)) == -1) {
		log_warn("%s: cannot run %s", why_now, helper);
		return;
	}
	if (ks_signer_start(helper, t->cfg->tls.cert, t->cfg->tls.key,
	    geteuid() == 0 ? t->cfg->ps_uid : (uid_t)-1, t->cfg->ps_gid, 1,
	    &ng, why, sizeof(why)) == -1) {
		reload_failed(t, why_now, why);
		return;
	}
	if (make_ctx(t, &ng, &nctx, why, sizeof(why)) == -1) {
		reload_failed(t, why_now, why);
		ks_signer_stop(&ng);
		return;
	}
	t->lost = 0;
	if (t->sg->pid != -1) {
		for (i = 0; i < RETIRED_MAX && t->retired[i] != 0; i++)
			;
		if (i < RETIRED_MAX)
			t->retired[i] = t->sg->pid;
	}
	ks_signer_stop(t->sg);
	*t->sg = ng;
	if (t->ctx != NULL)
		t->cfg->tls.ops->ctx_free(t->ctx);
	t->ctx = nctx;
	log_info("%s: certificate %s and key %s loaded for new sessions "
	    "(signer %ld)", why_now, t->cfg->tls.cert, t->cfg->tls.key,
	    (long)t->sg->pid);
}

/* A signer ended: one replaced by SIGHUP (its channels done), or the one
 * in service, which is started again.  0 when pid is no signer. */
int
listen_tls_reaped(struct listen_tls *t, pid_t pid, int status)
{
	size_t i;

	if (t->sg == NULL)
		return 0;
	for (i = 0; i < RETIRED_MAX; i++)
		if (t->retired[i] == pid) {
			t->retired[i] = 0;
			log_info("replaced signer %ld ended", (long)pid);
			return 1;
		}
	if (pid != t->sg->pid)
		return 0;
	log_warnx("signer %ld ended (%s %d): starting it again", (long)pid,
	    WIFSIGNALED(status) ? "signal" : "exit", WIFSIGNALED(status) ?
	    WTERMSIG(status) : WEXITSTATUS(status));
	t->sg->pid = -1;
	listen_tls_reload(t, "signer restart");
	return 1;
}

/* The signer main.c started (NULL: no TLS) and a context from its chain.
 * -1 (logged, the signer stopped) when no context can be made. */
int
listen_tls_start(struct listen_tls *t, const struct config *cfg,
    struct ks_signer *sg)
{
	char why[256];

	t->cfg = cfg;
	t->sg = sg;
	if (sg == NULL)
		return 0;
	if (make_ctx(t, sg, &t->ctx, why, sizeof(why)) == -1) {
		log_warnx("TLS: %s", why);
		ks_signer_stop(sg);
		return -1;
	}
	log_info("TLS: certificate %s, key %s (signer %ld)", cfg->tls.cert,
	    cfg->tls.key, (long)sg->pid);
	return 0;
}

/* A channel to the signer for a new session; -1 when there is no signer
 * or no context to serve it with.  With none since the one in service
 * ended, files that changed meanwhile are tried first (a renewal that
 * was half done when it ended, finished without a SIGHUP). */
int
listen_tls_channel(struct listen_tls *t, int *chan)
{
	struct stat st[2];

	if (t->lost) {
		files_now(t, st);
		if (!same_file(&st[0], &t->lost_st[0]) ||
		    !same_file(&st[1], &t->lost_st[1]))
			listen_tls_reload(t, "signer restart");
	}
	if (t->sg->ctl == -1 || t->ctx == NULL ||
	    ks_signer_channel(t->sg->ctl, chan) == -1)
		return -1;
	return 0;
}

/* The listener stops: the signer ends with its last channel. */
void
listen_tls_stop(struct listen_tls *t)
{
	if (t->sg == NULL)
		return;
	ks_signer_stop(t->sg);
	t->cfg->tls.ops->ctx_free(t->ctx);
}
