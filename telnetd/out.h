/*
 * out.h - out.c: a bounded writer and JSON strings, for the client
 * report (report.c, reportprobe.c) and the fingerprints (fingerprint.c).
 */
#ifndef TELNETD_OUT_H
#define TELNETD_OUT_H

#include <stddef.h>

/* Output is cut, never overrun; p[len] is always a NUL. */
struct out {
	char *p;
	size_t size, len;
};
void out_printf(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* JSON holds printable ASCII only: anything else is escaped.  The
 * characters of s inside a string (no quotes); a string; a string, or
 * null when it is empty. */
void json_chars(struct out *o, const char *s);
void json_str(struct out *o, const char *s);
void json_str_or_null(struct out *o, const char *s);

#endif /* TELNETD_OUT_H */
