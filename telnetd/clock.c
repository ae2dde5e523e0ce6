/*
 * clock.c - time for the poll loops: monotonic milliseconds, the poll
 * timeout of a table of deadlines (the nearest one that is set), and the
 * length of a span of time as the report gives it.
 */
#include <stdint.h>
#include <time.h>

#include "telnetd.h"

int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
deadline_timeout(const int64_t *dl, size_t n, int64_t now)
{
	int64_t d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (dl[i] != 0 && (d == 0 || dl[i] < d))
			d = dl[i];
	if (d == 0)
		return -1;
	if (d <= now)
		return 0;
	return d - now > INT32_MAX ? INT32_MAX : (int)(d - now);
}

int32_t
ms_between(int64_t from, int64_t to)
{
	int64_t d = to - from;

	return d < 1 ? 1 : d > INT32_MAX ? INT32_MAX : (int32_t)d;
}
