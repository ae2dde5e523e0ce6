#!/usr/bin/python3
"""session.py [ARG...] - the session program the real-client tests run
with telnetd -E: it shows what arrived and answers a few commands.

At start it prints, one per line:
    ARGS=<its arguments, joined with '|'>
    TERM=<$TERM, or "-" when unset>
    SIZE=<rows> <cols>          (from `stty size` on its terminal)
    SPEED=<baud>                (from `stty speed`)
    TTY=<its terminal>          (/dev/pts/N)
    PPID=<its parent's pid>     (the daemon's session monitor)
    ENV:<name>=<value>          every variable it was started with, sorted
                                (from /proc/self/environ: Python's own
                                LC_CTYPE coercion, PEP 538, is not shown)
    END-OF-ENV
then shows the prompt "cmd> " and answers each line:
    sum A B      -> SUM=<A+B>   (the answer differs from what the tty echoes)
    size         -> SIZE=<rows> <cols>
    env NAME     -> VAL:NAME=<value>, or VAL:NAME unset
    quit         -> BYE, and it exits 0
    other        -> HUH:<line>
On SIGWINCH it prints WINCH <rows> <cols>.  It exits by itself after 60 s
(and at end of input), so nothing lingers.
"""
import os
import signal
import subprocess
import sys


def start_env():
    with open('/proc/self/environ', 'rb') as f:
        items = f.read().split(b'\0')
    env = {}
    for it in items:
        if b'=' in it:
            k, _, v = it.partition(b'=')
            env[k.decode('utf-8', 'replace')] = v.decode('utf-8', 'replace')
    return env


ENV = start_env()


def say(s):
    os.write(1, s.encode())


def stty(what):
    r = subprocess.run(['stty', what], stdin=0, capture_output=True,
                       text=True, timeout=10)
    return r.stdout.strip() or ('?' + r.stderr.strip())


def on_winch(*_):
    sz = os.get_terminal_size(0)
    say('WINCH %d %d\n' % (sz.lines, sz.columns))


def answer(line):
    words = line.split()
    if not words:
        return None
    if words[0] == 'sum' and len(words) == 3:
        try:
            return 'SUM=%d' % (int(words[1]) + int(words[2]))
        except ValueError:
            pass
    elif words[0] == 'size':
        return 'SIZE=' + stty('size')
    elif words[0] == 'env' and len(words) == 2:
        v = ENV.get(words[1])
        return 'VAL:%s unset' % words[1] if v is None \
            else 'VAL:%s=%s' % (words[1], v)
    elif words[0] == 'quit':
        say('BYE\n')
        sys.exit(0)
    return 'HUH:' + line.strip()


def main():
    signal.alarm(60)
    say('ARGS=%s\n' % '|'.join(sys.argv[1:]))
    say('TERM=%s\n' % ENV.get('TERM', '-'))
    say('SIZE=%s\n' % stty('size'))
    say('SPEED=%s\n' % stty('speed'))
    say('TTY=%s\n' % os.ttyname(0))
    say('PPID=%d\n' % os.getppid())
    for k in sorted(ENV):
        say('ENV:%s=%s\n' % (k, ENV[k]))
    say('END-OF-ENV\n')
    signal.signal(signal.SIGWINCH, on_winch)
    while True:
        say('cmd> ')
        try:
            line = sys.stdin.readline()
        except InterruptedError:
            continue
        if not line:
            return
        out = answer(line)
        if out:
            say(out + '\n')


main()
