/*
 * tclient.c - a scriptable TELNET client on the engine, for tests and
 * benchmarks.
 *
 *	tclient -p PORT [-a ADDR] [options] [steps]
 *
 * ADDR is numeric, 127.0.0.1 by default (::1 works).  As a client it agrees
 * to what BSD telnet agrees to: WILL TTYPE, NEW-ENVIRON, TSPEED, LFLOW, SGA;
 * DO ECHO, SGA, STATUS; WILL NAWS only with --naws, XDISPLOC only with
 * --display, BINARY both ways only with --binary (then also requested at
 * once).  DO TIMING-MARK is answered WONT TM, or WILL TM with --tm.
 * --refuse-all answers every request negatively; --raw never answers
 * anything (the engine still parses what arrives).
 *
 * Subnegotiation answers: TTYPE IS the --term names in turn, the last one
 * twice, then from the top (RFC 1091); TSPEED IS --speed (38400,38400);
 * XDISPLOC IS --display; NEW-ENVIRON IS the --env / --uservar variables
 * asked for (all for an empty SEND; a name asked for that we lack goes
 * without a VALUE).  --env sends USER JOB ACCT PRINTER SYSTEMTYPE DISPLAY
 * as VAR, other names as USERVAR; --uservar is always USERVAR.  NAWS is
 * sent as soon as our WILL NAWS is accepted.
 *
 * Steps run in command-line order: --send STR (C escapes \r \n \t \e \0
 * \\ \xNN; NVT rules: IAC doubled, bare CR as CR NUL unless our BINARY is
 * on), --send-file F (streamed), --cmd NAME (NOP AYT IP AO BRK EC EL GA
 * ABORT SUSP EOF EOR; SYNCH = IAC DM with the DM as TCP urgent data; DOTM =
 * IAC DO TIMING-MARK), --expect STR (waits until the received data since
 * the previous match contains STR).  Sending steps wait until negotiation
 * has settled: data has arrived from the server, or --settle MS (200) have
 * passed without negotiation.  After the last step it exits, or with
 * --wait-close reads until the server closes (implied when there are no
 * steps); --quit-after-expect exits as soon as the last --expect matched.
 *
 * --out FILE gets the received data stream decoded (IAC IAC as one byte;
 * outside BINARY an end of line comes out as CR LF, CR NUL and a bare CR
 * as CR).  --trace prints engine events and what we send on stderr, one
 * line each with milliseconds since start.  --report prints on stdout
 * "REPORT rc=N connect_ms= first_data_ms= expect_ms= total_ms= rx_bytes=
 * tx_bytes=" (times since start; expect_ms for the last match; -1 = never).
 * Urgent data is read inline (SO_OOBINLINE), so IAC DM stays in the stream.
 *
 * Exit status: 0 success, 1 connection error or the server closed before
 * the steps were done, 2 usage, 3 --timeout SECS (10) reached.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/tcp.h>
#include <netdb.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "telnet.h"
#include "../telnet_trace.h"

#define MAX_STEPS	64
#define MAX_TERMS	16
#define MAX_ENV		32
#define OUTQ_LOW	(256 * 1024)	/* read more of --send-file below this */
#define MBUF_MAX	(1024 * 1024)	/* --expect buffer before trimming */

enum step_kind { ST_SEND, ST_FILE, ST_CMD, ST_EXPECT };

struct step {
	enum step_kind kind;
	char *s;		/* decoded text, file name or command name */
	size_t len;
	unsigned char cmd;
};

struct envvar {
	unsigned char type;
	const char *name, *value;
};

struct client {
	struct telnet *t;
	int fd, trace, raw, in_feed, binary, eof;
	const char *terms[MAX_TERMS];
	char *termbuf;
	size_t nterms, term_i;
	int naws_w, naws_h;
	unsigned long tx, rx;
	const char *display;
	struct envvar env[MAX_ENV];
	size_t nenv;
	/* Outgoing bytes; urg_at > 0: the byte at urg_at - 1 goes MSG_OOB. */
	unsigned char *outq;
	size_t outlen, outcap, outoff, urg_at;
	/* Decoded data since the last match, for --expect. */
	unsigned char *mbuf;
	size_t mlen, mcap;
	size_t keep;		/* longest --expect; 0: buffer nothing */
	FILE *out;
	int got_data;
	double last_neg;
	unsigned long long rx_bytes, tx_bytes;
	double t_connect, t_first, t_expect, settle;
	/* The script. */
	struct step steps[MAX_STEPS];
	size_t nsteps, si, last_expect;
	int filefd, quit_after, wait_close, refuse, tm, report;
};

