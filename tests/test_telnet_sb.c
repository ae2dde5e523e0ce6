/*
 * test_telnet_sb.c - subnegotiations: every typed decoder with valid and
 * malformed input, the size limit swept around its boundary, SBs for
 * options not in effect, unterminated SBs, every encoder's bytes, and
 * round trips through two engines (one a client, one a server).
 * The runner and the trace format: test_telnet_harness.h.
 */
#include "telnet_harness.h"

/* Let the peer enable its side of o (server view), forget the setup. */
#define PEER(o)		FEED(XIAC XWILL o), MARK
/* Our side of o enabled (client view, or STATUS for a server). */
#define OURS(o)		FEED(XIAC XDO o), MARK
#define CLIENT		.client = 1, .policy = pol_client

#define X4	"xxxx"
#define X16	X4 X4 X4 X4
#define X64	X16 X16 X16 X16

/* ------------------------------------------------------------------ */
/* TERMINAL-TYPE (RFC 1091)                                             */

static const struct tcase sb_ttype[] = {
	{ .name = "TTYPE IS",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\0xterm" SEND_) },
	  .trace = { "TTYPE IS \"xterm\"" } },
	{ .name = "TTYPE IS, data before and after",
	  .steps = { PEER(O_TTYPE), FEED("a" SBEG(O_TTYPE) "\0VT100" SEND_
	      "b") },
	  .trace = { "DATA \"a\"", "TTYPE IS \"VT100\"", "DATA \"b\"" } },
	{ .name = "TTYPE IS empty name",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\0" SEND_) },
	  .trace = { "TTYPE IS \"\"" } },
	{ .name = "TTYPE IS with IAC IAC inside",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\0xt" XIAC XIAC "rm"
	      SEND_) },
	  .trace = { "TTYPE IS \"xt\\xffrm\"" } },
	{ .name = "TTYPE IS with an inner NUL keeps its length",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\0x\0y" SEND_) },
	  .trace = { "TTYPE IS \"x\\x00y\"" } },
	{ .name = "TTYPE empty SB",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) SEND_ "z") },
	  .trace = { "ERROR SB_MALFORMED TTYPE", "DATA \"z\"" } },
	{ .name = "TTYPE unknown command",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\x05xterm" SEND_) },
	  .trace = { "ERROR SB_MALFORMED TTYPE" } },
	{ .name = "TTYPE SEND with bytes after it",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\1x" SEND_) },
	  .trace = { "ERROR SB_MALFORMED TTYPE" } },
	{ .name = "TTYPE not enabled: dropped",
	  .steps = { FEED(SBEG(O_TTYPE) "\0xterm" SEND_ "z") },
	  .trace = { "ERROR SB_NOT_ENABLED TTYPE", "DATA \"z\"" } },
	{ .name = "TTYPE after the peer's WONT: dropped",
	  .steps = { FEED(XIAC XWILL O_TTYPE XIAC XWONT O_TTYPE), MARK,
	      FEED(SBEG(O_TTYPE) "\0xterm" SEND_) },
	  .trace = { "ERROR SB_NOT_ENABLED TTYPE" } },
	{ .name = "TTYPE in flight while we disable it (WANTNO): accepted",
	  .steps = { FEED(XIAC XWILL O_TTYPE), RR(TELOPT_TTYPE, 0), MARK,
	      FEED(SBEG(O_TTYPE) "\0xterm" SEND_) },
	  .trace = { "TTYPE IS \"xterm\"" } },
	{ .name = "TTYPE while we still ask for it (WANTYES): dropped",
	  .steps = { RR(TELOPT_TTYPE, 1), MARK,
	      FEED(SBEG(O_TTYPE) "\0xterm" SEND_) },
	  .trace = { "ERROR SB_NOT_ENABLED TTYPE" } },
	{ .name = "TTYPE SEND to a client",
	  CLIENT, .steps = { OURS(O_TTYPE), FEED(SBEG(O_TTYPE) "\1" SEND_) },
	  .trace = { "TTYPE SEND" } },
	{ .name = "SB not ended: IAC WILL inside drops it, WILL acts",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\0xterm" XIAC XWILL
	      O_ECHO "z") },
	  .trace = { "ERROR SB_UNTERMINATED TTYPE", "RECV WILL ECHO",
	      "DATA \"z\"" },
	  .send = B(XIAC XDONT O_ECHO) },
	{ .name = "SB not ended: IAC SB inside starts a new one",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\0x" SBEG(O_TTYPE)
	      "\0y" SEND_) },
	  .trace = { "ERROR SB_UNTERMINATED TTYPE", "TTYPE IS \"y\"" } },
	{ .name = "SB not ended: data after it is swallowed until IAC SE",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\0xterm"),
	      FEED("more data\r\n"), FEED(SEND_ "z") },
	  .trace = { "TTYPE IS \"xtermmore data\\r\\n\"", "DATA \"z\"" } },
	{ .name = "SB not ended: IAC NOP inside",
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\0xt" XIAC XNOP "rm"
	      SEND_) },
	  .trace = { "ERROR SB_UNTERMINATED TTYPE", "CMD NOP",
	      "DATA \"rm\"" } },
	{ .name = "IAC SB at the end of input, then nothing",
	  .steps = { PEER(O_TTYPE), FEED("a" XIAC XSB) },
	  .trace = { "DATA \"a\"" } },
};

/* ------------------------------------------------------------------ */
/* NAWS (RFC 1073)                                                      */

static const struct tcase sb_naws[] = {
	{ .name = "NAWS 80x24",
	  .steps = { PEER(O_NAWS), FEED(SBEG(O_NAWS) "\0\x50\0\x18" SEND_) },
	  .trace = { "NAWS 80x24" } },
	{ .name = "NAWS width 255, IAC doubled",
	  .steps = { PEER(O_NAWS), FEED(SBEG(O_NAWS) "\0\xff\xff\0\x18"
	      SEND_) },
	  .trace = { "NAWS 255x24" } },
	{ .name = "NAWS 65535x65535, all doubled",
	  .steps = { PEER(O_NAWS), FEED(SBEG(O_NAWS) "\xff\xff\xff\xff\xff"
	      "\xff\xff\xff" SEND_) },
	  .trace = { "NAWS 65535x65535" } },
	{ .name = "NAWS 0x0",
	  .steps = { PEER(O_NAWS), FEED(SBEG(O_NAWS) "\0\0\0\0" SEND_) },
	  .trace = { "NAWS 0x0" } },
	{ .name = "NAWS 256x1",
	  .steps = { PEER(O_NAWS), FEED(SBEG(O_NAWS) "\1\0\0\1" SEND_) },
	  .trace = { "NAWS 256x1" } },
	{ .name = "NAWS 3 bytes",
	  .steps = { PEER(O_NAWS), FEED(SBEG(O_NAWS) "\0\x50\0" SEND_) },
	  .trace = { "ERROR SB_MALFORMED NAWS" } },
	{ .name = "NAWS 5 bytes",
	  .steps = { PEER(O_NAWS), FEED(SBEG(O_NAWS) "\0\x50\0\x18\0"
	      SEND_) },
	  .trace = { "ERROR SB_MALFORMED NAWS" } },
	{ .name = "NAWS empty",
	  .steps = { PEER(O_NAWS), FEED(SBEG(O_NAWS) SEND_) },
	  .trace = { "ERROR SB_MALFORMED NAWS" } },
	{ .name = "NAWS 255 not doubled: unterminated, rest is data",
	  .steps = { PEER(O_NAWS), FEED(SBEG(O_NAWS) "\0\xff\0\x18" SEND_
	      "z") },
	  .trace = { "ERROR SB_UNTERMINATED NAWS", "DATA \"\\x18z\"" } },
	{ .name = "NAWS twice, the second wins",
	  .steps = { PEER(O_NAWS), FEED(SBEG(O_NAWS) "\0\x50\0\x18" SEND_
	      SBEG(O_NAWS) "\0\x84\0\x2b" SEND_) },
	  .trace = { "NAWS 80x24", "NAWS 132x43" } },
	{ .name = "NAWS not enabled",
	  .steps = { FEED(SBEG(O_NAWS) "\0\x50\0\x18" SEND_) },
	  .trace = { "ERROR SB_NOT_ENABLED NAWS" } },
};

/* ------------------------------------------------------------------ */
/* TSPEED (RFC 1079), XDISPLOC (RFC 1096), SNDLOC (RFC 779)             */

#define TS_BAD(nm, s) { .name = "TSPEED IS " nm, .steps = { PEER(O_TSPEED), \
	FEED(SBEG(O_TSPEED) "\0" s SEND_) }, \
	.trace = { "ERROR SB_MALFORMED TSPEED" } }

