/*
 * test_tls_config.c - the daemon's side of TLS that needs no TLS library
 * (telnetd/tls_config.c): the mode names of --tls and --listen=...,tls=,
 * what "both on one port" makes of a client's first bytes and of its
 * silence, and the bound on a signer's start.
 */
#include <sys/stat.h>
#include <dirent.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "telnetd.h"
#include "tls.h"

static void
test_mode_names(void **state)
{
	static const char *const names[] = {
		"off", "starttls", "starttls-required", "implicit", "auto",
		"auto-required",
	};
	size_t i;
	int m;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(tls_mode_parse(names[i], &m), 0);
		assert_int_equal(m, (int)i);
		assert_string_equal(tls_mode_name(m), names[i]);
	}
	assert_int_equal(m, TLS_MODE_AUTO_REQUIRED);
	m = 99;
	assert_int_equal(tls_mode_parse("", &m), -1);
	assert_int_equal(tls_mode_parse("STARTTLS", &m), -1);
	assert_int_equal(tls_mode_parse("starttls ", &m), -1);
	assert_int_equal(tls_mode_parse("auto-", &m), -1);
	assert_int_equal(tls_mode_parse(NULL, &m), -1);
	assert_int_equal(m, 99);
	assert_string_equal(tls_mode_name(-1), "?");
	assert_string_equal(tls_mode_name(6), "?");
}

static void
test_sniff(void **state)
{
	static const unsigned char hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00 };
	static const unsigned char kermit[] = { 0xff, 0xfb, 0x25 };
	static const unsigned char ctrl_v[] = { 0x16, 'l', 's' };
	unsigned c;

	(void)state;
	assert_int_equal(tls_sniff(hello, 0), TLS_SNIFF_MORE);
	assert_int_equal(tls_sniff(hello, 1), TLS_SNIFF_MORE);
	assert_int_equal(tls_sniff(hello, 2), TLS_SNIFF_TLS);
	assert_int_equal(tls_sniff(hello, sizeof(hello)), TLS_SNIFF_TLS);
	/* C-Kermit's first bytes, a user's text, a ^V typed first. */
	assert_int_equal(tls_sniff(kermit, sizeof(kermit)), TLS_SNIFF_TELNET);
	assert_int_equal(tls_sniff((const unsigned char *)"root\r\n", 6),
	    TLS_SNIFF_TELNET);
	assert_int_equal(tls_sniff(ctrl_v, sizeof(ctrl_v)), TLS_SNIFF_TELNET);
	/* Every first byte but 0x16 is TELNET at once. */
	for (c = 0; c < 256; c++) {
		unsigned char b = (unsigned char)c;

		assert_int_equal(tls_sniff(&b, 1), c == 0x16 ?
		    TLS_SNIFF_MORE : TLS_SNIFF_TELNET);
	}
}

static void
test_sniff_wait(void **state)
{
	(void)state;
	/* Loopback and LAN: the floor. */
	assert_int_equal(tls_sniff_wait_ms(0), TLS_SNIFF_MIN_MS);
	assert_int_equal(tls_sniff_wait_ms(50), TLS_SNIFF_MIN_MS);
	assert_int_equal(tls_sniff_wait_ms(166666), TLS_SNIFF_MIN_MS);
	/* Three round trips above it, rounded up. */
	assert_int_equal(tls_sniff_wait_ms(166667), 501);
	assert_int_equal(tls_sniff_wait_ms(300001), 901);
	/* A satellite link, and the ceiling. */
	assert_int_equal(tls_sniff_wait_ms(600000), 1800);
	assert_int_equal(tls_sniff_wait_ms(700000), TLS_SNIFF_MAX_MS);
	assert_int_equal(tls_sniff_wait_ms(UINT32_MAX), TLS_SNIFF_MAX_MS);
}

/*
 * A signer that never says READY (its read of a file stuck: a hung NFS
 * mount) is given KS_READY_TIMEOUT_MS, then ended, and the start says so
 * in words: it said "did not start: Connection timed out", which reads as
 * a network error.  The signer here is a script that only waits.
 */
/* ks_signer_start() with a stand-in signer, the script given; it must
 * fail, and why says how. */
static void
start_stand_in(const char *script, char *why, size_t whysz)
{
	char dir[] = "/tmp/test_tls_config.XXXXXX", helper[64];
	struct ks_signer sg;
	FILE *f;
	int rc;

	assert_non_null(mkdtemp(dir));
	snprintf(helper, sizeof(helper), "%s/tls-helper", dir);
	assert_non_null(f = fopen(helper, "w"));
	assert_true(fputs(script, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(helper, 0700), 0);
	rc = ks_signer_start(helper, "/nonexistent/chain.pem",
	    "/nonexistent/key.pem", (uid_t)-1, (gid_t)-1, 0, &sg, why, whysz);
	assert_int_equal(unlink(helper), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(rc, -1);
}

static void
test_signer_start_bounded(void **state)
{
	char why[256];

	(void)state;
	start_stand_in("#!/bin/sh\nexec sleep 60\n", why, sizeof(why));
	if (strstr(why, "did not answer within 10 s") == NULL)
		fail_msg("why: %s", why);
}

/* The descriptors open in this process. */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/*
 * A signer that attaches a descriptor to its first message: not its
 * READY (ours sends none), and the descriptor is closed, not left open in
 * the listener for every reload.  The signer here is a script that sends
 * its standard input with one byte.
 */
static void
test_signer_descriptor_not_kept(void **state)
{
	char why[256];
	int before;

	(void)state;
	if (access("/usr/bin/python3", X_OK) != 0)
		fail_msg("/usr/bin/python3 is needed (make deps)");
	before = open_fds();
	start_stand_in("#!/usr/bin/python3\nimport socket, time\n"
	    "s = socket.socket(fileno=3)\n"
	    "socket.send_fds(s, [b'x'], [0])\ntime.sleep(5)\n", why,
	    sizeof(why));
	if (strstr(why, "bad ready message") == NULL)
		fail_msg("why: %s", why);
	assert_int_equal(open_fds(), before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_sniff_wait),
		cmocka_unit_test(test_signer_start_bounded),
		cmocka_unit_test(test_signer_descriptor_not_kept),
	};

	return cmocka_run_group_tests_name("tls_config", tests, NULL, NULL);
}
