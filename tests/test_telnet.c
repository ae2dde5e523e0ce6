/*
 * test_telnet.c - the protocol engine: RFC 1143 option negotiation for both
 * sides, commands, NVT end-of-line forms, data encoding, Synch, TIMING-MARK,
 * split input, the engine as a client.  Subnegotiations and encoders are in
 * test_telnet_sb.c.  The runner and the trace format: test_telnet_harness.h.
 */
#include "telnet_harness.h"

/* ------------------------------------------------------------------ */
/* RFC 1143 section 7, the peer's side ("him"): WILL/WONT received,     */
/* telnet_request_remote.  TTYPE is allowed remotely by pol_server.     */

#define RS(s)	"STATE TTYPE local NO remote " s
#define H_YES	FEED(XIAC XWILL O_TTYPE)
#define H_WNE	FEED(XIAC XWILL O_TTYPE), RR(TELOPT_TTYPE, 0)
#define H_WNO	FEED(XIAC XWILL O_TTYPE), RR(TELOPT_TTYPE, 0), \
		RR(TELOPT_TTYPE, 1)
#define H_WYE	RR(TELOPT_TTYPE, 1)
#define H_WYO	RR(TELOPT_TTYPE, 1), RR(TELOPT_TTYPE, 0)
#define ST_T	STATE(TELOPT_TTYPE)
#define WILL_T	FEED(XIAC XWILL O_TTYPE)
#define WONT_T	FEED(XIAC XWONT O_TTYPE)

static const struct tcase q_him[] = {
	/* WILL received */
	{ .name = "him NO + WILL, allowed: YES, DO",
	  .steps = { ST_T, WILL_T, ST_T },
	  .trace = { RS("NO"), "RECV WILL TTYPE", "OPT remote TTYPE on",
	      RS("YES") },
	  .send = B(XIAC XDO O_TTYPE) },
	{ .name = "him NO + WILL, not allowed: NO, DONT",
	  .steps = { STATE(TELOPT_ECHO), FEED(XIAC XWILL O_ECHO),
	      STATE(TELOPT_ECHO) },
	  .trace = { "STATE ECHO local NO remote NO", "RECV WILL ECHO",
	      "STATE ECHO local NO remote NO" },
	  .send = B(XIAC XDONT O_ECHO) },
	{ .name = "him YES + WILL: ignored, no reply",
	  .steps = { H_YES, MARK, ST_T, WILL_T, ST_T },
	  .trace = { RS("YES"), "RECV WILL TTYPE", RS("YES") },
	  .send = B("") },
	{ .name = "him WANTNO/EMPTY + WILL: error, NO",
	  .steps = { H_WNE, MARK, ST_T, WILL_T, ST_T },
	  .trace = { RS("WANTNO"), "RECV WILL TTYPE", "ERROR PROTOCOL TTYPE",
	      RS("NO") },
	  .send = B("") },
	{ .name = "him WANTNO/OPPOSITE + WILL: error, YES",
	  .steps = { H_WNO, MARK, ST_T, WILL_T, ST_T },
	  .trace = { RS("WANTNO"), "RECV WILL TTYPE", "ERROR PROTOCOL TTYPE",
	      "OPT remote TTYPE on", RS("YES") },
	  .send = B("") },
	{ .name = "him WANTYES/EMPTY + WILL: YES",
	  .steps = { H_WYE, MARK, ST_T, WILL_T, ST_T },
	  .trace = { RS("WANTYES"), "RECV WILL TTYPE", "OPT remote TTYPE on",
	      RS("YES") },
	  .send = B("") },
	{ .name = "him WANTYES/OPPOSITE + WILL: WANTNO, DONT",
	  .steps = { H_WYO, MARK, ST_T, WILL_T, ST_T, WONT_T, ST_T },
	  .trace = { RS("WANTYES"), "RECV WILL TTYPE", RS("WANTNO"),
	      "RECV WONT TTYPE", RS("NO") },
	  .send = B(XIAC XDONT O_TTYPE) },
	/* WONT received */
	{ .name = "him NO + WONT: ignored, no reply",
	  .steps = { ST_T, WONT_T, ST_T },
	  .trace = { RS("NO"), "RECV WONT TTYPE", RS("NO") },
	  .send = B("") },
	{ .name = "him YES + WONT: NO, DONT",
	  .steps = { H_YES, MARK, ST_T, WONT_T, ST_T },
	  .trace = { RS("YES"), "RECV WONT TTYPE", "OPT remote TTYPE off",
	      RS("NO") },
	  .send = B(XIAC XDONT O_TTYPE) },
	{ .name = "him WANTNO/EMPTY + WONT: NO",
	  .steps = { H_WNE, MARK, ST_T, WONT_T, ST_T },
	  .trace = { RS("WANTNO"), "RECV WONT TTYPE", RS("NO") },
	  .send = B("") },
	{ .name = "him WANTNO/OPPOSITE + WONT: WANTYES, DO",
	  .steps = { H_WNO, MARK, ST_T, WONT_T, ST_T, WILL_T, ST_T },
	  .trace = { RS("WANTNO"), "RECV WONT TTYPE", RS("WANTYES"),
	      "RECV WILL TTYPE", "OPT remote TTYPE on", RS("YES") },
	  .send = B(XIAC XDO O_TTYPE) },
	{ .name = "him WANTYES/EMPTY + WONT: NO, refused",
	  .steps = { H_WYE, MARK, ST_T, WONT_T, ST_T },
	  .trace = { RS("WANTYES"), "RECV WONT TTYPE",
	      "OPT remote TTYPE off refused", RS("NO") },
	  .send = B("") },
	{ .name = "him WANTYES/OPPOSITE + WONT: NO, no request",
	  .steps = { H_WYO, MARK, ST_T, WONT_T, ST_T },
	  .trace = { RS("WANTYES"), "RECV WONT TTYPE",
	      "OPT remote TTYPE off refused", RS("NO") },
	  .send = B("") },
	/* we ask him to enable */
	{ .name = "him NO, ask enable: WANTYES, DO",
	  .steps = { RR(TELOPT_TTYPE, 1), ST_T },
	  .trace = { "REQ remote TTYPE on = 0", RS("WANTYES") },
	  .send = B(XIAC XDO O_TTYPE) },
	{ .name = "him NO, ask enable, not allowed: -1, nothing sent",
	  .steps = { RR(TELOPT_ECHO, 1), STATE(TELOPT_ECHO) },
	  .trace = { "REQ remote ECHO on = -1",
	      "STATE ECHO local NO remote NO" },
	  .send = B("") },
	{ .name = "him YES, ask enable: already enabled",
	  .steps = { H_YES, MARK, RR(TELOPT_TTYPE, 1), ST_T },
	  .trace = { "REQ remote TTYPE on = -1", RS("YES") },
	  .send = B("") },
	{ .name = "him WANTNO/EMPTY, ask enable: queued",
	  .steps = { H_WNE, MARK, RR(TELOPT_TTYPE, 1), ST_T, WONT_T, ST_T,
	      WILL_T, ST_T },
	  .trace = { "REQ remote TTYPE on = 0", RS("WANTNO"),
	      "RECV WONT TTYPE", RS("WANTYES"), "RECV WILL TTYPE",
	      "OPT remote TTYPE on", RS("YES") },
	  .send = B(XIAC XDO O_TTYPE) },
	{ .name = "him WANTNO/OPPOSITE, ask enable: already queued",
	  .steps = { H_WNO, MARK, RR(TELOPT_TTYPE, 1), ST_T },
	  .trace = { "REQ remote TTYPE on = -1", RS("WANTNO") },
	  .send = B("") },
	{ .name = "him WANTYES/EMPTY, ask enable: already negotiating",
	  .steps = { H_WYE, MARK, RR(TELOPT_TTYPE, 1), ST_T },
	  .trace = { "REQ remote TTYPE on = -1", RS("WANTYES") },
	  .send = B("") },
	{ .name = "him WANTYES/OPPOSITE, ask enable: queue emptied",
	  .steps = { H_WYO, MARK, RR(TELOPT_TTYPE, 1), ST_T, WILL_T, ST_T },
	  .trace = { "REQ remote TTYPE on = 0", RS("WANTYES"),
	      "RECV WILL TTYPE", "OPT remote TTYPE on", RS("YES") },
	  .send = B("") },
	/* we ask him to disable */
	{ .name = "him NO, ask disable: already disabled",
	  .steps = { RR(TELOPT_TTYPE, 0), ST_T },
	  .trace = { "REQ remote TTYPE off = -1", RS("NO") },
	  .send = B("") },
	{ .name = "him YES, ask disable: WANTNO, DONT, reported off",
	  .steps = { H_YES, MARK, RR(TELOPT_TTYPE, 0), ST_T, WONT_T, ST_T },
	  .trace = { "OPT remote TTYPE off", "REQ remote TTYPE off = 0",
	      RS("WANTNO"), "RECV WONT TTYPE", RS("NO") },
	  .send = B(XIAC XDONT O_TTYPE) },
	{ .name = "him WANTNO/EMPTY, ask disable: already negotiating",
	  .steps = { H_WNE, MARK, RR(TELOPT_TTYPE, 0), ST_T },
	  .trace = { "REQ remote TTYPE off = -1", RS("WANTNO") },
	  .send = B("") },
	{ .name = "him WANTNO/OPPOSITE, ask disable: queue emptied",
	  .steps = { H_WNO, MARK, RR(TELOPT_TTYPE, 0), ST_T, WONT_T, ST_T },
	  .trace = { "REQ remote TTYPE off = 0", RS("WANTNO"),
	      "RECV WONT TTYPE", RS("NO") },
	  .send = B("") },
	{ .name = "him WANTYES/EMPTY, ask disable: queued",
	  .steps = { H_WYE, MARK, RR(TELOPT_TTYPE, 0), ST_T, WILL_T, ST_T,
	      WONT_T, ST_T },
	  .trace = { "REQ remote TTYPE off = 0", RS("WANTYES"),
	      "RECV WILL TTYPE", RS("WANTNO"), "RECV WONT TTYPE", RS("NO") },
	  .send = B(XIAC XDONT O_TTYPE) },
	{ .name = "him WANTYES/OPPOSITE, ask disable: already queued",
	  .steps = { H_WYO, MARK, RR(TELOPT_TTYPE, 0), ST_T },
	  .trace = { "REQ remote TTYPE off = -1", RS("WANTYES") },
	  .send = B("") },
};

