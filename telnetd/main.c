/*
 * main.c - the command line, turned once into a const struct config, then
 * one of the two modes: inetd (the socket is descriptor 0) or standalone
 * (--listen, or sockets from systemd).  Both end in session_run().
 *
 * A bad option or value is one line on standard error (and syslog) and
 * exit status 2, with nothing started.  When standard error is a socket
 * (inetd mode) that line goes to syslog only: descriptors 0-2 are the
 * client's.
 *
 * TLS (--tls, --listen=...,tls=) is served by tls-helper: this file is
 * also its daemon (compiled again as telnetd_main(), see the Makefile),
 * which has the record layer (tls_openssl_ops).  The daemon itself links
 * no TLS library, so a daemon not asked for TLS never maps a page of it;
 * asked for TLS, it checks the command line and then becomes tls-helper
 * (exec, same arguments, same process).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sandbox.h"
#include "telnetd.h"

/* tls.c's table: in tls-helper's daemon only.  A weak reference pulls
 * nothing from the archive, so the daemon's own link leaves it NULL. */
extern const struct tls_ops tls_openssl_ops __attribute__((weak));

#define DEFAULT_ISSUE	"/etc/issue.net"
#define DEFAULT_PAM	"telnetd"

static const char usage_text[] =
"usage: telnetd [-hnUV] [-D[MODE,...]] [-E STRING] [-l[nokludge]]\n"
"               [--listen=[ADDR:]PORT]... [--pam[=SERVICE]]\n"
"               [--accept-env=NAME]... [--login-timeout=SECS]\n"
"               [--idle-timeout=SECS]\n"
"               [--privsep-user=USER] [--issue=FILE]\n"
"               [--report[=MODE]] [--report-log=FILE] [--report-dir=DIR]\n"
"               [--negotiation-timeout=MS] [--sb-max=BYTES]\n"
"               [--max-env=N] [--max-env-size=BYTES]\n"
"               [--output-buffer=BYTES] [--input-buffer=BYTES]\n"
"               [--max-sessions=N] [--max-per-host=N] [--max-ttypes=N]\n"
"               [--tls=MODE] [--tls-cert=FILE] [--tls-key=FILE]\n"
"               [--proxy-from=ADDR[/BITS]]... [--proxy-timeout=MS]\n"
"\n"
"  --listen=[ADDR:]PORT[,tls=MODE]  serve standalone on PORT (repeatable;\n"
"                          [::1]:23 for IPv6; no ADDR = every address)\n"
"  -E, --exec-login=STRING run STRING instead of /bin/login (%h host,\n"
"                          %u user, %t tty, %T terminal type, %% percent)\n"
"  -h, --no-hostinfo       print no banner before login\n"
"  -n, --no-keepalive      no TCP keepalive\n"
"  -l, --linemode[=nokludge]  ask for LINEMODE; nokludge: no kludge mode\n"
"  -D, --debug[=MODE,...]  trace options, report, netdata, ptydata (all)\n"
"  -U, --reverse-lookup    refuse clients without a reverse name\n"
"      --pam[=SERVICE]     log in through PAM (default service telnetd)\n"
"      --accept-env=NAME   also accept client variable NAME\n"
"      --login-timeout=SECS  end sessions at the login prompt (60)\n"
"      --idle-timeout=SECS  close a session with no input or output that\n"
"                          long, as a disconnect (0: never, the default)\n"
"      --privsep-user=USER unprivileged user of the relay\n"
"      --issue=FILE        banner file (default /etc/issue.net)\n"
"      --report[=MODE]     describe each client: probe its options and\n"
"                          terminal, name it (MODE show: no login, the\n"
"                          report on its screen; login: options only,\n"
"                          recorded, then login as usual) (show)\n"
"      --report-log=FILE   append each client report as a JSON line\n"
"                          (default: syslog; alone: --report=login)\n"
"      --report-dir=DIR    save one JSON file per new fingerprint\n"
"                          (alone: --report=login)\n"
"      --negotiation-timeout=MS  start unanswered after MS (800)\n"
"      --sb-max=BYTES      longest subnegotiation accepted (4096)\n"
"      --max-env=N         client variables kept (32)\n"
"      --max-env-size=BYTES  longest client variable value (256)\n"
"      --output-buffer=BYTES  output queued to the client (131072)\n"
"      --input-buffer=BYTES   input queued to the program (32768)\n"
"      --max-sessions=N    --listen: sessions at once, 0 = any (512)\n"
"      --max-per-host=N    --listen: sessions per client address (64)\n"
"      --max-ttypes=N      terminal types asked for in the cycle (8)\n"
"      --tls=MODE          TLS for inetd mode and --listen without tls=:\n"
"                          off, starttls, starttls-required, implicit,\n"
"                          auto, auto-required (off)\n"
"      --tls-cert=FILE     certificate chain, server certificate first (PEM)\n"
"      --tls-key=FILE      its private key (PEM, not encrypted)\n"
"      --proxy-from=ADDR[/BITS]  connections from there begin with a PROXY\n"
"                          protocol header (v1 or v2) naming the client\n"
"      --proxy-timeout=MS  wait that long for the PROXY header (3000)\n"
"  -V, --version           print the version and exit\n"
"      --help              print this help and exit\n";

