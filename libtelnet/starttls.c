/*
 * starttls.c - the START_TLS option (draft-altman-telnet-starttls-02): the
 * FOLLOWS exchange that hands the connection to TLS, and the reset after
 * it.  The engine does no TLS; it tells the caller exactly where in the
 * byte stream TLS begins (TELNET_EV_STARTTLS, and telnet_feed's count).
 *
 * Section 3.1, in the engine's terms: the option is negotiated with the
 * ordinary Q method (the server's DO, the client's WILL).  When it is
 * agreed, each side sends IAC SB START_TLS FOLLOWS IAC SE at once (the
 * server: "MUST send the FOLLOWS sub-command ... and await the FOLLOWS
 * sub-command from the client"), and from then on answers nothing and asks
 * nothing ("MUST NOT respond to nor initiate any additional telnet
 * commands or sub-commands").  When the peer's FOLLOWS has been received
 * too, the TELNET stream ends after its IAC SE.
 */
#include <string.h>

#include "telnet_int.h"

enum telnet_tls
telnet_starttls_state(const struct telnet *t)
{
	return t->tls;
}

int
telnet_tls_frozen(const struct telnet *t)
{
	return t->tls == TELNET_TLS_FOLLOWS_SENT || t->tls == TELNET_TLS_BEGIN;
}

void
telnet_starttls_agreed(struct telnet *t)
{
	static const unsigned char follows[] = {
		TELNET_IAC, TELNET_SB, TELOPT_STARTTLS, STARTTLS_FOLLOWS,
		TELNET_IAC, TELNET_SE,
	};

	/* Once per connection: after the reset the option is refused. */
	if (t->tls != TELNET_TLS_NONE)
		return;
	t->tls = TELNET_TLS_FOLLOWS_SENT;
	telnet_emit_send(t, follows, sizeof(follows), 0);
}

/* SB START_TLS: only FOLLOWS exists (section 2), and only after ours. */
void
telnet_sb_starttls(struct telnet *t)
{
	struct telnet_event ev;

	if (t->sb_len != 1 || t->sb_buf[0] != STARTTLS_FOLLOWS) {
		telnet_sb_malformed(t, "START_TLS sub-command is not FOLLOWS");
		return;
	}
	if (t->tls != TELNET_TLS_FOLLOWS_SENT) {
		telnet_emit_error(t, TELNET_ERR_PROTOCOL, TELOPT_STARTTLS,
		    "FOLLOWS before the option was agreed");
		return;
	}
	t->tls = TELNET_TLS_BEGIN;
	t->stop = 1;		/* telnet_feed returns after the SE */
	telnet_ev_init(&ev, TELNET_EV_STARTTLS);
	telnet_emit(t, &ev);
}

/*
 * Section 3.1 item 6: "the state of all telnet options is reset to the
 * WONT/DONT state and any data received via subcommands is forgotten",
 * and START_TLS "MUST NOT be negotiated" again: it leaves the policy.  The
 * parser is between commands here (feeding stopped right after the
 * peer's IAC SE) and our last bytes were our FOLLOWS, so no CR is pending
 * on either side.
 */
void
telnet_starttls_reset(struct telnet *t)
{
	size_t i;

	if (t->tls != TELNET_TLS_BEGIN)
		return;
	for (i = 0; i < 256; i++) {
		t->opts[i].us = TELNET_Q_NO;
		t->opts[i].him = TELNET_Q_NO;
		t->opts[i].usq = 0;
		t->opts[i].himq = 0;
	}
	t->opts[TELOPT_STARTTLS].local_ok = 0;
	t->opts[TELOPT_STARTTLS].remote_ok = 0;
	t->sb_len = 0;
	t->sb_overflow = 0;
	t->synch = 0;
	t->env_reversed = 0;
	t->env_reversed_known = 0;
	t->tls = TELNET_TLS_DONE;
}