/* ------------------------------------------------------------------ */
/* The same for our side ("us"): DO/DONT received, telnet_request_local. */
/* ECHO is allowed locally by pol_server.                               */

#define LS(s)	"STATE ECHO local " s " remote NO"
#define U_YES	FEED(XIAC XDO O_ECHO)
#define U_WNE	FEED(XIAC XDO O_ECHO), RL(TELOPT_ECHO, 0)
#define U_WNO	FEED(XIAC XDO O_ECHO), RL(TELOPT_ECHO, 0), RL(TELOPT_ECHO, 1)
#define U_WYE	RL(TELOPT_ECHO, 1)
#define U_WYO	RL(TELOPT_ECHO, 1), RL(TELOPT_ECHO, 0)
#define ST_E	STATE(TELOPT_ECHO)
#define DO_E	FEED(XIAC XDO O_ECHO)
#define DONT_E	FEED(XIAC XDONT O_ECHO)

static const struct tcase q_us[] = {
	/* DO received */
	{ .name = "us NO + DO, allowed: YES, WILL",
	  .steps = { ST_E, DO_E, ST_E },
	  .trace = { LS("NO"), "RECV DO ECHO", "OPT local ECHO on",
	      LS("YES") },
	  .send = B(XIAC XWILL O_ECHO) },
	{ .name = "us NO + DO, not allowed: NO, WONT",
	  .steps = { ST_T, FEED(XIAC XDO O_TTYPE), ST_T },
	  .trace = { RS("NO"), "RECV DO TTYPE", RS("NO") },
	  .send = B(XIAC XWONT O_TTYPE) },
	{ .name = "us YES + DO: ignored, no reply",
	  .steps = { U_YES, MARK, ST_E, DO_E, ST_E },
	  .trace = { LS("YES"), "RECV DO ECHO", LS("YES") },
	  .send = B("") },
	{ .name = "us WANTNO/EMPTY + DO: error, NO",
	  .steps = { U_WNE, MARK, ST_E, DO_E, ST_E },
	  .trace = { LS("WANTNO"), "RECV DO ECHO", "ERROR PROTOCOL ECHO",
	      LS("NO") },
	  .send = B("") },
	{ .name = "us WANTNO/OPPOSITE + DO: error, YES",
	  .steps = { U_WNO, MARK, ST_E, DO_E, ST_E },
	  .trace = { LS("WANTNO"), "RECV DO ECHO", "ERROR PROTOCOL ECHO",
	      "OPT local ECHO on", LS("YES") },
	  .send = B("") },
	{ .name = "us WANTYES/EMPTY + DO: YES",
	  .steps = { U_WYE, MARK, ST_E, DO_E, ST_E },
	  .trace = { LS("WANTYES"), "RECV DO ECHO", "OPT local ECHO on",
	      LS("YES") },
	  .send = B("") },
	{ .name = "us WANTYES/OPPOSITE + DO: WANTNO, WONT",
	  .steps = { U_WYO, MARK, ST_E, DO_E, ST_E, DONT_E, ST_E },
	  .trace = { LS("WANTYES"), "RECV DO ECHO", LS("WANTNO"),
	      "RECV DONT ECHO", LS("NO") },
	  .send = B(XIAC XWONT O_ECHO) },
	/* DONT received */
	{ .name = "us NO + DONT: ignored, no reply",
	  .steps = { ST_E, DONT_E, ST_E },
	  .trace = { LS("NO"), "RECV DONT ECHO", LS("NO") },
	  .send = B("") },
	{ .name = "us YES + DONT: NO, WONT",
	  .steps = { U_YES, MARK, ST_E, DONT_E, ST_E },
	  .trace = { LS("YES"), "RECV DONT ECHO", "OPT local ECHO off",
	      LS("NO") },
	  .send = B(XIAC XWONT O_ECHO) },
	{ .name = "us WANTNO/EMPTY + DONT: NO",
	  .steps = { U_WNE, MARK, ST_E, DONT_E, ST_E },
	  .trace = { LS("WANTNO"), "RECV DONT ECHO", LS("NO") },
	  .send = B("") },
	{ .name = "us WANTNO/OPPOSITE + DONT: WANTYES, WILL",
	  .steps = { U_WNO, MARK, ST_E, DONT_E, ST_E, DO_E, ST_E },
	  .trace = { LS("WANTNO"), "RECV DONT ECHO", LS("WANTYES"),
	      "RECV DO ECHO", "OPT local ECHO on", LS("YES") },
	  .send = B(XIAC XWILL O_ECHO) },
	{ .name = "us WANTYES/EMPTY + DONT: NO, refused",
	  .steps = { U_WYE, MARK, ST_E, DONT_E, ST_E },
	  .trace = { LS("WANTYES"), "RECV DONT ECHO",
	      "OPT local ECHO off refused", LS("NO") },
	  .send = B("") },
	{ .name = "us WANTYES/OPPOSITE + DONT: NO, no request",
	  .steps = { U_WYO, MARK, ST_E, DONT_E, ST_E },
	  .trace = { LS("WANTYES"), "RECV DONT ECHO",
	      "OPT local ECHO off refused", LS("NO") },
	  .send = B("") },
	/* we ask to enable our side */
	{ .name = "us NO, ask enable: WANTYES, WILL",
	  .steps = { RL(TELOPT_ECHO, 1), ST_E },
	  .trace = { "REQ local ECHO on = 0", LS("WANTYES") },
	  .send = B(XIAC XWILL O_ECHO) },
	{ .name = "us NO, ask enable, not allowed: -1, nothing sent",
	  .steps = { RL(TELOPT_TTYPE, 1), ST_T },
	  .trace = { "REQ local TTYPE on = -1", RS("NO") },
	  .send = B("") },
	{ .name = "us YES, ask enable: already enabled",
	  .steps = { U_YES, MARK, RL(TELOPT_ECHO, 1), ST_E },
	  .trace = { "REQ local ECHO on = -1", LS("YES") },
	  .send = B("") },
	{ .name = "us WANTNO/EMPTY, ask enable: queued",
	  .steps = { U_WNE, MARK, RL(TELOPT_ECHO, 1), ST_E, DONT_E, ST_E,
	      DO_E, ST_E },
	  .trace = { "REQ local ECHO on = 0", LS("WANTNO"), "RECV DONT ECHO",
	      LS("WANTYES"), "RECV DO ECHO", "OPT local ECHO on",
	      LS("YES") },
	  .send = B(XIAC XWILL O_ECHO) },
	{ .name = "us WANTNO/OPPOSITE, ask enable: already queued",
	  .steps = { U_WNO, MARK, RL(TELOPT_ECHO, 1), ST_E },
	  .trace = { "REQ local ECHO on = -1", LS("WANTNO") },
	  .send = B("") },
	{ .name = "us WANTYES/EMPTY, ask enable: already negotiating",
	  .steps = { U_WYE, MARK, RL(TELOPT_ECHO, 1), ST_E },
	  .trace = { "REQ local ECHO on = -1", LS("WANTYES") },
	  .send = B("") },
	{ .name = "us WANTYES/OPPOSITE, ask enable: queue emptied",
	  .steps = { U_WYO, MARK, RL(TELOPT_ECHO, 1), ST_E, DO_E, ST_E },
	  .trace = { "REQ local ECHO on = 0", LS("WANTYES"), "RECV DO ECHO",
	      "OPT local ECHO on", LS("YES") },
	  .send = B("") },
	/* we ask to disable our side */
	{ .name = "us NO, ask disable: already disabled",
	  .steps = { RL(TELOPT_ECHO, 0), ST_E },
	  .trace = { "REQ local ECHO off = -1", LS("NO") },
	  .send = B("") },
	{ .name = "us YES, ask disable: WANTNO, WONT, reported off",
	  .steps = { U_YES, MARK, RL(TELOPT_ECHO, 0), ST_E, DONT_E, ST_E },
	  .trace = { "OPT local ECHO off", "REQ local ECHO off = 0",
	      LS("WANTNO"), "RECV DONT ECHO", LS("NO") },
	  .send = B(XIAC XWONT O_ECHO) },
	{ .name = "us WANTNO/EMPTY, ask disable: already negotiating",
	  .steps = { U_WNE, MARK, RL(TELOPT_ECHO, 0), ST_E },
	  .trace = { "REQ local ECHO off = -1", LS("WANTNO") },
	  .send = B("") },
	{ .name = "us WANTNO/OPPOSITE, ask disable: queue emptied",
	  .steps = { U_WNO, MARK, RL(TELOPT_ECHO, 0), ST_E, DONT_E, ST_E },
	  .trace = { "REQ local ECHO off = 0", LS("WANTNO"),
	      "RECV DONT ECHO", LS("NO") },
	  .send = B("") },
	{ .name = "us WANTYES/EMPTY, ask disable: queued",
	  .steps = { U_WYE, MARK, RL(TELOPT_ECHO, 0), ST_E, DO_E, ST_E,
	      DONT_E, ST_E },
	  .trace = { "REQ local ECHO off = 0", LS("WANTYES"), "RECV DO ECHO",
	      LS("WANTNO"), "RECV DONT ECHO", LS("NO") },
	  .send = B(XIAC XWONT O_ECHO) },
	{ .name = "us WANTYES/OPPOSITE, ask disable: already queued",
	  .steps = { U_WYO, MARK, RL(TELOPT_ECHO, 0), ST_E },
	  .trace = { "REQ local ECHO off = -1", LS("WANTYES") },
	  .send = B("") },
};

