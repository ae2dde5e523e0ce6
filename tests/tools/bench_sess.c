/*
 * bench_sess.c - the session program the benchmark runs on the pty, under
 * our telnetd, inetutils telnetd and the bare relay alike.
 *
 *	bench_sess out N binary|text [RUSAGE]	wait for the go byte, write
 *						N pattern bytes, then wait
 *						for one byte or EOF
 *	bench_sess in N [RUSAGE]		read N pattern bytes, verify
 *						them, say <<IN-OK>> or
 *						<<IN-BAD>>, wait for EOF
 *	bench_sess tail N			wait for the go byte, write
 *						N pattern bytes and exit at
 *						once
 *	bench_sess echo				echo every byte read
 *	bench_sess idle				marker, then wait for EOF
 *	bench_sess hello			marker, then exit
 *
 * Every mode first sets the terminal (raw; for "out ... text" raw input and
 * OPOST|ONLCR output, so the kernel turns LF into CR LF) and then writes
 * the marker <<BENCH-START>>: the client knows the mode is set and that the
 * pattern follows.  "out" and "tail" then wait for one byte (the client's
 * go, sent once it has BINARY both ways) before writing the pattern.  The pattern is a fixed pseudo-random sequence with a
 * prime period (bench_client.c generates the same one), uniform bytes for
 * binary and printable lines for text.
 *
 * RUSAGE, when given, is a file to which the program appends its own CPU
 * time ("prog PID UTIME_US STIME_US") once its transfer is done, so the
 * benchmark can subtract it from the session's total and keep the daemon's.
 */
#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PAT_LEN		1048573u	/* prime: 2^20 - 3 */
#define CHUNK		65536u
#define MARKER		"<<BENCH-START>>"

static unsigned char pat[2 * PAT_LEN];

/* The same generator as bench_client.c: xorshift32 from a fixed seed. */
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
die(const char *what)
{
	/* Descriptor 2 is the pty: the client sees this as a wrong byte. */
	fprintf(stderr, "bench_sess: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long long
parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0') {
		fprintf(stderr, "bench_sess: bad size %s\n", s);
		exit(2);
	}
	return v;
}

static void
set_tty(int text)
{
	struct termios t;

	if (tcgetattr(0, &t) < 0)
		die("tcgetattr");
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (text) {
		t.c_oflag |= OPOST | ONLCR;
		t.c_oflag &= ~(tcflag_t)(OCRNL | ONOCR | ONLRET | OLCUC |
		    TABDLY);
	}
	if (tcsetattr(0, TCSANOW, &t) < 0)
		die("tcsetattr");
}

static void
write_all(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(1, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		p += n;
		len -= (size_t)n;
	}
}

static void
report_rusage(const char *path)
{
	struct rusage ru;
	char line[128];
	int fd, len;

	if (path == NULL)
		return;
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return;
	len = snprintf(line, sizeof(line), "prog %ld %lld %lld\n",
	    (long)getpid(),
	    (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
	    (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)len) != len)
		len = -1;
	close(fd);
}

/* Block until the client sends something or goes away. */
static void
wait_input(void)
{
	unsigned char b[256];
	ssize_t n;

	do {
		n = read(0, b, sizeof(b));
	} while (n < 0 && errno == EINTR);
}

static void
write_pattern(unsigned long long total)
{
	unsigned long long pos = 0;
	size_t n;

	while (pos < total) {
		n = total - pos < CHUNK ? (size_t)(total - pos) : CHUNK;
		write_all(pat + pos % PAT_LEN, n);
		pos += n;
	}
}

static int
do_in(unsigned long long total, const char *rusage)
{
	static unsigned char buf[CHUNK];
	unsigned long long pos = 0;
	ssize_t n;
	int bad = 0;

	pat_fill(0);
	set_tty(0);
	write_all(MARKER, sizeof(MARKER) - 1);
	while (pos < total) {
		size_t want = total - pos < CHUNK ? (size_t)(total - pos) :
		    CHUNK;

		n = read(0, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("read");
		if (!bad && memcmp(buf, pat + pos % PAT_LEN, (size_t)n) != 0)
			bad = 1;
		pos += (unsigned long long)n;
	}
	report_rusage(rusage);
	if (bad)
		write_all("<<IN-BAD>>", 10);
	else
		write_all("<<IN-OK>>", 9);
	wait_input();
	return 0;
}

static void
do_echo(void)
{
	static unsigned char buf[4096];
	ssize_t n;

	set_tty(0);
	write_all(MARKER, sizeof(MARKER) - 1);
	for (;;) {
		n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		write_all(buf, (size_t)n);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_sess out N binary|text [RUSAGE] | "
	    "in N [RUSAGE] | tail N | echo | idle | hello\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *mode;

	if (argc < 2)
		usage();
	mode = argv[1];
	if (strcmp(mode, "out") == 0 && (argc == 4 || argc == 5)) {
		int text = strcmp(argv[3], "text") == 0;

		if (!text && strcmp(argv[3], "binary") != 0)
			usage();
		pat_fill(text);
		set_tty(text);
		write_all(MARKER, sizeof(MARKER) - 1);
		wait_input();
		write_pattern(parse_size(argv[2]));
		report_rusage(argc == 5 ? argv[4] : NULL);
		wait_input();
	} else if (strcmp(mode, "in") == 0 && (argc == 3 || argc == 4)) {
		return do_in(parse_size(argv[2]), argc == 4 ? argv[3] : NULL);
	} else if (strcmp(mode, "tail") == 0 && argc == 3) {
		pat_fill(0);
		set_tty(0);
		write_all(MARKER, sizeof(MARKER) - 1);
		wait_input();
		write_pattern(parse_size(argv[2]));
	} else if (strcmp(mode, "echo") == 0 && argc == 2) {
		do_echo();
	} else if (strcmp(mode, "idle") == 0 && argc == 2) {
		write_all(MARKER, sizeof(MARKER) - 1);
		wait_input();
		while (read(0, pat, 1) > 0)
			;
	} else if (strcmp(mode, "hello") == 0 && argc == 2) {
		write_all(MARKER, sizeof(MARKER) - 1);
	} else {
		usage();
	}
	return 0;
}
