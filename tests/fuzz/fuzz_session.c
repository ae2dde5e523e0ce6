/*
 * fuzz_session.c - libFuzzer harness for the daemon's session layer: the
 * relay (relay.c: the data path, the engine callback and the monitor
 * messages), the start-up negotiation (negotiate.c), the START check the
 * monitor makes (privsep.c) and the program's environment and argument
 * vector (env.c, login.c).
 *
 * Each input is a script run against one session made with session_new()
 * on real descriptors inside this process, with no fork and no privilege
 * change:
 *
 *   net	a TCP connection over loopback (SO_OOBINLINE, as session.c
 *		sets it): the harness is the client, so urgent data and
 *		the relay's MSG_OOB DM go through the kernel as they would;
 *   pty	a pty pair from pty_open() (packet mode): the harness holds
 *		the slave and plays the program (writes output, flushes it
 *		with tcflush so the relay sees FLUSHWRITE/FLUSHREAD, stops
 *		and starts flow control);
 *   mon	a SOCK_SEQPACKET pair: the harness is the monitor; it checks
 *		the relay's START with ps_start_validate() and builds the
 *		program's argv and envp from it as monitor.c does.
 *
 * The first byte selects -D modes, the login template, the limits
 * (defaults, or the smallest --sb-max, --max-env, ...), --report (login
 * or show: the probes, with the client's bytes as the terminal's answers,
 * deadlines passed by OP_DEADLINE; high nibble 6..11), and with its high
 * nibble 12..15 a TLS
 * mode (starttls, starttls-required, auto, implicit) over a null record
 * layer (below: the handshake is done at once, the records are the bytes
 * themselves), so that START_TLS's offer, the FOLLOWS, the bytes after
 * it, the reset and the negotiation after it run as in a TLS relay
 * (tls_session.c); then each op
 * is one byte (op % N_OPS) followed by its arguments: client bytes (plain
 * or urgent), program output, pty flushes, flow control, socket writes,
 * a slow or absent reader, START / STARTED / EXITED / junk from the
 * monitor, and environment variables given straight to env_add().
 *
 * FUZZ_SESSION_TRACE=1 in the environment prints the state after each op.
 *
 * Invariants (abort on failure):
 *   - the queues never exceed their sizes;
 *   - the monitor accepts every REPORT the relay sends (printable JSON,
 *     hexadecimal fingerprints);
 *   - the monitor accepts every START the relay sends, and keeps exactly
 *     the variables (and user) the relay kept: the two halves apply the
 *     same rules;
 *   - every envp entry is NAME=value with a name that env_check() passes
 *     and is never a loader/shell variable; argv never holds a client
 *     string that starts with '-';
 *   - everything the relay sends parses as a TELNET stream in a client
 *     engine (no half-written IAC sequence after netclear);
 *   - while the relay is on its way into TLS, nothing is queued for the
 *     program (client data that came in clear before TLS is dropped).
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "telnetd.h"

#define CHECK(c, what) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_session: %s (%s:%d)\n", (what),	\
		    __FILE__, __LINE__);				\
		abort();						\
	}								\
} while (0)

struct in {
	const uint8_t *p;
	size_t n;
};

/* ---- a null record layer: TLS's steps without the cryptography -------- */

struct tls_ctx {
	int unused;
};
struct tls {
	int fd;
	unsigned char pre[TLS_PREFIX_MAX];
	size_t npre, off;
	int failed;
};

static struct tls_ctx null_ctx;

static struct tls_ctx *
null_ctx_new(const char *pem, size_t len, char *why, size_t whysz)
{
	(void)pem;
	(void)len;
	(void)why;
	(void)whysz;
	return &null_ctx;
}

static void
null_ctx_free(struct tls_ctx *c)
{
	(void)c;
}

static int
null_ctx_warm(struct tls_ctx *c, int chan)
{
	(void)c;
	(void)chan;
	return 0;
}

static struct tls *
null_new(struct tls_ctx *c, int fd, int chan)
{
	struct tls *t = calloc(1, sizeof(*t));

	(void)c;
	(void)chan;
	if (t != NULL)
		t->fd = fd;
	return t;
}

static int
null_prefix(struct tls *t, const unsigned char *p, size_t n)
{
	if (n > sizeof(t->pre) || t->npre != 0)
		return -1;
	memcpy(t->pre, p, n);
	t->npre = n;
	/* A "ClientHello" that starts with 'F' fails the handshake. */
	t->failed = n > 0 && p[0] == 'F';
	return 0;
}

