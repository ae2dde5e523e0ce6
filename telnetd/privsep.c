/*
 * privsep.c - the narrow protocol between the unprivileged relay and the
 * privileged monitor, and the relay's loss of privilege.
 *
 * The socketpair is SOCK_SEQPACKET: one request is one message, whole or
 * not at all.  The relay sends exactly one START (what the client told
 * it); the monitor answers STARTED with the pty master attached
 * (SCM_RIGHTS), and later EXITED when the program has ended.  The monitor
 * checks every field of START again with the same rules the relay used
 * and drops what fails: the relay's word is never trusted.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sandbox.h"
#include "telnetd.h"

int
ps_send(int sock, const void *msg, size_t len, int fd)
{
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	ssize_t n;

	/* Without a descriptor send(2): the relay's filter has no sendmsg
	 * (sandbox.c says why). */
	if (fd < 0) {
		do
			n = send(sock, msg, len, MSG_NOSIGNAL);
		while (n == -1 && errno == EINTR);
	} else {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = (void *)(uintptr_t)msg;
		iov.iov_len = len;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		do
			n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		while (n == -1 && errno == EINTR);
	}
	if (n == -1)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

ssize_t
ps_recv(int sock, void *buf, size_t size, int *fd)
{
	struct msghdr mh;
	struct iovec iov;
	struct cmsghdr *c;
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	ssize_t n;
	size_t i;
	int one;

	*fd = -1;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = size;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == ECONNRESET ? 0 : -1;
	/*
	 * Every descriptor the kernel installed, which is as many as the
	 * sender attached up to what the control buffer holds (two ints fit
	 * in CMSG_SPACE(sizeof(int)) on LP64, without MSG_CTRUNC): the
	 * first is the caller's, every other is closed here.  A relay taken
	 * over attaches what it likes, and its monitor (root) or the signer
	 * every TLS session shares must not collect them.
	 */
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		for (i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		    i++) {
			memcpy(&one, CMSG_DATA(c) + i * sizeof(int),
			    sizeof(int));
			if (*fd == -1)
				*fd = one;
			else
				close(one);
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		if (*fd != -1)
			close(*fd);
		*fd = -1;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

/* A fixed-size string field: must hold its NUL within the field. */
static size_t
field_len(const char *f, size_t size)
{
	const char *nul = memchr(f, '\0', size);

	return nul == NULL ? size : (size_t)(nul - f);
}

static int
printable(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			return 0;
	return 1;
}

/* A terminfo entry for name in the usual places (ncurses' lookup order
 * without $TERMINFO: the program's environment does not have it yet). */
static int
terminfo_has(const char *name)
{
	static const char *const dirs[] = {
		"/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo",
	};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%c/%s", dirs[i], name[0], name);
		if (access(path, R_OK) == 0)
			return 1;
		snprintf(path, sizeof(path), "%s/%02x/%s", dirs[i],
		    (unsigned char)name[0], name);
		if (access(path, R_OK) == 0)
			return 1;
	}
	return 0;
}

void
ps_start_pick_term(struct ps_start *req)
{
	char name[LOG_STR_MAX + 1];
	size_t i;

	for (i = 0; i < req->nterms; i++)
		if (terminfo_has(req->terms[i])) {
			if (strcmp(req->term, req->terms[i]) != 0)
				log_info("TERM %s: the first of the client's "
				    "types the host knows", req->terms[i]);
			strlcpy(req->term, req->terms[i], sizeof(req->term));
			return;
		}
	/* No type, or none the host knows: "dumb", which terminfo has and
	 * every program handles, rather than no TERM at all (programs then
	 * guess) or a name no program can look up. */
	if (req->term[0] != '\0')
		log_info("TERM dumb: the host knows none of the client's "
		    "types (%s%s)", log_safe(name, sizeof(name), req->term,
		    strlen(req->term)), req->nterms > 1 ? ", ..." : "");
	strlcpy(req->term, TERM_FALLBACK, sizeof(req->term));
}

static int
env_has(const struct client_env *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->n; i++)
		if (strcmp(env->vars[i].name, name) == 0)
			return 1;
	return 0;
}

size_t
ps_start_extra(const struct ps_start *req, const struct client_env *env,
    char extra[][PS_EXTRA_LEN], size_t max)
{
	size_t n = 0;

	/* A UTF-8 CHARSET: a UTF-8 locale, unless the client named one. */
	if (n < max && strcasecmp(req->charset, "UTF-8") == 0 &&
	    !env_has(env, "LANG") && !env_has(env, "LC_ALL") &&
	    !env_has(env, "LC_CTYPE"))
		snprintf(extra[n++], sizeof(extra[0]), "LANG=C.UTF-8");
	if (n < max && req->location[0] != '\0')
		snprintf(extra[n++], sizeof(extra[0]), "TELNET_LOCATION=%s",
		    req->location);
	return n;
}

int
ps_report_validate(const char *text, size_t len)
{
	return len > 0 && len < REPORT_MAX && text[0] == '{' &&
	    printable(text, len) ? 0 : -1;
}

int
ps_start_validate(const struct config *cfg, struct ps_start *req, size_t len,
    struct client_env *env, const char **why)
{
	size_t i, l;
	char safe[LOG_STR_MAX + 1];