/* ------------------------------------------------------------------ */
/* telnet_probe: asked, never on.  ECHO is not allowed remotely by       */
/* pol_server, TTYPE not locally; ECHO is allowed locally: a probe of an */
/* allowed option still never turns it on.                              */

#define RE(s)	"STATE ECHO local NO remote " s
#define ST_EE	STATE(TELOPT_ECHO)

static const struct tcase probe[] = {
	{ .name = "probe remote, accepted: DONT at once, never YES",
	  .steps = { PROBE(TELOPT_ECHO, 0), ST_EE,
	      FEED(XIAC XWILL O_ECHO), ST_EE, FEED(XIAC XWONT O_ECHO),
	      ST_EE },
	  .trace = { "PROBE remote ECHO = 0", RE("WANTYES"),
	      "RECV WILL ECHO", RE("WANTNO"), "RECV WONT ECHO", RE("NO") },
	  .send = B(XIAC XDO O_ECHO XIAC XDONT O_ECHO) },
	{ .name = "probe remote, refused: NO, no OPTION on",
	  .steps = { PROBE(TELOPT_ECHO, 0), FEED(XIAC XWONT O_ECHO),
	      ST_EE },
	  .trace = { "PROBE remote ECHO = 0", "RECV WONT ECHO",
	      "OPT remote ECHO off refused", RE("NO") },
	  .send = B(XIAC XDO O_ECHO) },
	{ .name = "probe local, accepted: WONT at once",
	  .steps = { PROBE(TELOPT_TTYPE, 1), FEED(XIAC XDO O_TTYPE),
	      STATE(TELOPT_TTYPE), FEED(XIAC XDONT O_TTYPE),
	      STATE(TELOPT_TTYPE) },
	  .trace = { "PROBE local TTYPE = 0", "RECV DO TTYPE",
	      "STATE TTYPE local WANTNO remote NO", "RECV DONT TTYPE",
	      "STATE TTYPE local NO remote NO" },
	  .send = B(XIAC XWILL O_TTYPE XIAC XWONT O_TTYPE) },
	{ .name = "probe of an allowed option: still never on",
	  .steps = { PROBE(TELOPT_ECHO, 1), FEED(XIAC XDO O_ECHO),
	      FEED(XIAC XDONT O_ECHO), ST_EE },
	  .trace = { "PROBE local ECHO = 0", "RECV DO ECHO",
	      "RECV DONT ECHO", "STATE ECHO local NO remote NO" },
	  .send = B(XIAC XWILL O_ECHO XIAC XWONT O_ECHO) },
	{ .name = "probe, then the peer says yes again: error, still NO",
	  .steps = { PROBE(TELOPT_ECHO, 0), FEED(XIAC XWILL O_ECHO),
	      FEED(XIAC XWILL O_ECHO), ST_EE },
	  .trace = { "PROBE remote ECHO = 0", "RECV WILL ECHO",
	      "RECV WILL ECHO", "ERROR PROTOCOL ECHO", RE("NO") },
	  .send = B(XIAC XDO O_ECHO XIAC XDONT O_ECHO) },
	{ .name = "probe while asked already: -1, nothing sent",
	  .steps = { RR(TELOPT_TTYPE, 1), MARK, PROBE(TELOPT_TTYPE, 0),
	      STATE(TELOPT_TTYPE) },
	  .trace = { "PROBE remote TTYPE = -1",
	      "STATE TTYPE local NO remote WANTYES" },
	  .send = B("") },
	{ .name = "probe while on: -1",
	  .steps = { FEED(XIAC XWILL O_TTYPE), MARK,
	      PROBE(TELOPT_TTYPE, 0) },
	  .trace = { "PROBE remote TTYPE = -1" },
	  .send = B("") },
	{ .name = "probe TIMING-MARK: -1 (a question, not a state)",
	  .steps = { PROBE(TELOPT_TM, 0), PROBE(TELOPT_TM, 1) },
	  .trace = { "PROBE remote TM = -1", "PROBE local TM = -1" },
	  .send = B("") },
	{ .name = "probe, the peer's subnegotiation before our DONT: decoded",
	  .steps = { PROBE(TELOPT_NAWS, 0), FEED(XIAC XWILL O_NAWS
	      SBEG(O_NAWS) "\x00\x50\x00\x18" SEND_),
	      STATE(TELOPT_NAWS) },
	  .trace = { "PROBE remote NAWS = 0", "RECV WILL NAWS", "NAWS 80x24",
	      "STATE NAWS local NO remote WANTNO" },
	  .send = B(XIAC XDO O_NAWS XIAC XDONT O_NAWS) },
};

/* ------------------------------------------------------------------ */
/* Negotiation beyond the tables: loops, unknown options, both sides of  */
/* one option, TIMING-MARK, LOGOUT, the engine as a client.             */

