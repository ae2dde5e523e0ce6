/* test_relaylog.c - the relay's log lines through the monitor
 * (telnetd/relaylog.c): the rate limit, the monitor's checks of a PS_LOG
 * message (a relay taken over sends what it likes), what the monitor
 * logs, and the relay's side: one message per line, control characters
 * replaced, never blocking, lost lines counted. */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "telnetd.h"

static void
test_bucket(void **state)
{
	struct relaylog_limit l;
	int64_t t = 5000;
	int i;

	(void)state;
	memset(&l, 0, sizeof(l));
	for (i = 0; i < RELAYLOG_BURST; i++)
		assert_int_equal(relaylog_take(&l, t), 1);
	assert_int_equal(relaylog_take(&l, t), 0);
	assert_int_equal(relaylog_take(&l, t + 1000 / RELAYLOG_RATE - 1), 0);
	assert_int_equal(l.dropped, 2);
	/* One line per 1/RATE s after that, not more. */
	assert_int_equal(relaylog_take(&l, t + 1000 / RELAYLOG_RATE), 1);
	assert_int_equal(relaylog_take(&l, t + 1000 / RELAYLOG_RATE), 0);
	t += 1000 / RELAYLOG_RATE;
	for (i = 1; i <= 50; i++)
		assert_int_equal(relaylog_take(&l, t + i * 1000 / RELAYLOG_RATE),
		    1);
	/* The fractions add up (3 x 40 ms = one line). */
	t += 50 * 1000 / RELAYLOG_RATE;
	assert_int_equal(relaylog_take(&l, t + 40), 0);
	assert_int_equal(relaylog_take(&l, t + 80), 0);
	assert_int_equal(relaylog_take(&l, t + 120), 1);
	/* A long pause refills the burst, no more. */
	t += 3600 * 1000;
	for (i = 0; i < RELAYLOG_BURST; i++)
		assert_int_equal(relaylog_take(&l, t), 1);
	assert_int_equal(relaylog_take(&l, t), 0);
	/* Time that goes backwards gives nothing. */
	assert_int_equal(relaylog_take(&l, t - 100000), 0);
}

/* What the monitor logs goes to standard error (log_init(1, ...)),
 * redirected into a file while relaylog is called (cmocka's own messages
 * go to standard error too). */
static FILE *logfile;
static int saved_err = -1;

static int
setup_log(void **state)
{
	(void)state;
	logfile = tmpfile();
	if (logfile == NULL)
		return -1;
	saved_err = dup(2);
	if (saved_err == -1)
		return -1;
	log_init(1, 0, "telnetd");
	log_setproc("monitor");
	return 0;
}

static int
teardown_log(void **state)
{
	(void)state;
	close(saved_err);
	fclose(logfile);
	return 0;
}

static void
to_file(int on)
{
	fflush(stderr);
	dup2(on ? fileno(logfile) : saved_err, 2);
}

static int
acc(struct relaylog_limit *l, const struct config *cfg, const char *host,
    const void *msg, size_t len)
{
	int r;

	to_file(1);
	r = relaylog_accept(l, cfg, host, msg, len);
	to_file(0);
	return r;
}

static void
end(const struct relaylog_limit *l, const char *host)
{
	to_file(1);
	relaylog_end(l, host);
	to_file(0);
}