enum {
	OPT_LISTEN = 256,
	OPT_PAM,
	OPT_ACCEPT_ENV,
	OPT_LOGIN_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_PRIVSEP_USER,
	OPT_ISSUE,
	OPT_REPORT,
	OPT_REPORT_LOG,
	OPT_REPORT_DIR,
	OPT_NEG_TIMEOUT,
	OPT_SB_MAX,
	OPT_MAX_ENV,
	OPT_MAX_ENV_SIZE,
	OPT_OUTPUT_BUFFER,
	OPT_INPUT_BUFFER,
	OPT_MAX_SESSIONS,
	OPT_MAX_PER_HOST,
	OPT_MAX_TTYPES,
	/* PROXY protocol (proxy.c, peer.c) */
	OPT_PROXY_FROM,
	OPT_PROXY_TIMEOUT,
	OPT_HELP,
	/* TLS (issue 15) */
	OPT_TLS,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
};

static const struct option longopts[] = {
	{ "exec-login", required_argument, NULL, 'E' },
	{ "no-hostinfo", no_argument, NULL, 'h' },
	{ "no-keepalive", no_argument, NULL, 'n' },
	{ "linemode", optional_argument, NULL, 'l' },
	{ "debug", optional_argument, NULL, 'D' },
	{ "reverse-lookup", no_argument, NULL, 'U' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "pam", optional_argument, NULL, OPT_PAM },
	{ "accept-env", required_argument, NULL, OPT_ACCEPT_ENV },
	{ "login-timeout", required_argument, NULL, OPT_LOGIN_TIMEOUT },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "privsep-user", required_argument, NULL, OPT_PRIVSEP_USER },
	{ "issue", required_argument, NULL, OPT_ISSUE },
	{ "report", optional_argument, NULL, OPT_REPORT },
	{ "report-log", required_argument, NULL, OPT_REPORT_LOG },
	{ "report-dir", required_argument, NULL, OPT_REPORT_DIR },
	{ "negotiation-timeout", required_argument, NULL, OPT_NEG_TIMEOUT },
	{ "sb-max", required_argument, NULL, OPT_SB_MAX },
	{ "max-env", required_argument, NULL, OPT_MAX_ENV },
	{ "max-env-size", required_argument, NULL, OPT_MAX_ENV_SIZE },
	{ "output-buffer", required_argument, NULL, OPT_OUTPUT_BUFFER },
	{ "input-buffer", required_argument, NULL, OPT_INPUT_BUFFER },
	{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
	{ "max-per-host", required_argument, NULL, OPT_MAX_PER_HOST },
	{ "max-ttypes", required_argument, NULL, OPT_MAX_TTYPES },
	/* TLS (issue 15) */
	{ "tls", required_argument, NULL, OPT_TLS },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	/* PROXY protocol */
	{ "proxy-from", required_argument, NULL, OPT_PROXY_FROM },
	{ "proxy-timeout", required_argument, NULL, OPT_PROXY_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

static int
stderr_is_socket(void)
{
	struct stat st;

	return fstat(STDERR_FILENO, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!stderr_is_socket())
		fprintf(stderr, "telnetd: %s (see telnetd --help)\n", msg);
	openlog("telnetd", LOG_PID, LOG_DAEMON);
	syslog(LOG_ERR, "%s", msg);
	exit(2);
}

/* What a user typed, made safe to echo in one line. */
static const char *
arg_safe(const char *s)
{
	static char buf[LOG_STR_MAX + 1];

	if (s == NULL)
		s = "";
	return log_safe(buf, sizeof(buf), s, strlen(s));
}

static unsigned int
parse_debug(const char *arg)
{
	char buf[128], *p, *w;
	unsigned int m = 0;

	if (arg == NULL || *arg == '\0')
		return DBG_OPTIONS | DBG_REPORT;
	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		usage_error("-D: mode list too long");
	for (p = buf; (w = strsep(&p, ",")) != NULL;) {
		if (strcmp(w, "options") == 0)
			m |= DBG_OPTIONS;
		else if (strcmp(w, "report") == 0)
			m |= DBG_REPORT;
		else if (strcmp(w, "netdata") == 0)
			m |= DBG_NETDATA;
		else if (strcmp(w, "ptydata") == 0)
			m |= DBG_PTYDATA;
		else if (strcmp(w, "all") == 0)
			m |= DBG_OPTIONS | DBG_REPORT | DBG_NETDATA |
			    DBG_PTYDATA;
		else
			return 0;
	}
	return m;
}

/* TLS (issue 15): "[ADDR:]PORT,tls=MODE" sets the address's mode and
 * returns "[ADDR:]PORT" (in a buffer of its own); without the suffix the
 * address takes --tls's mode. */
static const char *
parse_listen_tls(struct listen_spec *ls, const char *arg)
{
	static char buf[128];
	const char *comma = strchr(arg, ',');

	ls->tls = TLS_MODE_DEFAULT;
	if (comma == NULL)
		return arg;
	if (strncmp(comma, ",tls=", 5) != 0)
		usage_error("--listen=%s: after the port only ,tls=MODE",
		    arg_safe(arg));
	if (tls_mode_parse(comma + 5, &ls->tls) == -1)
		usage_error("--listen=%s: unknown TLS mode (off, starttls, "
		    "starttls-required, implicit, auto, auto-required)",
		    arg_safe(arg));
	if ((size_t)(comma - arg) >= sizeof(buf))
		usage_error("--listen: address too long");
	memcpy(buf, arg, (size_t)(comma - arg));
	buf[comma - arg] = '\0';
	return buf;
}

/*
 * TLS (issue 15): every mode needs both files; files without a mode are a
 * mistake.  That the files are readable, of a kind served and a matching
 * pair is the signer's check when it starts (main()).
 */
static void
check_tls(struct config *cfg)
{
	int used = cfg->tls.mode != TLS_MODE_OFF;
	size_t i;

	for (i = 0; i < cfg->nlisten; i++) {
		if (cfg->listen[i].tls == TLS_MODE_DEFAULT)
			cfg->listen[i].tls = cfg->tls.mode;
		if (cfg->listen[i].tls != TLS_MODE_OFF)
			used = 1;
	}
	if (!used) {
		if (cfg->tls.cert != NULL || cfg->tls.key != NULL)
			usage_error("--tls-cert and --tls-key need --tls=MODE "
			    "or a --listen=PORT,tls=MODE");
		return;
	}
	if (cfg->tls.cert == NULL || cfg->tls.key == NULL)
		usage_error("TLS needs both --tls-cert=FILE and --tls-key=FILE");
	cfg->tls.used = 1;
}

/* The daemon asked for TLS becomes tls-helper's daemon: the same
 * arguments, and the environment title_init() kept (LISTEN_*, TZ...).
 * Not inlined, nor start_signer(): their path buffers (12 KiB) would
 * widen main()'s frame, which every session's processes carry below their
 * own stacks (two more dirty pages per process in an inetd session). */
static __attribute__((noinline)) void
become_tls_helper(char **argv)
{
	char helper[PATH_MAX], self[PATH_MAX];
	ssize_t n;

	if (login_libexec_path("tls-helper", helper, sizeof(helper)) == -1)
		usage_error("TLS: cannot run %s: %s", helper[0] ? helper :
		    "tls-helper", strerror(errno));
	/* Never itself again (a tls-helper built without tls.c). */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if (strcmp(self, helper) == 0)
			usage_error("TLS: %s has no TLS code", helper);
	}
	/* No per-thread cache in malloc (tls_heap_settle() says why). */
	if (setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1) == -1)
		usage_error("TLS: setenv: %s", strerror(errno));
	execv(helper, argv);
	usage_error("TLS: cannot run %s: %s", helper, strerror(errno));
}

