#!/bin/sh
# peerprog.sh HOST - a session program for the address tests: print the
# host telnetd expanded for %h and the session's tty, then wait for one
# line of input (at most 30 s) so the session stays while the test looks
# at utmp, the logs and ps.  The line read is printed back.
echo "HOST=[$1] TTY=[$(tty)]"
line=$(timeout --foreground 30 head -n 1)
echo "GOT=[$line]"