static double t0;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "tclient: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(code);
}

static void *
grow(void *p, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 4096;

	if (need <= *cap)
		return p;
	while (ncap < need)
		ncap *= 2;
	if ((p = realloc(p, ncap)) == NULL)
		die(1, "out of memory");
	*cap = ncap;
	return p;
}

static void __attribute__((format(printf, 2, 3)))
trace(struct client *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->trace)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "%8.3f ", (now() - t0) * 1000);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Printable form of a short byte string for traces. */
static const char *
vis(const unsigned char *b, size_t n)
{
	static char buf[200];
	size_t i, o = 0;

	for (i = 0; i < n && o < sizeof(buf) - 8; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\')
			buf[o++] = (char)b[i];
		else
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\\x%02x", b[i]);
	}
	if (i < n)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "...");
	buf[o] = '\0';
	return buf;
}

static void
queue(struct client *c, const unsigned char *b, size_t n, int urgent)
{
	if (n == 0)
		return;
	c->outq = grow(c->outq, &c->outcap, c->outlen + n);
	memcpy(c->outq + c->outlen, b, n);
	c->outlen += n;
	if (urgent)
		c->urg_at = c->outlen;
}

/* Received data, decoded: to --out and to the --expect buffer. */
static void
got(struct client *c, const unsigned char *b, size_t n)
{
	if (n == 0)
		return;
	if (!c->got_data) {
		c->got_data = 1;
		c->t_first = now();
	}
	if (c->out != NULL && fwrite(b, 1, n, c->out) != n)
		die(1, "writing --out: %s", strerror(errno));
	if (c->keep == 0)
		return;
	/* Bounded: past MBUF_MAX only the tail a match could start in. */
	if (c->mlen > MBUF_MAX) {
		memmove(c->mbuf, c->mbuf + c->mlen - (c->keep - 1),
		    c->keep - 1);
		c->mlen = c->keep - 1;
	}
	c->mbuf = grow(c->mbuf, &c->mcap, c->mlen + n);
	memcpy(c->mbuf + c->mlen, b, n);
	c->mlen += n;
}

static void
reply_env(struct client *c, const struct telnet_event *ev)
{
	struct telnet_env_var out[MAX_ENV * 2];
	size_t i, j, n = 0;

	for (i = 0; i < c->nenv; i++) {
		int want = ev->u.env.nvars == 0;

		for (j = 0; j < ev->u.env.nvars && !want; j++) {
			const struct telnet_env_var *a = &ev->u.env.vars[j];

			want = a->type == c->env[i].type && (a->name_len == 0 ||
			    strcmp(a->name, c->env[i].name) == 0);
		}
		if (!want)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].type = c->env[i].type;
		out[n].name = c->env[i].name;
		out[n].name_len = strlen(c->env[i].name);
		out[n].has_value = 1;
		out[n].value = c->env[i].value;
		out[n].value_len = strlen(c->env[i].value);
		n++;
	}
	/* RFC 1572: a variable asked for by name that we do not have is
	 * sent without a VALUE. */
	for (j = 0; j < ev->u.env.nvars && n < MAX_ENV * 2; j++) {
		const struct telnet_env_var *a = &ev->u.env.vars[j];

		for (i = 0; i < c->nenv; i++)
			if (a->type == c->env[i].type &&
			    strcmp(a->name, c->env[i].name) == 0)
				break;
		if (a->name_len == 0 || i < c->nenv)
			continue;
		out[n] = *a;
		out[n].has_value = 0;
		n++;
	}
	trace(c, "send SB %s IS (%zu variables)", telnet_opt_name(ev->u.env.opt),
	    n);
	telnet_send_env(c->t, ev->u.env.opt, TELQUAL_IS, out, n);
}

