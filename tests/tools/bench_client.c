/*
 * bench_client.c - the benchmark's measuring client.
 *
 *	bench_client [-bT] [-d FILE] [-t SECS] HOST PORT MODE [ARG...]
 *
 *	out N binary|text	receive N pattern bytes; MiB/s from the marker
 *				to the last byte
 *	in N			send N pattern bytes in BINARY; MiB/s from the
 *				marker to the program's <<IN-OK>>
 *	tail N			the program writes N bytes and exits: how many
 *				arrive before the connection closes
 *	lat SAMPLES		one byte out, wait for its echo; percentiles
 *	start answer|silent	connect to the program's first output byte,
 *				answering negotiation or sending nothing at all
 *	rate PARALLEL SECS	sessions per second (connect, answer, the
 *				program's marker, hang up) from PARALLEL
 *				client processes, each one session at a time
 *	idle K			open K sessions, print READY once every
 *				program has spoken, close them all at EOF on
 *				standard input
 *	fair K SECS		K bulk output sessions at once (binary), one
 *				client process each, started together: each
 *				session's MiB/s over the last three quarters of
 *				SECS (the first quarter warms up); the slowest,
 *				the fastest and their ratio
 *	scale K			open K sessions at once (one poll loop over
 *				all of them) with bench_sess echo as the
 *				program: "READY K open_ms=T" once every one
 *				has spoken; then, at a line on standard input,
 *				one byte to each, every one must come back
 *				(the result line); EOF closes them all
 *
 * -d FILE: write every byte received, raw, to FILE (for debugging).
 * -T: TLS from the first byte (OpenSSL, the certificate not checked: this
 * measures, it does not authenticate), then the same TELNET inside; the
 * handshake is part of a session in the rate mode, not of the bulk
 * modes' time (from the marker on).
 * -b: the server is the bare relay, no TELNET at all.  Otherwise the
 * client speaks just enough TELNET, by hand: it asks for BINARY both ways
 * when the mode is binary, accepts SGA, refuses every other option, skips
 * subnegotiations, undoes IAC IAC, and outside BINARY turns CR LF and
 * CR NUL back into LF and CR.  Every data byte is compared with the
 * pattern bench_sess writes or expects (the same generator, a prime
 * period), and the byte count must be exact.
 *
 * One result line on standard output: "ok=1 key=value ...", or ok=0 with
 * err=WHY.  Exit status 0 when ok.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define PAT_LEN		1048573u	/* prime: 2^20 - 3 (as bench_sess.c) */
#define RBUF		262144u
#define CHUNK		65536u
#define MARKER		"<<BENCH-START>>"
/* What bench_sess writes in the fair-share row (bench.py): more than any
 * session moves in its window, so that none ends before the others. */
#define FAIR_TOTAL	(1ULL << 40)

#define IAC	255
#define DONT	254
#define DO	253
#define WONT	252
#define WILL	251
#define SB	250
#define SE	240
#define OPT_BINARY	0
#define OPT_ECHO	1
#define OPT_SGA		3

enum { ST_DATA, ST_IAC, ST_OPT, ST_SB, ST_SB_IAC };
enum { Q_NO, Q_YES, Q_WANTYES };
enum { PH_MARKER, PH_DATA, PH_RESULT, PH_ECHO, PH_IGNORE };

struct matcher {
	const char *s;
	size_t len, k;
	size_t fail[32];
};

struct conn {
	int fd;
	SSL *ssl;		/* -T */
	int bare;		/* no TELNET: the bare relay */
	int text;		/* the program's tty has ONLCR: CR LF is LF */
	int answer;		/* answer negotiation */
	int binary;		/* ask for and accept BINARY */

	/* receive parser */
	int st, cr;
	unsigned char verb;
	unsigned char us[256], him[256];
	size_t next_iac;
	int next_iac_valid;

	/* what the data bytes are checked against */
	int phase, after_marker;
	struct matcher m;
	int marker_seen;
	double t_first, t_marker, t_done;
	unsigned long long pos, total, extra;
	int bad;
	unsigned long long bad_at;
	int result;		/* in: 1 OK, -1 BAD */
	int echo_wait, echo_got;
	unsigned char echo_byte;

	/* send side: replies and data, whole escaped chunks */
	unsigned char *oq;
	size_t oq_off, oq_len, oq_cap;
	unsigned long long src_pos, src_total;
	int src_on;

	int eof;
};

static unsigned char pat[2 * PAT_LEN];
static unsigned char rbuf[RBUF];
static double timeout_s = 30;
static int dump_fd = -1;	/* -d FILE: every byte received, raw */
static SSL_CTX *tls_ctx;	/* -T */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The same generator as bench_sess.c: xorshift32 from a fixed seed. */
static void
pat_fill(int text)
{
	uint32_t x = 0x9e3779b9u;
	size_t i;

	for (i = 0; i < PAT_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (!text)
			pat[i] = (unsigned char)(x >> 24);
		else if (x % 71 == 0)
			pat[i] = '\n';
		else
			pat[i] = (unsigned char)(0x20 + (x >> 8) % 95);
	}
	memcpy(pat + PAT_LEN, pat, PAT_LEN);
}

