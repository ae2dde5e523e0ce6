/*
 * monitor.c - the privileged half of a session (root).  Small on purpose:
 * it waits for one START request from the relay, checks it, allocates the
 * pty, starts the program, records utmp/wtmp, hands the pty master to the
 * relay, and afterwards only reaps: when the program ends it tells the
 * relay; when the relay ends (the client is gone) the program's process
 * group gets SIGHUP, then SIGKILL after a grace period.
 *
 * The monitor keeps its own reference to the pty slave while the program
 * runs (so the master never sees the slave side fully closed during
 * login's start-up, which on older kernels reset packet mode) and drops it
 * when the program has exited, so the relay reads every byte and then EIO.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "telnetd.h"

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
	int64_t hup_deadline;	/* SIGKILL after SIGHUP, 0 = none */
	int64_t login_deadline;	/* /bin/login still at its prompt? */
};

static const char *const pam_helper_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL
};

/* What the program's child works from, all prepared by the monitor. */
struct child_args {
	const struct monitor *m;
	int slave;
	char **argv, **envp;
	const struct ps_start *req;
	const struct client_env *env;
	const char *banner;	/* the expanded issue text, or NULL */
	size_t banner_len;
	int shared;		/* runs in the monitor's memory (below) */
	int utmp_err;		/* errno of a failed utmp write, if shared */
	off_t utmp_slot;	/* where the record went, if shared */
};

/* A line for the user from the child, which may run in the monitor's
 * memory: written in pieces (dprintf would malloc its buffer), nothing
 * to do if that fails. */
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

/* In the child: never returns. */
static void
run_program(struct child_args *a)
{
	const struct monitor *m = a->m;
	size_t w = 0;
	ssize_t n;

	if (pty_child_setup(a->slave) == -1) {
		child_say(a->slave, "cannot set up the terminal", NULL, errno);
		_exit(1);
	}
	/* Descriptors 0-2 are the user's terminal now: a failure is told
	 * to the monitor (in its memory), or goes to syslog only (which
	 * never writes to them without LOG_CONS). */
	if (utmp_login(getpid(), m->tty, m->host, &a->utmp_slot) == -1) {
		if (a->shared)
			a->utmp_err = errno;
		else
			syslog(LOG_WARNING, "utmp/wtmp for %s: %m", m->tty);
	}
	while (a->banner != NULL && w < a->banner_len &&
	    (n = write(STDOUT_FILENO, a->banner + w, a->banner_len - w)) > 0)
		w += (size_t)n;
	execve(a->argv[0], a->argv, a->envp);
	child_say(STDERR_FILENO, "cannot run", a->argv[0], errno);
	_exit(127);
}

/* The stack of a child that runs in the monitor's memory. */
#define CHILD_STACK	((size_t)64 * 1024)

/* AddressSanitizer builds (make check-asan) fork instead: ASan cannot
 * follow a child on a stack of its own (it warns at the child's first
 * noreturn call, and the tests fail on any report).  Like the seccomp
 * filter, that build is never installed. */
#if defined(__SANITIZE_ADDRESS__)
#define CHILD_FORK_ONLY	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHILD_FORK_ONLY	1
#endif
#endif
#ifndef CHILD_FORK_ONLY
#define CHILD_FORK_ONLY	0
#endif

static int
child_main(void *arg)
{
	run_program(arg);
	return 127;	/* not reached */
}

/*
 * Start the program's child.  Without PAM the child makes only system
 * calls before execve (no malloc, no stdio, no syslog: what it needs is
 * prepared above), so it runs as vfork(2) would: CLONE_VM | CLONE_VFORK,
 * in the monitor's memory on a stack of its own, the monitor waiting
 * until the execve.  No copy of the monitor's page tables, no
 * copy-on-write faults on either side, nothing to tear down at the
 * execve: perf put fork + execve at about 200 us of CPU more per session.
 * PAM's conversation runs in the child for the whole login: a fork.
 */
static pid_t
spawn_program(struct child_args *a)
{
	/* utmp's reads take 24 KiB of it, child_say() 4.  Mapped for the
	 * child and unmapped once it has exec'd: on the monitor's own stack
	 * those pages would stay with the monitor, which idles for the
	 * whole session. */
	const size_t size = CHILD_STACK;
	char *stack;
	pid_t pid;
	int saved;

	if (CHILD_FORK_ONLY) {
		if ((pid = fork()) == 0)
			run_program(a);
		return pid;
	}
	a->shared = 1;
	if ((stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_STACK, -1, 0)) == MAP_FAILED)
		return -1;
	pid = clone(child_main, stack + size, CLONE_VM | CLONE_VFORK | SIGCHLD,
	    a);
	saved = errno;
	munmap(stack, size);
	errno = saved;
	return pid;
}