/* --trace: one line per event, in the engine tests' format (a NEGOTIATE
 * as "recv DO TTYPE", the spelling scripts look for). */
static void
trace_event(struct client *c, const struct telnet_event *ev)
{
	struct sbuf line = { 0 };

	if (!c->trace || ev->type == TELNET_EV_SEND)
		return;
	if (ev->type == TELNET_EV_NEGOTIATE)
		sb_printf(&line, "%s %s", t_cmd_name(ev->u.negotiate.verb),
		    telnet_opt_name(ev->u.negotiate.opt));
	else if (ev->type == TELNET_EV_DATA) {
		sb_printf(&line, "DATA %zu ", ev->u.data.len);
		sb_quote(&line, ev->u.data.buf, ev->u.data.len);
	} else
		fmt_event(&line, ev);
	trace(c, "recv %s", line.p);
	sb_free(&line);
}

static void
on_event(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct client *c = ctx;
	int send;
	size_t i;

	if (ev->type == TELNET_EV_NEGOTIATE || (ev->type >= TELNET_EV_SB_RAW &&
	    ev->type != TELNET_EV_ERROR))
		c->last_neg = now();
	trace_event(c, ev);
	switch (ev->type) {
	case TELNET_EV_SEND:
		/* --raw: whatever the engine would answer is never sent. */
		if (!c->raw || !c->in_feed)
			queue(c, ev->u.data.buf, ev->u.data.len,
			    ev->u.data.urgent);
		break;
	case TELNET_EV_DATA:
		got(c, ev->u.data.buf, ev->u.data.len);
		break;
	case TELNET_EV_EOL:
		/* A CR at once, the LF of a CR LF after it (the NUL of a
		 * CR NUL is dropped by the engine). */
		got(c, (const unsigned char *)(ev->u.eol.kind ==
		    TELNET_EOL_LF ? "\n" : "\r"), 1);
		break;
	case TELNET_EV_OPTION:
		if (ev->u.option.local && ev->u.option.enabled &&
		    ev->u.option.opt == TELOPT_NAWS && c->naws_w >= 0) {
			trace(c, "send SB NAWS %d %d", c->naws_w, c->naws_h);
			telnet_send_naws(t, (uint16_t)c->naws_w,
			    (uint16_t)c->naws_h);
		}
		break;
	case TELNET_EV_TTYPE:
	case TELNET_EV_XDISPLOC:
		send = ev->u.str.cmd == TELQUAL_SEND;
		if (send && ev->type == TELNET_EV_XDISPLOC && c->display) {
			trace(c, "send SB XDISPLOC IS %s", c->display);
			telnet_send_xdisploc_is(t, c->display);
		} else if (send && ev->type == TELNET_EV_TTYPE) {
			/* RFC 1091: each name in turn, the last one twice,
			 * then from the top again. */
			i = c->term_i < c->nterms ? c->term_i : c->nterms - 1;
			c->term_i = c->term_i < c->nterms ? c->term_i + 1 : 0;
			trace(c, "send SB TTYPE IS %s", c->terms[i]);
			telnet_send_ttype_is(t, c->terms[i]);
		}
		break;
	case TELNET_EV_TSPEED:
		if (ev->u.tspeed.cmd == TELQUAL_SEND) {
			trace(c, "send SB TSPEED IS %lu,%lu", c->tx, c->rx);
			telnet_send_tspeed_is(t, c->tx, c->rx);
		}
		break;
	case TELNET_EV_ENVIRON:
		if (ev->u.env.cmd == TELQUAL_SEND)
			reply_env(c, ev);
		break;
	default:
		break;
	}
}