static void
fail(const char *why)
{
	printf("ok=0 err=%s\n", why);
	exit(1);
}

static void
matcher_init(struct matcher *m, const char *s)
{
	size_t i, k = 0;

	m->s = s;
	m->len = strlen(s);
	m->k = 0;
	m->fail[0] = 0;
	for (i = 1; i < m->len; i++) {
		while (k > 0 && s[i] != s[k])
			k = m->fail[k - 1];
		if (s[i] == s[k])
			k++;
		m->fail[i] = k;
	}
}

/* Knuth-Morris-Pratt, one byte at a time: 1 when the string completes. */
static int
matcher_step(struct matcher *m, unsigned char b)
{
	while (m->k > 0 && (unsigned char)m->s[m->k] != b)
		m->k = m->fail[m->k - 1];
	if ((unsigned char)m->s[m->k] == b)
		m->k++;
	if (m->k == m->len) {
		m->k = 0;
		return 1;
	}
	return 0;
}

static void
oq_put(struct conn *c, const void *p, size_t n)
{
	if (c->oq_off + c->oq_len + n > c->oq_cap) {
		if (c->oq_off > 0) {
			memmove(c->oq, c->oq + c->oq_off, c->oq_len);
			c->oq_off = 0;
		}
		if (c->oq_len + n > c->oq_cap) {
			size_t cap = c->oq_cap ? c->oq_cap : 4096;

			while (cap < c->oq_len + n)
				cap *= 2;
			c->oq = realloc(c->oq, cap);
			if (c->oq == NULL)
				fail("nomem");
			c->oq_cap = cap;
		}
	}
	memcpy(c->oq + c->oq_off + c->oq_len, p, n);
	c->oq_len += n;
}

static void
reply(struct conn *c, unsigned char verb, unsigned char opt)
{
	unsigned char b[3] = { IAC, verb, opt };

	oq_put(c, b, 3);
}

static int
accept_us(const struct conn *c, unsigned char opt)
{
	return c->binary && opt == OPT_BINARY;
}

static int
accept_him(const struct conn *c, unsigned char opt)
{
	return (c->binary && opt == OPT_BINARY) || opt == OPT_SGA;
}

/* RFC 1143, cut down to what a client that asks once needs. */
static void
opt_recv(struct conn *c, unsigned char verb, unsigned char opt)
{
	if (!c->answer)
		return;
	switch (verb) {
	case DO:
		if (c->us[opt] == Q_WANTYES)
			c->us[opt] = Q_YES;
		else if (c->us[opt] == Q_NO) {
			if (accept_us(c, opt)) {
				c->us[opt] = Q_YES;
				reply(c, WILL, opt);
			} else
				reply(c, WONT, opt);
		}
		break;
	case DONT:
		if (c->us[opt] == Q_YES)
			reply(c, WONT, opt);
		c->us[opt] = Q_NO;
		break;
	case WILL:
		if (c->him[opt] == Q_WANTYES)
			c->him[opt] = Q_YES;
		else if (c->him[opt] == Q_NO) {
			if (accept_him(c, opt)) {
				c->him[opt] = Q_YES;
				reply(c, DO, opt);
			} else
				reply(c, DONT, opt);
		}
		break;
	case WONT:
		if (c->him[opt] == Q_YES)
			reply(c, DONT, opt);
		c->him[opt] = Q_NO;
		break;
	}
}

static void
verify(struct conn *c, const unsigned char *p, size_t n)
{
	size_t k = n, i;

	if (c->pos + n > c->total) {
		c->extra += c->pos + n - c->total;
		k = (size_t)(c->total - c->pos);
	}
	if (!c->bad && k > 0 && memcmp(p, pat + c->pos % PAT_LEN, k) != 0) {
		for (i = 0; i < k && p[i] == pat[(c->pos + i) % PAT_LEN]; i++)
			;
		c->bad = 1;
		c->bad_at = c->pos + i;
	}
	c->pos += k;
	if (c->pos == c->total && c->t_done == 0)
		c->t_done = now();
}

/* Decoded data bytes arrive here, in spans. */
static void
sink(struct conn *c, const unsigned char *p, size_t n)
{
	size_t i;

	switch (c->phase) {
	case PH_MARKER:
		for (i = 0; i < n; i++) {
			if (matcher_step(&c->m, p[i])) {
				c->marker_seen = 1;
				c->t_marker = now();
				c->phase = c->after_marker;
				if (c->phase == PH_RESULT)
					matcher_init(&c->m, "<<IN-");
				sink(c, p + i + 1, n - i - 1);
				return;
			}
		}
		break;
	case PH_DATA:
		verify(c, p, n);
		break;
	case PH_RESULT:
		for (i = 0; i < n; i++) {
			if (c->result == 2) {
				c->result = p[i] == 'O' ? 1 : -1;
				c->t_done = now();
			} else if (c->result == 0) {
				if (matcher_step(&c->m, p[i]))
					c->result = 2;
				else if (c->m.k == 0)
					c->extra++;	/* e.g. an echo */
			}
		}
		break;
	case PH_ECHO:
		for (i = 0; i < n; i++) {
			if (c->echo_wait && p[i] == c->echo_byte) {
				c->echo_wait = 0;
				c->echo_got = 1;
			} else
				c->extra++;
		}
		break;
	default:
		break;
	}
}

