/*
 * monitor.c - the privileged half of a session (root).  Small on purpose:
 * it waits for one START request from the relay, checks it, allocates the
 * pty, starts the program (fork, utmp/wtmp, exec), hands the pty master to
 * the relay, and afterwards only reaps: when the program ends it tells the
 * relay; when the relay ends (the client is gone) the program's process
 * group gets SIGHUP, then SIGKILL after a grace period.
 *
 * The monitor keeps its own reference to the pty slave while the program
 * runs (so the master never sees the slave side fully closed during
 * login's start-up, which on older kernels reset packet mode) and drops it
 * when the program has exited, so the relay reads every byte and then EIO.
 */
#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "telnetd.h"

/* What the monitor receives from the relay and builds from it: pages of
 * their own, handed back once the program runs (the monitor then idles
 * for the whole session). */
struct mon_buf {
	union {
		struct ps_start req;
		struct ps_report rep;
	};
	char over;			/* a longer message is refused */
	struct client_env env;		/* rebuilt through the allow-list */
	struct utmp_buf utmp;		/* utmp read there, not on the stack */
};

/* The monitor's deadlines (0: none), a table for its poll timeout. */
enum {
	MDL_HUP,		/* SIGKILL after SIGHUP */
	MDL_LOGIN,		/* /bin/login still at its prompt? */
	MDL_MAX
};

struct monitor {
	const struct config *cfg;
	const char *host;
	int mon;		/* socket to the relay, -1 once closed */
	pid_t relay;		/* 0 once reaped */
	pid_t prog;		/* 0 when none or reaped */
	int slave;
	off_t utmp_slot;	/* the LOGIN record's place, -1 unknown */
	char tty[TTY_NAME_MAX];
	int started;
	int reported;
	int64_t t_start;
	int64_t dl[MDL_MAX];
	struct relaylog_limit rlog;	/* the relay's PS_LOG lines */
	struct mon_buf *buf;	/* NULL until the first message */
	char title[TITLE_MAX];	/* what ps shows (monitor_run's frame) */
};

/* The monitor's poll slots. */
enum { MPFD_SIGNAL, MPFD_RELAY, MPFD_MAX };

static const char *const pam_helper_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
};

/* What the program's child works from, all prepared by the monitor. */
struct child_args {
	int slave;
	char **argv, **envp;
	const char *banner;	/* the expanded issue text, or NULL */
	size_t banner_len;
};

/* A line for the user from the child, on the terminal; nothing to do if
 * that fails. */
static void
child_say(int fd, const char *what, const char *arg, int err)
{
	const char *part[] = { "telnetd: ", what, arg != NULL ? " " : "",
	    arg != NULL ? arg : "", ": ", strerror(err), "\r\n" };
	struct iovec iov[sizeof(part) / sizeof(part[0])];
	size_t i;

	for (i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
		iov[i].iov_base = (void *)(uintptr_t)part[i];
		iov[i].iov_len = strlen(part[i]);
	}
	if (writev(fd, iov, (int)i) < 0)
		return;
}

/* In the child: wait for the monitor's go (utmp written: login looks for
 * its LOGIN record by pid), then the terminal, the banner and the
 * program.  Never returns. */
static void
run_program(const struct child_args *a, int go)
{
	size_t w = 0;
	ssize_t n;
	char c;

	while (read(go, &c, 1) == -1 && errno == EINTR)
		;
	if (pty_child_setup(a->slave) == -1) {
		child_say(a->slave, "cannot set up the terminal", NULL, errno);
		_exit(1);
	}
	while (a->banner != NULL && w < a->banner_len &&
	    (n = write(STDOUT_FILENO, a->banner + w, a->banner_len - w)) > 0)
		w += (size_t)n;
	execve(a->argv[0], a->argv, a->envp);
	child_say(STDERR_FILENO, "cannot run", a->argv[0], errno);
	_exit(127);
}

/*
 * Start the program's child with fork(), as OpenSSH's do_exec_pty, and
 * write its utmp/wtmp LOGIN record here, once its pid is known; the child
 * waits on a pipe until then.  The master, the relay's socket and every
 * other descriptor are close-on-exec, and the child closes all but 0-2
 * anyway.
 */
static pid_t
spawn_program(struct monitor *m, const struct child_args *a)
{
	int go[2], saved;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		close(go[1]);
		run_program(a, go[0]);
	}
	saved = errno;
	close(go[0]);
	if (pid != -1 &&
	    utmp_login(pid, m->tty, m->host, &m->utmp_slot,
	    &m->buf->utmp) == -1)
		log_warn("utmp/wtmp for %s", m->tty);
	close(go[1]);		/* EOF: the child goes on */
	errno = saved;
	return pid;
}

/* The program's argument vector and environment.  With --pam, pam-login
 * gets the client's values as arguments and, as its own environment, only
 * a PATH for the helpers PAM modules run (it builds the shell's
 * environment itself). */