static const struct tcase negotiation[] = {
	{ .name = "unknown option: DO/WILL refused, DONT/WONT never answered",
	  .steps = { FEED(XIAC XDO "\xc8" XIAC XWILL "\xc8" XIAC XDONT "\xc8"
	      XIAC XWONT "\xc8"), STATE(200) },
	  .trace = { "RECV DO 200", "RECV WILL 200", "RECV DONT 200",
	      "RECV WONT 200", "STATE 200 local NO remote NO" },
	  .send = B(XIAC XWONT "\xc8" XIAC XDONT "\xc8") },
	{ .name = "policy none: everything refused",
	  .policy = pol_none,
	  .steps = { FEED(XIAC XDO O_ECHO XIAC XWILL O_TTYPE XIAC XDO O_BINARY
	      XIAC XWILL O_BINARY) },
	  .trace = { "RECV DO ECHO", "RECV WILL TTYPE", "RECV DO BINARY",
	      "RECV WILL BINARY" },
	  .send = B(XIAC XWONT O_ECHO XIAC XDONT O_TTYPE XIAC XWONT O_BINARY
	      XIAC XDONT O_BINARY) },
	{ .name = "no loop: repeated WILL/WONT answered only on change",
	  .steps = { FEED(XIAC XWILL O_TTYPE XIAC XWILL O_TTYPE XIAC XWONT
	      O_TTYPE XIAC XWONT O_TTYPE XIAC XWILL O_TTYPE), ST_T },
	  .trace = { "RECV WILL TTYPE", "OPT remote TTYPE on",
	      "RECV WILL TTYPE", "RECV WONT TTYPE", "OPT remote TTYPE off",
	      "RECV WONT TTYPE", "RECV WILL TTYPE", "OPT remote TTYPE on",
	      RS("YES") },
	  .send = B(XIAC XDO O_TTYPE XIAC XDONT O_TTYPE XIAC XDO O_TTYPE) },
	{ .name = "no loop: our own request echoed back is an answer",
	  .steps = { RR(TELOPT_TTYPE, 1), FEED(XIAC XWILL O_TTYPE XIAC XWILL
	      O_TTYPE), ST_T },
	  .trace = { "REQ remote TTYPE on = 0", "RECV WILL TTYPE",
	      "OPT remote TTYPE on", "RECV WILL TTYPE", RS("YES") },
	  .send = B(XIAC XDO O_TTYPE) },
	{ .name = "both sides of one option are independent",
	  .steps = { FEED(XIAC XDO O_SGA XIAC XWILL O_SGA), STATE(TELOPT_SGA),
	      FEED(XIAC XDONT O_SGA), STATE(TELOPT_SGA) },
	  .trace = { "RECV DO SGA", "OPT local SGA on", "RECV WILL SGA",
	      "OPT remote SGA on", "STATE SGA local YES remote YES",
	      "RECV DONT SGA", "OPT local SGA off",
	      "STATE SGA local NO remote YES" },
	  .send = B(XIAC XWILL O_SGA XIAC XDO O_SGA XIAC XWONT O_SGA) },
	{ .name = "negotiation between data keeps the data order",
	  .steps = { FEED("ab" XIAC XDO O_ECHO "cd") },
	  .trace = { "DATA \"ab\"", "RECV DO ECHO", "OPT local ECHO on",
	      "DATA \"cd\"" },
	  .send = B(XIAC XWILL O_ECHO) },
	{ .name = "option 255 (EXOPL) is an option like any other",
	  .steps = { FEED(XIAC XDO "\xff" XIAC XWILL "\xff" "x") },
	  .trace = { "RECV DO 255", "RECV WILL 255", "DATA \"x\"" },
	  .send = B(XIAC XWONT "\xff" XIAC XDONT "\xff") },
	/* TIMING-MARK (RFC 860): a question, never a state. */
	{ .name = "TM: DO TM answered WILL TM, state stays NO",
	  .steps = { FEED("a" XIAC XDO O_TM "b"), STATE(TELOPT_TM) },
	  .trace = { "DATA \"a\"", "RECV DO TM", "TM local on", "DATA \"b\"",
	      "STATE TM local NO remote NO" },
	  .send = B(XIAC XWILL O_TM) },
	{ .name = "TM: every DO TM is answered",
	  .steps = { FEED(XIAC XDO O_TM XIAC XDO O_TM), STATE(TELOPT_TM) },
	  .trace = { "RECV DO TM", "TM local on", "RECV DO TM", "TM local on",
	      "STATE TM local NO remote NO" },
	  .send = B(XIAC XWILL O_TM XIAC XWILL O_TM) },
	{ .name = "TM: refused by policy, WONT TM",
	  .policy = pol_notm,
	  .steps = { FEED(XIAC XDO O_TM), STATE(TELOPT_TM) },
	  .trace = { "RECV DO TM", "TM local off",
	      "STATE TM local NO remote NO" },
	  .send = B(XIAC XWONT O_TM) },
	{ .name = "TM: not a state, so telnet_request_* refuses it",
	  .steps = { RL(TELOPT_TM, 1), RR(TELOPT_TM, 1), RL(TELOPT_TM, 0),
	      RR(TELOPT_TM, 0), STATE(TELOPT_TM) },
	  .trace = { "REQ local TM on = -1", "REQ remote TM on = -1",
	      "REQ local TM off = -1", "REQ remote TM off = -1",
	      "STATE TM local NO remote NO" },
	  .send = B("") },
	{ .name = "TM: DONT TM ignored",
	  .steps = { FEED(XIAC XDONT O_TM), STATE(TELOPT_TM) },
	  .trace = { "RECV DONT TM", "STATE TM local NO remote NO" },
	  .send = B("") },
	{ .name = "TM: a CR before DO TM gets its NUL before WILL TM",
	  .steps = { SEND("x\r"), FEED(XIAC XDO O_TM) },
	  .trace = { "RECV DO TM", "TM local on" },
	  .send = B("x\r\0" XIAC XWILL O_TM), .data = "0-1" },
	{ .name = "TM client: DO TM, WILL TM answer",
	  .client = 1, .policy = pol_client,
	  .steps = { DOTM, FEED(XIAC XWILL O_TM), STATE(TELOPT_TM) },
	  .trace = { "RECV WILL TM", "TM remote on",
	      "STATE TM local NO remote NO" },
	  .send = B(XIAC XDO O_TM) },
	{ .name = "TM client: DO TM, WONT TM answer",
	  .client = 1, .policy = pol_client,
	  .steps = { DOTM, FEED(XIAC XWONT O_TM), STATE(TELOPT_TM) },
	  .trace = { "RECV WONT TM", "TM remote off",
	      "STATE TM local NO remote NO" },
	  .send = B(XIAC XDO O_TM) },
	{ .name = "LOGOUT: DO LOGOUT accepted",
	  .steps = { FEED(XIAC XDO O_LOGOUT), STATE(TELOPT_LOGOUT) },
	  .trace = { "RECV DO LOGOUT", "OPT local LOGOUT on",
	      "STATE LOGOUT local YES remote NO" },
	  .send = B(XIAC XWILL O_LOGOUT) },
	{ .name = "client: answers a server's opening requests",
	  .client = 1, .policy = pol_client,
	  .steps = { FEED(XIAC XDO O_TTYPE XIAC XDO O_NAWS XIAC XWILL O_ECHO
	      XIAC XWILL O_SGA XIAC XDO O_ECHO XIAC XWILL O_TTYPE) },
	  .trace = { "RECV DO TTYPE", "OPT local TTYPE on", "RECV DO NAWS",
	      "OPT local NAWS on", "RECV WILL ECHO", "OPT remote ECHO on",
	      "RECV WILL SGA", "OPT remote SGA on", "RECV DO ECHO",
	      "RECV WILL TTYPE" },
	  .send = B(XIAC XWILL O_TTYPE XIAC XWILL O_NAWS XIAC XDO O_ECHO
	      XIAC XDO O_SGA XIAC XWONT O_ECHO XIAC XDONT O_TTYPE) },
	{ .name = "client: asks for its own side, server agrees",
	  .client = 1, .policy = pol_client,
	  .steps = { RL(TELOPT_NAWS, 1), FEED(XIAC XDO O_NAWS),
	      STATE(TELOPT_NAWS) },
	  .trace = { "REQ local NAWS on = 0", "RECV DO NAWS",
	      "OPT local NAWS on", "STATE NAWS local YES remote NO" },
	  .send = B(XIAC XWILL O_NAWS) },
	{ .name = "server: opening requests and a client's answers",
	  .steps = { RL(TELOPT_ECHO, 1), RL(TELOPT_SGA, 1),
	      RR(TELOPT_TTYPE, 1), RR(TELOPT_NAWS, 1),
	      RR(TELOPT_NEW_ENVIRON, 1), RR(TELOPT_LINEMODE, 1),
	      FEED(XIAC XDO O_ECHO XIAC XDO O_SGA XIAC XWILL O_TTYPE XIAC
	      XWILL O_NAWS XIAC XWONT O_NEWENV XIAC XWONT O_LINEMODE) },
	  .trace = { "REQ local ECHO on = 0", "REQ local SGA on = 0",
	      "REQ remote TTYPE on = 0", "REQ remote NAWS on = 0",
	      "REQ remote NEWENV on = 0", "REQ remote LINEMODE on = 0",
	      "RECV DO ECHO", "OPT local ECHO on", "RECV DO SGA",
	      "OPT local SGA on", "RECV WILL TTYPE", "OPT remote TTYPE on",
	      "RECV WILL NAWS", "OPT remote NAWS on", "RECV WONT NEWENV",
	      "OPT remote NEWENV off refused", "RECV WONT LINEMODE",
	      "OPT remote LINEMODE off refused" },
	  .send = B(XIAC XWILL O_ECHO XIAC XWILL O_SGA XIAC XDO O_TTYPE
	      XIAC XDO O_NAWS XIAC XDO O_NEWENV XIAC XDO O_LINEMODE) },
};

/* ------------------------------------------------------------------ */
/* Commands (RFC 854, RFC 885, RFC 1184)                                */

static const struct tcase commands[] = {
	{ .name = "NOP", .steps = { FEED("a" XIAC XNOP "b") },
	  .trace = { "DATA \"a\"", "CMD NOP", "DATA \"b\"" } },
	{ .name = "DM outside a Synch", .steps = { FEED("a" XIAC XDM "b") },
	  .trace = { "DATA \"a\"", "CMD DM", "DATA \"b\"" } },
	{ .name = "BRK", .steps = { FEED(XIAC XBRK) },
	  .trace = { "CMD BRK" } },
	{ .name = "IP", .steps = { FEED(XIAC XIP) }, .trace = { "CMD IP" } },
	{ .name = "AO", .steps = { FEED(XIAC XAO) }, .trace = { "CMD AO" } },
	{ .name = "AYT", .steps = { FEED(XIAC XAYT) },
	  .trace = { "CMD AYT" } },
	{ .name = "EC", .steps = { FEED("ab" XIAC XEC) },
	  .trace = { "DATA \"ab\"", "CMD EC" } },
	{ .name = "EL", .steps = { FEED("ab" XIAC XEL) },
	  .trace = { "DATA \"ab\"", "CMD EL" } },
	{ .name = "GA", .steps = { FEED(XIAC XGA) }, .trace = { "CMD GA" } },
	{ .name = "EOR", .steps = { FEED("x" XIAC XEOR) },
	  .trace = { "DATA \"x\"", "CMD EOR" } },
	{ .name = "ABORT", .steps = { FEED(XIAC XABORT) },
	  .trace = { "CMD ABORT" } },
	{ .name = "SUSP", .steps = { FEED(XIAC XSUSP) },
	  .trace = { "CMD SUSP" } },
	{ .name = "EOF", .steps = { FEED(XIAC XEOF) },
	  .trace = { "CMD EOF" } },
	{ .name = "CVE-2022-39028: IAC EC as the very first bytes",
	  .steps = { FEED(XIAC XEC) }, .trace = { "CMD EC" } },
	{ .name = "CVE-2022-39028: IAC EL as the very first bytes",
	  .steps = { FEED(XIAC XEL) }, .trace = { "CMD EL" } },
	{ .name = "CVE-2022-39028: EC EL EC EL with no data",
	  .steps = { FEED(XIAC XEL XIAC XEC XIAC XEL XIAC XEC) },
	  .trace = { "CMD EL", "CMD EC", "CMD EL", "CMD EC" } },
	{ .name = "IAC IAC is one data byte 255",
	  .steps = { FEED("a" XIAC XIAC "b" XIAC XIAC) },
	  .trace = { "DATA \"a\\xffb\\xff\"" } },
	{ .name = "IAC IAC IAC NOP",
	  .steps = { FEED(XIAC XIAC XIAC XNOP) },
	  .trace = { "DATA \"\\xff\"", "CMD NOP" } },
	{ .name = "unknown commands are ignored",
	  .steps = { FEED("a" XIAC "\x01" "b" XIAC "\x00" "c" XIAC "\x7f" "d"
	      XIAC "\xeb" "e" XIAC "\xfe") },
	  .trace = { "DATA \"abcde\"" } },
	{ .name = "IAC SE outside a subnegotiation is ignored",
	  .steps = { FEED("a" XIAC XSE "b") },
	  .trace = { "DATA \"ab\"" } },
	{ .name = "a trailing lone IAC waits for the next feed",
	  .steps = { FEED("a" XIAC), FEED(XAYT "b") },
	  .trace = { "DATA \"a\"", "CMD AYT", "DATA \"b\"" } },
	{ .name = "IAC verb split from its option",
	  .steps = { FEED(XIAC XDO), FEED(O_ECHO) },
	  .trace = { "RECV DO ECHO", "OPT local ECHO on" },
	  .send = B(XIAC XWILL O_ECHO) },
	{ .name = "AYT flood (CVE-2001-0554 shape): each one reported",
	  .steps = { FEED(XIAC XAYT XIAC XAYT XIAC XAYT XIAC XAYT XIAC XAYT
	      XIAC XAYT XIAC XAYT XIAC XAYT) },
	  .trace = { "CMD AYT", "CMD AYT", "CMD AYT", "CMD AYT", "CMD AYT",
	      "CMD AYT", "CMD AYT", "CMD AYT" } },
	{ .name = "commands while the peer is in BINARY",
	  .steps = { FEED(XIAC XWILL O_BINARY), MARK,
	      FEED("\r" XIAC XIP "\n" XIAC XIAC) },
	  .trace = { "DATA \"\\r\"", "CMD IP", "DATA \"\\n\\xff\"" } },
};