/* The first index >= i that needs the parser: IAC, or CR outside BINARY. */
static size_t
scan(struct conn *c, const unsigned char *p, size_t i, size_t n)
{
	const unsigned char *q;
	int crs = c->bare ? c->text : c->him[OPT_BINARY] != Q_YES;

	if (c->bare && !crs)
		return n;
	if (c->bare) {
		q = memchr(p + i, '\r', n - i);
		return q ? (size_t)(q - p) : n;
	}
	if (!c->next_iac_valid || c->next_iac < i) {
		q = memchr(p + i, IAC, n - i);
		c->next_iac = q ? (size_t)(q - p) : n;
		c->next_iac_valid = 1;
	}
	if (!crs)
		return c->next_iac;
	q = memchr(p + i, '\r', c->next_iac - i);
	return q ? (size_t)(q - p) : c->next_iac;
}

static void
feed(struct conn *c, const unsigned char *p, size_t n)
{
	static const unsigned char lf = '\n', crlf[2] = { '\r', '\n' },
	    iac = IAC;
	const unsigned char *q;
	size_t i = 0, j;
	unsigned char b;

	c->next_iac_valid = 0;
	while (i < n) {
		switch (c->st) {
		case ST_DATA:
			if (c->cr) {
				/* CR LF is LF when the program's tty has
				 * ONLCR (text), else the two bytes; CR NUL
				 * is a CR (NVT only).  In text, CR NUL LF
				 * is an end of line too: a terminal shows
				 * it as one, and inetutils sends it when
				 * its read ends between the CR and LF. */
				if (p[i] == '\n') {
					c->cr = 0;
					sink(c, c->text ? &lf : crlf,
					    c->text ? 1 : 2);
					i++;
					break;
				}
				if (p[i] == '\0' && !c->bare) {
					i++;
					if (c->text)
						break;
				}
				c->cr = 0;
				sink(c, crlf, 1);
				break;
			}
			j = scan(c, p, i, n);
			if (j > i)
				sink(c, p + i, j - i);
			if (j >= n)
				return;
			if (p[j] == IAC && !c->bare)
				c->st = ST_IAC;
			else
				c->cr = 1;
			i = j + 1;
			break;
		case ST_IAC:
			b = p[i++];
			if (b == IAC) {
				sink(c, &iac, 1);
				c->st = ST_DATA;
			} else if (b >= WILL && b <= DONT) {
				c->verb = b;
				c->st = ST_OPT;
			} else if (b == SB)
				c->st = ST_SB;
			else
				c->st = ST_DATA;
			break;
		case ST_OPT:
			opt_recv(c, c->verb, p[i++]);
			c->st = ST_DATA;
			break;
		case ST_SB:
			q = memchr(p + i, IAC, n - i);
			if (q == NULL)
				return;
			i = (size_t)(q - p) + 1;
			c->st = ST_SB_IAC;
			break;
		default:
			b = p[i++];
			c->st = b == SE ? ST_DATA : ST_SB;
			break;
		}
	}
}

/* Append the next chunk of the input pattern, IAC doubled. */
static void
refill(struct conn *c)
{
	const unsigned char *p, *q;
	size_t n;

	n = c->src_total - c->src_pos < CHUNK ?
	    (size_t)(c->src_total - c->src_pos) : CHUNK;
	p = pat + c->src_pos % PAT_LEN;
	c->src_pos += n;
	if (c->bare) {
		oq_put(c, p, n);
		return;
	}
	while (n > 0 && (q = memchr(p, IAC, n)) != NULL) {
		oq_put(c, p, (size_t)(q - p) + 1);
		oq_put(c, q, 1);
		n -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	oq_put(c, p, n);
}

static void
flush(struct conn *c)
{
	ssize_t n;

	while (c->oq_len > 0) {
		if (c->ssl != NULL) {
			size_t w = 0;

			/* The same bytes are offered again after WANT_*. */
			if (SSL_write_ex(c->ssl, c->oq + c->oq_off, c->oq_len,
			    &w) != 1) {
				int e = SSL_get_error(c->ssl, 0);

				if (e != SSL_ERROR_WANT_WRITE &&
				    e != SSL_ERROR_WANT_READ)
					c->eof = 1;
				ERR_clear_error();
				return;
			}
			n = (ssize_t)w;
		} else
			n = write(c->fd, c->oq + c->oq_off, c->oq_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				c->eof = 1;
			return;
		}
		c->oq_off += (size_t)n;
		c->oq_len -= (size_t)n;
	}
	c->oq_off = 0;
}

/* Connect; -1 (errno set) when the connection cannot be made. */
static int
conn_try(struct conn *c, const char *host, int port)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	int one = 1;

	memset(c->us, 0, sizeof(c->us));
	memset(c->him, 0, sizeof(c->him));
	c->st = ST_DATA;
	c->cr = 0;
	c->eof = 0;
	c->oq_off = c->oq_len = 0;
	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, host, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		s4.sin_port = htons((unsigned short)port);
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&s4,
		    sizeof(s4)) < 0)
			goto bad;
	} else if (inet_pton(AF_INET6, host, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons((unsigned short)port);
		c->fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&s6,
		    sizeof(s6)) < 0)
			goto bad;
	} else
		fail("badhost");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (tls_ctx != NULL) {
		/* The handshake, blocking, before anything of TELNET. */
		if ((c->ssl = SSL_new(tls_ctx)) == NULL ||
		    SSL_set_fd(c->ssl, c->fd) != 1 ||
		    SSL_set_tlsext_host_name(c->ssl, "localhost") != 1 ||
		    SSL_connect(c->ssl) != 1) {
			ERR_clear_error();
			SSL_free(c->ssl);
			c->ssl = NULL;
			errno = EPROTO;
			goto bad;
		}
	}
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	if (!c->bare && c->answer && c->binary) {
		reply(c, WILL, OPT_BINARY);
		reply(c, DO, OPT_BINARY);
		c->us[OPT_BINARY] = c->him[OPT_BINARY] = Q_WANTYES;
		flush(c);
	}
	return 0;
