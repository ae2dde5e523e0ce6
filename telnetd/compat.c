/*
 * compat.c - strlcpy(3), the one BSD function glibc 2.36 lacks.  Defined
 * here, the daemon does not need libbsd (and libmd behind it) at run time:
 * two libraries fewer to load per session and their relocated pages out of
 * every session's private memory.
 */
#include <string.h>

#include "telnetd.h"

size_t
strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
