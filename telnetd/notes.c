/*
 * notes.c - the log lines a client can make it write over and over.
 *
 * A client can send the same refused thing thousands of times (126 KB of
 * bad TTYPE answers made 9,000 lines): the first of each kind is logged,
 * with the text that shows what it was, and the rest only counted.  The
 * negotiation and the options after it (negotiate.c, options.c) ask here
 * before they log one; the relay logs the counts when the session ends.
 */
#include <sys/types.h>

#include <limits.h>

#include "telnetd.h"

static const char *const note_names[NOTE_MAX] = {
	[NOTE_TTYPE_REFUSED] = "terminal types refused",
	[NOTE_XDISPLOC_REFUSED] = "X display locations refused",
	[NOTE_CHARSET_UNOFFERED] = "charsets accepted but never offered",
	[NOTE_SNDLOC] = "client locations",
};

int
note_first(struct session *s, enum note_kind k)
{
	if (s->notes[k] < UINT_MAX)
		s->notes[k]++;
	return s->notes[k] == 1;
}

void
notes_end(const struct session *s)
{
	size_t k;

	for (k = 0; k < NOTE_MAX; k++)
		if (s->notes[k] > 1)
			log_info("%u more %s in this session (logged once)",
			    s->notes[k] - 1, note_names[k]);
}