bad:
	if (c->fd >= 0) {
		int e = errno;

		close(c->fd);
		errno = e;
	}
	c->fd = -1;
	return -1;
}

static void
conn_open(struct conn *c, const char *host, int port)
{
	if (conn_try(c, host, port) == -1) {
		printf("ok=0 err=connect:%s\n", strerror(errno));
		exit(1);
	}
}

static void
conn_close(struct conn *c)
{
	SSL_free(c->ssl);
	c->ssl = NULL;
	close(c->fd);
	c->fd = -1;
}

/* Read what is there and feed it; 0 when nothing was read. */
static int
do_read(struct conn *c)
{
	ssize_t n;

	if (c->ssl != NULL) {
		size_t got = 0;

		/* A whole record at most: nothing decrypted is left over
		 * for poll() not to see (rbuf is larger than a record). */
		if (SSL_read_ex(c->ssl, rbuf, RBUF, &got) == 1)
			n = (ssize_t)got;
		else {
			int e = SSL_get_error(c->ssl, 0);

			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE)
				return 0;
			c->eof = 1;
			return 0;
		}
	} else
		n = read(c->fd, rbuf, RBUF);

	if (n > 0) {
		if (c->t_first == 0)
			c->t_first = now();
		if (dump_fd >= 0 && write(dump_fd, rbuf, (size_t)n) != n)
			fail("dump");
		feed(c, rbuf, (size_t)n);
		if (c->oq_len > 0)
			flush(c);
		return 1;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		c->eof = 1;
	return 0;
}

enum { UNTIL_MARKER, UNTIL_BINARY, UNTIL_DONE, UNTIL_RESULT, UNTIL_ECHO,
	UNTIL_EOF };

static int
reached(const struct conn *c, int until)
{
	switch (until) {
	case UNTIL_MARKER:
		return c->marker_seen;
	case UNTIL_BINARY:
		return c->us[OPT_BINARY] != Q_WANTYES &&
		    c->him[OPT_BINARY] != Q_WANTYES;
	case UNTIL_DONE:
		return c->marker_seen && c->pos >= c->total;
	case UNTIL_RESULT:
		return c->result == 1 || c->result == -1;
	case UNTIL_ECHO:
		return c->echo_got;
	default:
		return c->eof;
	}
}

/* The event loop: 0 when reached, -1 at EOF first, -2 on timeout. */
static int
run(struct conn *c, int until, double deadline)
{
	struct pollfd p;
	int ms;

	while (!reached(c, until)) {
		if (c->eof)
			return -1;
		p.fd = c->fd;
		p.events = POLLIN;
		if (c->oq_len > 0 || (c->src_on && c->src_pos < c->src_total))
			p.events |= POLLOUT;
		ms = (int)((deadline - now()) * 1000) + 1;
		if (ms <= 0)
			return -2;
		if (poll(&p, 1, ms) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll");
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR))
			do_read(c);
		if (p.revents & POLLOUT) {
			if (c->oq_len == 0 && c->src_on &&
			    c->src_pos < c->src_total)
				refill(c);
			flush(c);
		}
	}
	return 0;
}

/*
 * Once the program runs: BINARY both ways, asked again if the server
 * dropped it while starting (inetutils telnetd sends WONT BINARY when it
 * looks at the new pty's OPOST), then the go byte for the program.
 */
static void
go_binary(struct conn *c)
{
	if (c->binary && !c->bare) {
		if (c->us[OPT_BINARY] == Q_NO) {
			reply(c, WILL, OPT_BINARY);
			c->us[OPT_BINARY] = Q_WANTYES;
		}
		if (c->him[OPT_BINARY] == Q_NO) {
			reply(c, DO, OPT_BINARY);
			c->him[OPT_BINARY] = Q_WANTYES;
		}
		flush(c);
		if (run(c, UNTIL_BINARY, now() + timeout_s) != 0)
			fail("binary-timeout");
		if (c->us[OPT_BINARY] != Q_YES || c->him[OPT_BINARY] != Q_YES)
			fail("binary-refused");
	}
}