/* ------------------------------------------------------------------ */
/* NVT end of line on input (RFC 854, RFC 1123 3.3.1); none in BINARY   */

#define PEER_BINARY	FEED(XIAC XWILL O_BINARY), MARK

static const struct tcase crlf_in[] = {
	{ .name = "CR LF", .steps = { FEED("ab\r\ncd") },
	  .trace = { "DATA \"ab\"", "EOL CR", "EOL LF", "DATA \"cd\"" } },
	{ .name = "CR NUL: the NUL is dropped", .steps = { FEED("ab\r\0cd") },
	  .trace = { "DATA \"ab\"", "EOL CR", "DATA \"cd\"" } },
	{ .name = "bare CR followed by data", .steps = { FEED("ab\rcd") },
	  .trace = { "DATA \"ab\"", "EOL CR", "DATA \"cd\"" } },
	{ .name = "CR at the end of a feed, LF in the next",
	  .steps = { FEED("ab\r"), FEED("\ncd") },
	  .trace = { "DATA \"ab\"", "EOL CR", "EOL LF", "DATA \"cd\"" } },
	{ .name = "CR at the end of a feed, NUL in the next",
	  .steps = { FEED("ab\r"), FEED("\0cd") },
	  .trace = { "DATA \"ab\"", "EOL CR", "DATA \"cd\"" } },
	{ .name = "CR at the end of a feed, data in the next",
	  .steps = { FEED("ab\r"), FEED("cd") },
	  .trace = { "DATA \"ab\"", "EOL CR", "DATA \"cd\"" } },
	{ .name = "CR at the very end is reported at once (RFC 1123 3.3.1)",
	  .steps = { FEED("ab\r") },
	  .trace = { "DATA \"ab\"", "EOL CR" } },
	{ .name = "CR reported before its LF arrives",
	  .steps = { FEED("ab\r"), MARK, FEED("\n") },
	  .trace = { "EOL LF" } },
	{ .name = "bare LF is data", .steps = { FEED("ab\ncd\n") },
	  .trace = { "DATA \"ab\\ncd\\n\"" } },
	{ .name = "LF CR LF", .steps = { FEED("\n\r\n") },
	  .trace = { "DATA \"\\n\"", "EOL CR", "EOL LF" } },
	{ .name = "CR LF LF: the second LF is data", .steps = { FEED("\r\n\n") },
	  .trace = { "EOL CR", "EOL LF", "DATA \"\\n\"" } },
	{ .name = "CR CR LF", .steps = { FEED("\r\r\n") },
	  .trace = { "EOL CR", "EOL CR", "EOL LF" } },
	{ .name = "CR CR NUL CR", .steps = { FEED("\r\r\0\r"), FEED("x") },
	  .trace = { "EOL CR", "EOL CR", "EOL CR", "DATA \"x\"" } },
	{ .name = "NUL alone is data", .steps = { FEED("a\0b") },
	  .trace = { "DATA \"a\\x00b\"" } },
	{ .name = "CR NUL NUL: the second NUL is data",
	  .steps = { FEED("\r\0\0") },
	  .trace = { "EOL CR", "DATA \"\\x00\"" } },
	{ .name = "CR then IAC IAC: bare CR, data 255",
	  .steps = { FEED("\r" XIAC XIAC) },
	  .trace = { "EOL CR", "DATA \"\\xff\"" } },
	{ .name = "CR then a command: bare CR, the LF after it is data",
	  .steps = { FEED("\r" XIAC XNOP "\n") },
	  .trace = { "EOL CR", "CMD NOP", "DATA \"\\n\"" } },
	{ .name = "lines of text",
	  .steps = { FEED("login: bob\r\npass\r\n\r\n") },
	  .trace = { "DATA \"login: bob\"", "EOL CR", "EOL LF",
	      "DATA \"pass\"", "EOL CR", "EOL LF", "EOL CR", "EOL LF" } },
	{ .name = "BINARY: CR LF, CR NUL and bare CR are data",
	  .steps = { PEER_BINARY, FEED("a\r\nb\r\0c\rd\r") },
	  .trace = { "DATA \"a\\r\\nb\\r\\x00c\\rd\\r\"" } },
	{ .name = "our BINARY alone does not change input",
	  .steps = { FEED(XIAC XDO O_BINARY), MARK, FEED("a\r\nb") },
	  .trace = { "DATA \"a\"", "EOL CR", "EOL LF", "DATA \"b\"" } },
	{ .name = "BINARY on in the middle of a feed",
	  .steps = { FEED("a\r\n" XIAC XWILL O_BINARY "b\r\nc") },
	  .trace = { "DATA \"a\"", "EOL CR", "EOL LF", "RECV WILL BINARY",
	      "OPT remote BINARY on", "DATA \"b\\r\\nc\"" },
	  .send = B(XIAC XDO O_BINARY) },
	{ .name = "CR pending when the peer's BINARY comes on",
	  .steps = { FEED("a\r"), FEED(XIAC XWILL O_BINARY "\n") },
	  .trace = { "DATA \"a\"", "EOL CR", "RECV WILL BINARY",
	      "OPT remote BINARY on", "DATA \"\\n\"" },
	  .send = B(XIAC XDO O_BINARY) },
	{ .name = "BINARY: runs of IAC IAC, a command, IAC IAC at the end",
	  .steps = { PEER_BINARY, FEED("a" XIAC XIAC XIAC XIAC "b\r" XIAC XIAC
	      XIAC XNOP "c" XIAC XIAC) },
	  .trace = { "DATA \"a\\xff\\xffb\\r\\xff\"", "CMD NOP",
	      "DATA \"c\\xff\"" } },
	{ .name = "IAC IAC next to CR LF and a bare CR",
	  .steps = { FEED("a" XIAC XIAC "\r\n" XIAC XIAC "\r" XIAC XIAC "\r") },
	  .trace = { "DATA \"a\\xff\"", "EOL CR", "EOL LF",
	      "DATA \"\\xff\"", "EOL CR", "DATA \"\\xff\"", "EOL CR" } },
	{ .name = "BINARY off again: NVT rules return",
	  .steps = { PEER_BINARY, FEED("a\r\n" XIAC XWONT O_BINARY "b\r\nc") },
	  .trace = { "DATA \"a\\r\\n\"", "RECV WONT BINARY",
	      "OPT remote BINARY off", "DATA \"b\"", "EOL CR", "EOL LF",
	      "DATA \"c\"" },
	  .send = B(XIAC XDONT O_BINARY) },
};

/* ------------------------------------------------------------------ */
/* Encoding data: telnet_send and telnet_send_command                   */

#define OUR_BINARY	FEED(XIAC XDO O_BINARY), MARK

static const struct tcase encode[] = {
	{ .name = "plain data goes out unchanged", .steps = { SEND("hello") },
	  .send = B("hello"), .data = "0-4" },
	{ .name = "empty send sends nothing", .steps = { SEND("") },
	  .send = B("") },
	{ .name = "IAC doubled", .steps = { SEND("a\xff" "b") },
	  .send = B("a\xff\xff" "b"), .data = "0-3" },
	{ .name = "IAC IAC doubled twice", .steps = { SEND("\xff\xff") },
	  .send = B("\xff\xff\xff\xff"), .data = "0-3" },
	{ .name = "bare CR becomes CR NUL", .steps = { SEND("a\rb") },
	  .send = B("a\r\0b"), .data = "0-3" },
	{ .name = "CR LF untouched", .steps = { SEND("a\r\nb\r\n") },
	  .send = B("a\r\nb\r\n"), .data = "0-5" },
	{ .name = "CR CR LF", .steps = { SEND("\r\r\n") },
	  .send = B("\r\0\r\n"), .data = "0-3" },
	{ .name = "CR NUL from the caller: the CR is bare, NUL is data",
	  .steps = { SEND("\r\0") }, .send = B("\r\0\0"), .data = "0-2" },
	{ .name = "CR IAC", .steps = { SEND("\r\xff") },
	  .send = B("\r\0\xff\xff"), .data = "0-3" },
	{ .name = "CR at the end of one send, LF at the start of the next",
	  .steps = { SEND("a\r"), SEND("\nb") }, .send = B("a\r\nb"), .data = "0-3" },
	{ .name = "CR at the end of one send, data in the next",
	  .steps = { SEND("a\r"), SEND("b") }, .send = B("a\r\0b"), .data = "0-3" },
	{ .name = "CR at the end of one send, CR in the next",
	  .steps = { SEND("a\r"), SEND("\r\n") }, .send = B("a\r\0\r\n"), .data = "0-4" },
	{ .name = "CR at the end of one send, IAC in the next",
	  .steps = { SEND("\r"), SEND("\xff") }, .send = B("\r\0\xff\xff"), .data = "0-3" },
	{ .name = "CR at the end of the last send is sent at once",
	  .steps = { SEND("a\r") }, .send = B("a\r"), .data = "0-1" },
	{ .name = "CR then a command: NUL goes before the command",
	  .steps = { SEND("a\r"), CMD(TELNET_NOP) },
	  .send = B("a\r\0" XIAC XNOP), .data = "0-1" },
	{ .name = "CR then a negotiation reply: NUL first",
	  .steps = { SEND("a\r"), FEED(XIAC XDO O_ECHO), SEND("\n") },
	  .trace = { "RECV DO ECHO", "OPT local ECHO on" },
	  .send = B("a\r\0" XIAC XWILL O_ECHO "\n"), .data = "0-1,6" },
	{ .name = "CR then a request: NUL first",
	  .steps = { SEND("\r"), RL(TELOPT_ECHO, 1) },
	  .trace = { "REQ local ECHO on = 0" },
	  .send = B("\r\0" XIAC XWILL O_ECHO), .data = "0" },
	{ .name = "our BINARY: CR is data, IAC still doubled",
	  .steps = { OUR_BINARY, SEND("a\rb\r\n\r\xff") },
	  .send = B("a\rb\r\n\r\xff\xff"), .data = "0-7" },
	{ .name = "peer BINARY alone: our output is still NVT",
	  .steps = { PEER_BINARY, SEND("a\rb") }, .send = B("a\r\0b"), .data = "0-3" },
	{ .name = "CR sent in NVT mode keeps its NUL when BINARY comes on",
	  .steps = { SEND("a\r"), FEED(XIAC XDO O_BINARY), SEND("x\r") },
	  .trace = { "RECV DO BINARY", "OPT local BINARY on" },
	  .send = B("a\r\0" XIAC XWILL O_BINARY "x\r"), .data = "0-1,6-7" },
	{ .name = "NUL and LF are data",
	  .steps = { SEND("\0\n\0") }, .send = B("\0\n\0"), .data = "0-2" },
	{ .name = "commands",
	  .steps = { CMD(TELNET_NOP), CMD(TELNET_AYT), CMD(TELNET_IP),
	      CMD(TELNET_GA), CMD(TELNET_EOR) },
	  .send = B(XIAC XNOP XIAC XAYT XIAC XIP XIAC XGA XIAC XEOR) },
	{ .name = "DM is urgent",
	  .steps = { CMD(TELNET_DM) }, .send = B(XIAC XDM), .urgent = "1" },
	{ .name = "Synch: data, IP, DM; only DM urgent",
	  .steps = { SEND("ab"), CMD(TELNET_IP), CMD(TELNET_DM), SEND("c"),
	      CMD(TELNET_DM) },
	  .send = B("ab" XIAC XIP XIAC XDM "c" XIAC XDM), .urgent = "5,8", .data = "0-1,6" },
	{ .name = "CR then DM: NUL is not urgent, DM is",
	  .steps = { SEND("\r"), CMD(TELNET_DM) },
	  .send = B("\r\0" XIAC XDM), .urgent = "3", .data = "0" },
};