static const struct tcase sb_text[] = {
	{ .name = "TSPEED IS 38400,38400",
	  .steps = { PEER(O_TSPEED), FEED(SBEG(O_TSPEED) "\0" "38400,38400"
	      SEND_) },
	  .trace = { "TSPEED IS 38400,38400" } },
	{ .name = "TSPEED IS 9600,19200",
	  .steps = { PEER(O_TSPEED), FEED(SBEG(O_TSPEED) "\0" "9600,19200"
	      SEND_) },
	  .trace = { "TSPEED IS 9600,19200" } },
	{ .name = "TSPEED IS 4294967295,0 (ten digits)",
	  .steps = { PEER(O_TSPEED), FEED(SBEG(O_TSPEED) "\0" "4294967295,0"
	      SEND_) },
	  .trace = { "TSPEED IS 4294967295,0" } },
	TS_BAD("eleven digits", "42949672950,1"),
	TS_BAD("huge", "99999999999999999999999999,1"),
	TS_BAD("one number", "38400"),
	TS_BAD("no rx", "38400,"),
	TS_BAD("no tx", ",38400"),
	TS_BAD("comma only", ","),
	TS_BAD("empty", ""),
	TS_BAD("letters", "abc,def"),
	TS_BAD("trailing junk", "38400,9600x"),
	TS_BAD("leading space", " 38400,9600"),
	TS_BAD("three numbers", "1,2,3"),
	TS_BAD("negative", "-1,9600"),
	{ .name = "TSPEED SEND to a client",
	  CLIENT, .steps = { OURS(O_TSPEED), FEED(SBEG(O_TSPEED) "\1" SEND_) },
	  .trace = { "TSPEED SEND" } },
	{ .name = "TSPEED SEND with bytes after",
	  CLIENT, .steps = { OURS(O_TSPEED), FEED(SBEG(O_TSPEED) "\1" "1"
	      SEND_) },
	  .trace = { "ERROR SB_MALFORMED TSPEED" } },
	{ .name = "TSPEED empty",
	  .steps = { PEER(O_TSPEED), FEED(SBEG(O_TSPEED) SEND_) },
	  .trace = { "ERROR SB_MALFORMED TSPEED" } },
	{ .name = "TSPEED unknown command",
	  .steps = { PEER(O_TSPEED), FEED(SBEG(O_TSPEED) "\2" "1,1" SEND_) },
	  .trace = { "ERROR SB_MALFORMED TSPEED" } },
	{ .name = "XDISPLOC IS",
	  .steps = { PEER(O_XDISPLOC), FEED(SBEG(O_XDISPLOC) "\0host:0.0"
	      SEND_) },
	  .trace = { "XDISPLOC IS \"host:0.0\"" } },
	{ .name = "XDISPLOC SEND to a client",
	  CLIENT, .steps = { OURS(O_XDISPLOC), FEED(SBEG(O_XDISPLOC) "\1"
	      SEND_) },
	  .trace = { "XDISPLOC SEND" } },
	{ .name = "XDISPLOC unknown command",
	  .steps = { PEER(O_XDISPLOC), FEED(SBEG(O_XDISPLOC) "\3h:0" SEND_) },
	  .trace = { "ERROR SB_MALFORMED XDISPLOC" } },
	{ .name = "XDISPLOC empty",
	  .steps = { PEER(O_XDISPLOC), FEED(SBEG(O_XDISPLOC) SEND_) },
	  .trace = { "ERROR SB_MALFORMED XDISPLOC" } },
	{ .name = "SNDLOC",
	  .steps = { PEER(O_SNDLOC), FEED(SBEG(O_SNDLOC) "Room 101" SEND_) },
	  .trace = { "SNDLOC \"Room 101\"" } },
	{ .name = "SNDLOC empty",
	  .steps = { PEER(O_SNDLOC), FEED(SBEG(O_SNDLOC) SEND_) },
	  .trace = { "SNDLOC \"\"" } },
	{ .name = "SNDLOC not enabled",
	  .steps = { FEED(SBEG(O_SNDLOC) "x" SEND_) },
	  .trace = { "ERROR SB_NOT_ENABLED SNDLOC" } },
};

/* ------------------------------------------------------------------ */
/* NEW-ENVIRON (RFC 1572)                                               */

#define NE(s)	FEED(SBEG(O_NEWENV) s SEND_)
#define NE_BAD(nm, s) { .name = "NEW-ENVIRON " nm, \
	.steps = { PEER(O_NEWENV), NE(s) }, \
	.trace = { "ERROR SB_MALFORMED NEWENV" } }

/* 64 and 65 variables: "\0" then n times VAR "a". */
static size_t
gen_env(unsigned char *buf, size_t cap, size_t n)
{
	size_t len = 0, i;
	static const unsigned char head[] = { 0xff, 0xfa, 0x27, 0x00 };

	assert_true(cap > 4 + 2 * n + 2);
	memcpy(buf, head, sizeof(head));
	len = sizeof(head);
	for (i = 0; i < n; i++) {
		buf[len++] = TELENV_VAR;
		buf[len++] = 'a';
	}
	buf[len++] = 0xff;
	buf[len++] = 0xf0;
	return len;
}

static size_t gen_env64(unsigned char *b, size_t c) { return gen_env(b, c, 64); }
static size_t gen_env65(unsigned char *b, size_t c) { return gen_env(b, c, 65); }

#define VA	" VAR \"a\"(novalue)"
#define VA4	VA VA VA VA
#define VA16	VA4 VA4 VA4 VA4
#define VA64	VA16 VA16 VA16 VA16

static const struct tcase sb_newenv[] = {
	{ .name = "NEW-ENVIRON IS VAR USER VALUE bob",
	  .steps = { PEER(O_NEWENV), NE("\0\0USER\1bob") },
	  .trace = { "ENV IS VAR \"USER\"=\"bob\"" } },
	{ .name = "NEW-ENVIRON IS with a USERVAR without value",
	  .steps = { PEER(O_NEWENV), NE("\0\0USER\1bob\3X") },
	  .trace = { "ENV IS VAR \"USER\"=\"bob\" USERVAR \"X\"(novalue)" } },
	{ .name = "NEW-ENVIRON IS, several",
	  .steps = { PEER(O_NEWENV), NE("\0\0USER\1bob\0DISPLAY\1h:0\3LANG\1"
	      "C.UTF-8\0JOB") },
	  .trace = { "ENV IS VAR \"USER\"=\"bob\" VAR \"DISPLAY\"=\"h:0\" "
	      "USERVAR \"LANG\"=\"C.UTF-8\" VAR \"JOB\"(novalue)" } },
	{ .name = "NEW-ENVIRON IS empty list",
	  .steps = { PEER(O_NEWENV), NE("\0") },
	  .trace = { "ENV IS" } },
	{ .name = "NEW-ENVIRON INFO",
	  .steps = { PEER(O_NEWENV), NE("\2\0DISPLAY\1h:0") },
	  .trace = { "ENV INFO VAR \"DISPLAY\"=\"h:0\"" } },
	{ .name = "NEW-ENVIRON empty VALUE is defined and empty",
	  .steps = { PEER(O_NEWENV), NE("\0\0A\1\0B") },
	  .trace = { "ENV IS VAR \"A\"=\"\" VAR \"B\"(novalue)" } },
	{ .name = "NEW-ENVIRON ESC quotes VAR, VALUE, ESC, USERVAR",
	  .steps = { PEER(O_NEWENV), NE("\0\0A\2\0B\1c\2\2d\2\3\2\1") },
	  .trace = { "ENV IS VAR \"A\\x00B\"=\"c\\x02d\\x03\\x01\"" } },
	{ .name = "NEW-ENVIRON IAC IAC in a value",
	  .steps = { PEER(O_NEWENV), NE("\0\0X\1a" XIAC XIAC "b") },
	  .trace = { "ENV IS VAR \"X\"=\"a\\xffb\"" } },
	{ .name = "NEW-ENVIRON empty name",
	  .steps = { PEER(O_NEWENV), NE("\0\0\1x") },
	  .trace = { "ENV IS VAR \"\"=\"x\"" } },
	{ .name = "NEW-ENVIRON hostile user name passes as data",
	  .steps = { PEER(O_NEWENV), NE("\0\0USER\1-froot") },
	  .trace = { "ENV IS VAR \"USER\"=\"-froot\"" } },
	NE_BAD("ESC at the end", "\0\0A\2"),
	NE_BAD("VALUE before any variable", "\0\1x"),
	NE_BAD("text before any variable", "\0junk\0A"),
	NE_BAD("two VALUEs", "\0\0A\1x\1y"),
	NE_BAD("VALUE in SEND", "\1\0USER\1x"),
	NE_BAD("unknown command", "\3\0A"),
	NE_BAD("empty", ""),
	{ .name = "NEW-ENVIRON 64 variables: the limit",
	  .steps = { PEER(O_NEWENV), GEN(gen_env64) },
	  .trace = { "ENV IS" VA64 } },
	{ .name = "NEW-ENVIRON 65 variables: dropped whole",
	  .steps = { PEER(O_NEWENV), GEN(gen_env65), FEED("z") },
	  .trace = { "ERROR SB_MALFORMED NEWENV", "DATA \"z\"" } },
	{ .name = "NEW-ENVIRON SEND VAR USER USERVAR X (client)",
	  CLIENT, .steps = { OURS(O_NEWENV), NE("\1\0USER\3X") },
	  .trace = { "ENV SEND VAR \"USER\" USERVAR \"X\"" } },
	{ .name = "NEW-ENVIRON SEND everything (client)",
	  CLIENT, .steps = { OURS(O_NEWENV), NE("\1") },
	  .trace = { "ENV SEND" } },
	{ .name = "NEW-ENVIRON SEND VAR USERVAR: all of both kinds (client)",
	  CLIENT, .steps = { OURS(O_NEWENV), NE("\1\0\3") },
	  .trace = { "ENV SEND VAR \"\" USERVAR \"\"" } },
	{ .name = "NEW-ENVIRON not enabled",
	  .steps = { NE("\0\0USER\1bob") },
	  .trace = { "ERROR SB_NOT_ENABLED NEWENV" } },
};

/* ------------------------------------------------------------------ */
/* Old ENVIRON (RFC 1408) with the RFC 1571 VAR/VALUE heuristics.        */
/* RFC 1408 codes: VAR 0, VALUE 1; BSD (reversed): VAR 1, VALUE 0.       */

