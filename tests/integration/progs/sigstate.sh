#!/bin/sh
# sigstate.sh - print the signal mask and ignored set a program started
# with (from /proc, hexadecimal), then exit.
grep -E '^(SigBlk|SigIgn):' /proc/self/status
echo END