static int
build_program(const struct monitor *m, const struct ps_start *req,
    const struct client_env *env, struct child_args *ca)
{
	char extra[PS_EXTRA_VARS][PS_EXTRA_LEN];
	const char *xp[PS_EXTRA_VARS + 1];
	struct login_vars lv;
	size_t i, nx;

	nx = ps_start_extra(req, env, extra, PS_EXTRA_VARS);
	for (i = 0; i < nx; i++)
		xp[i] = extra[i];
	xp[nx] = NULL;
	memset(&lv, 0, sizeof(lv));
	lv.host = m->host;
	lv.user = env->user;
	lv.tty = m->tty;
	lv.term = req->term;
	if (m->cfg->pam) {
		ca->argv = login_build_pam_argv(m->cfg->pam_helper,
		    m->cfg->pam_service, m->cfg->login_timeout, &lv, env);
		ca->envp = login_build_envp(NULL, NULL, pam_helper_env);
	} else {
		ca->argv = login_build_argv(&m->cfg->login, &lv);
		ca->envp = login_build_envp(env, req->term[0] ? req->term :
		    NULL, xp);
	}
	if (ca->argv == NULL || ca->envp == NULL) {
		log_warnx("cannot build the program's arguments");
		return -1;
	}
	return 0;
}

/* The program runs: what the monitor keeps of it, and the log line. */
static void
program_running(struct monitor *m, pid_t pid, const struct child_args *ca,
    const struct client_env *env)
{
	char safe[LOG_STR_MAX + 1];

	m->prog = pid;
	m->slave = ca->slave;
	/* login has its own timeout too; this one is the operator's
	 * (--login-timeout).  PAM's path enforces it itself. */
	if (m->cfg->login.is_default && !m->cfg->pam &&
	    m->cfg->login_timeout > 0)
		m->dl[MDL_LOGIN] = now_ms() +
		    (int64_t)m->cfg->login_timeout * 1000;
	log_info("session from %s on %s: %s%s%s (pid %ld)", m->host, m->tty,
	    m->cfg->pam ? "pam" : ca->argv[0], env->user[0] ? " user " : "",
	    env->user[0] ? log_safe(safe, sizeof(safe), env->user,
	    strlen(env->user)) : "", (long)pid);
}

/* START: check it again, allocate the pty, start the program, and answer
 * STARTED with the master (or the errno of what failed).  -1: a request
 * out of protocol, which ends the session. */
static int
start_program(struct monitor *m, struct ps_start *req, size_t len)
{
	struct client_env *env = &m->buf->env;
	struct child_args ca;
	struct ps_started rep;
	const char *why;
	int master = -1, err = 0;
	pid_t pid;

	memset(&rep, 0, sizeof(rep));
	rep.type = PS_STARTED;
	memset(&ca, 0, sizeof(ca));
	ca.slave = -1;
	memset(env, 0, sizeof(*env));
	if (ps_start_validate(m->cfg, req, len, env, &why) == -1) {
		log_warnx("bad request from relay: %s", why);
		return -1;
	}
	if (pty_open(&master, &ca.slave, m->tty, sizeof(m->tty)) == -1) {
		err = errno;
		log_warn("cannot allocate a pty");
		goto reply;
	}
	pty_setup(ca.slave, req->ws_col, req->ws_row, req->tx, req->rx);
	ps_start_pick_term(req);
	if (build_program(m, req, env, &ca) == -1) {
		err = ENOMEM;
		goto reply;
	}
	if (m->cfg->issue_file != NULL)
		ca.banner = issue_render(m->cfg->issue_file, m->tty, m->host,
		    &ca.banner_len);
	if ((pid = spawn_program(m, &ca)) == -1) {
		err = errno;
		log_warn("fork");
		goto reply;
	}
	program_running(m, pid, &ca, env);
	ca.slave = -1;		/* the monitor's now (see the top) */
	strlcpy(rep.tty, m->tty, sizeof(rep.tty));
	title_session(m->title, sizeof(m->title), m->host, m->tty);
reply:
	login_argv_free(ca.argv);
	login_argv_free(ca.envp);
	if (ca.slave != -1)
		close(ca.slave);
	rep.error = err;
	/* EPIPE: the relay is gone (its client left while START was out);
	 * the loop sees it next and hangs the program up. */
	if (ps_send(m->mon, &rep, sizeof(rep), err == 0 ? master : -1) == -1 &&
	    errno != EPIPE)
		log_warn("send to relay");
	if (master != -1)
		close(master);
	return 0;
}

static void
hangup_program(struct monitor *m)
{
	if (m->prog == 0 || m->dl[MDL_HUP] != 0)
		return;
	log_trace(m, DBG_REPORT, "SIGHUP to the program's process group");
	kill(-m->prog, SIGHUP);
	kill(-m->prog, SIGCONT);
	m->dl[MDL_HUP] = now_ms() + HANGUP_GRACE_MS;
}