static void
go(struct conn *c)
{
	go_binary(c);
	c->t_marker = now();
	oq_put(c, "g", 1);
	flush(c);
}

static void
conn_init(struct conn *c, int bare, int text, int answer, int binary,
    int after_marker)
{
	memset(c, 0, sizeof(*c));
	c->bare = bare;
	c->text = text;
	c->answer = answer;
	c->binary = binary;
	c->phase = PH_MARKER;
	c->after_marker = after_marker;
	matcher_init(&c->m, MARKER);
}

static unsigned long long
parse_num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0')
		fail("badnumber");
	return v;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_client [-bT] [-d FILE] [-t SECS] HOST PORT "
	    "out N binary|text | in N | tail N | lat SAMPLES | "
	    "start answer|silent | rate PARALLEL SECS | idle K | fair K SECS | "
	    "scale K\n");
	exit(2);
}

static int
mode_out(const char *host, int port, int bare, unsigned long long n,
    int text)
{
	struct conn c;
	double t0 = now();
	int r;

	pat_fill(text);
	conn_init(&c, bare, text, 1, !text, PH_DATA);
	c.total = n;
	conn_open(&c, host, port);
	r = run(&c, UNTIL_MARKER, t0 + timeout_s);
	if (r == 0) {
		go(&c);
		r = run(&c, UNTIL_DONE, now() + timeout_s);
	}
	if (r == 0) {
		oq_put(&c, "q", 1);
		flush(&c);
		/* Anything after the last byte is counted as extra. */
		r = run(&c, UNTIL_EOF, now() + 10);
	}
	conn_close(&c);
	if (!c.marker_seen)
		fail(r == -2 ? "timeout-marker" : "eof-marker");
	if (c.pos != n || c.t_done == 0) {
		printf("ok=0 err=short bytes=%llu want=%llu bad_at=%llu\n",
		    c.pos, n, c.bad ? c.bad_at : 0);
		return 1;
	}
	if (c.bad || c.extra) {
		printf("ok=0 err=corrupt bad_at=%llu extra=%llu\n",
		    c.bad ? c.bad_at : 0, c.extra);
		return 1;
	}
	printf("ok=1 bytes=%llu secs=%.6f mibps=%.2f\n", n,
	    c.t_done - c.t_marker,
	    (double)n / 1048576.0 / (c.t_done - c.t_marker));
	return 0;
}

static int
mode_in(const char *host, int port, int bare, unsigned long long n)
{
	struct conn c;
	int r;

	pat_fill(0);
	conn_init(&c, bare, 0, 1, 1, PH_RESULT);
	c.src_total = n;
	conn_open(&c, host, port);
	r = run(&c, UNTIL_MARKER, now() + timeout_s);
	if (r == 0) {
		go_binary(&c);
		c.t_marker = now();
		c.src_on = 1;
		r = run(&c, UNTIL_RESULT, now() + timeout_s);
	}
	conn_close(&c);
	if (!c.marker_seen)
		fail(r == -2 ? "timeout-marker" : "eof-marker");
	if (r != 0) {
		printf("ok=0 err=%s sent=%llu\n", r == -2 ? "timeout" : "eof",
		    c.src_pos);
		return 1;
	}
	if (c.result != 1) {
		printf("ok=0 err=corrupt\n");
		return 1;
	}
	printf("ok=1 bytes=%llu secs=%.6f mibps=%.2f echoed=%llu\n", n,
	    c.t_done - c.t_marker,
	    (double)n / 1048576.0 / (c.t_done - c.t_marker), c.extra);
	return 0;
}

