/*
 * telnet_trace.h - engine events as one line of text each, the format of
 * the engine tests' traces (telnet_harness.h lists it) and of tclient's
 * --trace.  In telnet_trace.c, which needs nothing but libc and telnet.h.
 */
#ifndef TELNET_TRACE_H
#define TELNET_TRACE_H

#include <stddef.h>

#include "telnet.h"

#define PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))

/* A growing string. */
struct sbuf {
	char *p;
	size_t len, cap;
};
void sb_addn(struct sbuf *s, const void *p, size_t n);
void sb_printf(struct sbuf *s, const char *fmt, ...) PRINTFLIKE(2, 3);
void sb_reset(struct sbuf *s);
void sb_free(struct sbuf *s);
/* "..." with \r, \n, \", \\ and \xNN for everything else not printable. */
void sb_quote(struct sbuf *s, const void *buf, size_t len);

/* The tests' own names, so the traces do not depend on names.c. */
const char *t_cmd_name(unsigned c);
const char *t_opt_name(unsigned o);
const char *t_q_name(enum telnet_q q);

/* One event (not DATA, not SEND) as one trace line, without the newline. */
void fmt_event(struct sbuf *s, const struct telnet_event *ev);

#endif /* TELNET_TRACE_H */