static void
check_login(struct monitor *m)
{
	int on;

	m->dl[MDL_LOGIN] = 0;
	if (m->prog == 0 || m->dl[MDL_HUP] != 0)
		return;
	on = utmp_user_on(m->tty, m->prog, &m->buf->utmp);
	pages_reset(m->buf, sizeof(*m->buf));
	if (on == 1)
		return;
	if (on == -1) {
		log_info("no utmp: login timeout not enforced");
		return;
	}
	log_info("session from %s on %s: login timed out after %u s",
	    m->host, m->tty, m->cfg->login_timeout);
	hangup_program(m);
}

static void
program_ended(struct monitor *m, int status)
{
	struct ps_exited ex;

	if (WIFSIGNALED(status))
		log_info("session from %s on %s: program killed by signal "
		    "%d after %.1f s", m->host, m->tty, WTERMSIG(status),
		    (double)(now_ms() - m->t_start) / 1000.0);
	else
		log_info("session from %s on %s: program exited %d after "
		    "%.1f s", m->host, m->tty, WEXITSTATUS(status),
		    (double)(now_ms() - m->t_start) / 1000.0);
	if (utmp_logout(m->prog, m->tty, m->utmp_slot, &m->buf->utmp) == -1)
		log_warn("utmp/wtmp for %s", m->tty);
	m->prog = 0;
	/* The relay now reads the rest and then EIO. */
	if (m->slave != -1) {
		close(m->slave);
		m->slave = -1;
	}
	if (m->mon != -1) {
		memset(&ex, 0, sizeof(ex));
		ex.type = PS_EXITED;
		ex.status = status;
		if (ps_send(m->mon, &ex, sizeof(ex), -1) == -1 &&
		    errno != EPIPE)
			log_warn("send to relay");
	}
}

static void
reap(struct monitor *m)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == m->relay) {
			/* Its last lines first, then how it ended. */
			relaylog_drain(&m->rlog, m->cfg, m->mon, m->host);
			m->relay = 0;
			if (WIFSIGNALED(status))
				log_warnx("relay killed by signal %d",
				    WTERMSIG(status));
			hangup_program(m);
		} else if (pid == m->prog)
			program_ended(m, status);
	}
}

/* A fingerprint from the relay and the database's name for it: the
 * monitor looks the name up itself. */
static const char *
fp_label(int kind, const char *hash)
{
	const char *name = fp_name(kind, hash);

	return name != NULL ? name : "unknown";
}

/*
 * The client report from the relay: checked, then appended to
 * --report-log or logged, and saved in --report-dir when its fingerprint
 * is new there.  With --report (no login) there is no program: EXITED
 * tells the relay to finish.
 */
static int
write_report(struct monitor *m, struct ps_report *r, size_t n)
{
	const size_t off = offsetof(struct ps_report, text);
	struct ps_exited ex;
	size_t len;

	if (n <= off)
		return -1;
	len = n - off;
	r->fp_protocol[sizeof(r->fp_protocol) - 1] = '\0';
	r->fp_terminal[sizeof(r->fp_terminal) - 1] = '\0';
	if (ps_report_validate(r->text, len) == -1 ||
	    (r->fp_protocol[0] != '\0' &&
	    !fp_hash_ok(r->fp_protocol, strlen(r->fp_protocol))) ||
	    (r->fp_terminal[0] != '\0' &&
	    !fp_hash_ok(r->fp_terminal, strlen(r->fp_terminal)))) {
		log_warnx("bad report from relay");
		return -1;
	}
	if (m->cfg->report_log != NULL)
		(void)report_log_append(m->cfg->report_log, r->text, len);
	else
		log_info("client report: %.*s", (int)len, r->text);
	if (r->fp_protocol[0] != '\0' && r->fp_terminal[0] != '\0')
		log_info("client %s: protocol %s (%s), terminal %s (%s)",
		    m->host, r->fp_protocol, fp_label(FP_PROTOCOL,
		    r->fp_protocol), r->fp_terminal, fp_label(FP_TERMINAL,
		    r->fp_terminal));
	else if (r->fp_protocol[0] != '\0')
		log_info("client %s: protocol %s (%s)", m->host,
		    r->fp_protocol, fp_label(FP_PROTOCOL, r->fp_protocol));
	if (m->cfg->report_dir != NULL && r->fp_protocol[0] != '\0')
		(void)report_dir_save(m->cfg->report_dir, r->fp_protocol,
		    r->fp_terminal, r->text, len);
	if (m->cfg->report == REPORT_SHOW) {
		m->started = 1;
		memset(&ex, 0, sizeof(ex));
		ex.type = PS_EXITED;
		if (ps_send(m->mon, &ex, sizeof(ex), -1) == -1 &&
		    errno != EPIPE)
			log_warn("send to relay");
	}
	return 0;
}

