/*
 * bench_engine.c - throughput of the protocol engine, no I/O.
 *
 *   bench_engine [--list | MODE...]
 *
 * Feeds (telnet_feed) and sends (telnet_send) ENGINE_BENCH_BYTES bytes
 * (default 64 MiB) of two kinds of data, each in BINARY and in NVT mode:
 *   plain  bytes with no IAC and no CR (the fast path: one memchr per
 *          64 KiB call, one span per call)
 *   text   printable lines of 58 characters ending in CR LF
 * and prints one line per figure (the run repeated for at least 0.25 s,
 * unless ENGINE_BENCH_ONCE is set, as under callgrind):
 *   feed plain binary: 64.0 MiB x 9 in 0.261 s = 2206.9 MiB/s
 * MODE (e.g. feed-plain-nvt) runs only that figure; bench/engine.sh runs
 * each one under callgrind with --toggle-collect=bench_run to count the
 * instructions per byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "telnet.h"

#define CHUNK		(64 * 1024)	/* bytes per feed/send call */
#define LINE		60		/* text: 58 characters, CR, LF */
#define PATTERN		(LINE * 17476)	/* about 1 MiB, whole lines */
#define PATBUF		(PATTERN + CHUNK) /* so any offset < PATTERN has a
					     whole chunk after it */

struct sink {
	unsigned long long data, sent, events, lines;
};

static void
count_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct sink *s = ctx;

	(void)t;
	s->events++;
	switch (ev->type) {
	case TELNET_EV_DATA:
		s->data += ev->u.data.len;
		break;
	case TELNET_EV_SEND:
		s->sent += ev->u.data.len;
		break;
	case TELNET_EV_EOL:
		/* A CR LF is two events now (the CR at once, then its LF):
		 * each stands for its own byte, and the CR ends the line. */
		s->data++;
		if (ev->u.eol.kind == TELNET_EOL_CR)
			s->lines++;
		break;
	default:
		break;
	}
}

static const struct telnet_policy policy[] = {
	{ TELOPT_BINARY, 1, 1 },
	{ -1, 0, 0 },
};

/* An engine with BINARY on both sides, or in plain NVT mode. */
static struct telnet *
engine(int binary, struct sink *s)
{
	static const unsigned char both[6] = {
		TELNET_IAC, TELNET_DO, TELOPT_BINARY,
		TELNET_IAC, TELNET_WILL, TELOPT_BINARY,
	};
	struct telnet_config cfg;
	struct telnet *t;

	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = policy;
	if ((t = telnet_new(&cfg, count_cb, s)) == NULL) {
		fprintf(stderr, "bench_engine: telnet_new failed\n");
		exit(1);
	}
	if (binary) {
		telnet_feed(t, both, sizeof(both));
		if (!telnet_local_enabled(t, TELOPT_BINARY) ||
		    !telnet_remote_enabled(t, TELOPT_BINARY)) {
			fprintf(stderr, "bench_engine: BINARY not on\n");
			exit(1);
		}
	}
	memset(s, 0, sizeof(*s));
	return t;
}

static void
fill_plain(unsigned char *p, size_t n)
{
	uint32_t x = 12345;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (unsigned char)(x >> 16);
		if (p[i] == TELNET_IAC || p[i] == '\r')
			p[i] = 'x';
	}
}

/* Period LINE, so the stream read from any offset modulo PATTERN goes on
 * without a seam. */
static void
fill_text(unsigned char *p, size_t n)
{
	size_t i, col;

	for (i = 0; i < n; i++) {
		col = i % LINE;
		if (col == LINE - 2)
			p[i] = '\r';
		else if (col == LINE - 1)
			p[i] = '\n';
		else
			p[i] = (unsigned char)(' ' + (col * 7) % 95);
	}
}

/* The measured loop: total bytes from pat in CHUNK calls.  Not inlined,
 * so callgrind can collect exactly this function and what it calls. */
