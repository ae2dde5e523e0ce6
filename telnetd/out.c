/*
 * out.c - text into a fixed buffer, cut rather than overrun, and JSON
 * strings in it: what the client report (report.c, reportprobe.c) and
 * the fingerprints' canonical texts (fingerprint.c) are written with.
 * Its own file so that those files share it without calling each other.
 */
#include <stdarg.h>
#include <stdio.h>

#include "out.h"

void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->len += (size_t)n;
	if (o->len >= o->size)
		o->len = o->size - 1;
}

/* The characters of s inside a JSON string. */
void
json_chars(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			out_printf(o, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			out_printf(o, "\\u%04x", *p);
		else
			out_printf(o, "%c", *p);
	}
}

void
json_str(struct out *o, const char *s)
{
	out_printf(o, "\"");
	json_chars(o, s);
	out_printf(o, "\"");
}

/* A string field, or null when it is empty. */
void
json_str_or_null(struct out *o, const char *s)
{
	if (s[0] != '\0')
		json_str(o, s);
	else
		out_printf(o, "null");
}