static int
null_handshake(struct tls *t)
{
	return t->failed ? TLS_ERROR : 1;
}

static int64_t
null_deadline(const struct tls *t)
{
	(void)t;
	return now_ms() + TLS_HANDSHAKE_MS;
}

/* The bytes after FOLLOWS first (the "decrypted" start), then the socket. */
static ssize_t
null_read(struct tls *t, void *buf, size_t len)
{
	ssize_t n;

	if (t->off < t->npre) {
		n = (ssize_t)(t->npre - t->off < len ? t->npre - t->off : len);
		memcpy(buf, t->pre + t->off, (size_t)n);
		t->off += (size_t)n;
		return n;
	}
	if ((n = read(t->fd, buf, len)) >= 0)
		return n;
	return errno == EAGAIN || errno == EINTR ? TLS_WANT_READ : TLS_ERROR;
}

static ssize_t
null_write(struct tls *t, const void *buf, size_t len)
{
	ssize_t n = send(t->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n >= 0)
		return n;
	return errno == EAGAIN || errno == EINTR ? TLS_WANT_WRITE : TLS_ERROR;
}

static int
null_flush(struct tls *t)
{
	(void)t;
	return 1;
}

static size_t
null_unsent(const struct tls *t)
{
	(void)t;
	return 0;
}

static size_t
null_pending(const struct tls *t)
{
	return t->npre - t->off;
}

static int
null_shutdown(struct tls *t)
{
	(void)t;
	return 1;
}

static void
null_info(const struct tls *t, struct tls_info *i)
{
	(void)t;
	memset(i, 0, sizeof(*i));
	strlcpy(i->version, "NULL", sizeof(i->version));
	strlcpy(i->cipher, "NULL", sizeof(i->cipher));
}

static const char *
null_error(const struct tls *t)
{
	(void)t;
	return "null handshake refused";
}

static void
null_trim(struct tls *t)
{
	(void)t;
}

static void
null_seed(void)
{
}

static void
null_free(struct tls *t)
{
	free(t);
}

static const struct tls_ops null_ops = {
	.ctx_new_mem = null_ctx_new,
	.ctx_free = null_ctx_free,
	.ctx_warm = null_ctx_warm,
	.conn_new = null_new,
	.prefix = null_prefix,
	.handshake = null_handshake,
	.deadline = null_deadline,
	.read = null_read,
	.write = null_write,
	.flush = null_flush,
	.unsent = null_unsent,
	.pending = null_pending,
	.shutdown = null_shutdown,
	.info = null_info,
	.error = null_error,
	.trim = null_trim,
	.seed = null_seed,
	.free = null_free,
};

static const int tls_modes[] = {
	TLS_MODE_STARTTLS, TLS_MODE_STARTTLS_REQUIRED, TLS_MODE_AUTO,
	TLS_MODE_IMPLICIT,
};

/* The TLS steps the relay's loop would take after this op: the first
 * bytes looked at, the handshake; a deadline passed (late: OP_DEADLINE). */
static void
tls_steps(struct session *s, int late)
{
	int64_t now = late ? INT64_MAX / 2 : now_ms();
	int i;

	for (i = 0; i < 4 && s->state == S_SECURING; i++) {
		if (tls_session_own(s))
			tls_session_step(s, POLLIN, now);
		else
			tls_session_check(s, now);
		if (s->state == S_SECURING && tls_session_own(s))
			CHECK(buf_len(&s->in) == 0 && s->nspan == 0,
			    "clear-text input kept on the way into TLS");
	}
}

static int
get(struct in *in)
{
	if (in->n == 0)
		return -1;
	in->n--;
	return *in->p++;
}

/* A length-prefixed chunk (up to 255 bytes; 0xff = 255 repeated). */
static size_t
chunk(struct in *in, const uint8_t **p)
{
	int l = get(in);
	size_t n;

	if (l < 0)
		return 0;
	n = (size_t)l;
	if (n > in->n)
		n = in->n;
	*p = in->p;
	in->p += n;
	in->n -= n;
	return n;
}

/* The program's output: what fits (the slave is non-blocking). */
static void
xwrite(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) < 0)
		(void)0;	/* full: the relay has not read yet */
}