__attribute__((noinline)) void bench_run(struct telnet *t, int send,
    const unsigned char *pat, size_t total);

__attribute__((noinline)) void
bench_run(struct telnet *t, int send, const unsigned char *pat, size_t total)
{
	size_t done = 0, off = 0, n;

	while (done < total) {
		n = total - done < CHUNK ? total - done : CHUNK;
		if (send)
			telnet_send(t, pat + off, n);
		else
			telnet_feed(t, pat + off, n);
		off = (off + n) % PATTERN;
		done += n;
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct mode {
	const char *name;	/* feed-plain-binary ... */
	int send, text, binary;
};

static const struct mode modes[] = {
	{ "feed-plain-binary", 0, 0, 1 },
	{ "feed-plain-nvt", 0, 0, 0 },
	{ "feed-text-binary", 0, 1, 1 },
	{ "feed-text-nvt", 0, 1, 0 },
	{ "send-plain-binary", 1, 0, 1 },
	{ "send-plain-nvt", 1, 0, 0 },
	{ "send-text-binary", 1, 1, 1 },
	{ "send-text-nvt", 1, 1, 0 },
};

/* Repeat the whole run until at least MIN_SECONDS passed, so a fast
 * figure is not a clock tick; report bytes over time. */
#define MIN_SECONDS	0.25

static void
run_mode(const struct mode *m, const unsigned char *plain,
    const unsigned char *text, size_t total)
{
	struct sink s;
	struct telnet *t = engine(m->binary, &s);
	double t0, dt, mib = total / (1024.0 * 1024.0);
	unsigned long long out, reps = 0, events = 0;

	t0 = now();
	do {
		memset(&s, 0, sizeof(s));
		bench_run(t, m->send, m->text ? text : plain, total);
		reps++;
		events += s.events;
		out = m->send ? s.sent : s.data;
		if (out != total) {
			fprintf(stderr, "bench_engine: %s: %llu bytes out for "
			    "%zu in\n", m->name, out, total);
			exit(1);
		}
		dt = now() - t0;
	} while (dt < MIN_SECONDS && getenv("ENGINE_BENCH_ONCE") == NULL);
	telnet_free(t);
	printf("%s %s %s: %.1f MiB x %llu in %.3f s = %.1f MiB/s "
	    "(%.2f events/KiB)\n",
	    m->send ? "send" : "feed", m->text ? "text " : "plain",
	    m->binary ? "binary" : "nvt   ", mib, reps, dt,
	    dt > 0 ? mib * reps / dt : 0.0,
	    events * 1024.0 / ((double)total * reps));
}

int
main(int argc, char **argv)
{
	const char *env = getenv("ENGINE_BENCH_BYTES");
	size_t total = 64u * 1024 * 1024, k;
	unsigned char *plain, *text;
	int i, ran = 0;

	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++)
			printf("%s\n", modes[k].name);
		return 0;
	}
	if (env != NULL && *env != '\0') {
		char *end;
		unsigned long long v = strtoull(env, &end, 10);

		if (*end != '\0' || v == 0) {
			fprintf(stderr, "bench_engine: bad ENGINE_BENCH_BYTES "
			    "\"%s\"\n", env);
			return 2;
		}
		total = (size_t)v;
	}
	plain = malloc(PATBUF);
	text = malloc(PATBUF);
	if (plain == NULL || text == NULL)
		return 1;
	fill_plain(plain, PATBUF);
	fill_text(text, PATBUF);

	for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
		int want = argc < 2;

		for (i = 1; i < argc; i++)
			if (strcmp(argv[i], modes[k].name) == 0)
				want = 1;
		if (!want)
			continue;
		run_mode(&modes[k], plain, text, total);
		ran++;
	}
	free(plain);
	free(text);
	if (ran == 0) {
		fprintf(stderr, "bench_engine: no such mode (see --list)\n");
		return 2;
	}
	return 0;
}