#define OE(s)	FEED(SBEG(O_OLDENV) s SEND_)

static const struct tcase sb_oldenv[] = {
	{ .name = "ENVIRON RFC 1408 codes",
	  .steps = { PEER(O_OLDENV), OE("\0\0USER\1bob") },
	  .trace = { "OLDENV IS VAR \"USER\"=\"bob\"" } },
	{ .name = "ENVIRON BSD (reversed) codes",
	  .steps = { PEER(O_OLDENV), OE("\0\1USER\0bob") },
	  .trace = { "OLDENV IS VAR \"USER\"=\"bob\"" } },
	{ .name = "ENVIRON USERVAR first, counts say RFC 1408",
	  .steps = { PEER(O_OLDENV), OE("\0\3X\1v\0USER\1bob") },
	  .trace = { "OLDENV IS USERVAR \"X\"=\"v\" VAR \"USER\"=\"bob\"" } },
	{ .name = "ENVIRON USERVAR first, counts say reversed",
	  .steps = { PEER(O_OLDENV), OE("\0\3X\0v\1USER\0bob") },
	  .trace = { "OLDENV IS USERVAR \"X\"=\"v\" VAR \"USER\"=\"bob\"" } },
	{ .name = "ENVIRON USERVAR first, two VARs in a row: RFC 1408",
	  .steps = { PEER(O_OLDENV), OE("\0\3X\0a\0b") },
	  .trace = { "OLDENV IS USERVAR \"X\"(novalue) VAR \"a\"(novalue) "
	      "VAR \"b\"(novalue)" } },
	{ .name = "ENVIRON USERVAR first, two VALUEs in a row: reversed",
	  .steps = { PEER(O_OLDENV), OE("\0\3X\1a\1b") },
	  .trace = { "OLDENV IS USERVAR \"X\"(novalue) VAR \"a\"(novalue) "
	      "VAR \"b\"(novalue)" } },
	{ .name = "ENVIRON USERVAR first, well-known VAR name: RFC 1408",
	  .steps = { PEER(O_OLDENV), OE("\0\3X\1a\0USER\1c\0d") },
	  .trace = { "OLDENV IS USERVAR \"X\"=\"a\" VAR \"USER\"=\"c\" "
	      "VAR \"d\"(novalue)" } },
	{ .name = "ENVIRON USERVAR first, well-known VALUE name: reversed",
	  .steps = { PEER(O_OLDENV), OE("\0\3X\1USER\0b\1c\0d") },
	  .trace = { "OLDENV IS USERVAR \"X\"(novalue) VAR \"USER\"=\"b\" "
	      "VAR \"c\"=\"d\"" } },
	{ .name = "ENVIRON reversed is remembered for later SBs",
	  .steps = { PEER(O_OLDENV), OE("\0\1USER\0bob"), OE("\0\3X\1a") },
	  .trace = { "OLDENV IS VAR \"USER\"=\"bob\"",
	      "OLDENV IS USERVAR \"X\"(novalue) VAR \"a\"(novalue)" } },
	{ .name = "ENVIRON RFC 1408 is remembered for later SBs",
	  .steps = { PEER(O_OLDENV), OE("\0\0USER\1bob"), OE("\0\3X\0a") },
	  .trace = { "OLDENV IS VAR \"USER\"=\"bob\"",
	      "OLDENV IS USERVAR \"X\"(novalue) VAR \"a\"(novalue)" } },
	{ .name = "ENVIRON SEND with VALUE codes: server is reversed",
	  CLIENT, .steps = { OURS(O_OLDENV), OE("\1\1USER\3X") },
	  .trace = { "OLDENV SEND VAR \"USER\" USERVAR \"X\"" } },
	{ .name = "ENVIRON SEND with VAR codes",
	  CLIENT, .steps = { OURS(O_OLDENV), OE("\1\0USER") },
	  .trace = { "OLDENV SEND VAR \"USER\"" } },
	{ .name = "ENVIRON SEND with both codes: malformed",
	  CLIENT, .steps = { OURS(O_OLDENV), OE("\1\0USER\1X") },
	  .trace = { "ERROR SB_MALFORMED OLDENV" } },
	{ .name = "ENVIRON IS ESC inside a reversed stream",
	  .steps = { PEER(O_OLDENV), OE("\0\1A\2\1B\0c\2\0") },
	  .trace = { "OLDENV IS VAR \"A\\x01B\"=\"c\\x00\"" } },
};

/* ------------------------------------------------------------------ */
/* LINEMODE (RFC 1184)                                                  */

#define LM(s)	FEED(SBEG(O_LINEMODE) s SEND_)
#define LM_BAD(nm, s) { .name = "LINEMODE " nm, \
	.steps = { PEER(O_LINEMODE), LM(s), FEED("z") }, \
	.trace = { "ERROR SB_MALFORMED LINEMODE", "DATA \"z\"" } }

/* SLC with n triplets {3, 0x62, 3}. */
static size_t
gen_slc(unsigned char *buf, size_t cap, size_t n)
{
	size_t len = 0, i;

	assert_true(cap > 4 + 3 * n + 2);
	buf[len++] = 0xff;
	buf[len++] = 0xfa;
	buf[len++] = TELOPT_LINEMODE;
	buf[len++] = LM_SLC;
	for (i = 0; i < n; i++) {
		buf[len++] = SLC_IP;
		buf[len++] = 0x62;
		buf[len++] = 0x03;
	}
	buf[len++] = 0xff;
	buf[len++] = 0xf0;
	return len;
}

static size_t gen_slc60(unsigned char *b, size_t c) { return gen_slc(b, c, 60); }
static size_t gen_slc61(unsigned char *b, size_t c) { return gen_slc(b, c, 61); }
static size_t gen_slc170(unsigned char *b, size_t c) { return gen_slc(b, c, 170); }

#define T3	" 3:0x62:0x03"
#define T3x5	T3 T3 T3 T3 T3
#define T3x20	T3x5 T3x5 T3x5 T3x5
#define T3x60	T3x20 T3x20 T3x20

static const struct tcase sb_linemode[] = {
	{ .name = "LINEMODE MODE EDIT|TRAPSIG",
	  .steps = { PEER(O_LINEMODE), LM("\1\3") },
	  .trace = { "LM MODE 0x03" } },
	{ .name = "LINEMODE MODE with ACK and LIT_ECHO",
	  .steps = { PEER(O_LINEMODE), LM("\1\x17") },
	  .trace = { "LM MODE 0x17" } },
	{ .name = "LINEMODE MODE 0xff (IAC doubled)",
	  .steps = { PEER(O_LINEMODE), LM("\1\xff\xff") },
	  .trace = { "LM MODE 0xff" } },
	LM_BAD("MODE without a mask", "\1"),
	LM_BAD("MODE with two bytes", "\1\3\3"),
	{ .name = "LINEMODE SLC one triplet",
	  .steps = { PEER(O_LINEMODE), LM("\3\3\x62\3") },
	  .trace = { "LM SLC 3:0x62:0x03" } },
	{ .name = "LINEMODE SLC a client's list",
	  .steps = { PEER(O_LINEMODE), LM("\3\0\3\0" "\3\x62\3" "\4\x62\x0f"
	      "\x0a\2\x7f" "\x0b\2\x15" "\x0f\1\x11") },
	  .trace = { "LM SLC 0:0x03:0x00 3:0x62:0x03 4:0x62:0x0f "
	      "10:0x02:0x7f 11:0x02:0x15 15:0x01:0x11" } },
	{ .name = "LINEMODE SLC value 255 doubled",
	  .steps = { PEER(O_LINEMODE), LM("\3\x0a\2\xff\xff") },
	  .trace = { "LM SLC 10:0x02:0xff" } },
	{ .name = "LINEMODE SLC flags with ACK",
	  .steps = { PEER(O_LINEMODE), LM("\3\x03\x82\x03") },
	  .trace = { "LM SLC 3:0x82:0x03" } },
	{ .name = "LINEMODE SLC unknown function passed on",
	  .steps = { PEER(O_LINEMODE), LM("\3\x28\2\x01") },
	  .trace = { "LM SLC 40:0x02:0x01" } },
	{ .name = "LINEMODE SLC no triplets",
	  .steps = { PEER(O_LINEMODE), LM("\3") },
	  .trace = { "LM SLC" } },
	LM_BAD("SLC partial triplet", "\3\3\x62"),
	LM_BAD("SLC one byte over", "\3\3\x62\3\4"),
	{ .name = "LINEMODE SLC 60 triplets: the limit",
	  .steps = { PEER(O_LINEMODE), GEN(gen_slc60) },
	  .trace = { "LM SLC" T3x60 } },
	{ .name = "LINEMODE SLC 61 triplets: dropped whole",
	  .steps = { PEER(O_LINEMODE), GEN(gen_slc61), FEED("z") },
	  .trace = { "ERROR SB_MALFORMED LINEMODE", "DATA \"z\"" } },
	{ .name = "LINEMODE SLC 170 triplets: dropped whole",
	  .steps = { PEER(O_LINEMODE), GEN(gen_slc170), FEED("z") },
	  .trace = { "ERROR SB_MALFORMED LINEMODE", "DATA \"z\"" } },
	{ .name = "LINEMODE SLC 170 triplets, LINEMODE off: dropped",
	  .steps = { GEN(gen_slc170), FEED("z") },
	  .trace = { "ERROR SB_NOT_ENABLED LINEMODE", "DATA \"z\"" } },
	{ .name = "LINEMODE WILL FORWARDMASK",
	  .steps = { PEER(O_LINEMODE), LM(XWILL "\2") },
	  .trace = { "LM FORWARDMASK WILL" } },
	{ .name = "LINEMODE WONT FORWARDMASK",
	  .steps = { PEER(O_LINEMODE), LM(XWONT "\2") },
	  .trace = { "LM FORWARDMASK WONT" } },
	{ .name = "LINEMODE DO FORWARDMASK with a mask (client)",
	  CLIENT, .steps = { OURS(O_LINEMODE), LM(XDO "\2" "\0\0\x24\1"
	      XIAC XIAC) },
	  .trace = { "LM FORWARDMASK DO 00002401ff" } },
	{ .name = "LINEMODE DO FORWARDMASK 32 bytes (client)",
	  CLIENT, .steps = { OURS(O_LINEMODE), LM(XDO "\2" "0123456789abcdef"
	      "0123456789abcdef") },
	  .trace = { "LM FORWARDMASK DO 30313233343536373839616263646566"
	      "30313233343536373839616263646566" } },
	{ .name = "LINEMODE DONT FORWARDMASK (client)",
	  CLIENT, .steps = { OURS(O_LINEMODE), LM(XDONT "\2") },
	  .trace = { "LM FORWARDMASK DONT" } },
	LM_BAD("DO FORWARDMASK 33 bytes", XDO "\2" "0123456789abcdef"
	    "0123456789abcdef" "0"),
	LM_BAD("WILL FORWARDMASK with a mask", XWILL "\2" "\1"),
	LM_BAD("DO without FORWARDMASK", XDO),
	LM_BAD("DO with another suboption", XDO "\3"),
	LM_BAD("unknown suboption", "\x09\1"),
	LM_BAD("empty", ""),
	{ .name = "LINEMODE MODE to a client",
	  CLIENT, .steps = { OURS(O_LINEMODE), LM("\1\1") },
	  .trace = { "LM MODE 0x01" } },
};