static int listen_fd = -1;
static struct sockaddr_in listen_addr;

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl != -1)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void
once(void)
{
	socklen_t len = sizeof(listen_addr);
	int on = 1;

	if (listen_fd != -1)
		return;
	/* As main.c: a write to a closed socket is an error, not a signal
	 * (the client may have half-closed its side). */
	signal(SIGPIPE, SIG_IGN);
	/* Logs to syslog only, or to stderr too when tracing. */
	log_init(getenv("FUZZ_SESSION_TRACE") != NULL, 0, "fuzz_session");
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(listen_fd != -1, "socket");
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&listen_addr, 0, sizeof(listen_addr));
	listen_addr.sin_family = AF_INET;
	listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(listen_fd, (struct sockaddr *)&listen_addr,
	    sizeof(listen_addr)) == 0, "bind");
	CHECK(listen(listen_fd, 16) == 0, "listen");
	CHECK(getsockname(listen_fd, (struct sockaddr *)&listen_addr,
	    &len) == 0, "getsockname");
}

/* A connected pair over loopback: *srv for the relay, *cli for us.
 * Both close with RST (SO_LINGER 0): no TIME_WAIT pile-up. */
static void
tcp_pair(int *srv, int *cli)
{
	struct linger lg = { 1, 0 };
	int on = 1, tries;

	/* A loaded machine may be short of ephemeral ports for a moment:
	 * that is the harness's environment, not a finding. */
	for (tries = 0;; tries++) {
		*cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		CHECK(*cli != -1, "socket");
		if (connect(*cli, (struct sockaddr *)&listen_addr,
		    sizeof(listen_addr)) == 0)
			break;
		if (tries == 200) {
			perror("fuzz_session: connect");
			CHECK(0, "connect");
		}
		close(*cli);
		usleep(10000);
	}
	*srv = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	CHECK(*srv != -1, "accept");
	setsockopt(*cli, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(*srv, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(*srv, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on));
	setsockopt(*cli, SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on));
	setsockopt(*srv, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	setsockopt(*cli, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	set_nonblock(*cli);
}

/* The client side: every byte the relay sent goes through a client
 * engine, whose callback only counts. */
struct client {
	int fd;
	struct telnet *t;
	unsigned long events;
	unsigned long bad;	/* SB overflow or unterminated */
};

static void
client_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct client *c = ctx;

	(void)t;
	c->events++;
	if (ev->type == TELNET_EV_ERROR &&
	    (ev->u.error.code == TELNET_ERR_SB_UNTERMINATED ||
	    ev->u.error.code == TELNET_ERR_SB_OVERFLOW))
		c->bad++;
}

static void
client_read(struct client *c, size_t max)
{
	unsigned char buf[8192];
	size_t got = 0;

	while (got < max) {
		size_t want = max - got < sizeof(buf) ? max - got :
		    sizeof(buf);
		ssize_t n = recv(c->fd, buf, want, 0);

		if (n <= 0)
			break;
		telnet_feed(c->t, buf, (size_t)n);
		got += (size_t)n;
	}
}

static const char *const templates[] = {
	NULL,				/* /bin/login -h %h -p [-- %u] */
	"/bin/echo %u %h %t %T",
	"/usr/bin/env -i x%uy %% -%T",
};

/* What monitor.c does with a START: check it again, build argv/envp. */
/* The monitor's checks of a REPORT (monitor.c's write_report). */
static void
monitor_report(int mon)
{
	static struct ps_report rep;
	const size_t off = offsetof(struct ps_report, text);
	ssize_t n;
	int fd = -1;

	n = ps_recv(mon, &rep, sizeof(rep), &fd);
	CHECK(n > (ssize_t)off && fd == -1 && rep.type == PS_REPORT,
	    "REPORT not received");
	CHECK(ps_report_validate(rep.text, (size_t)n - off) == 0,
	    "monitor refused the relay's REPORT");
	CHECK(fp_hash_ok(rep.fp_protocol, strnlen(rep.fp_protocol,
	    sizeof(rep.fp_protocol))), "protocol fingerprint");
	CHECK(rep.fp_terminal[0] == '\0' || fp_hash_ok(rep.fp_terminal,
	    strnlen(rep.fp_terminal, sizeof(rep.fp_terminal))),
	    "terminal fingerprint");
}

static void
monitor_start(struct session *s, int mon, const struct login_template *tpl)
{
	struct ps_start *req;
	struct client_env *env;
	struct login_vars lv;
	const char *why = NULL;
	char **argv, **envp;
	ssize_t n;
	size_t i, j, relay_n;
	int fd = -1;

	req = calloc(1, sizeof(*req) + 1);
	env = calloc(1, sizeof(*env));
	CHECK(req != NULL && env != NULL, "calloc");
	n = ps_recv(mon, req, sizeof(*req) + 1, &fd);
	CHECK(n > 0 && fd == -1, "START not received");
	CHECK(ps_start_validate(s->cfg, req, (size_t)n, env, &why) == 0,
	    "monitor refused the relay's START");
	/* Same rules on both sides: nothing the relay kept is dropped. */
	relay_n = s->env.n < ENV_MAX_VARS ? s->env.n : ENV_MAX_VARS;
	CHECK(env->n == relay_n, "monitor kept other variables");
	CHECK(strcmp(env->user, s->env.user) == 0, "monitor kept other user");
	CHECK(strcmp(req->term, s->term) == 0, "monitor changed TERM");

	memset(&lv, 0, sizeof(lv));
	lv.host = s->host;
	lv.user = env->user;
	lv.tty = "pts/0";
	lv.term = req->term;
	argv = login_build_argv(tpl, &lv);
	CHECK(argv != NULL, "argv");
	for (i = 1; argv[i] != NULL; i++) {
		/* A word from the template may be an option; an expansion
		 * of client text never starts one. */
		if (tpl->is_default) {
			if (strcmp(argv[i], "--") == 0) {
				CHECK(argv[i + 1] != NULL &&
				    argv[i + 1][0] != '-' &&
				    argv[i + 2] == NULL, "user after --");
				break;
			}
		} else if (argv[i][0] == '-')
			CHECK(tpl->words[i][0] == '-', "option from client");
	}
	CHECK(i <= LOGIN_MAX_WORDS + 2, "argv length");
	login_argv_free(argv);

	envp = login_build_envp(env, req->term[0] ? req->term : NULL, NULL);
	CHECK(envp != NULL, "envp");
	for (i = 0; envp[i] != NULL; i++) {
		const char *eq = strchr(envp[i], '=');
		size_t nl;

		CHECK(eq != NULL && eq != envp[i], "envp entry form");
		nl = (size_t)(eq - envp[i]);
		CHECK(strncmp(envp[i], "LD_", 3) != 0 &&
		    !(nl == 7 && memcmp(envp[i], "TERMCAP", 7) == 0) &&
		    !(nl == 4 && memcmp(envp[i], "USER", 4) == 0) &&
		    !(nl == 3 && memcmp(envp[i], "IFS", 3) == 0),
		    "forbidden variable in envp");
		if (!(nl == 4 && memcmp(envp[i], "TERM", 4) == 0))
			CHECK(env_check(&s->cfg->envpol, envp[i], nl, eq + 1,
			    strlen(eq + 1)) == ENV_OK, "envp entry refused");
		for (j = 0; eq[1 + j] != '\0'; j++)
			CHECK((unsigned char)eq[1 + j] >= 0x20 &&
			    eq[1 + j] != 0x7f, "control byte in envp");
	}
	login_argv_free(envp);
	free(env);
	free(req);
}

/* Variables straight into env_add, then the envp built from them. */
static void
env_direct(struct in *in, const struct env_policy *pol)
{
	struct env_policy lim;
	struct client_env *env = calloc(1, sizeof(*env));
	const uint8_t *name = NULL, *value = NULL;
	size_t nl, vl, i, k, count;
	char **envp;
	int c = get(in);

	CHECK(env != NULL, "calloc");
	count = c < 0 ? 0 : (size_t)(c % 48);
	if (c >= 48) {
		/* Lowered bounds, as --max-env and --max-env-size set them. */
		lim = *pol;
		lim.max_vars = (size_t)(c / 48);
		lim.max_value = (size_t)(c / 48) * 7;
		pol = &lim;
	}
	for (k = 0; k < count && in->n > 0; k++) {
		enum env_verdict v;

		nl = chunk(in, &name);
		vl = chunk(in, &value);
		v = env_add(env, pol, (const char *)name, nl,
		    (const char *)value, vl);
		CHECK(v == env_check(pol, (const char *)name, nl,
		    (const char *)value, vl) || v == ENV_TOO_MANY ||
		    v == ENV_BAD_USER, "env_add and env_check disagree");
		CHECK(env_verdict_str(v) != NULL, "verdict name");
		CHECK(env->n <= ENV_MAX_VARS && (pol->max_vars == 0 ||
		    env->n <= pol->max_vars), "too many variables kept");
		if (v == ENV_OK && pol->max_value > 0 && !(nl == 4 &&
		    memcmp(name, "USER", 4) == 0))
			CHECK(vl <= pol->max_value, "value over the bound kept");
	}
	if (env->user[0] != '\0')
		CHECK(user_name_ok(env->user, strlen(env->user)),
		    "user kept that is not a plain name");
	envp = login_build_envp(env, "xterm", NULL);
	CHECK(envp != NULL, "envp");
	for (i = 0; envp[i] != NULL; i++)
		CHECK(strncmp(envp[i], "LD_", 3) != 0 &&
		    strncmp(envp[i], "USER=", 5) != 0, "forbidden in envp");
	login_argv_free(envp);
	free(env);
}

/* After the monitor is gone, as relay_loop does it. */
static void
monitor_gone(struct session *s)
{
	close(s->mon);
	s->mon = -1;
	s->pty.st = SIDE_DONE;
	if (s->state != S_CLOSED)
		s->state = S_DRAINING;
}

enum {
	OP_NET, OP_NET_URGENT, OP_PTY, OP_PTY_FLUSH, OP_PTY_FLOW,
	OP_WRITE_NET, OP_CLIENT_READ, OP_WRITE_PTY, OP_START, OP_STARTED,
	OP_EXITED, OP_MON_JUNK, OP_ENV, OP_NET_BIG, OP_PTY_BIG, OP_DEADLINE,
	N_OPS
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static unsigned char big[IO_CHUNK * 2];
	struct login_template tpl;
	struct in in = { data, size };
	struct client cl;
	struct telnet_config tc;
	struct session *s;
	int srv, mp[2], master = -1, slave = -1, first;
	char ttyname_[TTY_NAME_MAX];
	unsigned int steps = 0;
	int trace = getenv("FUZZ_SESSION_TRACE") != NULL;
	struct tls_start ts;

	once();
	if (size == 0)
		return 0;
	first = get(&in);
	memset(&cfg, 0, sizeof(cfg));
	cfg.keepalive = 1;
	cfg.neg_timeout_ms = NEG_TIMEOUT_MS;
	cfg.debug = (unsigned int)first & 0x0f;
	/* The high nibble: 0..11 plain TELNET, 12..15 a TLS mode (below);
	 * the template is its value mod 3; in 0..11 its value / 3 picks the
	 * limits and --report: 0 defaults, 1 the smallest limits, 2 the
	 * defaults with --report=login, 3 the smallest with --report=show. */
	cfg.report = (first >> 4) / 3 == 2 ? REPORT_LOGIN :
	    (first >> 4) / 3 == 3 ? REPORT_SHOW : REPORT_OFF;
	/* The operator's limits: the defaults, or the smallest ones. */
	if ((first >> 4) / 3 == 1 || (first >> 4) / 3 == 3) {
		cfg.sb_max = TELNET_SB_MIN_MAX;
		cfg.envpol.max_vars = 2;
		cfg.envpol.max_value = 8;
		cfg.max_ttypes = 1;
		cfg.netout_size = NETOUT_MIN;
		cfg.ptyout_size = PTYOUT_MIN;
	}
	(void)env_policy_add(&cfg.envpol, "LANG", NULL);
	(void)env_policy_add(&cfg.envpol, "EDITOR", NULL);
	memset(&tpl, 0, sizeof(tpl));
	CHECK(login_template_parse(&tpl, templates[(first >> 4) % 3],
	    NULL) == 0, "template");

	tcp_pair(&srv, &cl.fd);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, mp) == 0,
	    "socketpair");
	CHECK(pty_open(&master, &slave, ttyname_, sizeof(ttyname_)) == 0,
	    "pty_open");
	set_nonblock(slave);
	set_nonblock(mp[0]);

	memset(&tc, 0, sizeof(tc));
	tc.policy = NULL;
	tc.is_client = 1;
	cl.t = telnet_new(&tc, client_cb, &cl);
	CHECK(cl.t != NULL, "client engine");
	cl.events = 0;
	cl.bad = 0;

	s = session_new(&cfg, srv, mp[1], "192.0.2.1");
	if ((first >> 4) >= 12) {
		memset(&ts, 0, sizeof(ts));
		ts.ops = &null_ops;
		ts.mode = tls_modes[(first >> 4) - 12];
		ts.chan = -1;
		CHECK(tls_session_new(s, &ts) == 0, "TLS session");
		tls_session_begin(s);
	} else
		negotiate_begin(s);
	(void)relay_write_net(s);

	while (in.n > 0 && s->state != S_CLOSED && steps++ < 4096) {
		const uint8_t *p = NULL;
		size_t n;
		int op = get(&in) % N_OPS, r, i;

		if (s->net.st == SIDE_HALF_CLOSED && (op == OP_NET || op == OP_NET_URGENT ||
		    op == OP_NET_BIG))
			op = OP_WRITE_NET;	/* the client sends no more */
		switch (op) {
		case OP_NET:
		case OP_NET_URGENT:
			n = chunk(&in, &p);
			if (n > 0) {
				if (op == OP_NET_URGENT) {
					(void)send(cl.fd, p, n - 1, 0);
					(void)send(cl.fd, p + n - 1, 1,
					    MSG_OOB);
					relay_urgent(s);
				} else
					(void)send(cl.fd, p, n, 0);
			}
			for (i = 0; i < 8; i++) {
				r = relay_read_net(s);
				if (r == -1) {
					s->state = S_CLOSED;
					break;
				}
				if (r == 0)
					break;
			}
			break;
		case OP_NET_BIG:
			/* A big write of one repeated byte: floods of AYT,
			 * IAC IAC, CR, or a long subnegotiation body. */
			if ((r = get(&in)) < 0)
				break;
			memset(big, r, sizeof(big));
			(void)send(cl.fd, big, sizeof(big), 0);
			for (i = 0; i < 4; i++)
				if (relay_read_net(s) != 1)
					break;
			break;
		case OP_PTY:
			n = chunk(&in, &p);
			if (n > 0 && s->pty.fd != -1)
				xwrite(slave, p, n);
			/* FALLTHROUGH */
		case OP_PTY_FLUSH:
			if (op == OP_PTY_FLUSH) {
				r = get(&in);
				(void)tcflush(slave, r & 1 ? TCOFLUSH :
				    r & 2 ? TCIFLUSH : TCIOFLUSH);
			}
			if (s->pty.fd != -1 && s->pty.st != SIDE_DONE)
				for (i = 0; i < PTY_READS; i++) {
					r = relay_read_pty(s);
					if (r == -1) {
						s->pty.st = SIDE_DONE;
						break;
					}
					if (r == 0)
						break;
				}
			break;
		case OP_PTY_BIG:
			if ((r = get(&in)) < 0 || s->pty.fd == -1)
				break;
			memset(big, r, 4096);
			xwrite(slave, big, 4096);
			for (i = 0; i < PTY_READS; i++)
				if (relay_read_pty(s) != 1)
					break;
			break;
		case OP_PTY_FLOW: {
			struct termios tio;

			/* IXON on/off: the pty reports DOSTOP/NOSTOP. */
			if (tcgetattr(slave, &tio) == 0) {
				tio.c_iflag ^= IXON;
				(void)tcsetattr(slave, TCSANOW, &tio);
			}
			if (s->pty.fd != -1 && s->pty.st != SIDE_DONE)
				(void)relay_read_pty(s);
			break;
		}
		case OP_WRITE_NET:
			if (relay_write_net(s) == -1)
				s->state = S_CLOSED;
			break;
		case OP_CLIENT_READ:
			/* A slow reader: a little, or everything; 0xff: the
			 * client half-closes (SHUT_WR) and reads on. */
			r = get(&in);
			if (r == 0xff) {
				shutdown(cl.fd, SHUT_WR);
				/* As relay_loop: read until the EOF (not
				 * yet when the queues are full: then later,
				 * by OP_NET); then the socket is no longer
				 * read. */
				for (i = 0; i < 8 &&
				    s->net.st != SIDE_HALF_CLOSED; i++) {
					r = relay_read_net(s);
					if (r == -1) {
						s->state = S_CLOSED;
						break;
					}
					if (r == 0)
						break;
				}
				r = 0;
			}
			client_read(&cl, r <= 0 ? (size_t)-1 :
			    (size_t)r * 64);
			break;
		case OP_WRITE_PTY:
			if (s->pty.fd != -1 && s->pty.st != SIDE_DONE &&
			    relay_write_pty(s) == -1)
				s->pty.st = SIDE_DONE;
			if (read(slave, big, sizeof(big)) < 0)
				(void)0;	/* nothing there */
			break;
		case OP_DEADLINE:
		case OP_START:
			if (op == OP_DEADLINE) {
				/* The line discipline's next look due
				 * (ldisc_room.c), and input held behind a
				 * second linemode EOF fed, as in relay_loop,
				 * once the first is done. */
				if (s->dl[DL_LDISC] != 0)
					s->dl[DL_LDISC] = 1;
				relay_feed_held(s);
			}
			if (s->state == S_SECURING)
				tls_steps(s, op == OP_DEADLINE);
			if (s->state == S_NEGOTIATING) {
				if (op == OP_START && !negotiate_ready(s))
					break;	/* else: the deadline passed */
				/* --report: the probes first (relay.c). */
				if (probe_begin(s, now_ms())) {
					s->state = S_PROBING;
					break;
				}
			} else if (s->state != S_PROBING ||
			    !probe_step(s, op == OP_DEADLINE ?
			    s->dl[DL_PROBE] : now_ms()))
				break;
			CHECK(negotiate_start(s) == 0, "START not sent");
			s->state = S_STARTING;
			if (cfg.report != REPORT_OFF)
				monitor_report(mp[0]);
			if (cfg.report != REPORT_SHOW)
				monitor_start(s, mp[0], &tpl);
			break;
		case OP_STARTED: {
			struct ps_started st;

			memset(&st, 0, sizeof(st));
			st.type = PS_STARTED;
			st.error = (r = get(&in)) == 7 ? EAGAIN : 0;
			strlcpy(st.tty, ttyname_, sizeof(st.tty));
			if (ps_send(mp[0], &st, sizeof(st),
			    st.error ? -1 : master) == -1)
				break;
			if (relay_monitor(s) == -1)
				monitor_gone(s);
			break;
		}
		case OP_EXITED: {
			struct ps_exited ex;

			memset(&ex, 0, sizeof(ex));
			ex.type = PS_EXITED;
			if (ps_send(mp[0], &ex, sizeof(ex), -1) == 0 &&
			    relay_monitor(s) == -1)
				monitor_gone(s);
			break;
		}
		case OP_MON_JUNK:
			n = chunk(&in, &p);
			if (s->mon == -1)
				break;
			if (n == 0) {
				/* The monitor goes away. */
				shutdown(mp[0], SHUT_RDWR);
			} else if (ps_send(mp[0], p, n, -1) == -1)
				break;
			if (relay_monitor(s) == -1)
				monitor_gone(s);
			break;
		case OP_ENV:
			env_direct(&in, &cfg.envpol);
			break;
		default:
			break;
		}
		if (s->state == S_SECURING)
			tls_steps(s, 0);
		if (trace)
			fprintf(stderr, "op %2d: state %d pty %d eof %d "
			    "out %zu in %zu ready %d client events %lu\n", op,
			    (int)s->state, s->pty.fd != -1, (int)s->pty.st,
			    netq_len(&s->out), buf_len(&s->in),
			    negotiate_ready(s), cl.events);
		CHECK(netq_len(&s->out) <= NETOUT_SIZE, "network queue size");
		CHECK(buf_len(&s->in) <= PTYOUT_SIZE, "input queue size");
		if (s->logout)
			s->pty.st = SIDE_DONE;
	}
	/* The end: flush what is queued and read it all. */
	for (steps = 0; steps < 64 && s->state != S_CLOSED &&
	    netq_len(&s->out) > 0; steps++) {
		if (relay_write_net(s) == -1)
			break;
		client_read(&cl, (size_t)-1);
	}
	client_read(&cl, (size_t)-1);

	CHECK(cl.bad == 0, "the relay sent a broken TELNET stream");
	if (s->mon != -1)	/* not closed by monitor_gone */
		close(s->mon);
	session_free(s);	/* closes srv and the pty it was given */
	close(mp[0]);
	close(master);
	close(slave);
	close(cl.fd);
	telnet_free(cl.t);
	login_template_free(&tpl);
	return 0;
}