/* ------------------------------------------------------------------ */
/* Synch (RFC 854): data discarded until IAC DM, commands still act     */

static const struct tcase synch[] = {
	{ .name = "data discarded until DM",
	  .steps = { SYNCH, INSYNCH, FEED("abc" XIAC XDM "def"), INSYNCH },
	  .trace = { "SYNCH 1", "CMD DM", "DATA \"def\"", "SYNCH 0" } },
	{ .name = "commands act during a Synch",
	  .steps = { SYNCH, FEED("abc" XIAC XIP "x" XIAC XAYT "y" XIAC XDM
	      "z") },
	  .trace = { "CMD IP", "CMD AYT", "CMD DM", "DATA \"z\"" } },
	{ .name = "negotiation acts during a Synch",
	  .steps = { SYNCH, FEED("a" XIAC XDO O_ECHO "b" XIAC XDM "c") },
	  .trace = { "RECV DO ECHO", "OPT local ECHO on", "CMD DM",
	      "DATA \"c\"" },
	  .send = B(XIAC XWILL O_ECHO) },
	{ .name = "no EOL during a Synch",
	  .steps = { SYNCH, FEED("a\r\nb\r\0" XIAC XDM "c\r\n") },
	  .trace = { "CMD DM", "DATA \"c\"", "EOL CR", "EOL LF" } },
	{ .name = "IAC IAC during a Synch is discarded data, not a DM",
	  .steps = { SYNCH, FEED(XIAC XIAC XDM "a" XIAC XDM "b") },
	  .trace = { "CMD DM", "DATA \"b\"" } },
	{ .name = "Synch over several feeds",
	  .steps = { SYNCH, FEED("aaa"), FEED("bbb" XIAC), INSYNCH,
	      FEED(XDM "c"), INSYNCH },
	  .trace = { "SYNCH 1", "CMD DM", "DATA \"c\"", "SYNCH 0" } },
	{ .name = "the urgent data arrives after the DM already passed",
	  .steps = { FEED("a" XIAC XDM), SYNCH, FEED("b" XIAC XDM "c") },
	  .trace = { "DATA \"a\"", "CMD DM", "CMD DM", "DATA \"c\"" } },
	{ .name = "subnegotiations act during a Synch",
	  .steps = { FEED(XIAC XWILL O_NAWS), MARK, SYNCH,
	      FEED("x" SBEG(O_NAWS) "\0\x50\0\x18" SEND_ "y" XIAC XDM "z") },
	  .trace = { "NAWS 80x24", "CMD DM", "DATA \"z\"" } },
};

/* ------------------------------------------------------------------ */
/* Split sweeps: one sequence cut into two chunks at every index, and     */
/* into three at every pair of indexes, gives the same trace and SEND     */
/* bytes as the whole sequence fed at once.                              */

#define SEQ(s)	{ (const unsigned char *)(s), sizeof(s) - 1 }

static const struct {
	const unsigned char *p;
	size_t n;
} sweep_inputs[] = {
	SEQ("login\r\n" XIAC XWILL O_TTYPE XIAC XWILL O_NAWS "a\rb\r\0c"
	    XIAC XIAC "d" XIAC XAYT),
	SEQ(XIAC XWILL O_NAWS SBEG(O_NAWS) "\0\xff\xff\0\x18" SEND_ "x\r"),
	SEQ(XIAC XWILL O_NEWENV SBEG(O_NEWENV) "\0\0USER\1bob\3X\2\0Y" SEND_
	    XIAC XDO O_ECHO "\r\n"),
	SEQ(XIAC XWILL O_TTYPE SBEG(O_TTYPE) "\0xt" XIAC XIAC "rm" XIAC XNOP
	    SBEG(O_TTYPE) "\0vt100" SEND_ "q"),
	SEQ(XIAC XWILL O_BINARY "a\r\n\r" XIAC XWONT O_BINARY "b\r\n"
	    XIAC XDO O_TM XIAC XEC XIAC XEL),
	SEQ(SBEG(O_ENCRYPT) "\x07" "abcdef" SEND_ "ok" XIAC XSB),
};

static void
test_split_sweep(void **state)
{
	struct telnet_config cfg;
	struct capture whole, part;
	struct sbuf report = { 0 };
	const unsigned char *ch[3];
	size_t len[3], k, i, j, fails = 0;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	for (k = 0; k < sizeof(sweep_inputs) / sizeof(sweep_inputs[0]); k++) {
		const unsigned char *p = sweep_inputs[k].p;
		size_t n = sweep_inputs[k].n;

		ch[0] = p;
		len[0] = n;
		capture_run(&cfg, ch, len, 1, &whole);
		for (i = 0; i <= n; i++) {
			for (j = i; j <= n; j++) {
				ch[0] = p;
				len[0] = i;
				ch[1] = p + i;
				len[1] = j - i;
				ch[2] = p + j;
				len[2] = n - j;
				capture_run(&cfg, ch, len, 3, &part);
				if (strcmp(whole.trace.p, part.trace.p) != 0 ||
				    whole.send.len != part.send.len ||
				    memcmp(whole.send.p, part.send.p,
				    whole.send.len) != 0) {
					sb_printf(&report, "sweep %zu split at "
					    "%zu,%zu differs\n--- whole\n%s--- "
					    "split\n%s", k, i, j, whole.trace.p,
					    part.trace.p);
					fails++;
				}
				capture_free(&part);
			}
		}
		capture_free(&whole);
	}
	if (fails)
		print_error("%s", report.p);
	sb_free(&report);
	assert_int_equal(fails, 0);
}

/* ------------------------------------------------------------------ */
/* The API itself                                                       */

static void
noop_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	(void)t;
	(void)ev;
	(void)ctx;
}

static void
test_new_limits(void **state)
{
	struct telnet_config cfg;
	struct telnet *t;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	assert_null(telnet_new(NULL, noop_cb, NULL));
	assert_null(telnet_new(&cfg, NULL, NULL));
	cfg.sb_max = TELNET_SB_MIN_MAX - 1;
	assert_null(telnet_new(&cfg, noop_cb, NULL));
	cfg.sb_max = TELNET_SB_MAX_MAX + 1;
	assert_null(telnet_new(&cfg, noop_cb, NULL));
	cfg.sb_max = TELNET_SB_MIN_MAX;
	assert_non_null(t = telnet_new(&cfg, noop_cb, NULL));
	telnet_free(t);
	cfg.sb_max = TELNET_SB_MAX_MAX;
	assert_non_null(t = telnet_new(&cfg, noop_cb, NULL));
	telnet_free(t);
	/* No policy at all: everything refused, nothing breaks. */
	cfg.policy = NULL;
	cfg.sb_max = 0;
	assert_non_null(t = telnet_new(&cfg, noop_cb, NULL));
	assert_int_equal(telnet_request_local(t, TELOPT_ECHO, 1), -1);
	telnet_feed(t, (const unsigned char *)XIAC XDO O_ECHO, 3);
	assert_int_equal(telnet_local_state(t, TELOPT_ECHO), TELNET_Q_NO);
	/* Empty feeds and sends do nothing. */
	telnet_feed(t, NULL, 0);
	telnet_send(t, NULL, 0);
	telnet_free(t);
	telnet_free(NULL);
}

/* The engine's memory through the caller's hooks, and telnet_trim: the
 * subnegotiation buffers are handed to DISCARD only between
 * subnegotiations, and whatever they hold afterwards does not matter. */