static int
start_program(struct monitor *m, struct ps_start *req, size_t len)
{
	struct client_env *env;
	struct ps_started rep;
	struct login_vars lv;
	char extra[4][ENV_MAX_VALUE + 32];
	const char *xp[5];
	size_t i, nx;
	const char *why;
	char **argv = NULL, **envp = NULL;
	int master = -1, slave = -1, err = 0;
	char safe[LOG_STR_MAX + 1];
	struct child_args ca;
	pid_t pid;

	memset(&rep, 0, sizeof(rep));
	rep.type = PS_STARTED;
	if ((env = ps_zalloc(sizeof(*env))) == NULL)
		fatal("mmap");
	if (ps_start_validate(m->cfg, req, len, env, &why) == -1) {
		log_warnx("bad request from relay: %s", why);
		ps_zfree(env, sizeof(*env));
		return -1;
	}
	if (pty_open(&master, &slave, m->tty, sizeof(m->tty)) == -1) {
		err = errno;
		log_warn("cannot allocate a pty");
		goto reply;
	}
	pty_setup(slave, req->ws_col, req->ws_row, req->tx, req->rx);
	ps_start_pick_term(req);
	nx = ps_start_extra(req, env, extra, 4);
	for (i = 0; i < nx; i++)
		xp[i] = extra[i];
	xp[nx] = NULL;
	memset(&lv, 0, sizeof(lv));
	lv.host = m->host;
	lv.user = env->user;
	lv.tty = m->tty;
	lv.term = req->term;
	/* --pam: pam-login gets the client's values as arguments and, as
	 * its own environment, only a PATH for the helpers PAM modules run
	 * (it builds the shell's environment itself). */
	if (m->cfg->pam) {
		argv = login_build_pam_argv(m->cfg->pam_helper,
		    m->cfg->pam_service, m->cfg->login_timeout, &lv, env);
		envp = login_build_envp(NULL, NULL, pam_helper_env);
	} else {
		argv = login_build_argv(&m->cfg->login, &lv);
		envp = login_build_envp(env, req->term[0] ? req->term : NULL,
		    xp);
	}
	if (argv == NULL || envp == NULL) {
		err = ENOMEM;
		log_warnx("cannot build the program's arguments");
		goto reply;
	}
	memset(&ca, 0, sizeof(ca));
	ca.utmp_slot = -1;
	ca.m = m;
	ca.slave = slave;
	ca.argv = argv;
	ca.envp = envp;
	ca.req = req;
	ca.env = env;
	if (m->cfg->issue_file != NULL)
		ca.banner = issue_render(m->cfg->issue_file, m->tty, m->host,
		    &ca.banner_len);
	/* The master, the relay's socket and every other descriptor are
	 * close-on-exec, and the child closes all but 0-2 anyway. */
	if ((pid = spawn_program(&ca)) == -1) {
		err = errno;
		log_warn("fork");
		goto reply;
	}
	if (ca.utmp_err != 0) {
		errno = ca.utmp_err;
		log_warn("utmp/wtmp for %s", m->tty);
	}
	/* Known only from a child that ran in our memory; -1 otherwise. */
	m->utmp_slot = ca.utmp_slot;
	m->prog = pid;
	m->slave = slave;
	/* login has its own timeout too; this one is the operator's
	 * (--login-timeout).  PAM's path enforces it itself. */
	if (m->cfg->login.is_default && !m->cfg->pam &&
	    m->cfg->login_timeout > 0)
		m->login_deadline = now_ms() +
		    (int64_t)m->cfg->login_timeout * 1000;
	slave = -1;
	log_info("session from %s on %s: %s%s%s (pid %ld)", m->host, m->tty,
	    m->cfg->pam ? "pam" : argv[0],
	    env->user[0] ? " user " : "",
	    env->user[0] ? log_safe(safe, sizeof(safe), env->user,
	    strlen(env->user)) : "", (long)pid);
	strlcpy(rep.tty, m->tty, sizeof(rep.tty));
	title_session(m->host, m->tty);
reply:
	ps_zfree(env, sizeof(*env));
	login_argv_free(argv);
	login_argv_free(envp);
	if (slave != -1)
		close(slave);
	rep.error = err;
	if (ps_send(m->mon, &rep, sizeof(rep), err == 0 ? master : -1) == -1)
		log_warn("send to relay");
	if (master != -1)
		close(master);
	return 0;
}

static void
hangup_program(struct monitor *m)
{
	if (m->prog == 0 || m->hup_deadline != 0)
		return;
	if (m->cfg->debug & DBG_REPORT)
		log_debug("SIGHUP to the program's process group");
	kill(-m->prog, SIGHUP);
	kill(-m->prog, SIGCONT);
	m->hup_deadline = now_ms() + HANGUP_GRACE_MS;
}