/* tls-helper's daemon: the signer, started once the command line is good;
 * its check of the files is the start's (one line, exit 2). */
static __attribute__((noinline)) void
start_signer(const struct config *cfg, struct ks_signer *sg)
{
	char helper[PATH_MAX], why[256];

	if (login_libexec_path("tls-helper", helper, sizeof(helper)) == -1)
		usage_error("TLS: cannot run %s: %s", helper[0] ? helper :
		    "tls-helper", strerror(errno));
	if (ks_signer_start(helper, cfg->tls.cert, cfg->tls.key,
	    geteuid() == 0 ? cfg->ps_uid : (uid_t)-1, cfg->ps_gid, sg, why,
	    sizeof(why)) == -1)
		usage_error("%s", why);
}

static void
parse_listen(struct config *cfg, const char *arg)
{
	struct listen_spec *ls;
	const char *port, *colon;
	size_t alen;
	unsigned char addrbuf[sizeof(struct in6_addr)];
	char *end;
	long n;

	if (cfg->nlisten >= MAX_LISTEN)
		usage_error("--listen: at most %d addresses", MAX_LISTEN);
	ls = &cfg->listen[cfg->nlisten];
	if (arg == NULL)
		usage_error("--listen needs a value");
	arg = parse_listen_tls(ls, arg);
	if (arg[0] == '[') {
		const char *rb = strchr(arg, ']');

		if (rb == NULL || rb[1] != ':')
			usage_error("--listen=%s: expected [ADDR]:PORT",
			    arg_safe(arg));
		alen = (size_t)(rb - arg - 1);
		if (alen >= sizeof(ls->addr))
			usage_error("--listen: address too long");
		memcpy(ls->addr, arg + 1, alen);
		ls->addr[alen] = '\0';
		if (inet_pton(AF_INET6, ls->addr, addrbuf) != 1)
			usage_error("--listen=%s: not an IPv6 address",
			    arg_safe(arg));
		port = rb + 2;
	} else if ((colon = strrchr(arg, ':')) != NULL) {
		if (strchr(arg, ':') != colon)
			usage_error("--listen=%s: write IPv6 addresses as "
			    "[ADDR]:PORT", arg_safe(arg));
		alen = (size_t)(colon - arg);
		if (alen >= sizeof(ls->addr))
			usage_error("--listen: address too long");
		memcpy(ls->addr, arg, alen);
		ls->addr[alen] = '\0';
		if (alen > 0 && strcmp(ls->addr, "*") != 0 &&
		    inet_pton(AF_INET, ls->addr, addrbuf) != 1)
			usage_error("--listen=%s: not a numeric IPv4 address",
			    arg_safe(arg));
		if (strcmp(ls->addr, "*") == 0)
			ls->addr[0] = '\0';
		port = colon + 1;
	} else {
		ls->addr[0] = '\0';
		port = arg;
	}
	errno = 0;
	n = strtol(port, &end, 10);
	if (*port == '\0')
		usage_error("--listen=%s: no port", arg_safe(arg));
	if (*end != '\0') {
		struct servent *se;

		nss_builtin_only("services");
		if ((se = getservbyname(port, "tcp")) == NULL)
			usage_error("--listen=%s: bad port", arg_safe(arg));
		n = ntohs((uint16_t)se->s_port);
	} else if (errno != 0 || n < 1 || n > 65535)
		usage_error("--listen=%s: port out of range", arg_safe(arg));
	snprintf(ls->port, sizeof(ls->port), "%ld", n);
	cfg->nlisten++;
	cfg->standalone = 1;
}

