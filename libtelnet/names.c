/*
 * names.c - names of TELNET commands and options, for traces and logs.
 *
 * Command names are those of RFC 854 (plus EOR from RFC 885 and EOF,
 * SUSP, ABORT from RFC 1184).  Option names follow the IANA "TELNET
 * Options" registry, shortened to the forms people grep for ("TTYPE",
 * "NAWS"), with hyphens instead of spaces so a trace line stays one
 * word per field.
 */
#include <stddef.h>

#include "telnet_int.h"

/* Commands live at 236..255; the table is indexed by cmd - TELNET_EOF. */
static const char *const cmd_names[] = {
	"EOF",		/* 236, RFC 1184 */
	"SUSP",		/* 237, RFC 1184 */
	"ABORT",	/* 238, RFC 1184 */
	"EOR",		/* 239, RFC 885 */
	"SE",		/* 240 */
	"NOP",		/* 241 */
	"DM",		/* 242 */
	"BRK",		/* 243 */
	"IP",		/* 244 */
	"AO",		/* 245 */
	"AYT",		/* 246 */
	"EC",		/* 247 */
	"EL",		/* 248 */
	"GA",		/* 249 */
	"SB",		/* 250 */
	"WILL",		/* 251 */
	"WONT",		/* 252 */
	"DO",		/* 253 */
	"DONT",		/* 254 */
	"IAC",		/* 255 */
};

const char *
telnet_cmd_name(unsigned char cmd)
{
	if (cmd < TELNET_EOF)
		return "?";
	return cmd_names[cmd - TELNET_EOF];
}

/* Unlisted options come out as "unknown".  A list of names in arrays,
 * not 256 pointers: the pointers would be relocated at every start of the
 * static-pie daemon, 2 KiB of .data.rel.ro dirtied in each process (a
 * page per session process); a name is looked up only for logs and the
 * report. */
static const struct {
	unsigned char opt;
	char name[20];
} opt_names[] = {
	{ TELOPT_BINARY, "BINARY" },
	{ TELOPT_ECHO, "ECHO" },
	{ 2, "RCP" },			/* reconnection, NIC 15391 */
	{ TELOPT_SGA, "SGA" },
	{ 4, "NAMS" },			/* message size negotiation */
	{ TELOPT_STATUS, "STATUS" },
	{ TELOPT_TM, "TM" },
	{ 7, "RCTE" },			/* RFC 726 */
	{ 8, "NAOL" },			/* output line width */
	{ 9, "NAOP" },			/* output page size */
	{ 10, "NAOCRD" },		/* RFC 652 */
	{ 11, "NAOHTS" },		/* RFC 653 */
	{ 12, "NAOHTD" },		/* RFC 654 */
	{ 13, "NAOFFD" },		/* RFC 655 */
	{ 14, "NAOVTS" },		/* RFC 656 */
	{ 15, "NAOVTD" },		/* RFC 657 */
	{ 16, "NAOLFD" },		/* RFC 658 */
	{ 17, "XASCII" },		/* RFC 698 */
	{ TELOPT_LOGOUT, "LOGOUT" },
	{ 19, "BM" },			/* byte macro, RFC 735 */
	{ 20, "DET" },			/* data entry terminal, RFC 1043 */
	{ 21, "SUPDUP" },		/* RFC 736 */
	{ 22, "SUPDUP-OUTPUT" },		/* RFC 749 */
	{ TELOPT_SNDLOC, "SNDLOC" },
	{ TELOPT_TTYPE, "TTYPE" },
	{ TELOPT_EOR, "EOR" },
	{ 26, "TUID" },			/* RFC 927 */
	{ 27, "OUTMRK" },		/* RFC 933 */
	{ 28, "TTYLOC" },		/* RFC 946 */
	{ 29, "3270-REGIME" },		/* RFC 1041 */
	{ 30, "X.3-PAD" },		/* RFC 1053 */
	{ TELOPT_NAWS, "NAWS" },
	{ TELOPT_TSPEED, "TSPEED" },
	{ TELOPT_LFLOW, "LFLOW" },
	{ TELOPT_LINEMODE, "LINEMODE" },
	{ TELOPT_XDISPLOC, "XDISPLOC" },
	{ TELOPT_OLD_ENVIRON, "OLD-ENVIRON" },
	{ TELOPT_AUTHENTICATION, "AUTHENTICATION" },
	{ TELOPT_ENCRYPT, "ENCRYPT" },
	{ TELOPT_NEW_ENVIRON, "NEW-ENVIRON" },
	{ 40, "TN3270E" },		/* RFC 2355 */
	{ 41, "XAUTH" },
	{ TELOPT_CHARSET, "CHARSET" },
	{ 43, "RSP" },			/* remote serial port */
	{ TELOPT_COMPORT, "COM-PORT" },
	{ 45, "SUPPRESS-LOCAL-ECHO" },
	{ TELOPT_STARTTLS, "START-TLS" },
	{ 47, "KERMIT" },		/* RFC 2840 */
	{ 48, "SEND-URL" },
	{ 49, "FORWARD-X" },
	/* Not IANA's: the MUD clients' own numbers (the report's probe
	 * asks a MUD client about them). */
	{ 69, "MSDP" },			/* MUD server data protocol */
	{ 70, "MSSP" },			/* MUD server status protocol */
	{ 85, "MCCP1" },			/* MUD client compression */
	{ 86, "MCCP2" },
	{ 87, "MCCP3" },
	{ 90, "MSP" },			/* MUD sound protocol */
	{ 91, "MXP" },			/* MUD extension protocol */
	{ 93, "ZMP" },			/* zenith MUD protocol */
	{ 102, "AARDWOLF" },
	{ 138, "PRAGMA-LOGON" },
	{ 139, "SSPI-LOGON" },
	{ 140, "PRAGMA-HEARTBEAT" },
	{ 200, "ATCP" },			/* Achaea telnet client protocol */
	{ 201, "GMCP" },			/* generic MUD communication */
	{ TELOPT_EXOPL, "EXOPL" },
};

const char *
telnet_opt_name(unsigned char opt)
{
	size_t i;

	for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
		if (opt_names[i].opt == opt)
			return opt_names[i].name;
	return "unknown";
}
