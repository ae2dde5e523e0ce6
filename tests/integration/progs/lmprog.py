#!/usr/bin/python3
"""lmprog.py MODE - a session program for the line mode tests.

Changes its terminal's modes the way stty would (termios on descriptor 0)
and says what it sees, one step per line of input, so a test can check the
messages the server sends after each change.  Ends by itself within 30 s.

  switch   READY; line; -icanon -echo (vi-like) NOCANON; one key, KEY:<repr>;
           icanon echo back, CANON; line, LINE:<repr>; EOF, EOF; exit
  flow     READY; line; -ixon NOIXON; line; ixon IXON; line; ixany IXANY;
           line; -ixany NOIXANY; line; exit
  env      print TERM=, LANG=, LC_CTYPE=, TELNET_LOCATION=; READY; line; exit
  lines    READY; LINE:<repr> per line until "quit" or EOF (then EOF)
  reads    READY; READ:<repr> per read(2), an end of file too, until a
           read holds "quit"
  paste MS READY; half a second without reading (a paste lands then);
           then reads of 1 KiB, MS ms apart, until "quit\n" or an end of
           file: GOT:<lines> <sha1 of what came before it>
  sigpaste READY; input comes (PENDING), unread until SIGINT (INT);
           then what comes until half a second of quiet, GOT:<bytes>;
           a line, LINE:<repr>
  shell    READY; -icanon -echo (a shell's line editor) NOCANON; keys
           until a CR or LF, CMD:<repr>; icanon echo back (the command
           runs), CANON; one read: EOF, or DATA:<repr>
  password READY; line; echo on (stty echo) ECHOON; line; echo off
           (a password prompt) PASSWORD:; line, SECRET:<repr>; exit
  cc       READY; line; VERASE to ^H (stty erase ^H) ERASE; line; exit
  eof      READY; line, LINE; EOF, EOF; half a second later EXTPROC=<0|1>
           ECHO=<0|1> (the relay's flags in the termios); line; exit
  busy     READY; 20 s without reading (a command that is busy); at
           SIGINT INT and exit
  keyeof   READY; -icanon -echo NOCANON; one key, KEY:<repr>; icanon
           echo back, CANON; one read: EOF, or DATA:<repr>
  lateraw  READY; 1 s without reading (a command running); then
           -icanon -echo (the shell's line editor back), NOCANON; what
           comes in 1.5 s: RAW:<repr>
  eofs     READY; 1.5 s without reading; then reads without a word until
           two ends of file: GOT:<list of the reads>
  quietcanon -icanon -echo NOCANON; 1 s; icanon echo back without a
           word; one read: LINE:<repr>
  swapeol  inlcr icrnl (CR and LF swapped); READY; 1.5 s without
           reading; then every read until one holds "after" or 3 s
           pass: READS:<list of the reads>
  tflush   READY; 1 s without reading; tcflush(TCIFLUSH) (as a password
           prompt does), FLUSHED; then every read until one holds
           "after" or 3 s pass: READS:<list of the reads>
"""
import hashlib
import os
import select
import signal
import sys
import termios
import time

out = sys.stdout.buffer


def say(s):
    out.write(s.encode() if isinstance(s, str) else s)
    out.flush()


def line():
    buf = b''
    while not buf.endswith(b'\n'):
        b = os.read(0, 1024)
        if not b:
            return None
        buf += b
    return buf


def read_for(secs):
    """What comes in secs, in reads of up to 100 bytes."""
    got = b''
    end = time.time() + secs
    while time.time() < end:
        if select.select([0], [], [], 0.1)[0]:
            got += os.read(0, 100)
    return got


def reads_until(word, secs=3):
    """Each read (of up to 4096 bytes) for up to secs, until one holds
    word: end-of-file marks show as b''."""
    reads = []
    end = time.time() + secs
    while time.time() < end:
        if select.select([0], [], [], 0.1)[0]:
            reads.append(os.read(0, 4096))
            if word in reads[-1]:
                break
    return reads


def say_eof_or_data():
    """One read: EOF (a read of 0), or DATA:<repr>."""
    b = os.read(0, 100)
    say('EOF\n' if b == b'' else 'DATA:%r\n' % b)


def setflag(field, flag, on):
    a = termios.tcgetattr(0)
    if on:
        a[field] |= flag
    else:
        a[field] &= ~flag
    termios.tcsetattr(0, termios.TCSANOW, a)