/* ------------------------------------------------------------------ */
/* LFLOW (RFC 1372), STATUS (RFC 859), CHARSET (RFC 2066), raw          */

#define LF(s)	FEED(SBEG(O_LFLOW) s SEND_)
#define CS(s)	FEED(SBEG(O_CHARSET) s SEND_)
#define CS_BAD(nm, s) { .name = "CHARSET " nm, \
	.steps = { PEER(O_CHARSET), CS(s) }, \
	.trace = { "ERROR SB_MALFORMED CHARSET" } }

static void call_status_is(struct telnet *t) { telnet_send_status_is(t); }

static const struct telnet_policy pol_status_odd[] = {
	{ TELOPT_STATUS, 1, 0 },
	{ 240, 1, 1 },
	{ 255, 1, 1 },
	{ -1, 0, 0 },
};

static size_t
gen_encrypt(unsigned char *buf, size_t cap)
{
	size_t len = 0, i;

	assert_true(cap > 300);
	buf[len++] = 0xff;
	buf[len++] = 0xfa;
	buf[len++] = TELOPT_ENCRYPT;
	buf[len++] = 0x07;	/* ENC_KEYID */
	buf[len++] = 0x00;
	for (i = 0; i < 255; i++)
		buf[len++] = (unsigned char)('A' + i % 26);
	buf[len++] = 0xff;
	buf[len++] = 0xf0;
	return len;
}

static size_t
gen_huge(unsigned char *buf, size_t cap, unsigned char opt)
{
	size_t len = 0;

	assert_true(cap > 100010);
	buf[len++] = 0xff;
	buf[len++] = 0xfa;
	buf[len++] = opt;
	memset(buf + len, 0x41, 100000);
	len += 100000;
	buf[len++] = 0xff;
	buf[len++] = 0xf0;
	return len;
}

static size_t gen_huge99(unsigned char *b, size_t c) { return gen_huge(b, c, 99); }
static size_t gen_huge_naws(unsigned char *b, size_t c) { return gen_huge(b, c, TELOPT_NAWS); }

static const struct tcase sb_misc[] = {
	{ .name = "LFLOW OFF", CLIENT, .steps = { OURS(O_LFLOW), LF("\0") },
	  .trace = { "LFLOW 0" } },
	{ .name = "LFLOW ON", CLIENT, .steps = { OURS(O_LFLOW), LF("\1") },
	  .trace = { "LFLOW 1" } },
	{ .name = "LFLOW RESTART-ANY", CLIENT,
	  .steps = { OURS(O_LFLOW), LF("\2") }, .trace = { "LFLOW 2" } },
	{ .name = "LFLOW RESTART-XON", CLIENT,
	  .steps = { OURS(O_LFLOW), LF("\3") }, .trace = { "LFLOW 3" } },
	{ .name = "LFLOW unknown command", CLIENT,
	  .steps = { OURS(O_LFLOW), LF("\4") },
	  .trace = { "ERROR SB_MALFORMED LFLOW" } },
	{ .name = "LFLOW two bytes", CLIENT,
	  .steps = { OURS(O_LFLOW), LF("\1\1") },
	  .trace = { "ERROR SB_MALFORMED LFLOW" } },
	{ .name = "LFLOW empty", CLIENT, .steps = { OURS(O_LFLOW), LF("") },
	  .trace = { "ERROR SB_MALFORMED LFLOW" } },
	{ .name = "STATUS SEND answered with STATUS IS",
	  .steps = { FEED(XIAC XDO O_STATUS XIAC XDO O_ECHO XIAC XDO O_BINARY
	      XIAC XWILL O_BINARY XIAC XWILL O_TTYPE), MARK,
	      FEED(SBEG(O_STATUS) "\1" SEND_), CALL(call_status_is) },
	  .trace = { "STATUS SEND" },
	  .send = B(SBEG(O_STATUS) "\0" XWILL O_BINARY XDO O_BINARY XWILL
	      O_ECHO XWILL O_STATUS XDO O_TTYPE SEND_) },
	{ .name = "STATUS IS leaves out options not at YES",
	  .steps = { FEED(XIAC XDO O_STATUS XIAC XDO O_ECHO XIAC XWILL
	      O_TTYPE), RL(TELOPT_ECHO, 0), RR(TELOPT_NAWS, 1), MARK,
	      CALL(call_status_is) },
	  .send = B(SBEG(O_STATUS) "\0" XWILL O_STATUS XDO O_TTYPE SEND_) },
	{ .name = "STATUS IS doubles SE and IAC option bytes",
	  .policy = pol_status_odd,
	  .steps = { FEED(XIAC XDO O_STATUS XIAC XDO "\xf0" XIAC XDO "\xff"),
	      MARK, CALL(call_status_is) },
	  .send = B(SBEG(O_STATUS) "\0" XWILL O_STATUS XWILL "\xf0\xf0"
	      XWILL "\xff\xff" SEND_) },
	{ .name = "STATUS SEND with bytes after",
	  .steps = { OURS(O_STATUS), FEED(SBEG(O_STATUS) "\1\1" SEND_) },
	  .trace = { "ERROR SB_MALFORMED STATUS" } },
	{ .name = "STATUS empty",
	  .steps = { OURS(O_STATUS), FEED(SBEG(O_STATUS) SEND_) },
	  .trace = { "ERROR SB_MALFORMED STATUS" } },
	{ .name = "STATUS unknown command",
	  .steps = { OURS(O_STATUS), FEED(SBEG(O_STATUS) "\7" SEND_) },
	  .trace = { "ERROR SB_MALFORMED STATUS" } },
	{ .name = "STATUS SEND, STATUS not enabled",
	  .steps = { FEED(SBEG(O_STATUS) "\1" SEND_) },
	  .trace = { "ERROR SB_NOT_ENABLED STATUS" } },
	{ .name = "STATUS IS to a client, raw",
	  CLIENT, .steps = { FEED(XIAC XWILL O_STATUS), MARK,
	      FEED(SBEG(O_STATUS) "\0" XWILL O_ECHO XDO O_TTYPE SEND_) },
	  .trace = { "STATUS IS fb01fd18" } },
	{ .name = "CHARSET REQUEST",
	  .steps = { PEER(O_CHARSET), CS("\1;UTF-8;ISO-8859-1") },
	  .trace = { "CHARSET REQUEST \"UTF-8\" \"ISO-8859-1\"" } },
	{ .name = "CHARSET REQUEST, space separator",
	  .steps = { PEER(O_CHARSET), CS("\1 UTF-8 latin1") },
	  .trace = { "CHARSET REQUEST \"UTF-8\" \"latin1\"" } },
	{ .name = "CHARSET REQUEST, empty names skipped",
	  .steps = { PEER(O_CHARSET), CS("\1;;UTF-8;;") },
	  .trace = { "CHARSET REQUEST \"UTF-8\"" } },
	{ .name = "CHARSET REQUEST [TTABLE ] version 1",
	  .steps = { PEER(O_CHARSET), CS("\1[TTABLE ]\1;UTF-8") },
	  .trace = { "CHARSET REQUEST \"UTF-8\"" } },
	{ .name = "CHARSET REQUEST 17 names: the first 16 kept",
	  .steps = { PEER(O_CHARSET), CS("\1;a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;"
	      "p;q") },
	  .trace = { "CHARSET REQUEST \"a\" \"b\" \"c\" \"d\" \"e\" \"f\" "
	      "\"g\" \"h\" \"i\" \"j\" \"k\" \"l\" \"m\" \"n\" \"o\" "
	      "\"p\"" } },
	CS_BAD("REQUEST [TTABLE ] version 0", "\1[TTABLE ]\0;UTF-8"),
	CS_BAD("REQUEST empty", "\1"),
	CS_BAD("REQUEST separator only", "\1;"),
	CS_BAD("REQUEST unprintable name", "\1;UTF\x01"),
	CS_BAD("ACCEPTED empty", "\2"),
	CS_BAD("REJECTED with bytes", "\3x"),
	CS_BAD("unknown command", "\x09"),
	CS_BAD("empty", ""),
	{ .name = "CHARSET ACCEPTED",
	  .steps = { PEER(O_CHARSET), CS("\2UTF-8") },
	  .trace = { "CHARSET ACCEPTED \"UTF-8\"" } },
	{ .name = "CHARSET REJECTED",
	  .steps = { PEER(O_CHARSET), CS("\3") },
	  .trace = { "CHARSET REJECTED" } },
	{ .name = "CHARSET TTABLE-IS answered TTABLE-REJECTED",
	  .steps = { PEER(O_CHARSET), CS("\4\1" "UTF-8;\x08" "abcdefgh") },
	  .trace = { "CHARSET TTABLE-IS" },
	  .send = B(SBEG(O_CHARSET) "\5" SEND_) },
	{ .name = "CHARSET TTABLE-ACK",
	  .steps = { PEER(O_CHARSET), CS("\6") },
	  .trace = { "CHARSET TTABLE-ACK" } },
	{ .name = "CHARSET not enabled: TTABLE-IS not answered",
	  .steps = { CS("\4\1x") },
	  .trace = { "ERROR SB_NOT_ENABLED CHARSET" } },
	{ .name = "raw SB for an option without a decoder",
	  .steps = { PEER(O_X99), FEED(SBEG(O_X99) "abc" XIAC XIAC "\0"
	      SEND_) },
	  .trace = { "SB 99 \"abc\\xff\\x00\"" } },
	{ .name = "raw SB, empty",
	  .steps = { PEER(O_X99), FEED(SBEG(O_X99) SEND_) },
	  .trace = { "SB 99 \"\"" } },
	{ .name = "COM-PORT never enabled: dropped",
	  .steps = { FEED(SBEG(O_COMPORT) "\1\0\0\x25\x80" SEND_) },
	  .trace = { "ERROR SB_NOT_ENABLED COMPORT" } },
	{ .name = "AUTHENTICATION never enabled: dropped",
	  .steps = { FEED(SBEG(O_AUTH) "\0\5\0" SEND_ "z") },
	  .trace = { "ERROR SB_NOT_ENABLED AUTH", "DATA \"z\"" } },
	{ .name = "CVE-2011-4862: SB ENCRYPT ENC_KEYID + 255 bytes",
	  .steps = { GEN(gen_encrypt), FEED("ok\r\n") },
	  .trace = { "ERROR SB_NOT_ENABLED ENCRYPT", "DATA \"ok\"",
	      "EOL CR", "EOL LF" } },
	{ .name = "IAC SB IAC: option 255, ends at the next IAC SE",
	  .steps = { FEED(XIAC XSB XIAC XSE "abc" XIAC XSE "d") },
	  .trace = { "ERROR SB_NOT_ENABLED 255", "DATA \"d\"" } },
};

