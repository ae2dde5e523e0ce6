/*
 * fpdb.c - the fingerprints of the clients and terminals we know: those
 * the test suite runs (tests/integration/test_fingerprints.py), each entry
 * checked there on every run against what the client really does.  A
 * report names a fingerprint found here and calls any other unknown.
 *
 * To add one: run the client against `telnetd --report` (or save its
 * report with --report-dir) and copy the hash and a name here; the hash
 * says which options the client answers how (fingerprint.c).  Names are
 * the client's with the version the suite runs, a configuration when it
 * matters (the fingerprint of a client depends on it: a DISPLAY makes
 * inetutils telnet agree to XDISPLOC).
 */
#include <stddef.h>

#include "telnetd.h"

const struct fp_entry fp_db[] = {
	/* Clients (Debian 12), without a DISPLAY, each as the suite runs
	 * it: on a terminal, with no configuration file of its own. */
	{ FP_PROTOCOL, "2f11ec0fee657fd6", "inetutils telnet 2.4" },
	{ FP_PROTOCOL, "11e8d75b23991ddb", "telnet-ssl 0.17 (netkit)" },
	{ FP_PROTOCOL, "ba1ddffd4c7b50ad", "busybox telnet 1.35" },
	{ FP_PROTOCOL, "13cee9211b6abf3b", "PuTTY plink 0.78" },
	{ FP_PROTOCOL, "be06998c2bd3ecfe", "C-Kermit 10.0 Beta.08" },
	{ FP_PROTOCOL, "7611fbc48fa8d835", "TinTin++ 2.02.20" },
	{ FP_PROTOCOL, "8db1dd612d798e4d", "libtelnet telnet-client 0.21" },
	{ FP_PROTOCOL, "bb63253011b3d772", "telnetlib3 4.0.5" },
	{ FP_PROTOCOL, "dce3b080a9254277", "Python 3.11 telnetlib" },
	/* The same with a DISPLAY (any terminal of an X session): they
	 * agree to XDISPLOC then. */
	{ FP_PROTOCOL, "e8f6ca7d91e675e7", "inetutils telnet 2.4, DISPLAY set" },
	{ FP_PROTOCOL, "0aa2bd7d5dc8cac5", "telnet-ssl 0.17, DISPLAY set" },
	/* No TELNET at all: every request of the opening unanswered. */
	{ FP_PROTOCOL, "49291086d3a4f3b5", "raw TCP (nc, socat): no TELNET" },
	/* Terminals. */
	{ FP_TERMINAL, "e4dfafa79c8168ef", "tmux 3.3a" },
	{ FP_TERMINAL, "ad51f8f5a22b25ce", "GNU screen 4.09.00" },
	{ FP_TERMINAL, "d1efabb7d0988ba3", "xterm 379" },
	{ FP_TERMINAL, "c676483b26ad4563", "rxvt-unicode 9.30" },
	{ FP_PROTOCOL, "", "" },
};
