/*
 * clock.c - time for the poll loops: monotonic milliseconds, and the poll
 * timeout of a table of deadlines (the nearest one that is set).
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