static int
mode_tail(const char *host, int port, int bare, unsigned long long n)
{
	struct conn c;
	int r;

	pat_fill(0);
	conn_init(&c, bare, 0, 1, 1, PH_DATA);
	c.total = n;
	conn_open(&c, host, port);
	r = run(&c, UNTIL_MARKER, now() + timeout_s);
	if (r == 0) {
		go(&c);
		r = run(&c, UNTIL_EOF, now() + timeout_s);
	}
	conn_close(&c);
	if (!c.marker_seen)
		fail(r == -2 ? "timeout-marker" : "eof-marker");
	if (r == -2)
		fail("timeout");
	if (c.bad || c.extra) {
		printf("ok=0 err=corrupt bad_at=%llu extra=%llu\n",
		    c.bad ? c.bad_at : 0, c.extra);
		return 1;
	}
	printf("ok=1 want=%llu got=%llu lost=%llu\n", n, c.pos, n - c.pos);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static int
mode_lat(const char *host, int port, int bare, unsigned long long samples)
{
	struct conn c;
	double *v, t;
	size_t i, warm = 200, total;
	int r;

	if (samples == 0)
		fail("badnumber");
	total = (size_t)samples + warm;
	v = calloc(total, sizeof(*v));
	if (v == NULL)
		fail("nomem");
	conn_init(&c, bare, 0, 1, 1, PH_ECHO);
	conn_open(&c, host, port);
	if (run(&c, UNTIL_MARKER, now() + timeout_s) != 0)
		fail("marker");
	go_binary(&c);
	for (i = 0; i < total; i++) {
		c.echo_byte = (unsigned char)('a' + i % 26);
		c.echo_wait = 1;
		c.echo_got = 0;
		t = now();
		oq_put(&c, &c.echo_byte, 1);
		flush(&c);
		r = run(&c, UNTIL_ECHO, t + 5);
		if (r != 0)
			fail(r == -2 ? "timeout-echo" : "eof-echo");
		v[i] = (now() - t) * 1e6;
	}
	conn_close(&c);
	if (c.extra)
		fail("extra-bytes");
	qsort(v + warm, (size_t)samples, sizeof(*v), cmp_double);
	printf("ok=1 samples=%llu p50_us=%.1f p90_us=%.1f p99_us=%.1f "
	    "max_us=%.1f\n", samples, pct(v + warm, samples, 0.5),
	    pct(v + warm, samples, 0.9), pct(v + warm, samples, 0.99),
	    v[warm + samples - 1]);
	free(v);
	return 0;
}

static int
mode_start(const char *host, int port, int bare, int answer)
{
	struct conn c;
	double t0;
	int r;

	conn_init(&c, bare, 1, answer, 0, PH_IGNORE);
	t0 = now();
	conn_open(&c, host, port);
	r = run(&c, UNTIL_MARKER, t0 + timeout_s);
	conn_close(&c);
	if (r == -2) {
		printf("ok=0 err=timeout ms=%.3f\n", timeout_s * 1000);
		return 1;
	}
	if (r != 0)
		fail("eof");
	printf("ok=1 ms=%.3f first_ms=%.3f\n", (c.t_marker - t0) * 1000,
	    (c.t_first - t0) * 1000);
	return 0;
}

enum { SESS_OK, SESS_EOF, SESS_TIMEOUT, SESS_CONNECT, SESS_NRESULT };

/* One whole session: connect, answer, the program's marker, hang up. */
static int
one_session(const char *host, int port, int bare)
{
	struct conn c;
	double t0 = now();
	int r;

	conn_init(&c, bare, 1, 1, 0, PH_IGNORE);
	if (conn_try(&c, host, port) == -1)
		return SESS_CONNECT;
	r = run(&c, UNTIL_MARKER, t0 + 10);
	conn_close(&c);
	free(c.oq);
	if (r == 0 && c.marker_seen)
		return SESS_OK;
	return r == -2 ? SESS_TIMEOUT : SESS_EOF;
}

static int
mode_rate(const char *host, int port, int bare, unsigned long long par,
    double secs)
{
	unsigned long long i, n[SESS_NRESULT] = { 0 }, a[SESS_NRESULT];
	double t0, deadline;
	int pfd[2], status;
	pid_t pid;
	FILE *f;

	if (par == 0 || par > 256 || pipe(pfd) < 0)
		fail("badargs");
	fflush(stdout);
	t0 = now();
	deadline = t0 + secs;
	for (i = 0; i < par; i++) {
		pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			char line[128];
			int len;

			close(pfd[0]);
			memset(a, 0, sizeof(a));
			while (now() < deadline)
				a[one_session(host, port, bare)]++;
			len = snprintf(line, sizeof(line),
			    "%llu %llu %llu %llu\n", a[SESS_OK], a[SESS_EOF],
			    a[SESS_TIMEOUT], a[SESS_CONNECT]);
			if (write(pfd[1], line, (size_t)len) != len)
				_exit(1);
			_exit(0);
		}
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (f == NULL)
		fail("fdopen");
	while (fscanf(f, "%llu %llu %llu %llu", &a[0], &a[1], &a[2],
	    &a[3]) == 4)
		for (i = 0; i < SESS_NRESULT; i++)
			n[i] += a[i];
	fclose(f);
	while (wait(&status) > 0)
		;
	t0 = now() - t0;
	a[0] = n[SESS_EOF] + n[SESS_TIMEOUT] + n[SESS_CONNECT];
	printf("ok=%d sessions=%llu failed=%llu secs=%.3f per_sec=%.1f "
	    "eof=%llu timeout=%llu connect=%llu\n", a[0] == 0 && n[SESS_OK] > 0,
	    n[SESS_OK], a[0], t0, (double)n[SESS_OK] / t0, n[SESS_EOF],
	    n[SESS_TIMEOUT], n[SESS_CONNECT]);
	return a[0] == 0 && n[SESS_OK] > 0 ? 0 : 1;
}

/* Bytes one fair-share session receives in [start + warm, start + secs]:
 * the child's part of mode_fair(), reported on fd as "BYTES\n". */
static void
fair_child(const char *host, int port, int bare, int ready, int go_fd,
    int out, double warm, double secs)
{
	struct conn c;
	unsigned long long at_warm;
	double start;
	char line[64];
	int len;

	/* A session of its own, as a user's client on a machine of its own
	 * would be: where the scheduler groups by session (autogroup), K
	 * clients in the bench's one session shared one group's CPU, and
	 * the figure measured which client the scheduler picked within it. */
	if (setsid() == -1)
		fail("setsid");
	conn_init(&c, bare, 0, 1, 1, PH_DATA);
	c.total = FAIR_TOTAL;
	conn_open(&c, host, port);
	if (run(&c, UNTIL_MARKER, now() + timeout_s) != 0)
		fail("marker");
	go_binary(&c);
	if (write(ready, "r", 1) != 1 ||
	    read(go_fd, &start, sizeof(start)) != (ssize_t)sizeof(start))
		fail("barrier");
	go(&c);
	/* run() returns -2 at its deadline: the session never ends first. */
	if (run(&c, UNTIL_DONE, start + warm) == -1)
		fail("eof");
	at_warm = c.pos;
	if (run(&c, UNTIL_DONE, start + secs) == -1)
		fail("eof");
	if (c.bad)
		fail("corrupt");
	len = snprintf(line, sizeof(line), "%llu\n", c.pos - at_warm);
	if (write(out, line, (size_t)len) != len)
		_exit(1);
	conn_close(&c);
	_exit(0);
}

/*
 * K bulk sessions at once, each with a client process of its own (as K
 * users would be), started together once all are ready: how evenly the
 * server shares the machine among them.
 */
static int
mode_fair(const char *host, int port, int bare, unsigned long long k,
    double secs)
{
	int ready[2], go_fd[2], res[2], status;
	unsigned long long i, got = 0, b, bmin = ~0ULL, bmax = 0, sum = 0;
	double warm = secs / 4, start;
	char r;
	pid_t pid;
	FILE *f;

	if (k == 0 || k > 256 || secs <= 0 || pipe(ready) < 0 ||
	    pipe(go_fd) < 0 || pipe(res) < 0)
		fail("badargs");
	pat_fill(0);
	fflush(stdout);
	for (i = 0; i < k; i++) {
		if ((pid = fork()) < 0)
			fail("fork");
		if (pid == 0) {
			close(ready[0]);
			close(go_fd[1]);
			close(res[0]);
			fair_child(host, port, bare, ready[1], go_fd[0], res[1],
			    warm, secs);
		}
	}
	close(ready[1]);
	close(go_fd[0]);
	close(res[1]);
	while (got < k && read(ready[0], &r, 1) == 1)
		got++;
	if (got < k)
		fail("not-ready");
	start = now() + 0.05;
	for (i = 0; i < k; i++)
		if (write(go_fd[1], &start, sizeof(start)) !=
		    (ssize_t)sizeof(start))
			fail("barrier");
	if ((f = fdopen(res[0], "r")) == NULL)
		fail("fdopen");
	for (got = 0; got < k && fscanf(f, "%llu", &b) == 1; got++) {
		sum += b;
		bmin = b < bmin ? b : bmin;
		bmax = b > bmax ? b : bmax;
	}
	fclose(f);
	while (wait(&status) > 0)
		;
	if (got < k || bmax == 0) {
		printf("ok=0 err=sessions-failed done=%llu of=%llu\n", got, k);
		return 1;
	}
	printf("ok=1 sessions=%llu min_mibps=%.2f max_mibps=%.2f ratio=%.3f "
	    "total_mibps=%.1f\n", k, (double)bmin / 1048576.0 / (secs - warm),
	    (double)bmax / 1048576.0 / (secs - warm),
	    (double)bmin / (double)bmax,
	    (double)sum / 1048576.0 / (secs - warm));
	return 0;
}

static int
mode_idle(const char *host, int port, int bare, unsigned long long k)
{
	struct conn *c;
	unsigned long long i;
	double deadline = now() + timeout_s;
	char line[64];

	if (k == 0 || k > 1000)
		fail("badargs");
	c = calloc((size_t)k, sizeof(*c));
	if (c == NULL)
		fail("nomem");
	for (i = 0; i < k; i++) {
		conn_init(&c[i], bare, 1, 1, 0, PH_IGNORE);
		conn_open(&c[i], host, port);
	}
	for (i = 0; i < k; i++)
		if (run(&c[i], UNTIL_MARKER, deadline) != 0)
			fail("marker");
	printf("READY %llu\n", k);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL)
		;
	for (i = 0; i < k; i++)
		conn_close(&c[i]);
	printf("ok=1 sessions=%llu\n", k);
	return 0;
}