/* Whether the relay's end of the socket is closed (POLLHUP): what tells
 * the end from an empty message, which SOCK_SEQPACKET reads as 0 bytes
 * too. */
static int
relay_closed(int mon)
{
	struct pollfd p = { .fd = mon, .events = POLLIN, .revents = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

/* A message from the relay: at most one REPORT (with --report), then one
 * START; PS_LOG lines at any time; EOF when the relay is gone.  Anything
 * else ends the session. */
static void
handle_relay(struct monitor *m)
{
	struct ps_start *req;
	ssize_t n;
	int fd = -1;

	if (m->buf == NULL && (m->buf = pages_alloc(sizeof(*m->buf))) == NULL)
		fatal("monitor buffer");
	req = &m->buf->req;
	/* START or REPORT, whichever is longer, and a byte more. */
	n = ps_recv(m->mon, m->buf, offsetof(struct mon_buf, over) + 1, &fd);
	/* The relay never sends a descriptor (ps_recv closed any past the
	 * first): one attached is a relay taken over, whatever it came
	 * with.  Its message is not looked at. */
	if (fd != -1) {
		close(fd);
		log_warnx("relay sent a descriptor");
		n = 1;
		goto broke;
	}
	if (n == 0 && !relay_closed(m->mon)) {
		log_warnx("relay sent an empty message");
		n = 1;
		goto broke;
	}
	if (n >= (ssize_t)sizeof(uint32_t) && req->type == PS_LOG) {
		/* Any time; a bad one is out of protocol: end it below. */
		if (relaylog_accept(&m->rlog, m->cfg, m->host, req,
		    (size_t)n) == 0)
			return;
		n = 1;
	}
	/* A REPORT only where --report asked the relay for one. */
	if (n >= (ssize_t)sizeof(uint32_t) && req->type == PS_REPORT &&
	    m->cfg->report != REPORT_OFF && !m->reported && !m->started) {
		m->reported = 1;
		if (write_report(m, &m->buf->rep, (size_t)n) == 0)
			return;
		n = 1;	/* out of protocol: end it below */
	}
	if (n > 0 && !m->started && start_program(m, req, (size_t)n) == 0) {
		m->started = 1;
		pages_reset(m->buf, sizeof(*m->buf));
		return;
	}
broke:
	/* EOF (the relay is gone), or a request out of protocol (-1: one
	 * longer than any the monitor takes): either way this session is
	 * over. */
	if (n != 0)
		log_warnx("relay broke the protocol");
	close(m->mon);
	m->mon = -1;
	hangup_program(m);
	if (n != 0 && m->relay != 0)
		kill(m->relay, SIGKILL);
}

int
monitor_run(const struct config *cfg, int mon, pid_t relay, const char *host)
{
	struct monitor mm, *m = &mm;
	struct pollfd pfd[MPFD_MAX];
	sigset_t mask;
	int sfd;

	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->host = host;
	m->mon = mon;
	m->relay = relay;
	m->slave = -1;
	m->utmp_slot = -1;
	m->t_start = now_ms();
	title_session(m->title, sizeof(m->title), host, NULL);

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	reap(m);	/* a relay that ended before the mask was set */

	while (m->relay != 0 || m->prog != 0) {
		pfd[MPFD_SIGNAL].fd = sfd;
		pfd[MPFD_SIGNAL].events = POLLIN;
		pfd[MPFD_RELAY].fd = m->mon;
		pfd[MPFD_RELAY].events = POLLIN;
		if (poll(pfd, MPFD_MAX, deadline_timeout(m->dl, MDL_MAX,
		    now_ms())) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[MPFD_SIGNAL].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) > 0)
				;
			reap(m);
		}
		if (m->mon != -1 && (pfd[MPFD_RELAY].revents & (POLLIN |
		    POLLHUP | POLLERR)))
			handle_relay(m);
		if (m->dl[MDL_LOGIN] != 0 && now_ms() >= m->dl[MDL_LOGIN])
			check_login(m);
		if (m->dl[MDL_HUP] != 0 && m->prog != 0 &&
		    now_ms() >= m->dl[MDL_HUP]) {
			log_info("program ignored SIGHUP: SIGKILL");
			kill(-m->prog, SIGKILL);
			kill(m->prog, SIGKILL);
			m->dl[MDL_HUP] = now_ms() + HANGUP_GRACE_MS;
		}
	}
	relaylog_end(&m->rlog, m->host);
	if (m->mon != -1)
		close(m->mon);
	if (m->slave != -1)
		close(m->slave);
	close(sfd);
	pages_free(m->buf, sizeof(*m->buf));
	return 0;
}
