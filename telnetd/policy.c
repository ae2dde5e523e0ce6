/*
 * policy.c - the options the server accepts, per option and side: the
 * engine's policy for every session (START_TLS is added to it where TLS
 * is offered, tls_session.c).  A file of its own that calls nothing, so
 * that the engine's fuzzer links the daemon's table itself.
 */
#include "telnetd.h"

const struct telnet_policy negotiate_policy[] = {
	{ TELOPT_BINARY, 1, 1 },
	{ TELOPT_ECHO, 1, 0 },
	{ TELOPT_SGA, 1, 1 },
	{ TELOPT_STATUS, 1, 0 },
	{ TELOPT_TM, 1, 0 },
	{ TELOPT_LOGOUT, 1, 0 },
	{ TELOPT_SNDLOC, 0, 1 },
	{ TELOPT_TTYPE, 0, 1 },
	{ TELOPT_EOR, 1, 1 },
	{ TELOPT_NAWS, 0, 1 },
	{ TELOPT_TSPEED, 0, 1 },
	{ TELOPT_LFLOW, 0, 1 },
	{ TELOPT_LINEMODE, 0, 1 },
	{ TELOPT_XDISPLOC, 0, 1 },
	{ TELOPT_OLD_ENVIRON, 0, 1 },
	{ TELOPT_NEW_ENVIRON, 0, 1 },
	{ TELOPT_CHARSET, 1, 1 },
	{ -1, 0, 0 },
};