/* The event loop over many connections until each has reached `until';
 * 0 when all have, -1 when one ended first, -2 at the deadline. */
static int
run_many(struct conn *c, size_t k, int until, double deadline)
{
	struct pollfd *p = calloc(k, sizeof(*p));
	size_t *idx = calloc(k, sizeof(*idx)), i, n;
	int ms, r = 0;

	if (p == NULL || idx == NULL)
		fail("nomem");
	for (;;) {
		for (i = n = 0; i < k; i++) {
			if (reached(&c[i], until))
				continue;
			if (c[i].eof) {
				r = -1;
				goto out;
			}
			p[n].fd = c[i].fd;
			p[n].events = POLLIN | (c[i].oq_len > 0 ? POLLOUT : 0);
			idx[n++] = i;
		}
		if (n == 0)
			break;
		ms = (int)((deadline - now()) * 1000) + 1;
		if (ms <= 0) {
			r = -2;
			break;
		}
		if (poll(p, n, ms) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll");
		}
		for (i = 0; i < n; i++) {
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
				do_read(&c[idx[i]]);
			if (p[i].revents & POLLOUT)
				flush(&c[idx[i]]);
		}
	}
out:
	free(p);
	free(idx);
	return r;
}

static int
mode_scale(const char *host, int port, unsigned long long k)
{
	struct rlimit rl;
	struct conn *c;
	unsigned long long i;
	double t0, t_open, t_echo;
	char line[64];
	int r;

	if (k == 0 || k > 10000)
		fail("badargs");
	/* A descriptor per session, and a few. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < k + 64) {
		if (rl.rlim_max < k + 64)
			rl.rlim_max = k + 64;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			fail("rlimit-nofile");
	}
	c = calloc((size_t)k, sizeof(*c));
	if (c == NULL)
		fail("nomem");
	t0 = now();
	for (i = 0; i < k; i++) {
		conn_init(&c[i], 0, 1, 1, 0, PH_ECHO);
		conn_open(&c[i], host, port);
	}
	if ((r = run_many(c, (size_t)k, UNTIL_MARKER, t0 + timeout_s)) != 0)
		fail(r == -2 ? "timeout-marker" : "eof-marker");
	t_open = now() - t0;
	printf("READY %llu open_ms=%.1f\n", k, t_open * 1000);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		fail("no-go");
	t0 = now();
	for (i = 0; i < k; i++) {
		c[i].echo_byte = (unsigned char)('a' + i % 26);
		c[i].echo_wait = 1;
		c[i].echo_got = 0;
		oq_put(&c[i], &c[i].echo_byte, 1);
		flush(&c[i]);
	}
	if ((r = run_many(c, (size_t)k, UNTIL_ECHO, t0 + timeout_s)) != 0)
		fail(r == -2 ? "timeout-echo" : "eof-echo");
	t_echo = now() - t0;
	for (i = 0; i < k; i++)
		if (c[i].extra)
			fail("extra-bytes");
	printf("ok=1 sessions=%llu open_ms=%.1f echoed=%llu echo_ms=%.1f\n", k,
	    t_open * 1000, k, t_echo * 1000);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL)
		;
	for (i = 0; i < k; i++)
		conn_close(&c[i]);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *host, *mode;
	int ch, bare = 0, port;

	while ((ch = getopt(argc, argv, "+bd:t:T")) != -1) {
		switch (ch) {
		case 'b':
			bare = 1;
			break;
		case 'T':
			if ((tls_ctx = SSL_CTX_new(TLS_client_method())) == NULL)
				fail("tls");
			SSL_CTX_set_mode(tls_ctx,
			    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			    SSL_MODE_ENABLE_PARTIAL_WRITE);
			SSL_CTX_set_session_cache_mode(tls_ctx,
			    SSL_SESS_CACHE_OFF);
			break;
		case 'd':
			dump_fd = open(optarg, O_WRONLY | O_CREAT | O_TRUNC |
			    O_CLOEXEC, 0644);
			if (dump_fd < 0)
				fail("dump");
			break;
		case 't':
			timeout_s = atof(optarg);
			if (timeout_s <= 0)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3)
		usage();
	host = argv[0];
	port = (int)parse_num(argv[1]);
	mode = argv[2];
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(mode, "out") == 0 && argc == 5)
		return mode_out(host, port, bare, parse_num(argv[3]),
		    strcmp(argv[4], "text") == 0);
	if (strcmp(mode, "in") == 0 && argc == 4)
		return mode_in(host, port, bare, parse_num(argv[3]));
	if (strcmp(mode, "tail") == 0 && argc == 4)
		return mode_tail(host, port, bare, parse_num(argv[3]));
	if (strcmp(mode, "lat") == 0 && argc == 4)
		return mode_lat(host, port, bare, parse_num(argv[3]));
	if (strcmp(mode, "start") == 0 && argc == 4)
		return mode_start(host, port, bare,
		    strcmp(argv[3], "silent") != 0);
	if (strcmp(mode, "rate") == 0 && argc == 5)
		return mode_rate(host, port, bare, parse_num(argv[3]),
		    atof(argv[4]));
	if (strcmp(mode, "idle") == 0 && argc == 4)
		return mode_idle(host, port, bare, parse_num(argv[3]));
	if (strcmp(mode, "fair") == 0 && argc == 5)
		return mode_fair(host, port, bare, parse_num(argv[3]),
		    atof(argv[4]));
	if (strcmp(mode, "scale") == 0 && argc == 4 && !bare)
		return mode_scale(host, port, parse_num(argv[3]));
	usage();
	return 2;
}