/* ------------------------------------------------------------------ */
/* The size limit                                                       */

static const struct tcase sb_limit[] = {
	{ .name = "limit 64: 63 bytes pass", .sb_max = 64,
	  .steps = { PEER(O_X99), FEED(SBEG(O_X99) X16 X16 X16 "xxxxxxxxxxx"
	      "xxxx" SEND_ "z") },
	  .trace = { "SB 99 \"" X16 X16 X16 "xxxxxxxxxxxxxxx\"",
	      "DATA \"z\"" } },
	{ .name = "limit 64: 64 bytes pass", .sb_max = 64,
	  .steps = { PEER(O_X99), FEED(SBEG(O_X99) X64 SEND_ "z") },
	  .trace = { "SB 99 \"" X64 "\"", "DATA \"z\"" } },
	{ .name = "limit 64: 65 bytes dropped whole", .sb_max = 64,
	  .steps = { PEER(O_X99), FEED(SBEG(O_X99) X64 "x" SEND_ "z") },
	  .trace = { "ERROR SB_OVERFLOW 99", "DATA \"z\"" } },
	{ .name = "limit 64: 64 IAC IAC pairs are 64 bytes", .sb_max = 64,
	  .steps = { PEER(O_X99), FEED(SBEG(O_X99)
	      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	      SEND_) },
	  .trace = { "SB 99 \""
	      "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
	      "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
	      "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
	      "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
	      "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"
	      "\\xff\\xff\\xff\\xff\"" } },
	{ .name = "limit 64: overflow, then an unterminated SB", .sb_max = 64,
	  .steps = { PEER(O_X99), FEED(SBEG(O_X99) X64 X64 XIAC XAYT "z") },
	  .trace = { "ERROR SB_UNTERMINATED 99", "CMD AYT", "DATA \"z\"" } },
	{ .name = "limit 64: overflow of a typed option", .sb_max = 64,
	  .steps = { PEER(O_TTYPE), FEED(SBEG(O_TTYPE) "\0" X64 SEND_),
	      FEED(SBEG(O_TTYPE) "\0xterm" SEND_) },
	  .trace = { "ERROR SB_OVERFLOW TTYPE", "TTYPE IS \"xterm\"" } },
	{ .name = "huge SB (100000 bytes) dropped, parsing goes on",
	  .steps = { PEER(O_X99), GEN(gen_huge99), FEED("ok" XIAC XAYT) },
	  .trace = { "ERROR SB_OVERFLOW 99", "DATA \"ok\"", "CMD AYT" } },
	{ .name = "huge NAWS dropped, next NAWS fine",
	  .steps = { PEER(O_NAWS), GEN(gen_huge_naws),
	      FEED(SBEG(O_NAWS) "\0\x50\0\x18" SEND_) },
	  .trace = { "ERROR SB_OVERFLOW NAWS", "NAWS 80x24" } },
	{ .name = "huge SB, option not enabled: one error",
	  .steps = { GEN(gen_huge_naws), FEED("ok") },
	  .trace = { "ERROR SB_OVERFLOW NAWS", "DATA \"ok\"" } },
};

/* Sweep the payload length from 0 to 3 * limit for a few limits, for a
 * raw option and for TTYPE: up to the limit the SB passes whole, past it
 * the SB is dropped with one SB_OVERFLOW, and the byte after IAC SE is
 * data again. */
static void
test_sb_limit_sweep(void **state)
{
	static const size_t limits[] = { 64, 65, 100, 255, 256, 1000 };
	static const unsigned char opts[] = { 99, TELOPT_TTYPE };
	size_t li, oi, n, fails = 0, runs = 0;
	struct sbuf report = { 0 };

	(void)state;
	for (li = 0; li < sizeof(limits) / sizeof(limits[0]); li++)
	for (oi = 0; oi < sizeof(opts); oi++)
	for (n = 0; n <= 3 * limits[li]; n++) {
		size_t lim = limits[li], k, len = 0;
		unsigned char opt = opts[oi];
		unsigned char *in = malloc(n + 16);
		struct sbuf line = { 0 };
		struct tcase c;

		if (n > lim + 4 && n < 3 * lim - 4 && n % 17 != 0) {
			free(in);
			continue;	/* the boundaries and a sample */
		}
		in[len++] = 0xff; in[len++] = 0xfb; in[len++] = opt;
		in[len++] = 0xff; in[len++] = 0xfa; in[len++] = opt;
		for (k = 0; k < n; k++)
			in[len++] = (opt == TELOPT_TTYPE && k == 0) ? 0 : 'q';
		in[len++] = 0xff; in[len++] = 0xf0; in[len++] = 'z';

		memset(&c, 0, sizeof(c));
		c.name = "limit sweep";
		c.sb_max = lim;
		c.steps[0].op = OP_FEED;
		c.steps[0].b.p = (const char *)in;
		c.steps[0].b.n = 3;
		c.steps[1].op = OP_MARK;
		c.steps[2].op = OP_FEED;
		c.steps[2].b.p = (const char *)in + 3;
		c.steps[2].b.n = len - 3;
		if (n > lim)
			sb_printf(&line, "ERROR SB_OVERFLOW %s",
			    t_opt_name(opt));
		else if (opt == 99) {
			sb_printf(&line, "SB 99 ");
			sb_quote(&line, in + 6, n);
		} else if (n == 0)
			sb_printf(&line, "ERROR SB_MALFORMED TTYPE");
		else {
			sb_printf(&line, "TTYPE IS ");
			sb_quote(&line, in + 7, n - 1);
		}
		c.trace[0] = line.p;
		c.trace[1] = "DATA \"z\"";
		if (run_case(&c, &report)) {
			sb_printf(&report, "  (limit %zu, opt %u, payload "
			    "%zu)\n", lim, opt, n);
			fails++;
		}
		runs++;
		sb_free(&line);
		free(in);
	}
	if (fails)
		print_error("%s", report.p);
	sb_free(&report);
	assert_true(runs > 500);
	assert_int_equal(fails, 0);
}


/* ------------------------------------------------------------------ */
/* Encoders: the exact bytes, one SEND event each                       */