def main():
    signal.alarm(30)
    mode = sys.argv[1]
    IFL, LFL, CC = 0, 3, 6
    if mode == 'switch':
        say('READY\n')
        line()
        setflag(LFL, termios.ICANON | termios.ECHO, False)
        say('NOCANON\n')
        say('KEY:%r\n' % os.read(0, 1))
        setflag(LFL, termios.ICANON | termios.ECHO, True)
        say('CANON\n')
        say('LINE:%r\n' % line())
        if os.read(0, 100) == b'':
            say('EOF\n')
    elif mode == 'flow':
        say('READY\n')
        for flag, on, word in ((termios.IXON, False, 'NOIXON'),
                               (termios.IXON, True, 'IXON'),
                               (termios.IXANY, True, 'IXANY'),
                               (termios.IXANY, False, 'NOIXANY')):
            line()
            setflag(IFL, flag, on)
            say(word + '\n')
        line()
    elif mode == 'env':
        for v in ('TERM', 'LANG', 'LC_CTYPE', 'TELNET_LOCATION'):
            say('%s=%s\n' % (v, os.environ.get(v, '')))
        say('READY\n')
        line()
    elif mode == 'lines':
        say('READY\n')
        while True:
            ln = line()
            if ln is None:
                say('EOF\n')
                break
            say('LINE:%r\n' % ln)
            if ln.strip() == b'quit':
                break
    elif mode == 'reads':
        say('READY\n')
        while True:
            b = os.read(0, 1024)
            say('READ:%r\n' % b)
            if b'quit' in b:
                break
    elif mode == 'eof':
        say('READY\n')
        line()
        say('LINE\n')
        if os.read(0, 100) == b'':
            say('EOF\n')
        time.sleep(0.5)
        extproc = 0o200000      # Linux's EXTPROC (Python's termios lacks it)
        lflag = termios.tcgetattr(0)[LFL]
        say('EXTPROC=%d ECHO=%d\n' % (bool(lflag & extproc),
                                      bool(lflag & termios.ECHO)))
        line()
    elif mode == 'paste':
        say('READY\n')
        time.sleep(0.5)
        pause = int(sys.argv[2]) / 1000.0
        data = b''
        while not data.endswith(b'quit\n'):
            b = os.read(0, 1024)
            if not b:
                break
            data += b
            time.sleep(pause)
        if data.endswith(b'quit\n'):
            data = data[:-len(b'quit\n')]
        say('GOT:%d %s\n' % (data.count(b'\n'),
                              hashlib.sha1(data).hexdigest()))
    elif mode == 'sigpaste':
        # SIGINT held until the wait for it: it may come while
        # say('PENDING') still writes (a handler that wrote or raised
        # there broke that write).
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT])
        say('READY\n')
        select.select([0], [], [], 10)
        say('PENDING\n')
        if signal.sigtimedwait([signal.SIGINT], 10) is not None:
            say('INT\n')
        got = 0
        while select.select([0], [], [], 0.5)[0]:
            got += len(os.read(0, 4096))
        say('GOT:%d\n' % got)
        say('LINE:%r\n' % line())
    elif mode == 'busy':
        def interrupted(sig, frame):
            say('INT\n')
            os._exit(0)
        signal.signal(signal.SIGINT, interrupted)
        say('READY\n')
        time.sleep(20)
    elif mode == 'shell':
        say('READY\n')
        setflag(LFL, termios.ICANON | termios.ECHO, False)
        say('NOCANON\n')
        cmd = b''
        while not cmd.endswith((b'\r', b'\n')):
            cmd += os.read(0, 1)
        say('CMD:%r\n' % cmd)
        setflag(LFL, termios.ICANON | termios.ECHO, True)
        say('CANON\n')
        say_eof_or_data()
    elif mode == 'keyeof':
        say('READY\n')
        setflag(LFL, termios.ICANON | termios.ECHO, False)
        say('NOCANON\n')
        say('KEY:%r\n' % os.read(0, 1))
        setflag(LFL, termios.ICANON | termios.ECHO, True)
        say('CANON\n')
        say_eof_or_data()
    elif mode == 'lateraw':
        say('READY\n')
        time.sleep(1.0)
        setflag(LFL, termios.ICANON | termios.ECHO, False)
        say('NOCANON\n')
        say('RAW:%r\n' % read_for(1.5))
    elif mode == 'eofs':
        say('READY\n')
        time.sleep(1.5)
        got = []
        while got.count(b'') < 2:
            got.append(os.read(0, 1024))
        say('GOT:%r\n' % got)
    elif mode == 'quietcanon':
        setflag(LFL, termios.ICANON | termios.ECHO, False)
        say('NOCANON\n')
        time.sleep(1.0)
        setflag(LFL, termios.ICANON | termios.ECHO, True)
        say('LINE:%r\n' % os.read(0, 1024))
    elif mode == 'swapeol':
        setflag(IFL, termios.INLCR | termios.ICRNL, True)
        say('READY\n')
        time.sleep(1.5)
        say('READS:%r\n' % reads_until(b'after'))
    elif mode == 'tflush':
        say('READY\n')
        time.sleep(1.0)
        termios.tcflush(0, termios.TCIFLUSH)
        say('FLUSHED\n')
        say('READS:%r\n' % reads_until(b'after'))
    elif mode == 'vmin':
        say('READY\n')
        time.sleep(1.0)
        a = termios.tcgetattr(0)
        a[LFL] &= ~(termios.ICANON | termios.ECHO)
        a[CC][termios.VMIN] = 2
        a[CC][termios.VTIME] = 0
        termios.tcsetattr(0, termios.TCSANOW, a)
        say('NOCANON\n')
        say('RAW:%r\n' % read_for(2.0))
    elif mode == 'editor':
        say('READY\n')
        time.sleep(1.0)
        setflag(LFL, termios.ICANON | termios.ECHO, False)
        say('NOCANON\n')
        cmd = b''
        while not cmd.endswith((b'\r', b'\n')):
            cmd += os.read(0, 1)
            say(cmd[-1:])      # a line editor echoes, the newline too
        time.sleep(0.2)
        setflag(LFL, termios.ICANON | termios.ECHO, True)
        say('CMD:%r\n' % cmd)
        time.sleep(0.5)
        setflag(LFL, termios.ICANON | termios.ECHO, False)
        say('NOCANON2\n')
        say('RAW:%r\n' % read_for(1.5))
    elif mode == 'password':
        say('READY\n')
        line()
        setflag(LFL, termios.ECHO, True)
        say('ECHOON\n')
        line()
        setflag(LFL, termios.ECHO, False)
        say('PASSWORD:')
        say('SECRET:%r\n' % line())
    elif mode == 'cc':
        say('READY\n')
        line()
        a = termios.tcgetattr(0)
        a[CC][termios.VERASE] = b'\x08'
        termios.tcsetattr(0, termios.TCSANOW, a)
        say('ERASE\n')
        line()


if __name__ == '__main__':
    main()
