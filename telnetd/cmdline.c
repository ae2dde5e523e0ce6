/*
 * cmdline.c - the command line read into a struct config: the option
 * table, getopt_long, and each option's value checked as it is read.
 * What can only be checked once every option is in (the login program
 * against --pam, files, TLS, the privsep user) is config_check.c's.
 *
 * A bad option or value is usage_error(): one line, exit status 2.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "probe.h"	/* REPORT_* */
#include "telnet.h"	/* the engine's --sb-max bounds */

#define DEFAULT_PAM	"telnetd"

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
	/* TLS */
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
	/* TLS */
	{ "tls", required_argument, NULL, OPT_TLS },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	/* PROXY protocol */
	{ "proxy-from", required_argument, NULL, OPT_PROXY_FROM },
	{ "proxy-timeout", required_argument, NULL, OPT_PROXY_TIMEOUT },
	{ NULL, 0, NULL, 0 },
};

static unsigned int
parse_debug(const char *arg)
{
	char buf[128], *p, *w;
	unsigned int m = 0;

	if (arg == NULL)
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

/* A limit: a whole number in min..max, in decimal digits only (strtoul
 * alone would also take leading blanks and a sign). */
static unsigned int
parse_range(const char *opt, const char *arg, unsigned long min,
    unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (arg == NULL || *arg < '0' || *arg > '9')
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

/* What the loop collects for config_check() alone. */
struct cmdline {
	const char *tpl;		/* -E */
	const char *issue;		/* --issue */
	int explicit_user;		/* --privsep-user */
};

static void
set_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->keepalive = 1;
	cfg->login_timeout = 60;
	cfg->privsep_user = "telnetd";
	cfg->pam_service = DEFAULT_PAM;
	cfg->neg_timeout_ms = NEG_TIMEOUT_MS;
	cfg->max_sessions = MAX_SESSIONS;
	cfg->max_per_host = MAX_PER_HOST;
	cfg->proxy_timeout_ms = PROXY_TIMEOUT_MS;
}

/* -l[nokludge], also "-l nokludge" as two words. */
static void
parse_linemode(struct config *cfg, int argc, char **argv)
{
	if (optarg == NULL && optind < argc &&
	    strcmp(argv[optind], "nokludge") == 0)
		optarg = argv[optind++];
	if (optarg != NULL && strcmp(optarg, "nokludge") != 0)
		usage_error("-l: unknown mode '%s' (only nokludge)",
		    arg_safe(optarg));
	cfg->linemode = 1;
	cfg->nokludge = optarg != NULL;
}

/* -D[MODE,...], also "-D options,report" as two words. */
static void
parse_debug_option(struct config *cfg, int argc, char **argv)
{
	unsigned int dbg;

	if (optarg == NULL && optind < argc && argv[optind][0] != '-' &&
	    parse_debug(argv[optind]) != 0)
		optarg = argv[optind++];
	/* "--debug=" names no mode: a mistake, not the default list. */
	if (optarg != NULL && *optarg == '\0')
		usage_error("--debug: empty mode list (options, report, "
		    "netdata, ptydata, all)");
	if ((dbg = parse_debug(optarg)) == 0)
		usage_error("-D: unknown mode in '%s' (options, report, "
		    "netdata, ptydata, all)", arg_safe(optarg));
	cfg->debug |= dbg;
}

static void
parse_pam(struct config *cfg, const char *arg)
{
	cfg->pam = 1;
	if (arg == NULL)
		return;
	if (*arg == '\0' || strchr(arg, '/') || strlen(arg) > 64)
		usage_error("--pam: bad service name '%s'", arg_safe(arg));
	cfg->pam_service = arg;
}

/* The options that are a number in a range.  0 when ch is not one. */
static int
parse_limit(struct config *cfg, int ch, const char *arg)
{
	switch (ch) {
	case OPT_LOGIN_TIMEOUT:
		cfg->login_timeout = parse_range("--login-timeout", arg, 0,
		    86400);
		break;
	case OPT_IDLE_TIMEOUT:
		cfg->idle_timeout = parse_range("--idle-timeout", arg, 0,
		    IDLE_TIMEOUT_MAX);
		break;
	case OPT_NEG_TIMEOUT:
		cfg->neg_timeout_ms = (int)parse_range("--negotiation-timeout",
		    arg, 1, NEG_TIMEOUT_MAX_MS);
		break;
	case OPT_SB_MAX:
		cfg->sb_max = parse_range("--sb-max", arg, TELNET_SB_MIN_MAX,
		    TELNET_SB_MAX_MAX);
		break;
	case OPT_MAX_ENV:
		cfg->envpol.max_vars = parse_range("--max-env", arg, 1,
		    ENV_MAX_VARS);
		break;
	case OPT_MAX_ENV_SIZE:
		cfg->envpol.max_value = parse_range("--max-env-size", arg, 1,
		    ENV_MAX_VALUE);
		break;
	case OPT_OUTPUT_BUFFER:
		cfg->netout_size = parse_range("--output-buffer", arg,
		    NETOUT_MIN, BUF_SIZE_MAX);
		break;
	case OPT_INPUT_BUFFER:
		cfg->ptyout_size = parse_range("--input-buffer", arg,
		    PTYOUT_MIN, BUF_SIZE_MAX);
		break;
	case OPT_MAX_SESSIONS:
		cfg->max_sessions = parse_range("--max-sessions", arg, 0,
		    65535);
		break;
	case OPT_MAX_PER_HOST:
		cfg->max_per_host = parse_range("--max-per-host", arg, 0,
		    65535);
		break;
	case OPT_MAX_TTYPES:
		cfg->max_ttypes = parse_range("--max-ttypes", arg, 1,
		    TTYPE_MAX);
		break;
	case OPT_PROXY_TIMEOUT:
		cfg->proxy_timeout_ms = (int)parse_range("--proxy-timeout",
		    arg, 1, PROXY_TIMEOUT_MAX_MS);
		break;
	default:
		return 0;
	}
	return 1;
}

/* --report-log and --report-dir: absolute paths only (the manual). */
static const char *
absolute_path(const char *opt, const char *arg)
{
	if (arg == NULL || arg[0] != '/')
		usage_error("%s: '%s' is not an absolute path", opt,
		    arg_safe(arg));
	return arg;
}

/* --report, --report-log and --report-dir.  0 when ch is none of them. */
static int
parse_report(struct config *cfg, int ch, const char *arg)
{
	switch (ch) {
	case OPT_REPORT:
		if (arg == NULL || strcmp(arg, "show") == 0)
			cfg->report = REPORT_SHOW;
		else if (strcmp(arg, "login") == 0)
			cfg->report = REPORT_LOGIN;
		else
			usage_error("--report=%s: unknown mode (show, login)",
			    arg_safe(arg));
		break;
	case OPT_REPORT_LOG:
		cfg->report_log = absolute_path("--report-log", arg);
		break;
	case OPT_REPORT_DIR:
		cfg->report_dir = absolute_path("--report-dir", arg);
		break;
	default:
		return 0;
	}
	return 1;
}

/* --tls, --tls-cert and --tls-key.  0 when ch is none of them. */
static int
parse_tls(struct config *cfg, int ch, const char *arg)
{
	const char *opt = ch == OPT_TLS_CERT ? "--tls-cert" : "--tls-key";

	switch (ch) {
	case OPT_TLS:
		if (tls_mode_parse(arg, &cfg->tls.mode) == -1)
			usage_error("--tls=%s: unknown mode (off, starttls, "
			    "starttls-required, implicit, auto, "
			    "auto-required)", arg_safe(arg));
		return 1;
	case OPT_TLS_CERT:
	case OPT_TLS_KEY:
		if (arg == NULL || arg[0] == '\0')
			usage_error("%s: empty file name", opt);
		if (access(arg, R_OK) == -1)
			usage_error("%s=%s: %s", opt, arg_safe(arg),
			    strerror(errno));
		if (ch == OPT_TLS_CERT)
			cfg->tls.cert = arg;
		else
			cfg->tls.key = arg;
		return 1;
	default:
		return 0;
	}
}

/*
 * getopt_long's ':' (a value missing) or '?' (anything else wrong).  A
 * short option's mistake comes with its letter in optopt; a long one's
 * with optopt 0 (unknown, ambiguous) or the option's table value (a
 * letter, or a code that is no character at all), so its line is made
 * from the word the user typed, the last one getopt_long read.  Which of
 * the two it was: the word is a long option whose value is optopt.
 */
static void __attribute__((noreturn))
bad_option(int ch, char **argv)
{
	const char *word = argv[optind - 1];
	const struct option *o, *match = NULL;
	char letter[3] = { '-', (char)optopt, '\0' };
	size_t len;
	int n = 0;

	if (strncmp(word, "--", 2) == 0 && word[2] != '\0') {
		len = strcspn(word + 2, "=");
		for (o = longopts; o->name != NULL; o++) {
			if (strncmp(o->name, word + 2, len) != 0)
				continue;
			match = o;
			if (strlen(o->name) == len) {	/* exact: no doubt */
				n = 1;
				break;
			}
			n++;
		}
	}
	if (optopt != 0 && (n != 1 || match->val != optopt)) {
		if (ch == ':')
			usage_error("option %s needs a value",
			    arg_safe(letter));
		usage_error("unknown option %s", arg_safe(letter));
	}
	if (n == 0)
		usage_error("unknown option %s", arg_safe(word));
	if (n > 1)
		usage_error("ambiguous option %s", arg_safe(word));
	if (ch == ':')
		usage_error("option --%s needs a value", match->name);
	usage_error("option --%s takes no value", match->name);
}

static void
parse_option(struct config *cfg, struct cmdline *cl, int ch, int argc,
    char **argv)
{
	const char *why = NULL;

	if (parse_limit(cfg, ch, optarg) || parse_report(cfg, ch, optarg) ||
	    parse_tls(cfg, ch, optarg))
		return;
	switch (ch) {
	case 'E':
		cl->tpl = optarg;
		break;
	case 'h':
		cfg->no_hostinfo = 1;
		break;
	case 'n':
		cfg->keepalive = 0;
		break;
	case 'l':
		parse_linemode(cfg, argc, argv);
		break;
	case 'D':
		parse_debug_option(cfg, argc, argv);
		break;
	case 'U':
		cfg->reverse_lookup = 1;
		break;
	case 'V':
		printf("telnetd %s\n", TELNETD_VERSION);
		exit(0);
	case OPT_HELP:
		usage_print();
		exit(0);
	case OPT_LISTEN:
		listen_spec_parse(cfg, optarg);
		break;
	case OPT_PAM:
		parse_pam(cfg, optarg);
		break;
	case OPT_ACCEPT_ENV:
		if (env_policy_add(&cfg->envpol, optarg, &why) == -1)
			usage_error("--accept-env=%s: %s", arg_safe(optarg),
			    why ? why : "refused");
		break;
	case OPT_PRIVSEP_USER:
		if (optarg == NULL || *optarg == '\0')
			usage_error("--privsep-user: empty name");
		cfg->privsep_user = optarg;
		cl->explicit_user = 1;
		break;
	case OPT_ISSUE:
		cl->issue = optarg;
		break;
	case OPT_PROXY_FROM:
		parse_proxy_from(cfg, optarg);
		break;
	default:
		bad_option(ch, argv);
	}
}

void
cmdline_parse(struct config *cfg, int argc, char **argv)
{
	struct cmdline cl = { NULL, NULL, 0 };
	int ch;

	set_defaults(cfg);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":E:hnl::D::UV", longopts,
	    NULL)) != -1)
		parse_option(cfg, &cl, ch, argc, argv);
	if (optind < argc)
		usage_error("unexpected argument '%s'", arg_safe(argv[optind]));
	config_check(cfg, cl.tpl, cl.issue, cl.explicit_user);
}