static const struct telnet_env_var env_send_vars[] = {
	{ .type = TELENV_VAR, .name = "USER", .name_len = 4, .value = "" },
	{ .type = TELENV_USERVAR, .name = "X", .name_len = 1, .value = "" },
};
static const struct telnet_env_var env_is_vars[] = {
	{ .type = TELENV_VAR, .name = "USER", .name_len = 4, .has_value = 1,
	  .value = "bob", .value_len = 3 },
	{ .type = TELENV_USERVAR, .name = "A\0B", .name_len = 3,
	  .has_value = 1, .value = "\1\2\3\xff", .value_len = 4 },
	{ .type = TELENV_VAR, .name = "N", .name_len = 1, .value = "" },
};
static const struct telnet_env_var env_bad_vars[] = {
	{ .type = TELENV_VALUE, .name = "X", .name_len = 1, .value = "" },
};
static const struct telnet_slc slc3[] = {
	{ SLC_IP, SLC_VALUE | SLC_FLUSHIN | SLC_FLUSHOUT, 0x03 },
	{ SLC_EC, SLC_VALUE, 0x7f },
	{ SLC_XON, SLC_CANTCHANGE, 0xff },
};
static const char *const cs_names[] = { "UTF-8", "ISO-8859-1" };
static const char *const cs_bad[] = { "UTF-8", "a;b" };

static void e_ttype_send(struct telnet *t) { telnet_send_ttype_send(t); }
static void e_ttype_is(struct telnet *t) { telnet_send_ttype_is(t, "xterm"); }
static void e_naws(struct telnet *t) { telnet_send_naws(t, 80, 24); }
static void e_naws_ff(struct telnet *t) { telnet_send_naws(t, 255, 65535); }
static void e_tspeed_send(struct telnet *t) { telnet_send_tspeed_send(t); }
static void e_tspeed_is(struct telnet *t) { telnet_send_tspeed_is(t, 38400, 9600); }
static void e_xd_send(struct telnet *t) { telnet_send_xdisploc_send(t); }
static void e_xd_is(struct telnet *t) { telnet_send_xdisploc_is(t, "h:0.0"); }
static void e_env_send(struct telnet *t)
{
	telnet_send_env(t, TELOPT_NEW_ENVIRON, TELQUAL_SEND, env_send_vars, 2);
}
static void e_env_send_all(struct telnet *t)
{
	telnet_send_env(t, TELOPT_NEW_ENVIRON, TELQUAL_SEND, NULL, 0);
}
static void e_env_is(struct telnet *t)
{
	telnet_send_env(t, TELOPT_NEW_ENVIRON, TELQUAL_IS, env_is_vars, 3);
}
static void e_env_info(struct telnet *t)
{
	telnet_send_env(t, TELOPT_NEW_ENVIRON, TELQUAL_INFO, env_is_vars, 1);
}
static void e_env_bad(struct telnet *t)
{
	telnet_send_env(t, TELOPT_NEW_ENVIRON, TELQUAL_IS, env_bad_vars, 1);
}
static void e_oldenv_is(struct telnet *t)
{
	telnet_send_env(t, TELOPT_OLD_ENVIRON, TELQUAL_IS, env_is_vars, 1);
}
static void e_lm_mode(struct telnet *t) { telnet_send_linemode_mode(t, 3); }
static void e_lm_slc(struct telnet *t) { telnet_send_linemode_slc(t, slc3, 3); }
static void e_lm_fm(struct telnet *t)
{
	telnet_send_linemode_forwardmask(t, TELNET_DO,
	    (const unsigned char *)"\x24\xff", 2);
}
static void e_lm_fm_bad(struct telnet *t)
{
	telnet_send_linemode_forwardmask(t, TELNET_WONT,
	    (const unsigned char *)"\x24", 1);
}
static void e_lflow(struct telnet *t) { telnet_send_lflow(t, LFLOW_RESTART_XON); }
static void e_lflow_bad(struct telnet *t) { telnet_send_lflow(t, 4); }
static void e_status_send(struct telnet *t) { telnet_send_status_send(t); }
static void e_cs_req(struct telnet *t) { telnet_send_charset_request(t, cs_names, 2); }
static void e_cs_req_bad(struct telnet *t) { telnet_send_charset_request(t, cs_bad, 2); }
static void e_cs_acc(struct telnet *t) { telnet_send_charset_accepted(t, "UTF-8"); }
static void e_cs_rej(struct telnet *t) { telnet_send_charset_rejected(t); }
static void e_sndloc(struct telnet *t) { telnet_send_sndloc(t, "Room 5"); }
static void e_raw(struct telnet *t)
{
	telnet_send_sb(t, 99, (const unsigned char *)"a\xff" "b", 3);
}

static const struct tcase encoders[] = {
	{ .name = "TTYPE SEND", .steps = { CALL(e_ttype_send) },
	  .send = B(SBEG(O_TTYPE) "\1" SEND_) },
	{ .name = "TTYPE IS", CLIENT, .steps = { CALL(e_ttype_is) },
	  .send = B(SBEG(O_TTYPE) "\0xterm" SEND_) },
	{ .name = "NAWS 80x24", CLIENT, .steps = { CALL(e_naws) },
	  .send = B(SBEG(O_NAWS) "\0\x50\0\x18" SEND_) },
	{ .name = "NAWS 255x65535 doubles IAC", CLIENT,
	  .steps = { CALL(e_naws_ff) },
	  .send = B(SBEG(O_NAWS) "\0\xff\xff\xff\xff\xff\xff" SEND_) },
	{ .name = "TSPEED SEND", .steps = { CALL(e_tspeed_send) },
	  .send = B(SBEG(O_TSPEED) "\1" SEND_) },
	{ .name = "TSPEED IS", CLIENT, .steps = { CALL(e_tspeed_is) },
	  .send = B(SBEG(O_TSPEED) "\0" "38400,9600" SEND_) },
	{ .name = "XDISPLOC SEND", .steps = { CALL(e_xd_send) },
	  .send = B(SBEG(O_XDISPLOC) "\1" SEND_) },
	{ .name = "XDISPLOC IS", CLIENT, .steps = { CALL(e_xd_is) },
	  .send = B(SBEG(O_XDISPLOC) "\0h:0.0" SEND_) },
	{ .name = "NEW-ENVIRON SEND VAR USER USERVAR X",
	  .steps = { CALL(e_env_send) },
	  .send = B(SBEG(O_NEWENV) "\1\0USER\3X" SEND_) },
	{ .name = "NEW-ENVIRON SEND everything",
	  .steps = { CALL(e_env_send_all) },
	  .send = B(SBEG(O_NEWENV) "\1" SEND_) },
	{ .name = "NEW-ENVIRON IS, ESC quoting, IAC doubled", CLIENT,
	  .steps = { CALL(e_env_is) },
	  .send = B(SBEG(O_NEWENV) "\0\0USER\1bob\3A\2\0B\1\2\1\2\2\2\3"
	      XIAC XIAC "\0N" SEND_) },
	{ .name = "NEW-ENVIRON INFO", CLIENT, .steps = { CALL(e_env_info) },
	  .send = B(SBEG(O_NEWENV) "\2\0USER\1bob" SEND_) },
	{ .name = "NEW-ENVIRON bad variable type: nothing sent",
	  .steps = { CALL(e_env_bad) },
	  .trace = { "ERROR SB_MALFORMED NEWENV" } },
	{ .name = "ENVIRON IS in RFC 1408 codes", CLIENT,
	  .steps = { CALL(e_oldenv_is) },
	  .send = B(SBEG(O_OLDENV) "\0\0USER\1bob" SEND_) },
	{ .name = "ENVIRON IS in the dialect the peer showed", CLIENT,
	  .steps = { OURS(O_OLDENV), FEED(SBEG(O_OLDENV) "\1\1USER" SEND_),
	      MARK, CALL(e_oldenv_is) },
	  .send = B(SBEG(O_OLDENV) "\0\1USER\0bob" SEND_) },
	{ .name = "LINEMODE MODE", .steps = { CALL(e_lm_mode) },
	  .send = B(SBEG(O_LINEMODE) "\1\3" SEND_) },
	{ .name = "LINEMODE SLC", .steps = { CALL(e_lm_slc) },
	  .send = B(SBEG(O_LINEMODE) "\3\3\x62\3\x0a\2\x7f\x0f\1\xff\xff"
	      SEND_) },
	{ .name = "LINEMODE DO FORWARDMASK", .steps = { CALL(e_lm_fm) },
	  .send = B(SBEG(O_LINEMODE) XDO "\2\x24\xff\xff" SEND_) },
	{ .name = "LINEMODE WONT FORWARDMASK with a mask: refused",
	  .steps = { CALL(e_lm_fm_bad) },
	  .trace = { "ERROR SB_MALFORMED LINEMODE" } },
	{ .name = "LFLOW RESTART-XON", .steps = { CALL(e_lflow) },
	  .send = B(SBEG(O_LFLOW) "\3" SEND_) },
	{ .name = "LFLOW 4: refused", .steps = { CALL(e_lflow_bad) },
	  .trace = { "ERROR SB_MALFORMED LFLOW" } },
	{ .name = "STATUS SEND", CLIENT, .steps = { CALL(e_status_send) },
	  .send = B(SBEG(O_STATUS) "\1" SEND_) },
	{ .name = "STATUS IS with nothing on", .steps = { CALL(call_status_is) },
	  .send = B(SBEG(O_STATUS) "\0" SEND_) },
	{ .name = "CHARSET REQUEST", .steps = { CALL(e_cs_req) },
	  .send = B(SBEG(O_CHARSET) "\1;UTF-8;ISO-8859-1" SEND_) },
	{ .name = "CHARSET REQUEST, name with ';': refused",
	  .steps = { CALL(e_cs_req_bad) },
	  .trace = { "ERROR SB_MALFORMED CHARSET" } },
	{ .name = "CHARSET ACCEPTED", .steps = { CALL(e_cs_acc) },
	  .send = B(SBEG(O_CHARSET) "\2UTF-8" SEND_) },
	{ .name = "CHARSET REJECTED", .steps = { CALL(e_cs_rej) },
	  .send = B(SBEG(O_CHARSET) "\3" SEND_) },
	{ .name = "SNDLOC", CLIENT, .steps = { CALL(e_sndloc) },
	  .send = B(SBEG(O_SNDLOC) "Room 5" SEND_) },
	{ .name = "raw SB doubles IAC", .steps = { CALL(e_raw) },
	  .send = B(SBEG(O_X99) "a" XIAC XIAC "b" SEND_) },
	{ .name = "a CR sent last gets its NUL before an SB", CLIENT,
	  .steps = { SEND("x\r"), CALL(e_naws) },
	  .send = B("x\r\0" SBEG(O_NAWS) "\0\x50\0\x18" SEND_),
	  .data = "0-1" },
};

