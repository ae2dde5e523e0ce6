#!/bin/sh
# showenv.sh - print what a session program sees: its tty, window size,
# speed, environment, argument vector; then exit.
echo "ARGS=$*"
echo "TTY=$(tty)"
echo "SIZE=$(stty size)"
echo "SPEED=$(stty speed)"
echo "UID=$(id -u)"
env | sort | sed 's/^/ENV:/'
echo "END"