/* C escapes: \r \n \t \0 \\ \xNN (one or two hex digits), \e. */
static char *
unescape(const char *s, size_t *lenp)
{
	char *out = malloc(strlen(s) + 1);
	size_t o = 0;

	if (out == NULL)
		die(1, "out of memory");
	while (*s) {
		if (*s != '\\' || s[1] == '\0') {
			out[o++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r': out[o++] = '\r'; s++; break;
		case 'n': out[o++] = '\n'; s++; break;
		case 't': out[o++] = '\t'; s++; break;
		case 'e': out[o++] = 0x1b; s++; break;
		case '0': out[o++] = '\0'; s++; break;
		case 'x': {
			char hex[3] = { 0, 0, 0 };
			int k;

			for (k = 0; k < 2 && strchr("0123456789abcdefABCDEF",
			    s[1 + k]) != NULL && s[1 + k] != '\0'; k++)
				hex[k] = s[1 + k];
			if (k == 0)
				die(2, "bad \\x escape");
			out[o++] = (char)strtoul(hex, NULL, 16);
			s += 1 + k;
			break;
		}
		default: out[o++] = *s++; break;
		}
	}
	out[o] = '\0';
	*lenp = o;
	return out;
}

/* --cmd NAME: a command by its trace name (NOP, AYT, IP, ...), SYNCH for
 * IAC DM as urgent data, DOTM for IAC DO TIMING-MARK (returned as 0). */
static int
cmd_code(const char *name)
{
	int k;

	if (strcasecmp(name, "SYNCH") == 0)
		return TELNET_DM;
	if (strcasecmp(name, "DOTM") == 0)
		return 0;
	for (k = TELNET_EOF; k <= TELNET_GA; k++)
		if (strcasecmp(name, telnet_cmd_name((unsigned char)k)) == 0)
			return k;
	return -1;
}

static void
usage(void)
{
	fprintf(stderr,
"usage: tclient -p PORT [-a ADDR] [options] [steps]\n"
"  --term A[,B..]  TTYPE names (cycled, RFC 1091)  --naws WxH  --speed TX,RX\n"
"  --display D  --env NAME=VALUE (repeatable)  --uservar NAME=VALUE\n"
"  --binary  --tm (answer DO TM with WILL TM)  --refuse-all  --raw\n"
"  --timeout SECS (10; exit 3)  --settle MS (200)  --out FILE  --trace\n"
"  --quit-after-expect  --wait-close  --report\n"
"steps, in order: --send STR (C escapes)  --send-file F  --cmd NAME\n"
"  (NOP AYT IP AO BRK EC EL GA ABORT SUSP EOF EOR SYNCH DOTM)  --expect STR\n");
	exit(2);
}

static int
connect_to(const char *addr, const char *port)
{
	struct addrinfo hints, *ai;
	int fd, one = 1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((e = getaddrinfo(addr, port, &hints, &ai)) != 0)
		die(2, "%s port %s: %s", addr, port, gai_strerror(e));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die(1, "connect %s port %s: %s", addr, port, strerror(errno));
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Urgent data stays in the stream: the engine sees IAC DM whole. */
	setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Write what is queued; the byte before urg_at goes with MSG_OOB.
 * -1 (with errno) when the connection is gone. */
static int
flush_out(struct client *c)
{
	while (c->outoff < c->outlen) {
		size_t end = c->outlen;
		int flags = MSG_NOSIGNAL;
		ssize_t n;

		if (c->urg_at > c->outoff) {
			end = c->urg_at;
			if (end - c->outoff == 1)
				flags |= MSG_OOB;
			else
				end--;
		}
		n = send(c->fd, c->outq + c->outoff, end - c->outoff, flags);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->outoff += (size_t)n;
		c->tx_bytes += (unsigned long long)n;
		if (c->urg_at > 0 && c->outoff >= c->urg_at)
			c->urg_at = 0;
	}
	c->outoff = c->outlen = 0;
	return 0;
}

static const struct option longopts[] = {
	{ "term", 1, NULL, 'T' }, { "naws", 1, NULL, 'N' },
	{ "speed", 1, NULL, 'S' }, { "display", 1, NULL, 'D' },
	{ "env", 1, NULL, 'E' }, { "uservar", 1, NULL, 'U' },
	{ "binary", 0, NULL, 'B' }, { "refuse-all", 0, NULL, 'R' },
	{ "raw", 0, NULL, 'r' }, { "tm", 0, NULL, 'M' },
	{ "send", 1, NULL, 's' }, { "send-file", 1, NULL, 'f' },
	{ "cmd", 1, NULL, 'c' }, { "expect", 1, NULL, 'e' },
	{ "timeout", 1, NULL, 't' }, { "settle", 1, NULL, 'W' },
	{ "out", 1, NULL, 'o' }, { "trace", 0, NULL, 'v' },
	{ "quit-after-expect", 0, NULL, 'q' }, { "wait-close", 0, NULL, 'w' },
	{ "report", 0, NULL, 'P' }, { "help", 0, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
parse_args(struct client *c, int argc, char **argv, const char **addr,
    const char **port, double *timeout)
{
	char *termlist = NULL, *tok, *eq, name[80];
	const char *outfile = NULL;
	struct step *st;
	int o, code;

	c->naws_w = c->naws_h = -1;
	c->tx = c->rx = 38400;
	c->settle = 0.2;
	c->filefd = -1;
	c->last_expect = (size_t)-1;
	while ((o = getopt_long(argc, argv, "p:a:h", longopts, NULL)) != -1) {
		switch (o) {
		case 'p': *port = optarg; break;
		case 'a': *addr = optarg; break;
		case 'T': termlist = optarg; break;
		case 'N':
			if (sscanf(optarg, "%dx%d", &c->naws_w, &c->naws_h) != 2 ||
			    c->naws_w < 0 || c->naws_w > 65535 || c->naws_h < 0 ||
			    c->naws_h > 65535)
				die(2, "bad --naws %s", optarg);
			break;
		case 'S':
			if (sscanf(optarg, "%lu,%lu", &c->tx, &c->rx) != 2)
				die(2, "bad --speed %s", optarg);
			break;
		case 'D': c->display = optarg; break;
		case 'E':
		case 'U':
			if ((eq = strchr(optarg, '=')) == NULL ||
			    c->nenv == MAX_ENV)
				die(2, "bad --env %s", optarg);
			*eq = '\0';
			c->env[c->nenv].name = optarg;
			c->env[c->nenv].value = eq + 1;
			/* RFC 1572's well-known names go as VAR. */
			snprintf(name, sizeof(name), " %s ", optarg);
			c->env[c->nenv++].type = o == 'E' && strstr(" USER JOB "
			    "ACCT PRINTER SYSTEMTYPE DISPLAY ", name) ?
			    TELENV_VAR : TELENV_USERVAR;
			break;
		case 'B': c->binary = 1; break;
		case 'R': c->refuse = 1; break;
		case 'r': c->raw = 1; break;
		case 'M': c->tm = 1; break;
		case 's': case 'f': case 'c': case 'e':
			if (c->nsteps == MAX_STEPS)
				die(2, "too many steps");
			st = &c->steps[c->nsteps];
			st->kind = o == 's' ? ST_SEND : o == 'f' ? ST_FILE :
			    o == 'c' ? ST_CMD : ST_EXPECT;
			st->s = o == 'f' ? strdup(optarg) :
			    unescape(optarg, &st->len);
			if (o == 'c') {
				if ((code = cmd_code(optarg)) < 0)
					die(2, "unknown --cmd %s", optarg);
				st->cmd = (unsigned char)code;
			}
			if (st->kind == ST_EXPECT) {
				if (st->len == 0)
					die(2, "empty --expect");
				c->last_expect = c->nsteps;
				if (st->len > c->keep)
					c->keep = st->len;
			}
			c->nsteps++;
			break;
		case 't': *timeout = atof(optarg); break;
		case 'W': c->settle = atof(optarg) / 1000; break;
		case 'o': outfile = optarg; break;
		case 'v': c->trace = 1; break;
		case 'q': c->quit_after = 1; break;
		case 'w': c->wait_close = 1; break;
		case 'P': c->report = 1; break;
		default: usage();
		}
	}
	if (*port == NULL || optind != argc)
		usage();
	if (c->nsteps == 0)
		c->wait_close = 1;
	if ((c->termbuf = strdup(termlist ? termlist : "xterm")) == NULL)
		die(1, "out of memory");
	for (tok = strtok(c->termbuf, ","); tok && c->nterms < MAX_TERMS;
	    tok = strtok(NULL, ","))
		c->terms[c->nterms++] = tok;
	if (c->nterms == 0)
		die(2, "empty --term");
	if (outfile != NULL && (c->out = fopen(outfile, "w")) == NULL)
		die(1, "%s: %s", outfile, strerror(errno));
}

/* What a BSD-style client agrees to (nothing with --refuse-all); entries
 * with a flag only when that option was given. */
static struct telnet *
engine(struct client *c)
{
	static const struct { int opt, local, remote; char need; } agree[] = {
		{ TELOPT_TTYPE, 1, 0, 0 }, { TELOPT_NEW_ENVIRON, 1, 0, 0 },
		{ TELOPT_LFLOW, 1, 0, 0 }, { TELOPT_TSPEED, 1, 0, 0 },
		{ TELOPT_SGA, 1, 1, 0 }, { TELOPT_ECHO, 0, 1, 0 },
		{ TELOPT_STATUS, 0, 1, 0 }, { TELOPT_NAWS, 1, 0, 'N' },
		{ TELOPT_XDISPLOC, 1, 0, 'D' }, { TELOPT_BINARY, 1, 1, 'B' },
		{ TELOPT_TM, 1, 0, 'M' },
	};
	static struct telnet_policy pol[16];
	struct telnet_config cfg;
	size_t i, n = 0;

	for (i = 0; i < sizeof(agree) / sizeof(agree[0]) && !c->refuse; i++) {
		if ((agree[i].need == 'N' && c->naws_w < 0) ||
		    (agree[i].need == 'D' && c->display == NULL) ||
		    (agree[i].need == 'B' && !c->binary) ||
		    (agree[i].need == 'M' && !c->tm))
			continue;
		pol[n].opt = agree[i].opt;
		pol[n].local = (unsigned char)agree[i].local;
		pol[n++].remote = (unsigned char)agree[i].remote;
	}
	pol[n].opt = -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol;
	cfg.is_client = 1;
	return telnet_new(&cfg, on_event, c);
}

/* Run the script as far as it can go: 1 when --quit-after-expect says the
 * work is done. */
static int
run_steps(struct client *c, int settled)
{
	unsigned char buf[65536], *m;
	struct step *st;
	ssize_t n = 0;

	for (; c->si < c->nsteps; c->si++) {
		st = &c->steps[c->si];
		if (st->kind == ST_EXPECT) {
			m = c->mlen == 0 ? NULL :
			    memmem(c->mbuf, c->mlen, st->s, st->len);
			if (m == NULL) {
				/* Keep only what a later match needs. */
				if (c->mlen >= st->len) {
					memmove(c->mbuf, c->mbuf + c->mlen -
					    st->len + 1, st->len - 1);
					c->mlen = st->len - 1;
				}
				return 0;
			}
			trace(c, "expect \"%s\" matched",
			    vis((unsigned char *)st->s, st->len));
			c->t_expect = now();
			c->mlen -= (size_t)(m - c->mbuf) + st->len;
			memmove(c->mbuf, m + st->len, c->mlen);
			if (c->quit_after && c->si == c->last_expect)
				return 1;
			continue;
		}
		if (!settled)
			return 0;
		if (st->kind == ST_SEND) {
			trace(c, "send DATA \"%s\"",
			    vis((unsigned char *)st->s, st->len));
			telnet_send(c->t, (unsigned char *)st->s, st->len);
		} else if (st->kind == ST_CMD) {
			trace(c, "send %s", st->s);
			if (st->cmd == 0)
				telnet_send_do_tm(c->t);
			else
				telnet_send_command(c->t, st->cmd);
		} else {
			/* --send-file: a chunk at a time, while the queue is
			 * short, so any size goes through bounded memory. */
			if (c->filefd < 0 && (c->filefd = open(st->s,
			    O_RDONLY | O_CLOEXEC)) < 0)
				die(1, "%s: %s", st->s, strerror(errno));
			while (c->outlen - c->outoff < OUTQ_LOW &&
			    (n = read(c->filefd, buf, sizeof(buf))) > 0)
				telnet_send(c->t, buf, (size_t)n);
			if (c->outlen - c->outoff >= OUTQ_LOW)
				return 0;
			if (n < 0)
				die(1, "%s: %s", st->s, strerror(errno));
			trace(c, "sent file %s", st->s);
			close(c->filefd);
			c->filefd = -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct client cl;
	struct client *c = &cl;
	unsigned char buf[65536];
	const char *addr = "127.0.0.1", *port = NULL, *what;
	double timeout = 10, deadline, tnow, wait;
	struct pollfd pfd;
	ssize_t n;
	int pr, settled, rc = 0;

	t0 = now();
	parse_args(c, argc, argv, &addr, &port, &timeout);
	if ((c->t = engine(c)) == NULL)
		die(1, "telnet_new failed");
	signal(SIGPIPE, SIG_IGN);
	c->fd = connect_to(addr, port);
	c->t_connect = c->last_neg = now();
	deadline = t0 + timeout;
	if (c->binary && !c->raw) {
		trace(c, "send WILL BINARY, DO BINARY");
		telnet_request_local(c->t, TELOPT_BINARY, 1);
		telnet_request_remote(c->t, TELOPT_BINARY, 1);
	}

	for (;;) {
		tnow = now();
		settled = c->got_data || tnow - c->last_neg >= c->settle;
		if (run_steps(c, settled))
			break;
		if (c->si == c->nsteps && c->outlen == 0 &&
		    (!c->wait_close || c->eof))
			break;
		what = c->si == c->nsteps ? "waiting for the close" :
		    c->steps[c->si].kind == ST_FILE ? c->steps[c->si].s :
		    vis((unsigned char *)c->steps[c->si].s,
		    c->steps[c->si].len);
		if (c->eof) {
			fprintf(stderr, "tclient: server closed at step %zu "
			    "(%s)%s\n", c->si + 1, what, c->outlen > 0 ?
			    " with data unsent" : "");
			rc = 1;
			break;
		}
		if (tnow >= deadline) {
			fprintf(stderr, "tclient: timeout after %.1f s at step "
			    "%zu (%s)\n", timeout, c->si + 1, what);
			rc = 3;
			break;
		}
		wait = deadline - tnow;
		if (!settled && c->last_neg + c->settle - tnow < wait)
			wait = c->last_neg + c->settle - tnow;
		pfd.fd = c->fd;
		pfd.events = POLLIN | (c->outlen > 0 ? POLLOUT : 0);
		pr = poll(&pfd, 1, (int)(wait * 1000) + 1);
		if (pr < 0 && errno != EINTR)
			die(1, "poll: %s", strerror(errno));
		if (pr > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
			n = recv(c->fd, buf, sizeof(buf), 0);
			if (n < 0 && errno != EAGAIN && errno != EINTR &&
			    errno != ECONNRESET)
				die(1, "recv: %s", strerror(errno));
			if (n == 0 || (n < 0 && errno == ECONNRESET)) {
				trace(c, "recv EOF");
				c->eof = 1;
			} else if (n > 0) {
				c->rx_bytes += (unsigned long long)n;
				c->in_feed = 1;
				telnet_feed(c->t, buf, (size_t)n);
				c->in_feed = 0;
			}
		}
		if (c->outlen > 0 && flush_out(c) < 0 && !c->eof)
			die(1, "send: %s", strerror(errno));
	}
	(void)flush_out(c);
	if (c->out != NULL && fclose(c->out) != 0)
		die(1, "writing --out: %s", strerror(errno));
	if (c->report)
		printf("REPORT rc=%d connect_ms=%.3f first_data_ms=%.3f "
		    "expect_ms=%.3f total_ms=%.3f rx_bytes=%llu tx_bytes=%llu\n",
		    rc, (c->t_connect - t0) * 1000,
		    c->got_data ? (c->t_first - t0) * 1000 : -1.0,
		    c->t_expect > 0 ? (c->t_expect - t0) * 1000 : -1.0,
		    (now() - t0) * 1000, c->rx_bytes, c->tx_bytes);
	close(c->fd);
	telnet_free(c->t);
	free(c->outq);
	free(c->mbuf);
	for (n = 0; (size_t)n < c->nsteps; n++)
		free(c->steps[n].s);
	free(c->termbuf);
	return rc;
}