/* Every encoder emits its SB as exactly one SEND event. */
static void
test_encoders_one_send(void **state)
{
	static void (*const fns[])(struct telnet *) = {
		e_ttype_send, e_ttype_is, e_naws, e_naws_ff, e_tspeed_send,
		e_tspeed_is, e_xd_send, e_xd_is, e_env_send, e_env_send_all,
		e_env_is, e_env_info, e_oldenv_is, e_lm_mode, e_lm_slc,
		e_lm_fm, e_lflow, e_status_send, call_status_is, e_cs_req,
		e_cs_acc, e_cs_rej, e_sndloc, e_raw,
	};
	struct telnet_config cfg;
	struct rec r;
	struct telnet *t;
	size_t i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		memset(&r, 0, sizeof(r));
		assert_non_null(t = telnet_new(&cfg, rec_cb, &r));
		fns[i](t);
		assert_int_equal(r.nsend, 1);
		telnet_free(t);
		rec_free(&r);
	}
}

/* A big raw SB (60000 bytes, all IAC) goes out whole and decodes back. */
static void
test_encoder_big(void **state)
{
	struct telnet_config cfg;
	struct rec r;
	struct telnet *t;
	unsigned char *p;
	size_t n = 60000, i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	memset(&r, 0, sizeof(r));
	assert_non_null(p = malloc(n));
	memset(p, 0xff, n);
	assert_non_null(t = telnet_new(&cfg, rec_cb, &r));
	telnet_send_sb(t, 99, p, n);
	assert_int_equal(r.nsend, 1);
	assert_int_equal(r.send.len, 3 + 2 * n + 2);
	for (i = 3; i < 3 + 2 * n; i++)
		assert_int_equal((unsigned char)r.send.p[i], 0xff);
	telnet_free(t);
	rec_free(&r);
	free(p);
}

/* ------------------------------------------------------------------ */
/* Round trips: a client engine encodes, a server engine decodes (and    */
/* the other way), connected by two byte queues.                        */

struct end {
	struct telnet *t;
	struct rec r;
	struct sbuf out;	/* SEND bytes not yet delivered */
};

struct pair {
	struct end srv, cli;
	int bytewise;
};

static void
end_cb(struct telnet *t, const struct telnet_event *ev, void *ctx)
{
	struct end *e = ctx;

	if (ev->type == TELNET_EV_SEND)
		sb_addn(&e->out, ev->u.data.buf, ev->u.data.len);
	rec_cb(t, ev, &e->r);
}

/* Deliver queued bytes both ways until both are quiet. */
static void
pair_pump(struct pair *p)
{
	int rounds = 0;

	while (p->srv.out.len || p->cli.out.len) {
		struct sbuf tmp = { 0 };

		assert_true(++rounds < 100);	/* no negotiation loop */
		if (p->srv.out.len) {
			sb_addn(&tmp, p->srv.out.p, p->srv.out.len);
			sb_reset(&p->srv.out);
			feed_mode(p->cli.t, (unsigned char *)tmp.p, tmp.len,
			    p->bytewise);
			sb_reset(&tmp);
		}
		if (p->cli.out.len) {
			sb_addn(&tmp, p->cli.out.p, p->cli.out.len);
			sb_reset(&p->cli.out);
			feed_mode(p->srv.t, (unsigned char *)tmp.p, tmp.len,
			    p->bytewise);
		}
		sb_free(&tmp);
	}
	rec_flush(&p->srv.r);
	rec_flush(&p->cli.r);
}

static void
pair_open(struct pair *p, int bytewise)
{
	struct telnet_config cfg;
	static const unsigned char remote[] = {
		TELOPT_TTYPE, TELOPT_NAWS, TELOPT_TSPEED, TELOPT_XDISPLOC,
		TELOPT_NEW_ENVIRON, TELOPT_OLD_ENVIRON, TELOPT_LINEMODE,
		TELOPT_LFLOW, TELOPT_SNDLOC, TELOPT_CHARSET, TELOPT_SGA, 99,
	};
	static const unsigned char local[] = {
		TELOPT_ECHO, TELOPT_SGA, TELOPT_STATUS,
	};
	size_t i;

	memset(p, 0, sizeof(*p));
	p->bytewise = bytewise;
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = pol_server;
	assert_non_null(p->srv.t = telnet_new(&cfg, end_cb, &p->srv));
	cfg.policy = pol_client;
	cfg.is_client = 1;
	assert_non_null(p->cli.t = telnet_new(&cfg, end_cb, &p->cli));
	for (i = 0; i < sizeof(remote); i++)
		assert_int_equal(telnet_request_remote(p->srv.t, remote[i], 1),
		    0);
	for (i = 0; i < sizeof(local); i++)
		assert_int_equal(telnet_request_local(p->srv.t, local[i], 1),
		    0);
	pair_pump(p);
	for (i = 0; i < sizeof(remote); i++) {
		assert_true(telnet_remote_enabled(p->srv.t, remote[i]));
		assert_true(telnet_local_enabled(p->cli.t, remote[i]));
	}
	for (i = 0; i < sizeof(local); i++) {
		assert_true(telnet_local_enabled(p->srv.t, local[i]));
		assert_true(telnet_remote_enabled(p->cli.t, local[i]));
	}
	rec_reset(&p->srv.r);
	rec_reset(&p->cli.r);
}

static void
pair_close(struct pair *p)
{
	telnet_free(p->srv.t);
	telnet_free(p->cli.t);
	rec_free(&p->srv.r);
	rec_free(&p->cli.r);
	sb_free(&p->srv.out);
	sb_free(&p->cli.out);
}

struct rtcase {
	const char *name;
	int from_server;	/* 1: the server encodes, the client decodes */
	void (*fn)(struct telnet *);
	const char *trace;	/* at the decoding end, lines joined by \n */
};

static const struct telnet_env_var rt_vars[] = {
	{ .type = TELENV_VAR, .name = "USER", .name_len = 4, .has_value = 1,
	  .value = "alice", .value_len = 5 },
	{ .type = TELENV_USERVAR, .name = "W\0\1\2\3\xff", .name_len = 6,
	  .has_value = 1, .value = "\3\2\1\0\xff", .value_len = 5 },
	{ .type = TELENV_VAR, .name = "EMPTY", .name_len = 5, .has_value = 1,
	  .value = "", .value_len = 0 },
	{ .type = TELENV_USERVAR, .name = "NOVAL", .name_len = 5,
	  .value = "" },
};
static const struct telnet_slc rt_slc[] = {
	{ 0, SLC_DEFAULT, 0 },
	{ SLC_SYNCH, SLC_DEFAULT, 0 },
	{ SLC_IP, SLC_VALUE | SLC_FLUSHIN | SLC_FLUSHOUT, 0x03 },
	{ SLC_EOF, SLC_VALUE, 0x04 },
	{ SLC_EC, SLC_VALUE | SLC_ACK, 0x7f },
	{ SLC_LNEXT, SLC_NOSUPPORT, 0xff },
};

static void rt_ttype(struct telnet *t) { telnet_send_ttype_is(t, "xterm-256color"); }
static void rt_ttype_ff(struct telnet *t) { telnet_send_ttype_is(t, "\xff\xfe\xf0"); }
static void rt_naws(struct telnet *t) { telnet_send_naws(t, 255, 65535); }
static void rt_naws0(struct telnet *t) { telnet_send_naws(t, 0, 0xff00); }
static void rt_tspeed(struct telnet *t) { telnet_send_tspeed_is(t, 4294967295UL, 0); }
static void rt_xd(struct telnet *t) { telnet_send_xdisploc_is(t, "[::1]:10.0"); }
static void rt_env_is(struct telnet *t)
{
	telnet_send_env(t, TELOPT_NEW_ENVIRON, TELQUAL_IS, rt_vars, 4);
}
static void rt_env_info(struct telnet *t)
{
	telnet_send_env(t, TELOPT_NEW_ENVIRON, TELQUAL_INFO, rt_vars, 1);
}
static void rt_oldenv(struct telnet *t)
{
	telnet_send_env(t, TELOPT_OLD_ENVIRON, TELQUAL_IS, rt_vars, 4);
}
static void rt_env_send(struct telnet *t)
{
	telnet_send_env(t, TELOPT_NEW_ENVIRON, TELQUAL_SEND, rt_vars, 2);
}
static void rt_lm_mode(struct telnet *t) { telnet_send_linemode_mode(t, 0x17); }
static void rt_lm_slc(struct telnet *t) { telnet_send_linemode_slc(t, rt_slc, 6); }
static void rt_lm_will(struct telnet *t)
{
	telnet_send_linemode_forwardmask(t, TELNET_WILL, NULL, 0);
}
static void rt_lm_do(struct telnet *t)
{
	telnet_send_linemode_forwardmask(t, TELNET_DO,
	    (const unsigned char *)"\0\xff\x10", 3);
}
static void rt_lflow(struct telnet *t) { telnet_send_lflow(t, LFLOW_RESTART_ANY); }
static void rt_cs(struct telnet *t) { telnet_send_charset_request(t, cs_names, 2); }
static void rt_cs_acc(struct telnet *t) { telnet_send_charset_accepted(t, "UTF-8"); }
static void rt_sndloc(struct telnet *t) { telnet_send_sndloc(t, "Bldg 7"); }
static void rt_ttype_send(struct telnet *t) { telnet_send_ttype_send(t); }
static void rt_status_send(struct telnet *t) { telnet_send_status_send(t); }
static void rt_raw(struct telnet *t)
{
	telnet_send_sb(t, 99, (const unsigned char *)"\xff\xf0\0", 3);
}
static void rt_data(struct telnet *t)
{
	static const char d[] = "a\r\nb\rc\r\0d\n\xff" "e\r";

	telnet_send(t, (const unsigned char *)d, sizeof(d) - 1);
	telnet_send(t, (const unsigned char *)"\n", 1);
}
static void rt_cmds(struct telnet *t)
{
	telnet_send(t, (const unsigned char *)"x\r", 2);
	telnet_send_command(t, TELNET_AYT);
	telnet_send_command(t, TELNET_EOF);
}