static void
check_login(struct monitor *m)
{
	int on;

	m->login_deadline = 0;
	if (m->prog == 0 || m->hup_deadline != 0)
		return;
	if ((on = utmp_user_on(m->tty)) == 1)
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
	if (utmp_logout(m->prog, m->tty, m->utmp_slot) == -1)
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
			m->relay = 0;
			if (WIFSIGNALED(status))
				log_warnx("relay killed by signal %d",
				    WTERMSIG(status));
			hangup_program(m);
		} else if (pid == m->prog)
			program_ended(m, status);
	}
}

/* The client report from the relay: checked, then appended to
 * --report-log or logged.  With --report there is no program: EXITED
 * tells the relay to finish. */
static int
write_report(struct monitor *m, const char *text, size_t len)
{
	struct ps_exited ex;
	int fd;

	if (ps_report_validate(text, len) == -1) {
		log_warnx("bad report from relay");
		return -1;
	}
	if (m->cfg->report_log != NULL) {
		fd = open(m->cfg->report_log, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC | O_NOFOLLOW, 0640);
		if (fd == -1)
			log_warn("%s", m->cfg->report_log);
		else {
			struct iovec iov[2];

			iov[0].iov_base = (void *)(uintptr_t)text;
			iov[0].iov_len = len;
			iov[1].iov_base = (void *)(uintptr_t)"\n";
			iov[1].iov_len = 1;
			if (writev(fd, iov, 2) != (ssize_t)len + 1)
				log_warn("%s", m->cfg->report_log);
			close(fd);
		}
	} else
		log_info("client report: %.*s", (int)len, text);
	if (m->cfg->report) {
		m->started = 1;
		memset(&ex, 0, sizeof(ex));
		ex.type = PS_EXITED;
		if (ps_send(m->mon, &ex, sizeof(ex), -1) == -1)
			log_warn("send to relay");
	}
	return 0;
}

static void
handle_relay(struct monitor *m)
{
	struct ps_start *req;
	ssize_t n;
	int fd = -1;

	if ((req = ps_zalloc(sizeof(*req) + 1)) == NULL)
		fatal("mmap");
	n = ps_recv(m->mon, req, sizeof(*req) + 1, &fd);
	if (fd != -1)
		close(fd);
	if (n >= (ssize_t)sizeof(uint32_t) && req->type == PS_REPORT &&
	    !m->reported && !m->started) {
		m->reported = 1;
		if (write_report(m, (const char *)req +
		    offsetof(struct ps_report, text), (size_t)n -
		    offsetof(struct ps_report, text)) == -1)
			n = 1;	/* out of protocol: end it below */
		else {
			ps_zfree(req, sizeof(*req) + 1);
			return;
		}
	}
	if (n <= 0 || m->started || start_program(m, req, (size_t)n) == -1) {
		/* EOF (the relay is gone), or a request out of protocol:
		 * either way this session is over. */
		if (n > 0)
			log_warnx("relay broke the protocol");
		close(m->mon);
		m->mon = -1;
		hangup_program(m);
		if (n > 0 && m->relay != 0)
			kill(m->relay, SIGKILL);
	} else
		m->started = 1;
	ps_zfree(req, sizeof(*req) + 1);
}

int
monitor_run(const struct config *cfg, int mon, pid_t relay, const char *host)
{
	struct monitor mm, *m = &mm;
	struct pollfd pfd[2];
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

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
	reap(m);	/* a relay that ended before the mask was set */

	while (m->relay != 0 || m->prog != 0) {
		int64_t now = now_ms();
		int timeout = -1;

		if (m->hup_deadline != 0)
			timeout = m->hup_deadline > now ?
			    (int)(m->hup_deadline - now) : 0;
		if (m->login_deadline != 0 && (timeout == -1 ||
		    m->login_deadline - now < timeout))
			timeout = m->login_deadline > now ?
			    (int)(m->login_deadline - now) : 0;
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = m->mon;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) > 0)
				;
			reap(m);
		}
		if (m->mon != -1 && (pfd[1].revents & (POLLIN | POLLHUP |
		    POLLERR)))
			handle_relay(m);
		if (m->login_deadline != 0 && now_ms() >= m->login_deadline)
			check_login(m);
		if (m->hup_deadline != 0 && m->prog != 0 &&
		    now_ms() >= m->hup_deadline) {
			log_info("program ignored SIGHUP: SIGKILL");
			kill(-m->prog, SIGKILL);
			kill(m->prog, SIGKILL);
			m->hup_deadline = now_ms() + HANGUP_GRACE_MS;
		}
	}
	if (m->mon != -1)
		close(m->mon);
	if (m->slave != -1)
		close(m->slave);
	close(sfd);
	return 0;
}