static struct {
	void *p;
	size_t size, allocs, releases, discards;
	unsigned char *dp;
	size_t dsize;
	char last_ttype[32];
	size_t ttypes;
} mem;

static void *
mem_alloc(size_t size)
{
	mem.allocs++;
	mem.size = size;
	return mem.p = calloc(1, size);
}

static void
mem_release(void *p, size_t size)
{
	assert_ptr_equal(p, mem.p);
	assert_int_equal(size, mem.size);
	mem.releases++;
	free(p);
}

static void
mem_discard(void *p, size_t size)
{
	mem.discards++;
	mem.dp = p;
	mem.dsize = size;
	memset(p, 0xaa, size);	/* "may read as anything" */
}

static void
mem_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	(void)t;
	(void)ctx;
	if (ev->type == TELNET_EV_TTYPE) {
		mem.ttypes++;
		snprintf(mem.last_ttype, sizeof(mem.last_ttype), "%s",
		    ev->u.str.text.s);
	}
}

static void
test_memory_hooks_and_trim(void **state)
{
	static const unsigned char will[] = XIAC XWILL O_TTYPE;
	static const unsigned char head[] = XIAC XSB O_TTYPE "\x00" "VT";
	static const unsigned char tail[] = "220" XIAC XSE;
	struct telnet_config cfg;
	struct telnet *t;

	(void)state;
	memset(&mem, 0, sizeof(mem));
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	/* Both hooks or neither. */
	cfg.alloc = mem_alloc;
	assert_null(telnet_new(&cfg, mem_cb, NULL));
	cfg.alloc = NULL;
	cfg.release = mem_release;
	assert_null(telnet_new(&cfg, mem_cb, NULL));
	assert_int_equal(mem.allocs, 0);
	cfg.alloc = mem_alloc;
	assert_non_null(t = telnet_new(&cfg, mem_cb, NULL));
	assert_int_equal(mem.allocs, 1);
	/* One block: the struct and both buffers. */
	assert_true(mem.size >= TELNET_SB_DEFAULT_MAX * 3);

	assert_int_equal(telnet_trim(t, mem_discard), 1);
	assert_int_equal(mem.discards, 1);
	/* the region is inside the block and is most of it */
	assert_true(mem.dp > (unsigned char *)mem.p);
	assert_true(mem.dp + mem.dsize == (unsigned char *)mem.p + mem.size);
	assert_true(mem.dsize >= TELNET_SB_DEFAULT_MAX * 3);

	telnet_feed(t, will, sizeof(will) - 1);
	assert_int_equal(telnet_remote_state(t, TELOPT_TTYPE), TELNET_Q_YES);
	/* In the middle of a subnegotiation: nothing is discarded. */
	telnet_feed(t, head, sizeof(head) - 1);
	assert_int_equal(telnet_trim(t, mem_discard), 0);
	assert_int_equal(mem.discards, 1);
	telnet_feed(t, tail, sizeof(tail) - 1);
	assert_int_equal(mem.ttypes, 1);
	assert_string_equal(mem.last_ttype, "VT220");
	/* Between subnegotiations: discarded, and the next one decodes. */
	assert_int_equal(telnet_trim(t, mem_discard), 1);
	telnet_feed(t, head, sizeof(head) - 1);
	telnet_feed(t, tail, sizeof(tail) - 1);
	assert_int_equal(mem.ttypes, 2);
	assert_string_equal(mem.last_ttype, "VT220");
	telnet_free(t);
	assert_int_equal(mem.releases, 1);
}

/* Every option starts NO/NO; the policy table ends at opt -1 even when
 * entries follow it. */
static void
test_initial_states(void **state)
{
	static const struct telnet_policy pol[] = {
		{ TELOPT_ECHO, 1, 0 }, { -1, 0, 0 }, { TELOPT_SGA, 1, 1 },
	};
	struct telnet_config cfg;
	struct telnet *t;
	int o;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol;
	assert_non_null(t = telnet_new(&cfg, noop_cb, NULL));
	for (o = 0; o < 256; o++) {
		assert_int_equal(telnet_local_state(t, (unsigned char)o),
		    TELNET_Q_NO);
		assert_int_equal(telnet_remote_state(t, (unsigned char)o),
		    TELNET_Q_NO);
		assert_false(telnet_local_enabled(t, (unsigned char)o));
		assert_false(telnet_remote_enabled(t, (unsigned char)o));
	}
	assert_int_equal(telnet_request_local(t, TELOPT_ECHO, 1), 0);
	assert_int_equal(telnet_request_local(t, TELOPT_SGA, 1), -1);
	assert_int_equal(telnet_in_synch(t), 0);
	telnet_free(t);
}

/* telnet_feed from inside the callback is refused, never recursed. */
struct reenter {
	int depth, max_depth, errors, data;
};

static void
reenter_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct reenter *r = ctx;

	if (ev->type == TELNET_EV_ERROR)
		r->errors++;
	if (ev->type != TELNET_EV_DATA)
		return;
	r->data++;
	r->depth++;
	if (r->depth > r->max_depth)
		r->max_depth = r->depth;
	telnet_feed(t, (const unsigned char *)"zz", 2);
	r->depth--;
}

static void
test_feed_reentry(void **state)
{
	struct telnet_config cfg;
	struct reenter r = { 0 };
	struct telnet *t;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	assert_non_null(t = telnet_new(&cfg, reenter_cb, &r));
	telnet_feed(t, (const unsigned char *)"ab", 2);
	assert_int_equal(r.data, 1);
	assert_int_equal(r.max_depth, 1);
	telnet_free(t);
}

/* Send from inside the callback (allowed): an echo server. */
struct echo {
	struct sbuf out;
	struct telnet *t;
};

static void
echo_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct echo *e = ctx;

	if (ev->type == TELNET_EV_DATA)
		telnet_send(t, ev->u.data.buf, ev->u.data.len);
	else if (ev->type == TELNET_EV_EOL)
		telnet_send(t, (const unsigned char *)(ev->u.eol.kind ==
		    TELNET_EOL_CR ? "\r" : "\n"), 1);
	else if (ev->type == TELNET_EV_SEND)
		sb_addn(&e->out, ev->u.data.buf, ev->u.data.len);
}

static void
test_send_from_callback(void **state)
{
	static const char in[] = "ab" XIAC XIAC "c\r\0d\r\n" XIAC XDO O_ECHO;
	static const char want[] = "ab" XIAC XIAC "c\r\0d\r\n" XIAC XWILL O_ECHO;
	struct telnet_config cfg;
	struct echo e;

	(void)state;
	memset(&e, 0, sizeof(e));
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	assert_non_null(e.t = telnet_new(&cfg, echo_cb, &e));
	feed_exact(e.t, (const unsigned char *)in, sizeof(in) - 1);
	assert_int_equal(e.out.len, sizeof(want) - 1);
	assert_memory_equal(e.out.p, want, sizeof(want) - 1);
	telnet_free(e.t);
	sb_free(&e.out);
}

/* Plain data is handed out without a copy: DATA points into the fed
 * buffer, SEND into the sent one. */
struct span {
	const unsigned char *lo, *hi;
	int inside, outside;
};

static void
span_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct span *s = ctx;

	(void)t;
	if (ev->type != TELNET_EV_DATA && ev->type != TELNET_EV_SEND)
		return;
	if (ev->u.data.buf >= s->lo && ev->u.data.buf + ev->u.data.len <= s->hi)
		s->inside++;
	else
		s->outside++;
}

static void
test_zero_copy(void **state)
{
	static unsigned char buf[8192];
	struct telnet_config cfg;
	struct span s = { 0 };
	struct telnet *t;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	assert_non_null(t = telnet_new(&cfg, span_cb, &s));
	s.lo = buf;
	s.hi = buf + sizeof(buf);
	telnet_feed(t, buf, sizeof(buf));
	assert_int_equal(s.inside, 1);
	assert_int_equal(s.outside, 0);
	telnet_send(t, buf, sizeof(buf));
	assert_int_equal(s.inside, 2);
	assert_int_equal(s.outside, 0);
	telnet_free(t);
}

/* telnet_send_into() writes what telnet_send() hands out in SEND events,
 * byte for byte and with the same CR state across calls: NVT and BINARY,
 * every split of a stream dense in IAC, CR, LF and NUL. */
struct sendcat {
	unsigned char buf[256];
	size_t len;
};

static void
sendcat_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct sendcat *c = ctx;

	(void)t;
	if (ev->type != TELNET_EV_SEND)
		return;
	assert_true(c->len + ev->u.data.len <= sizeof(c->buf));
	memcpy(c->buf + c->len, ev->u.data.buf, ev->u.data.len);
	c->len += ev->u.data.len;
}

static void
test_send_into(void **state)
{
	static const unsigned char in[] = "a\r\rb\r\n\xff\xff\r\0c\r\xff\n\r";
	static const unsigned char bin[] = { TELNET_IAC, TELNET_DO,
	    TELOPT_BINARY };
	const size_t n = sizeof(in) - 1;
	struct telnet_config cfg;
	struct sendcat ev, into;
	unsigned char dst[2 * sizeof(in) + 1];
	struct telnet *a, *b;
	size_t cut, o;
	int mode;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	for (mode = 0; mode < 2; mode++) {
		for (cut = 0; cut <= n; cut++) {
			memset(&ev, 0, sizeof(ev));
			memset(&into, 0, sizeof(into));
			assert_non_null(a = telnet_new(&cfg, sendcat_cb, &ev));
			assert_non_null(b = telnet_new(&cfg, sendcat_cb, &into));
			if (mode) {
				telnet_feed(a, bin, sizeof(bin));
				telnet_feed(b, bin, sizeof(bin));
				assert_true(telnet_local_enabled(b,
				    TELOPT_BINARY));
			}
			ev.len = into.len = 0;
			telnet_send(a, in, cut);
			telnet_send(a, in + cut, n - cut);
			o = telnet_send_into(b, dst, in, cut);
			assert_true(o <= 2 * cut + 1);
			memcpy(into.buf + into.len, dst, o);
			into.len += o;
			o = telnet_send_into(b, dst, in + cut, n - cut);
			assert_true(o <= 2 * (n - cut) + 1);
			memcpy(into.buf + into.len, dst, o);
			into.len += o;
			/* The pending CR's partner, decided by a command. */
			telnet_send_command(a, TELNET_NOP);
			telnet_send_command(b, TELNET_NOP);
			assert_int_equal(into.len, ev.len);
			assert_memory_equal(into.buf, ev.buf, ev.len);
			telnet_free(a);
			telnet_free(b);
		}
	}
}