static const struct rtcase roundtrips[] = {
	{ "TTYPE IS", 0, rt_ttype, "TTYPE IS \"xterm-256color\"" },
	{ "TTYPE IS with IAC inside", 0, rt_ttype_ff,
	  "TTYPE IS \"\\xff\\xfe\\xf0\"" },
	{ "NAWS 255x65535", 0, rt_naws, "NAWS 255x65535" },
	{ "NAWS 0x65280", 0, rt_naws0, "NAWS 0x65280" },
	{ "TSPEED IS", 0, rt_tspeed, "TSPEED IS 4294967295,0" },
	{ "XDISPLOC IS", 0, rt_xd, "XDISPLOC IS \"[::1]:10.0\"" },
	{ "NEW-ENVIRON IS", 0, rt_env_is,
	  "ENV IS VAR \"USER\"=\"alice\" "
	  "USERVAR \"W\\x00\\x01\\x02\\x03\\xff\"=\"\\x03\\x02\\x01\\x00\\xff\" "
	  "VAR \"EMPTY\"=\"\" USERVAR \"NOVAL\"(novalue)" },
	{ "NEW-ENVIRON INFO", 0, rt_env_info,
	  "ENV INFO VAR \"USER\"=\"alice\"" },
	{ "ENVIRON IS", 0, rt_oldenv,
	  "OLDENV IS VAR \"USER\"=\"alice\" "
	  "USERVAR \"W\\x00\\x01\\x02\\x03\\xff\"=\"\\x03\\x02\\x01\\x00\\xff\" "
	  "VAR \"EMPTY\"=\"\" USERVAR \"NOVAL\"(novalue)" },
	{ "NEW-ENVIRON SEND", 1, rt_env_send,
	  "ENV SEND VAR \"USER\" USERVAR \"W\\x00\\x01\\x02\\x03\\xff\"" },
	{ "LINEMODE MODE", 1, rt_lm_mode, "LM MODE 0x17" },
	{ "LINEMODE SLC", 0, rt_lm_slc,
	  "LM SLC 0:0x03:0x00 1:0x03:0x00 3:0x62:0x03 8:0x02:0x04 "
	  "10:0x82:0x7f 14:0x00:0xff" },
	{ "LINEMODE SLC to the client", 1, rt_lm_slc,
	  "LM SLC 0:0x03:0x00 1:0x03:0x00 3:0x62:0x03 8:0x02:0x04 "
	  "10:0x82:0x7f 14:0x00:0xff" },
	{ "LINEMODE WILL FORWARDMASK", 0, rt_lm_will, "LM FORWARDMASK WILL" },
	{ "LINEMODE DO FORWARDMASK", 1, rt_lm_do, "LM FORWARDMASK DO 00ff10" },
	{ "LFLOW", 1, rt_lflow, "LFLOW 2" },
	{ "CHARSET REQUEST", 0, rt_cs,
	  "CHARSET REQUEST \"UTF-8\" \"ISO-8859-1\"" },
	{ "CHARSET ACCEPTED", 1, rt_cs_acc, "CHARSET ACCEPTED \"UTF-8\"" },
	{ "SNDLOC", 0, rt_sndloc, "SNDLOC \"Bldg 7\"" },
	{ "TTYPE SEND", 1, rt_ttype_send, "TTYPE SEND" },
	{ "STATUS SEND", 0, rt_status_send, "STATUS SEND" },
	{ "raw", 0, rt_raw, "SB 99 \"\\xff\\xf0\\x00\"" },
	{ "data in NVT mode", 0, rt_data,
	  "DATA \"a\"\nEOL CR\nEOL LF\nDATA \"b\"\nEOL CR\nDATA \"c\"\n"
	  "EOL CR\nDATA \"\\x00d\\n\\xffe\"\nEOL CR\nEOL LF" },
	{ "commands after a bare CR", 1, rt_cmds,
	  "DATA \"x\"\nEOL CR\nCMD AYT\nCMD EOF" },
};

static void
test_roundtrip(void **state)
{
	size_t i, fails = 0;
	struct sbuf report = { 0 };
	int bw;

	(void)state;
	for (i = 0; i < sizeof(roundtrips) / sizeof(roundtrips[0]); i++) {
		const struct rtcase *c = &roundtrips[i];

		for (bw = 0; bw < 2; bw++) {
			struct pair p;
			struct end *enc, *dec;
			struct sbuf want = { 0 };

			pair_open(&p, bw);
			enc = c->from_server ? &p.srv : &p.cli;
			dec = c->from_server ? &p.cli : &p.srv;
			c->fn(enc->t);
			pair_pump(&p);
			sb_printf(&want, "%s\n", c->trace);
			if (strcmp(want.p, dec->r.trace.p ? dec->r.trace.p :
			    "") != 0) {
				sb_printf(&report, "[round trip %s]%s\n--- "
				    "want\n%s--- got\n%s", c->name,
				    bw ? " (byte at a time)" : "", want.p,
				    dec->r.trace.p ? dec->r.trace.p : "");
				fails++;
			}
			sb_free(&want);
			pair_close(&p);
		}
	}
	if (fails)
		print_error("%s", report.p);
	sb_free(&report);
	assert_int_equal(fails, 0);
}

/* STATUS: the client asks, the server answers with its own table, the
 * client receives the list of what is on. */
static void
test_roundtrip_status(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p, 0);
	telnet_send_status_send(p.cli.t);
	pair_pump(&p);
	assert_string_equal(p.srv.r.trace.p, "STATUS SEND\n");
	telnet_send_status_is(p.srv.t);
	pair_pump(&p);
	/* Server: WILL ECHO, SGA, STATUS; DO SGA and every remote option
	 * in pair_open, in option order. */
	assert_string_equal(p.cli.r.trace.p, "STATUS IS "
	    "fb01fb03fd03fb05fd17fd18fd1ffd20fd21fd22fd23fd24fd27fd2afd63\n");
	pair_close(&p);
}

/* An SLC table longer than one subnegotiation may carry (a reply to a
 * client that offered many functions) goes out as several, in order, each
 * of which the peer's decoder keeps: 60, then the rest. */
static void
test_roundtrip_slc_split(void **state)
{
	static const size_t counts[] = { 1, TELNET_SLC_MAX, TELNET_SLC_MAX + 1,
	    TELNET_SLC_MAX + SLC_MAXFUNC, 3 * TELNET_SLC_MAX };
	struct telnet_slc slc[3 * TELNET_SLC_MAX];
	size_t c, i;
	int bw;

	(void)state;
	for (i = 0; i < 3 * TELNET_SLC_MAX; i++) {
		slc[i].func = (unsigned char)(1 + i % 90);
		slc[i].flags = (unsigned char)(i % 4);
		slc[i].value = (unsigned char)(i == 7 ? 0xff : i);
	}
	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		for (bw = 0; bw < 2; bw++) {
			struct sbuf want = { 0 };
			struct pair p;

			for (i = 0; i < counts[c]; i++) {
				if (i % TELNET_SLC_MAX == 0)
					sb_printf(&want, "%sLM SLC", i ? "\n" :
					    "");
				sb_printf(&want, " %u:0x%02x:0x%02x",
				    slc[i].func, slc[i].flags, slc[i].value);
			}
			sb_printf(&want, "\n");
			pair_open(&p, bw);
			telnet_send_linemode_slc(p.srv.t, slc, counts[c]);
			pair_pump(&p);
			assert_string_equal(p.cli.r.trace.p, want.p);
			sb_free(&want);
			pair_close(&p);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sb_limit_sweep),
		cmocka_unit_test(test_encoders_one_send),
		cmocka_unit_test(test_encoder_big),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_roundtrip_status),
		cmocka_unit_test(test_roundtrip_slc_split),
	};
	int fails = 0;

	fails += RUN_TABLE(sb_ttype);
	fails += RUN_TABLE(sb_naws);
	fails += RUN_TABLE(sb_text);
	fails += RUN_TABLE(sb_newenv);
	fails += RUN_TABLE(sb_oldenv);
	fails += RUN_TABLE(sb_linemode);
	fails += RUN_TABLE(sb_misc);
	fails += RUN_TABLE(sb_limit);
	fails += RUN_TABLE(encoders);
	fails += cmocka_run_group_tests_name("telnet_sb", tests, NULL, NULL);
	return fails != 0;
}
