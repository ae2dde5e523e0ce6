/*
 * usage.c - what telnetd says about its own command line: the --help
 * text, and the one line for a bad option or value (standard error and
 * syslog, exit status 2, nothing started).  When standard error is a
 * socket (inetd mode) that line goes to syslog only: descriptors 0-2 are
 * the client's.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

/* Every option here is in the manual's SYNOPSIS and option list, and
 * every option the manual names is here (tests/integration/test_docs.py). */
static const char usage_text[] =
"usage: telnetd [-hnUV] [-D[MODE,...]] [-E STRING] [-l[nokludge]]\n"
"               [--listen=[ADDR:]PORT[,tls=MODE]]... [--pam[=SERVICE]]\n"
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
"  -D, --debug[=MODE,...]  trace options, report, netdata, ptydata, or\n"
"                          all (options,report)\n"
"  -U, --reverse-lookup    refuse clients without a reverse name\n"
"      --pam[=SERVICE]     log in through PAM (default service telnetd)\n"
"      --accept-env=NAME   also accept client variable NAME\n"
"      --login-timeout=SECS  end sessions at the login prompt (60)\n"
"      --idle-timeout=SECS  close a session with no input or output that\n"
"                          long, as a disconnect (0: never, the default)\n"
"      --privsep-user=USER unprivileged user of the relay (telnetd, else\n"
"                          nobody)\n"
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

void
usage_print(void)
{
	fputs(usage_text, stdout);
}

static int
stderr_is_socket(void)
{
	struct stat st;

	return fstat(STDERR_FILENO, &st) == 0 && S_ISSOCK(st.st_mode);
}

void
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

/* What a user typed, made safe to echo in one line (in a static buffer,
 * valid until the next call). */
const char *
arg_safe(const char *s)
{
	static char buf[LOG_STR_MAX + 1];

	if (s == NULL)
		s = "";
	return log_safe(buf, sizeof(buf), s, strlen(s));
}