static unsigned int
parse_uint(const char *opt, const char *arg, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (arg == NULL || *arg == '\0' || *arg == '-')
		usage_error("%s: not a number: '%s'", opt, arg_safe(arg));
	v = strtoul(arg, &end, 10);
	if (*end != '\0' || errno != 0 || v > max)
		usage_error("%s: bad value '%s' (0..%lu)", opt, arg_safe(arg),
		    max);
	return (unsigned int)v;
}

/* A limit: a whole number in min..max. */
static unsigned int
parse_range(const char *opt, const char *arg, unsigned long min,
    unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (arg == NULL || *arg == '\0' || *arg == '-' || *arg == '+')
		usage_error("%s: not a number: '%s'", opt, arg_safe(arg));
	v = strtoul(arg, &end, 10);
	if (*end != '\0' || errno != 0 || v < min || v > max)
		usage_error("%s: bad value '%s' (%lu..%lu)", opt,
		    arg_safe(arg), min, max);
	return (unsigned int)v;
}

/* --proxy-from=ADDR[/BITS]: a source trusted to send PROXY headers. */
static void
parse_proxy_from(struct config *cfg, const char *arg)
{
	const char *why = NULL;

	if (cfg->nproxy >= PROXY_FROM_MAX)
		usage_error("--proxy-from: at most %d sources", PROXY_FROM_MAX);
	if (arg == NULL || proxy_prefix_parse(arg,
	    &cfg->proxy_from[cfg->nproxy], &why) == -1)
		usage_error("--proxy-from=%s: %s", arg_safe(arg),
		    why ? why : "bad value");
	cfg->nproxy++;
}