/* Everything logged since the last call. */
static char *
logged(void)
{
	static char buf[1 << 16];
	static long done;
	size_t n;

	fflush(stderr);
	fseek(logfile, done, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, logfile);
	buf[n] = '\0';
	done += (long)n;
	return buf;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static size_t
mk(struct ps_log *m, int pri, uint32_t dropped, const char *text)
{
	size_t len = strlen(text);

	memset(m, 0, sizeof(*m));
	m->type = PS_LOG;
	m->pri = pri;
	m->dropped = dropped;
	memcpy(m->text, text, len);
	return offsetof(struct ps_log, text) + len;
}

static void
test_accept_checks(void **state)
{
	static struct config cfg;
	struct relaylog_limit l;
	struct ps_log m;
	size_t len;
	char *out, host[HOST_MAX];

	(void)state;
	memset(&l, 0, sizeof(l));
	(void)logged();
	len = mk(&m, LOG_WARNING, 0, "client not reading");
	assert_int_equal(acc(&l, &cfg, "192.0.2.7", &m, len), 0);
	out = logged();
	assert_non_null(strstr(out, "] monitor: relay for 192.0.2.7: client "
	    "not reading\n"));
	/* The count of the relay's own drops rides on the next line. */
	len = mk(&m, LOG_INFO, 12, "again");
	assert_int_equal(acc(&l, &cfg, "192.0.2.7", &m, len), 0);
	assert_non_null(strstr(logged(), "relay for 192.0.2.7: again (12 "
	    "earlier lines dropped)\n"));
	len = mk(&m, LOG_CRIT, 0, "x");
	assert_int_equal(acc(&l, &cfg, "h", &m, len), 0);
	len = mk(&m, LOG_DEBUG, 0, "x");
	assert_int_equal(acc(&l, &cfg, "h", &m, len), 0);
	(void)logged();

	/* Out of protocol: each refused, nothing logged. */
	len = mk(&m, LOG_INFO, 0, "text");
	assert_int_equal(acc(&l, &cfg, "h", &m,
	    offsetof(struct ps_log, text)), -1);	/* no text */
	assert_int_equal(acc(&l, &cfg, "h", &m, 3), -1);
	assert_int_equal(acc(&l, &cfg, "h", &m, sizeof(m) + 1),
	    -1);
	m.type = PS_REPORT;
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	len = mk(&m, LOG_ALERT, 0, "text");		/* above CRIT */
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	len = mk(&m, LOG_EMERG, 0, "text");
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	len = mk(&m, LOG_DEBUG + 1, 0, "text");
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	len = mk(&m, LOG_AUTH | LOG_INFO, 0, "text");	/* a facility */
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	len = mk(&m, -1, 0, "text");
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	len = mk(&m, LOG_INFO, 0, "fake\nmonitor: line");
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	len = mk(&m, LOG_INFO, 0, "esc\x1b[2J");
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	len = mk(&m, LOG_INFO, 0, "del\x7f");
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	len = mk(&m, LOG_INFO, 0, "utf8 \xc3\xa9");
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	len = mk(&m, LOG_INFO, 0, "nul");
	m.text[1] = '\0';
	assert_int_equal(acc(&l, &cfg, "h", &m, len), -1);
	assert_string_equal(logged(), "");
	/* The longest line is whole, with the longest host name and a
	 * count. */
	memset(&m, 0, sizeof(m));
	m.type = PS_LOG;
	m.pri = LOG_INFO;
	m.dropped = UINT32_MAX;
	memset(m.text, 'a', sizeof(m.text));
	memset(host, 'b', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	assert_int_equal(acc(&l, &cfg, host, &m, sizeof(m)), 0);
	out = logged();
	/* Every "a" of the text, one of "relay", one of "earlier". */
	assert_int_equal(count(out, "a"), PS_LOG_TEXT_MAX + 2);
	assert_non_null(strstr(out, "(4294967295 earlier lines dropped)\n"));
}

static void
test_accept_limit(void **state)
{
	static struct config cfg;
	struct relaylog_limit l;
	struct ps_log m;
	size_t len;
	int i;
	char *out;

	(void)state;
	memset(&l, 0, sizeof(l));
	(void)logged();
	len = mk(&m, LOG_INFO, 0, "FLOOD");
	/* Faster than the rate: the burst, then one warning, then quiet. */
	for (i = 0; i < 3 * RELAYLOG_BURST; i++)
		assert_int_equal(acc(&l, &cfg, "198.51.100.1", &m,
		    len), 0);
	out = logged();
	assert_in_range(count(out, "FLOOD"), RELAYLOG_BURST,
	    RELAYLOG_BURST + 2);
	assert_int_equal(count(out, "more than 100 log lines at once or 10 "
	    "a second: not logging them"), 1);
	end(&l, "198.51.100.1");
	out = logged();
	assert_non_null(strstr(out, "relay for 198.51.100.1: "));
	assert_non_null(strstr(out, " log lines over the limit were not "
	    "logged"));

	/* -D: the operator asked for the relay's traces; debug lines are
	 * not limited then (other lines are). */
	cfg.debug = DBG_NETDATA;
	len = mk(&m, LOG_DEBUG, 0, "TRACE");
	for (i = 0; i < 3 * RELAYLOG_BURST; i++)
		assert_int_equal(acc(&l, &cfg, "h", &m, len), 0);
	assert_int_equal(count(logged(), "TRACE"), 3 * RELAYLOG_BURST);
	cfg.debug = 0;
	for (i = 0; i < 3 * RELAYLOG_BURST; i++)
		assert_int_equal(acc(&l, &cfg, "h", &m, len), 0);
	assert_true(count(logged(), "TRACE") < 3);
}

/* The relay's side, in a child (the sink is for the rest of the process):
 * exit status 0 when each check held, else the number of the first that
 * failed. */
static int
relay_side(int sv)
{
	int i;

	relaylog_start(sv, 0);
	log_warnx("queue full: %d bytes \x01\x1b[31m\xff", 42);
	log_info("second");
	log_info("%01000d", 7);		/* cut, and marked */
	/* Fill the socket: the writes never block, the lines are lost. */
	for (i = 0; i < RELAYLOG_BURST - 2; i++)
		log_info("filler %d %0900d", i, 0);
	return 0;
}

/* The relay's end of the socketpair has a small buffer, so that a few
 * long lines fill it. */
static void
small_pair(int sv[2])
{
	int sz = 4096;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz)), 0);
}

