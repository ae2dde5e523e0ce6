/*
 * telnet.c - the engine object: its construction from the caller's
 * configuration (one block holding the state and both subnegotiation
 * buffers), the option policy, its release, and the two event helpers
 * every other file of the engine reports through.
 *
 * The work is done elsewhere: receive.c parses what the peer sends,
 * negotiate.c runs the RFC 1143 Q method, send.c encodes data and
 * commands, subneg.c, environ.c and encode.c handle subnegotiations.
 */
#include <stdlib.h>
#include <string.h>

#include "telnet_int.h"

/* ------------------------------------------------------------------ */
/* Event helpers                                                        */

void
telnet_emit_error(struct telnet *t, enum telnet_error code, unsigned char opt,
    const char *msg)
{
	struct telnet_event ev;

	telnet_ev_init(&ev, TELNET_EV_ERROR);
	ev.u.error.code = code;
	ev.u.error.opt = opt;
	ev.u.error.msg = msg;
	telnet_emit(t, &ev);
}

/* ------------------------------------------------------------------ */
/* Construction                                                         */

struct telnet *
telnet_new(const struct telnet_config *cfg, telnet_event_cb cb, void *ctx)
{
	struct telnet *t;
	const struct telnet_policy *p;
	size_t sb_max, dec_max, size;
	void *mem;

	if (cfg == NULL || cb == NULL)
		return NULL;
	sb_max = cfg->sb_max ? cfg->sb_max : TELNET_SB_DEFAULT_MAX;
	if (sb_max < TELNET_SB_MIN_MAX || sb_max > TELNET_SB_MAX_MAX)
		return NULL;
	/* One block: the struct, then sb_buf, then dec_buf. */
	dec_max = 2 * sb_max + 64;
	size = sizeof(*t) + sb_max + dec_max;
	if ((cfg->alloc == NULL) != (cfg->release == NULL))
		return NULL;
	mem = cfg->alloc != NULL ? cfg->alloc(size) : calloc(1, size);
	if (mem == NULL)
		return NULL;
	t = mem;
	t->release = cfg->release;
	t->mem_size = size;
	t->cb = cb;
	t->ctx = ctx;
	t->is_client = cfg->is_client;
	t->sb_max = sb_max;
	t->dec_max = dec_max;
	t->sb_buf = (unsigned char *)mem + sizeof(*t);
	t->dec_buf = t->sb_buf + sb_max;
	for (p = cfg->policy; p != NULL && p->opt >= 0; p++) {
		if (p->opt > 255)
			continue;
		t->opts[p->opt].local_ok = p->local ? 1 : 0;
		t->opts[p->opt].remote_ok = p->remote ? 1 : 0;
	}
	return t;
}

void
telnet_set_policy(struct telnet *t, const struct telnet_policy *policy)
{
	const struct telnet_policy *p;
	size_t i;

	for (i = 0; i < 256; i++) {
		t->opts[i].local_ok = 0;
		t->opts[i].remote_ok = 0;
	}
	for (p = policy; p != NULL && p->opt >= 0; p++) {
		if (p->opt > 255)
			continue;
		t->opts[p->opt].local_ok = p->local ? 1 : 0;
		t->opts[p->opt].remote_ok = p->remote ? 1 : 0;
	}
	/* Once begun, START_TLS is never negotiated again (draft section
	 * 3.1, 6), whatever the table says. */
	if (t->tls != TELNET_TLS_NONE) {
		t->opts[TELOPT_STARTTLS].local_ok = 0;
		t->opts[TELOPT_STARTTLS].remote_ok = 0;
	}
}

void
telnet_free(struct telnet *t)
{
	if (t == NULL)
		return;
	if (t->release != NULL)
		t->release(t, t->mem_size);
	else
		free(t);
}

int
telnet_trim(struct telnet *t, void (*discard)(void *p, size_t size))
{
	if (t->in_feed || t->state == PS_SB_OPT || t->state == PS_SB ||
	    t->state == PS_SB_IAC)
		return 0;
	discard(t->sb_buf, t->sb_max + t->dec_max);
	return 1;
}