	*why = NULL;
	if (len < PS_START_LEN(0) || req->type != PS_START) {
		*why = "not a START request";
		return -1;
	}
	if (req->nvars > ENV_MAX_VARS || len != PS_START_LEN(req->nvars)) {
		*why = "bad START length";
		return -1;
	}
	l = field_len(req->term, sizeof(req->term));
	if (l == sizeof(req->term) || (l > 0 && !term_name_ok(req->term, l))) {
		log_warnx("terminal type from relay refused");
		memset(req->term, 0, sizeof(req->term));
	}
	if (req->ws_col > WINSIZE_MAX || req->ws_row > WINSIZE_MAX)
		req->ws_col = req->ws_row = 0;
	if (req->tx > TSPEED_MAX || req->rx > TSPEED_MAX)
		req->tx = req->rx = 0;
	if (req->nterms > TTYPE_MAX)
		req->nterms = 0;
	for (i = 0; i < req->nterms; i++) {
		l = field_len(req->terms[i], sizeof(req->terms[i]));
		if (l == sizeof(req->terms[i]) ||
		    !term_name_ok(req->terms[i], l)) {
			log_warnx("terminal type list from relay refused");
			req->nterms = 0;
		}
	}
	l = field_len(req->location, sizeof(req->location));
	if (l == sizeof(req->location) || !printable(req->location, l))
		memset(req->location, 0, sizeof(req->location));
	l = field_len(req->charset, sizeof(req->charset));
	if (l == sizeof(req->charset) || !printable(req->charset, l))
		memset(req->charset, 0, sizeof(req->charset));

	/* The environment: rebuilt from nothing, through env_add again. */
	for (i = 0; i < req->nvars; i++) {
		struct env_var *v = &req->vars[i];
		size_t nl = field_len(v->name, sizeof(v->name));
		size_t vl = field_len(v->value, sizeof(v->value));

		if (nl == sizeof(v->name) || vl == sizeof(v->value) ||
		    (nl == 4 && memcmp(v->name, "USER", 4) == 0) ||
		    env_check(&cfg->envpol, v->name, nl, v->value, vl) !=
		    ENV_OK ||
		    env_add(env, &cfg->envpol, v->name, nl, v->value, vl) !=
		    ENV_OK)
			log_warnx("variable %s from relay refused",
			    log_safe(safe, sizeof(safe), v->name, nl));
	}
	l = field_len(req->user, sizeof(req->user));
	if (l > 0) {
		if (l < sizeof(req->user) && user_name_ok(req->user, l))
			memcpy(env->user, req->user, l + 1);
		else
			log_warnx("user name from relay refused");
	}
	return 0;
}

/*
 * The relay's descriptors, first thing after the fork: /dev/null
 * on 0-2 (with --listen they were the listener's: the admin's terminal or
 * a log file), nothing open but the client socket and the monitor socket
 * (the pty master comes later, from the monitor), and its log lines to
 * the monitor over that socket instead of syslog or standard error.
 */
void
privsep_relay_fds(const struct config *cfg, int *net, int *mon, int *chan)
{
	if (sandbox_relay_fds(net, mon, chan) == -1)
		fatal("relay descriptors");
	/* syslog's socket was among those closed: the closelog() in here
	 * only resets libc's state. */
	relaylog_start(*mon, cfg->debug != 0);
}

/*
 * nobody is every such daemon's fallback: a relay running as nobody shares
 * its uid with them, so any of them (taken over) could signal the relay and
 * end its session, and a relay taken over would be one more process of
 * theirs.  The telnetd user (make install creates it) is the relay's own.
 */
void
privsep_check_user(const struct config *cfg)
{
	if (geteuid() == 0 && (cfg->ps_uid == 65534 ||
	    strcmp(cfg->privsep_user, "nobody") == 0))
		log_warnx("the relay runs as %s, a user other daemons "
		    "share: they can signal it, and it them if the seccomp "
		    "filter ever failed; create the telnetd system user "
		    "(make install does)", cfg->privsep_user);
}

/*
 * Confinement of the relay (sandbox.c): as root before the uid changes,
 * an empty root-owned directory as its root; after, the seccomp filter.
 * The relay has no syslog socket (privsep_relay_fds) and opens no file.
 */
static void
confine_as_root(const struct config *cfg)
{
	(void)cfg;
	if (sandbox_chroot(SANDBOX_DIR) == -1)
		fatal("chroot %s", SANDBOX_DIR);
}

static void
confine_final(const struct config *cfg, int tls)
{
	(void)cfg;
	if (sandbox_seccomp(tls) == -1)
		fatal("seccomp");
}

void
privsep_drop(const struct config *cfg, int tls)
{
	gid_t gid = cfg->ps_gid;
	uid_t uid = cfg->ps_uid;

	if (geteuid() != 0) {
		/* Not started as root (a developer's run): nothing to drop. */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			fatal("PR_SET_NO_NEW_PRIVS");
		confine_final(cfg, tls);
		return;
	}
	confine_as_root(cfg);
	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid");
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid");
	if (setuid(0) != -1 || geteuid() == 0 || getuid() == 0)
		fatalx("privilege drop did not stick");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	confine_final(cfg, tls);
}