/* telnet_send_inplace() gives telnet_send_into()'s bytes and CR state:
 * random streams dense in IAC, CR, LF and NUL (and some with none of
 * them), cut into random chunks, NVT and BINARY, with a command between
 * some chunks (it pairs a pending CR).  Chunks of up to 600 bytes hold
 * more specials than the count keeps (INPLACE_KEPT, 64). */
static unsigned int
rand_next(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static void
test_send_inplace(void **state)
{
	static const unsigned char alphabet[] = { TELNET_IAC, '\r', '\n', 0,
	    'x', 'y', 0xfe };
	static const unsigned char bin[] = { TELNET_IAC, TELNET_DO,
	    TELOPT_BINARY };
	struct telnet_config cfg;
	struct sendcat into, inplace;
	unsigned char in[600], dst[2 * sizeof(in) + 1], buf[2 * sizeof(in) + 1];
	unsigned int seed = 4711, round, chunk;
	struct telnet *a, *b;
	size_t n, i, o, p;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	for (round = 0; round < 4000; round++) {
		int mode = round & 1, dense = (round >> 1) % 4 != 0;

		memset(&into, 0, sizeof(into));
		memset(&inplace, 0, sizeof(inplace));
		assert_non_null(a = telnet_new(&cfg, sendcat_cb, &into));
		assert_non_null(b = telnet_new(&cfg, sendcat_cb, &inplace));
		if (mode) {
			telnet_feed(a, bin, sizeof(bin));
			telnet_feed(b, bin, sizeof(bin));
		}
		for (chunk = rand_next(&seed) % 8 + 1; chunk > 0; chunk--) {
			n = rand_next(&seed) % sizeof(in);
			for (i = 0; i < n; i++)
				in[i] = dense ? alphabet[rand_next(&seed) %
				    sizeof(alphabet)] : (unsigned char)('a' +
				    rand_next(&seed) % 26);
			o = telnet_send_into(a, dst, in, n);
			memcpy(buf, in, n);
			p = telnet_send_inplace(b, buf, n);
			assert_true(p <= 2 * n + 1);
			assert_int_equal(p, o);
			assert_memory_equal(buf, dst, o);
			if (!dense)
				assert_int_equal(p, n);
			if (rand_next(&seed) % 3 == 0) {
				/* Only commands make SEND events here. */
				into.len = inplace.len = 0;
				telnet_send_command(a, TELNET_NOP);
				telnet_send_command(b, TELNET_NOP);
				assert_int_equal(inplace.len, into.len);
				assert_memory_equal(inplace.buf, into.buf,
				    into.len);
			}
		}
		telnet_free(a);
		telnet_free(b);
	}
}

/* telnet_yield: a callback that stops the feed at every 'X' of its data
 * (giving back what follows it) and after every command sees the same
 * events, in the same order, as one that never stops, when the caller
 * feeds the rest again; and the feed returns right after the event. */
struct yielder {
	struct sbuf trace;
	struct telnet *t;
	int stop;		/* stop at 'X' and at commands */
	int stops;
};

static void
yield_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct yielder *y = ctx;
	const unsigned char *p, *x;
	char tok[8];
	size_t n;

	(void)t;
	switch (ev->type) {
	case TELNET_EV_DATA:
		p = ev->u.data.buf;
		n = ev->u.data.len;
		x = y->stop ? memchr(p, 'X', n) : NULL;
		if (x != NULL) {
			sb_addn(&y->trace, p, (size_t)(x - p) + 1);
			telnet_yield(y->t, n - (size_t)(x - p) - 1);
			y->stops++;
			return;
		}
		sb_addn(&y->trace, p, n);
		return;
	case TELNET_EV_EOL:
		sb_addn(&y->trace, ev->u.eol.kind == TELNET_EOL_CR ? "<CR>" :
		    "<LF>", 4);
		return;
	case TELNET_EV_COMMAND:
		snprintf(tok, sizeof(tok), "<%u>", ev->u.command.cmd);
		sb_addn(&y->trace, tok, strlen(tok));
		if (y->stop) {
			telnet_yield(y->t, 0);
			y->stops++;
		}
		return;
	default:
		return;
	}
}

static void
test_yield(void **state)
{
	static const unsigned char alphabet[] = { TELNET_IAC, TELNET_IAC,
	    TELNET_IP, '\r', '\n', 0, 'X', 'X', 'a', 'b' };
	static const unsigned char bin[] = { TELNET_IAC, TELNET_DO,
	    TELOPT_BINARY };
	struct telnet_config cfg;
	struct yielder plain, stopping;
	unsigned char in[300];
	unsigned int seed = 1143, round, feeds;
	size_t n, i, used, got;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	for (round = 0; round < 3000; round++) {
		memset(&plain, 0, sizeof(plain));
		memset(&stopping, 0, sizeof(stopping));
		stopping.stop = 1;
		assert_non_null(plain.t = telnet_new(&cfg, yield_cb, &plain));
		assert_non_null(stopping.t = telnet_new(&cfg, yield_cb,
		    &stopping));
		if (round & 1) {
			telnet_feed(plain.t, bin, sizeof(bin));
			telnet_feed(stopping.t, bin, sizeof(bin));
		}
		n = rand_next(&seed) % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = alphabet[rand_next(&seed) % sizeof(alphabet)];
		assert_int_equal(telnet_feed(plain.t, in, n), n);
		feeds = 0;
		for (used = 0; used < n; used += got) {
			int before = stopping.stops;

			got = telnet_feed(stopping.t, in + used, n - used);
			feeds++;
			assert_true(got > 0);
			/* Short only where the callback stopped it. */
			if (used + got < n)
				assert_int_equal(stopping.stops, before + 1);
		}
		assert_true(feeds <= (unsigned int)stopping.stops + 1);
		assert_int_equal(stopping.trace.len, plain.trace.len);
		assert_memory_equal(stopping.trace.p, plain.trace.p,
		    plain.trace.len);
		telnet_free(plain.t);
		telnet_free(stopping.t);
		sb_free(&plain.trace);
		sb_free(&stopping.trace);
	}
	/* Outside a feed it does nothing. */
	memset(&stopping, 0, sizeof(stopping));
	assert_non_null(stopping.t = telnet_new(&cfg, yield_cb, &stopping));
	telnet_yield(stopping.t, 3);
	assert_int_equal(telnet_feed(stopping.t, (const unsigned char *)"ab",
	    2), 2);
	telnet_free(stopping.t);
	sb_free(&stopping.trace);
}

/* Names for logs: never NULL, the usual spellings. */
static void
test_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 256; i++) {
		assert_non_null(telnet_cmd_name((unsigned char)i));
		assert_non_null(telnet_opt_name((unsigned char)i));
		assert_true(telnet_opt_name((unsigned char)i)[0] != '\0');
	}
	assert_string_equal(telnet_cmd_name(TELNET_WILL), "WILL");
	assert_string_equal(telnet_cmd_name(TELNET_DONT), "DONT");
	assert_string_equal(telnet_cmd_name(TELNET_IP), "IP");
	assert_string_equal(telnet_cmd_name(TELNET_AYT), "AYT");
	assert_string_equal(telnet_cmd_name(TELNET_EOF), "EOF");
	assert_string_equal(telnet_cmd_name(TELNET_IAC), "IAC");
	assert_string_equal(telnet_opt_name(TELOPT_TTYPE), "TTYPE");
	assert_string_equal(telnet_opt_name(TELOPT_NAWS), "NAWS");
	assert_string_equal(telnet_opt_name(TELOPT_BINARY), "BINARY");
	assert_string_equal(telnet_opt_name(TELOPT_LINEMODE), "LINEMODE");
	/* The header: "?" for a byte that is not a command, "unknown" for
	 * an unnamed option. */
	assert_string_equal(telnet_cmd_name(0), "?");
	assert_string_equal(telnet_cmd_name(235), "?");
	assert_string_equal(telnet_opt_name(199), "unknown");
	assert_string_equal(telnet_opt_name(201), "GMCP");
	assert_string_equal(telnet_opt_name(99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_sweep),
		cmocka_unit_test(test_new_limits),
		cmocka_unit_test(test_initial_states),
		cmocka_unit_test(test_feed_reentry),
		cmocka_unit_test(test_send_from_callback),
		cmocka_unit_test(test_zero_copy),
		cmocka_unit_test(test_send_into),
		cmocka_unit_test(test_send_inplace),
		cmocka_unit_test(test_yield),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_memory_hooks_and_trim),
	};
	int fails = 0;

	fails += RUN_TABLE(q_him);
	fails += RUN_TABLE(q_us);
	fails += RUN_TABLE(probe);
	fails += RUN_TABLE(negotiation);
	fails += RUN_TABLE(commands);
	fails += RUN_TABLE(crlf_in);
	fails += RUN_TABLE(encode);
	fails += RUN_TABLE(synch);
	fails += cmocka_run_group_tests_name("telnet", tests, NULL, NULL);
	return fails != 0;
}
