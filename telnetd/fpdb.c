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
	{ FP_PROTOCOL, NULL, NULL },
};