/* A user's ids from /etc/passwd. */
struct pw_ids {
	uid_t uid;
	gid_t gid;
	int found;
};

/* One decimal id field of a passwd line, ending at ':'; -1 when bad. */
static int
pw_id_field(const char **p, unsigned long *v)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	*v = strtoul(*p, &end, 10);
	if (errno != 0 || *end != ':' || *v > UINT32_MAX - 1)
		return -1;
	*p = end + 1;
	return 0;
}

/*
 * The privsep user is a system user: look in /etc/passwd, in one pass
 * that finds every name asked for (the default, telnetd, and its fallback,
 * nobody, are two names but one read of the file), so the daemon does not
 * load NSS modules (libnss_systemd and what it pulls in cost every session
 * memory).  Plain lines, no fgetpwent: that one seeks twice per line.
 */
static void
passwd_scan(const char *const *names, struct pw_ids *ids, size_t n)
{
	char *line = NULL;
	size_t cap = 0, i, left = n;
	ssize_t len;
	FILE *f;

	memset(ids, 0, n * sizeof(*ids));
	if ((f = fopen("/etc/passwd", "re")) == NULL)
		return;
	while (left > 0 && (len = getline(&line, &cap, f)) != -1) {
		const char *p, *colon = memchr(line, ':', (size_t)len);
		unsigned long uid, gid;

		if (colon == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (!ids[i].found &&
			    strlen(names[i]) == (size_t)(colon - line) &&
			    memcmp(line, names[i], (size_t)(colon - line)) == 0)
				break;
		if (i == n)
			continue;
		/* name:password:uid:gid:... */
		if ((p = memchr(colon + 1, ':', (size_t)(len -
		    (colon + 1 - line)))) == NULL)
			continue;
		p++;
		if (pw_id_field(&p, &uid) == -1 || pw_id_field(&p, &gid) == -1)
			continue;
		ids[i].uid = (uid_t)uid;
		ids[i].gid = (gid_t)gid;
		ids[i].found = 1;
		left--;
	}
	free(line);
	fclose(f);
}

/* The operator's --privsep-user, from /etc/passwd or else NSS; by default
 * telnetd from /etc/passwd, else nobody from /etc/passwd or NSS. */
static void
resolve_privsep(struct config *cfg, int explicit)
{
	const char *names[2];
	struct pw_ids ids[2];
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	names[0] = cfg->privsep_user;
	names[1] = "nobody";
	passwd_scan(names, ids, explicit ? 1 : 2);
	if (!ids[0].found && !explicit)
		cfg->privsep_user = names[1];
	if (ids[0].found || (!explicit && ids[1].found)) {
		uid = ids[0].found ? ids[0].uid : ids[1].uid;
		gid = ids[0].found ? ids[0].gid : ids[1].gid;
	} else {
		nss_builtin_only("passwd");
		if ((pw = getpwnam(cfg->privsep_user)) == NULL)
			usage_error("--privsep-user: no such user '%s'",
			    arg_safe(cfg->privsep_user));
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (uid == 0)
		usage_error("--privsep-user: '%s' is root",
		    arg_safe(cfg->privsep_user));
	cfg->ps_uid = uid;
	cfg->ps_gid = gid;
}

static void
parse_args(struct config *cfg, int argc, char **argv)
{
	const char *tpl = NULL, *issue = NULL, *why = NULL;
	int ch, explicit_user = 0;
	unsigned int dbg;

	memset(cfg, 0, sizeof(*cfg));
	cfg->keepalive = 1;
	cfg->login_timeout = 60;
	cfg->privsep_user = "telnetd";
	cfg->pam_service = DEFAULT_PAM;
	cfg->neg_timeout_ms = NEG_TIMEOUT_MS;
	cfg->max_sessions = MAX_SESSIONS;
	cfg->max_per_host = MAX_PER_HOST;
	cfg->proxy_timeout_ms = PROXY_TIMEOUT_MS;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":E:hnl::D::UV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'E':
			tpl = optarg;
			break;
		case 'h':
			cfg->no_hostinfo = 1;
			break;
		case 'n':
			cfg->keepalive = 0;
			break;
		case 'l':
			/* Also "-l nokludge" as two words. */
			if (optarg == NULL && optind < argc &&
			    strcmp(argv[optind], "nokludge") == 0)
				optarg = argv[optind++];
			if (optarg != NULL && strcmp(optarg, "nokludge") != 0)
				usage_error("-l: unknown mode '%s' (only "
				    "nokludge)", arg_safe(optarg));
			cfg->linemode = 1;
			cfg->nokludge = optarg != NULL;
			break;
		case 'D':
			/* Also "-D options,report" as two words. */
			if (optarg == NULL && optind < argc &&
			    argv[optind][0] != '-' &&
			    parse_debug(argv[optind]) != 0)
				optarg = argv[optind++];
			if ((dbg = parse_debug(optarg)) == 0)
				usage_error("-D: unknown mode in '%s' (options, "
				    "report, netdata, ptydata, all)",
				    arg_safe(optarg));
			cfg->debug |= dbg;
			break;
		case 'U':
			cfg->reverse_lookup = 1;
			break;
		case 'V':
			printf("telnetd %s\n", TELNETD_VERSION);
			exit(0);
		case OPT_HELP:
			fputs(usage_text, stdout);
			exit(0);
		case OPT_LISTEN:
			parse_listen(cfg, optarg);
			break;
		case OPT_PAM:
			cfg->pam = 1;
			if (optarg != NULL) {
				if (*optarg == '\0' || strchr(optarg, '/') ||
				    strlen(optarg) > 64)
					usage_error("--pam: bad service name "
					    "'%s'", arg_safe(optarg));
				cfg->pam_service = optarg;
			}
			break;
		case OPT_ACCEPT_ENV:
			if (env_policy_add(&cfg->envpol, optarg, &why) == -1)
				usage_error("--accept-env=%s: %s",
				    arg_safe(optarg), why ? why : "refused");
			break;
		case OPT_LOGIN_TIMEOUT:
			cfg->login_timeout = parse_uint("--login-timeout",
			    optarg, 86400);
			break;
		case OPT_IDLE_TIMEOUT:
			cfg->idle_timeout = parse_uint("--idle-timeout",
			    optarg, IDLE_TIMEOUT_MAX);
			break;
		case OPT_PRIVSEP_USER:
			if (optarg == NULL || *optarg == '\0')
				usage_error("--privsep-user: empty name");
			cfg->privsep_user = optarg;
			explicit_user = 1;
			break;
		case OPT_ISSUE:
			issue = optarg;
			break;
		case OPT_REPORT:
			if (optarg == NULL || strcmp(optarg, "show") == 0)
				cfg->report = REPORT_SHOW;
			else if (strcmp(optarg, "login") == 0)
				cfg->report = REPORT_LOGIN;
			else
				usage_error("--report=%s: unknown mode (show, "
				    "login)", arg_safe(optarg));
			break;
		case OPT_REPORT_LOG:
			if (optarg == NULL || optarg[0] != '/')
				usage_error("--report-log: '%s' is not an "
				    "absolute path", arg_safe(optarg));
			cfg->report_log = optarg;
			break;
		case OPT_REPORT_DIR:
			if (optarg == NULL || optarg[0] != '/')
				usage_error("--report-dir: '%s' is not an "
				    "absolute path", arg_safe(optarg));
			cfg->report_dir = optarg;
			break;
		case OPT_NEG_TIMEOUT:
			cfg->neg_timeout_ms = (int)parse_range(
			    "--negotiation-timeout", optarg, 1,
			    NEG_TIMEOUT_MAX_MS);
			break;
		case OPT_SB_MAX:
			cfg->sb_max = parse_range("--sb-max", optarg,
			    TELNET_SB_MIN_MAX, TELNET_SB_MAX_MAX);
			break;
		case OPT_MAX_ENV:
			cfg->envpol.max_vars = parse_range("--max-env", optarg,
			    1, ENV_MAX_VARS);
			break;
		case OPT_MAX_ENV_SIZE:
			cfg->envpol.max_value = parse_range("--max-env-size",
			    optarg, 1, ENV_MAX_VALUE);
			break;
		case OPT_OUTPUT_BUFFER:
			cfg->netout_size = parse_range("--output-buffer",
			    optarg, NETOUT_MIN, BUF_SIZE_MAX);
			break;
		case OPT_INPUT_BUFFER:
			cfg->ptyout_size = parse_range("--input-buffer",
			    optarg, PTYOUT_MIN, BUF_SIZE_MAX);
			break;
		case OPT_MAX_SESSIONS:
			cfg->max_sessions = parse_range("--max-sessions",
			    optarg, 0, 65535);
			break;
		case OPT_MAX_PER_HOST:
			cfg->max_per_host = parse_range("--max-per-host",
			    optarg, 0, 65535);
			break;
		case OPT_MAX_TTYPES:
			cfg->max_ttypes = parse_range("--max-ttypes", optarg,
			    1, TTYPE_MAX);
			break;
		/* TLS (issue 15) */
		case OPT_TLS:
			if (tls_mode_parse(optarg, &cfg->tls.mode) == -1)
				usage_error("--tls=%s: unknown mode (off, "
				    "starttls, starttls-required, implicit, "
				    "auto, auto-required)", arg_safe(optarg));
			break;
		case OPT_TLS_CERT:
		case OPT_TLS_KEY:
			if (optarg == NULL || optarg[0] == '\0')
				usage_error("%s: empty file name", ch ==
				    OPT_TLS_CERT ? "--tls-cert" : "--tls-key");
			if (access(optarg, R_OK) == -1)
				usage_error("%s=%s: %s", ch == OPT_TLS_CERT ?
				    "--tls-cert" : "--tls-key",
				    arg_safe(optarg), strerror(errno));
			if (ch == OPT_TLS_CERT)
				cfg->tls.cert = optarg;
			else
				cfg->tls.key = optarg;
			break;
		/* PROXY protocol */
		case OPT_PROXY_FROM:
			parse_proxy_from(cfg, optarg);
			break;
		case OPT_PROXY_TIMEOUT:
			cfg->proxy_timeout_ms = (int)parse_range(
			    "--proxy-timeout", optarg, 1, PROXY_TIMEOUT_MAX_MS);
			break;
		case ':':
			if (optopt != 0)
				usage_error("option -%c needs a value", optopt);
			usage_error("option %s needs a value",
			    arg_safe(argv[optind - 1]));
		case '?':
		default:
			if (optopt != 0)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s",
			    arg_safe(argv[optind - 1]));
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", arg_safe(argv[optind]));

	if (login_template_parse(&cfg->login, tpl, &why) == -1)
		usage_error("-E: %s", why ? why : "bad command");
	if (tpl != NULL && cfg->pam)
		usage_error("-E and --pam exclude each other");
	if (cfg->pam &&
	    login_pam_helper(cfg->pam_helper, sizeof(cfg->pam_helper)) == -1)
		usage_error("--pam: cannot run %s: %s", cfg->pam_helper[0] ?
		    cfg->pam_helper : "pam-login", strerror(errno));

	/* The banner: before a login (default program or PAM), or when the
	 * operator names a file; never with -h. */
	if (issue != NULL) {
		if (access(issue, R_OK) == -1)
			usage_error("--issue=%s: %s", arg_safe(issue),
			    strerror(errno));
		cfg->issue_file = issue;
	} else if (cfg->login.is_default || cfg->pam)
		cfg->issue_file = DEFAULT_ISSUE;
	if (cfg->no_hostinfo)
		cfg->issue_file = NULL;

	/* Created now if it is not there: the same rules as every append. */
	if (cfg->report_log != NULL &&
	    report_log_check(cfg->report_log, &why) == -1)
		usage_error("--report-log=%s: %s", arg_safe(cfg->report_log),
		    why);
	if (cfg->report_dir != NULL &&
	    report_dir_check(cfg->report_dir, &why) == -1)
		usage_error("--report-dir=%s: %s", arg_safe(cfg->report_dir),
		    why);
	/* Where reports go, without --report: the inventory mode. */
	if (cfg->report == REPORT_OFF &&
	    (cfg->report_log != NULL || cfg->report_dir != NULL))
		cfg->report = REPORT_LOGIN;

	resolve_privsep(cfg, explicit_user);
	check_tls(cfg);
}

int
main(int argc, char **argv)
{
	struct config config;
	const struct config *cfg = &config;
	struct ks_signer signer = { -1, -1, NULL, 0 };
	struct tls_start ts;
	struct sigaction sa;
	int fd, dn, status;

	/* Nothing inherited but 0-2 and systemd's sockets (issue 13). */
	if (sandbox_close_inherited(listen_fds_from_env()) == -1)
		return 1;
	/* Before anything reads or changes the environment: the title
	 * ps shows takes the room of argv and the environment strings. */
	title_init(argc, argv);
	parse_args(&config, argc, argv);
	if (config.tls.used) {
		if (&tls_openssl_ops == NULL)
			become_tls_helper(argv);
		config.tls.ops = &tls_openssl_ops;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (!config.standalone && listen_fds_from_env() > 0)
		config.standalone = 1;
	if (cfg->tls.used)
		start_signer(cfg, &signer);
	if (cfg->standalone) {
		log_init(1, 0, "telnetd");
		privsep_check_user(cfg);
		status = listen_run(cfg, cfg->tls.used ? &signer : NULL);
		login_template_free(&config.login);
		return status;
	}

	/* inetd mode: take the socket off descriptors 0-2 and put
	 * /dev/null there, so nothing (not even a library's message) can
	 * reach the client except through the session. */
	{
		struct stat st;

		if (fstat(STDIN_FILENO, &st) == -1 || !S_ISSOCK(st.st_mode))
			usage_error("standard input is not a socket (use "
			    "--listen=PORT to run standalone)");
	}
	log_init(0, 1, "telnetd");
	privsep_check_user(cfg);
	if ((fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)) == -1)
		fatal("dup");
	if ((dn = open("/dev/null", O_RDWR)) == -1)
		fatal("/dev/null");
	if (dup2(dn, 0) == -1 || dup2(dn, 1) == -1 || dup2(dn, 2) == -1)
		fatal("dup2");
	if (dn > 2)
		close(dn);
	if (cfg->tls.used && cfg->tls.mode != TLS_MODE_OFF) {
		/* One connection: one channel, and the signer ends after
		 * it; the relay makes its context from the chain. */
		memset(&ts, 0, sizeof(ts));
		ts.ops = cfg->tls.ops;
		ts.mode = cfg->tls.mode;
		if (ks_signer_channel(signer.ctl, &ts.chan) == -1)
			fatal("signer channel");
		close(signer.ctl);
		signer.ctl = -1;
		ts.chain = signer.chain;
		ts.chainlen = signer.chainlen;
		status = session_run(cfg, fd, NULL, &ts);
	} else
		status = session_run(cfg, fd, NULL, NULL);
	ks_signer_stop(&signer);
	login_template_free(&config.login);
	return status;
}
