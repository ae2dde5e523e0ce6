#!/usr/bin/python3
"""tprog.py MODE [ARG...] - a session program for the daemon tests.

Run by telnetd -E on the session's pty; prints what it sees and does what
the test asks.  Every mode ends by itself within 30 s, so nothing lingers.

  winch            print "SIZE r c", then "WINCH r c" on each SIGWINCH
  hup FILE         print READY; on SIGHUP append "HUP" to FILE and exit
  tail N           write N pattern bytes (no newline) and exit at once
  binary N SEED    raw tty; READY; read N bytes, print their sha256; write
                   N bytes from random.Random(SEED); exit
  lines            echo off; READY; print LINE:<repr> per line until "quit"
  signals          READY; print the name of each SIGINT/SIGQUIT/SIGTSTP;
                   lines as above
  flush            READY; write a block, tcflush(TCOFLUSH), print AFTER
  flushrace N      READY; N rounds of: read a line, write a block (its
                   size varies), tcflush(TCOFLUSH), print AFTER<round>
  sleep            READY; sleep (until SIGHUP or 30 s)
  ticks N FILE     print "TICK i" every 0.4 s N times, then QUIET and
                   nothing more; on SIGHUP append "HUP" to FILE and exit
  echo             READY; read one line, print ECHO:<line>, exit
"""
import hashlib
import os
import random
import signal
import sys
import termios
import time
import tty

out = sys.stdout.buffer


def say(s):
    out.write(s.encode() if isinstance(s, str) else s)
    out.flush()


def lines():
    for line in sys.stdin.buffer:
        say('LINE:%r\n' % line)
        if line.strip() == b'quit':
            break


def main():
    signal.alarm(30)
    mode = sys.argv[1]
    if mode == 'winch':
        def winch(*_):
            sz = os.get_terminal_size(0)
            # os.write: a handler must not re-enter the buffered stdout.
            os.write(1, b'WINCH %d %d\n' % (sz.lines, sz.columns))
        signal.signal(signal.SIGWINCH, winch)
        sz = os.get_terminal_size(0)
        say('SIZE %d %d\n' % (sz.lines, sz.columns))
        while True:
            signal.pause()
    elif mode == 'hup':
        path = sys.argv[2]

        def hup(*_):
            with open(path, 'a') as f:
                f.write('HUP\n')
            os._exit(0)
        signal.signal(signal.SIGHUP, hup)
        say('READY\n')
        while True:
            signal.pause()
    elif mode == 'ticks':
        path = sys.argv[3]

        def hup(*_):
            with open(path, 'a') as f:
                f.write('HUP\n')
            os._exit(0)
        signal.signal(signal.SIGHUP, hup)
        for i in range(int(sys.argv[2])):
            say('TICK %d\n' % i)
            time.sleep(0.4)
        say('QUIET\n')
        while True:
            signal.pause()
    elif mode == 'tail':
        n = int(sys.argv[2])
        pat = b'0123456789abcdefghijklmnopqrstuv'
        data = (pat * (n // len(pat) + 1))[:n]
        fd = sys.stdout.fileno()
        mv = memoryview(data)
        while mv:
            w = os.write(fd, mv)
            mv = mv[w:]
        os._exit(0)
    elif mode == 'binary':
        n, seed = int(sys.argv[2]), int(sys.argv[3])
        tty.setraw(0)
        say('READY\n')
        h = hashlib.sha256()
        got = 0
        while got < n:
            b = os.read(0, min(65536, n - got))
            if not b:
                break
            h.update(b)
            got += len(b)
        say('%d %s\n' % (got, h.hexdigest()))
        data = random.Random(seed).randbytes(n)
        mv = memoryview(data)
        while mv:
            w = os.write(1, mv)
            mv = mv[w:]
        termios.tcdrain(1)
        os._exit(0)
    elif mode == 'lines':
        a = termios.tcgetattr(0)
        a[3] &= ~termios.ECHO
        termios.tcsetattr(0, termios.TCSANOW, a)
        say('READY\n')
        lines()
    elif mode == 'signals':
        for s in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP):
            signal.signal(s, lambda n, f: os.write(
                1, b'SIG:%s\n' % signal.Signals(n).name.encode()))
        a = termios.tcgetattr(0)
        a[3] &= ~termios.ECHO
        termios.tcsetattr(0, termios.TCSANOW, a)
        say('READY\n')
        while True:
            try:
                lines()
                break
            except InterruptedError:
                continue
    elif mode == 'flush':
        say('READY\n')
        sys.stdin.buffer.readline()
        say('x' * 2000)
        termios.tcflush(1, termios.TCOFLUSH)
        say('AFTER\n')
        sys.stdin.buffer.readline()
    elif mode == 'flushrace':
        # The flush and the write after it with nothing between them, the
        # block before it sized differently each round: some round's
        # flush lands while the relay's read of the block waits in the
        # kernel, which returns the later write before the flush status.
        say('READY\n')
        for i in range(int(sys.argv[2])):
            sys.stdin.buffer.readline()
            os.write(1, b'x' * (1 + i * 397 % 6000))
            termios.tcflush(1, termios.TCOFLUSH)
            os.write(1, b'AFTER%d\n' % i)
    elif mode == 'sleep':
        say('READY\n')
        time.sleep(30)
    elif mode == 'echo':
        say('READY\n')
        line = sys.stdin.buffer.readline()
        say(b'ECHO:' + line)
    else:
        say('unknown mode\n')


main()