static void
test_relay_sink(void **state)
{
	struct ps_log m;
	int sv[2], st, got = 0, fillers = 0;
	ssize_t n;
	pid_t pid;
	char expect[64];

	(void)state;
	small_pair(sv);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		_exit(relay_side(sv[1]));
	}
	close(sv[1]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	while ((n = recv(sv[0], &m, sizeof(m), MSG_DONTWAIT)) > 0) {
		assert_true((size_t)n > offsetof(struct ps_log, text));
		assert_int_equal(m.type, PS_LOG);
		if (got == 0) {
			assert_int_equal(m.pri, LOG_WARNING);
			assert_int_equal(m.dropped, 0);
			/* Control and non-ASCII bytes replaced, no NUL. */
			snprintf(expect, sizeof(expect),
			    "queue full: 42 bytes ??[31m?");
			assert_int_equal((size_t)n - offsetof(struct ps_log,
			    text), strlen(expect));
			assert_memory_equal(m.text, expect, strlen(expect));
		} else if (got == 1) {
			assert_int_equal(m.pri, LOG_INFO);
			assert_memory_equal(m.text, "second", 6);
		} else if (got == 2) {
			assert_int_equal((size_t)n, sizeof(m));
			assert_int_equal(m.text[0], '0');
			assert_memory_equal(m.text + PS_LOG_TEXT_MAX - 4,
			    "0...", 4);
		} else {
			assert_memory_equal(m.text, "filler", 6);
			fillers++;
		}
		got++;
	}
	/* Some fillers did not fit: lost, not waited for. */
	assert_true(fillers > 0);
	assert_true(fillers < RELAYLOG_BURST - 2);
	close(sv[0]);
}

/* Lost lines are counted and the count goes with the next line. */
static void
test_relay_lost_count(void **state)
{
	struct ps_log m;
	int sv[2], st, i, c2p[2], p2c[2];
	ssize_t n;
	pid_t pid;
	char go;

	(void)state;
	small_pair(sv);
	assert_int_equal(pipe(c2p), 0);
	assert_int_equal(pipe(p2c), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		relaylog_start(sv[1], 0);
		for (i = 0; i < 20; i++)
			log_info("filler %0900d", i);
		/* Wait for the parent to drain, then one more. */
		if (write(c2p[1], "x", 1) != 1 || read(p2c[0], &go, 1) != 1)
			_exit(2);
		log_info("after");
		_exit(0);
	}
	close(sv[1]);
	assert_int_equal(read(c2p[0], &go, 1), 1);
	i = 0;
	while ((n = recv(sv[0], &m, sizeof(m), MSG_DONTWAIT)) > 0)
		i++;
	assert_true(i > 0 && i < 20);
	assert_int_equal(write(p2c[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	n = recv(sv[0], &m, sizeof(m), MSG_DONTWAIT);
	assert_true(n > 0);
	assert_memory_equal(m.text, "after", 5);
	assert_int_equal(m.dropped, 20 - i);
	close(sv[0]);
	close(c2p[0]);
	close(c2p[1]);
	close(p2c[0]);
	close(p2c[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_accept_checks),
		cmocka_unit_test(test_accept_limit),
		cmocka_unit_test(test_relay_sink),
		cmocka_unit_test(test_relay_lost_count),
	};

	return cmocka_run_group_tests(tests, setup_log, teardown_log);
}
