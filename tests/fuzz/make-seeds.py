#!/usr/bin/env python3
"""make-seeds.py - write the hand-made seed corpus of fuzz_engine.c into
tests/fuzz/corpus/engine/ (seed-*).  Each seed is byte 0 = flags, byte 1 =
split seed, then what the peer sends.  Flags (see fuzz_engine.c):
bit 0 client, bits 1-2 SB limit (default, 64, 100, 1000), bit 3 allow
every option, bits 4-6 how input is cut (0 whole, 1 bytes, 2, 3, 7,
5/6 random, 7 after each IAC), bit 7 a Synch is pending.

The other files there come from fuzzing: cover-* is a small set of the
fuzzer's inputs that together reach every region of libtelnet/ its whole
corpus reached (30 minutes, about 3 million runs), so `make check` replays
that much; crash-*, leak-*, timeout-* and new-* are what
tests/fuzz/run-fuzz.sh keeps from later runs."""
import os

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
BINARY, ECHO, SGA, STATUS, TM, TTYPE, NAWS, TSPEED, LFLOW, LINEMODE, \
    XDISPLOC, OLDENV, ENCRYPT, NEWENV, CHARSET, SNDLOC = \
    0, 1, 3, 5, 6, 24, 31, 32, 33, 34, 35, 36, 38, 39, 42, 23
STARTTLS = 46


def b(*parts):
    out = bytearray()
    for p in parts:
        if isinstance(p, int):
            out.append(p)
        elif isinstance(p, str):
            out += p.encode('latin-1')
        else:
            out += p
    return bytes(out)


def neg(verb, opt):
    return b(IAC, verb, opt)


def sb(opt, *payload):
    body = b(*payload).replace(b'\xff', b'\xff\xff')
    return b(IAC, SB, opt, body, IAC, SE)


def flags(client=0, sbmax=0, allopt=0, split=0, synch=0):
    return client | sbmax << 1 | allopt << 3 | split << 4 | synch << 7


answers = b(neg(WILL, TTYPE), neg(WILL, NAWS), neg(DO, ECHO), neg(DO, SGA),
            neg(WILL, NEWENV), neg(WONT, LINEMODE), neg(WILL, TM),
            sb(TTYPE, 0, 'xterm-256color'), sb(NAWS, 0, 80, 0, 24),
            sb(NEWENV, 0, 0, 'USER', 1, 'bob'), 'bob\r\nsecret\r\n')

bsd_slc = [(1, 3, 0), (2, 0x62, 0), (3, 0x62, 3), (4, 0x62, 0x0f),
           (5, 2, 0x14), (6, 0, 0), (7, 0x62, 0x1c), (8, 2, 4), (9, 0x42, 0x1a),
           (10, 2, 0x7f), (11, 2, 0x15), (12, 2, 0x17), (13, 2, 0x12),
           (14, 2, 0x16), (15, 2, 0x11), (16, 2, 0x13), (17, 0, 0xff),
           (18, 0, 0xff)]
slc_bytes = b''.join(bytes(t) for t in bsd_slc)

seeds = {
    'client-answers': (flags(), answers),
    'client-answers-bytewise': (flags(split=1), answers),
    'client-answers-random': (flags(split=5), answers),
    'client-answers-iac-cut': (flags(split=7), answers),
    'env-is': (flags(), neg(WILL, NEWENV) + sb(
        NEWENV, 0, 0, 'USER', 1, 'alice', 0, 'DISPLAY', 1, 'h:0', 3, 'LANG',
        1, 'C.UTF-8', 3, 'TERM', 0, 'JOB')),
    'env-is-esc': (flags(split=2), neg(WILL, NEWENV) + sb(
        NEWENV, 0, 0, 'A', 2, 0, 'B', 1, 'c', 2, 2, 'd', 2, 3, 2, 1, 0xff,
        0, 'E', 1) + sb(NEWENV, 2, 3, 'X', 1, '1')),
    'env-malformed': (flags(), neg(WILL, NEWENV) + sb(NEWENV, 0, 1, 'x')
                      + sb(NEWENV, 0, 'junk', 0, 'A') + sb(NEWENV, 0, 0, 'A', 2)
                      + sb(NEWENV, 0, 0, 'A', 1, 'x', 1, 'y') + b('ok')),
    'env-65-vars': (flags(), neg(WILL, NEWENV)
                    + sb(NEWENV, 0, *([0, 'a'] * 65)) + b('z')),
    'oldenv-reversed': (flags(), neg(WILL, OLDENV)
                        + sb(OLDENV, 0, 1, 'USER', 0, 'bob')
                        + sb(OLDENV, 0, 3, 'X', 1, 'a')),
    'oldenv-uservar': (flags(), neg(WILL, OLDENV)
                       + sb(OLDENV, 0, 3, 'X', 1, 'v', 0, 'USER', 1, 'bob')
                       + sb(OLDENV, 0, 3, 'X', 0, 'a', 0, 'b')),
    'oldenv-send-client': (flags(client=1), neg(DO, OLDENV)
                           + sb(OLDENV, 1, 1, 'USER', 3, 'X')
                           + sb(OLDENV, 1, 0, 'A', 1, 'B')),
    'linemode-slc': (flags(), neg(WILL, LINEMODE)
                     + sb(LINEMODE, 1, 0x07) + sb(LINEMODE, 3, slc_bytes)
                     + sb(LINEMODE, WILL, 2) + b('ls\r\n')),
    'linemode-slc-170': (flags(), neg(WILL, LINEMODE)
                         + sb(LINEMODE, 3, bytes([3, 0x62, 3]) * 170)
                         + b('after\r\n')),
    'linemode-forwardmask-client': (flags(client=1), neg(DO, LINEMODE)
                                    + sb(LINEMODE, DO, 2, bytes(range(0, 64, 2)))
                                    + sb(LINEMODE, DO, 2, bytes(33))
                                    + sb(LINEMODE, 1, 3)),
    'cve-2022-39028-ec': (flags(), b(IAC, 0xf7)),
    'cve-2022-39028-el': (flags(), b(IAC, 0xf8, IAC, 0xf7, IAC, 0xf8)),
    'cve-2011-4862-encrypt-keyid': (flags(), b(IAC, SB, ENCRYPT, 7, 0)
                                    + bytes((65 + i % 26) for i in range(255))
                                    + b(IAC, SE, 'ok\r\n')),
    'cve-2001-0554-ayt-flood': (flags(), b(IAC, 0xf6) * 400),
    'negotiation-flood': (flags(allopt=1), b''.join(
        neg(v, o) for o in range(40) for v in (DO, DONT, WILL, WONT, DO))
        + b(IAC, 0xf6) * 20),
    'sb-overflow-64': (flags(sbmax=1, allopt=1), neg(WILL, 99)
                       + sb(99, 'x' * 63) + sb(99, 'x' * 64) + sb(99, 'x' * 65)
                       + b('z')),
    'sb-huge': (flags(allopt=1, split=6), neg(WILL, 99)
                + sb(99, 'A' * 9000) + b('ok', IAC, 0xf6)),
    'sb-unterminated': (flags(), neg(WILL, TTYPE)
                        + b(IAC, SB, TTYPE, 0, 'xterm', IAC, WILL, ECHO)
                        + b(IAC, SB, TTYPE, 0, 'x', IAC, SB, TTYPE, 0, 'y', IAC, SE)
                        + b(IAC, SB, TTYPE, 0, 'more\r\ndata')),
    'sb-iac-iac-opt': (flags(), b(IAC, SB, IAC, SE, 'abc', IAC, SE, 'd')),
    'synch': (flags(synch=1), b('discard me', IAC, 0xf4, 'x\r\n', IAC, IAC,
                                IAC, 0xf2, 'kept\r\n')),
    'binary-cr-forms': (flags(), neg(WILL, BINARY) + neg(DO, BINARY)
                        + b('a\r\nb\r\0c\rd\r', IAC, IAC)
                        + neg(WONT, BINARY) + b('e\r\nf\rg\r\0\0')),
    'nvt-cr-forms': (flags(split=3), b('a\r\nb\r\0c\rd\n\r\r\n\r', IAC,
                                       0xf1, '\n\r', IAC, IAC, '\0\0')),
    'tspeed-xdisploc': (flags(), neg(WILL, TSPEED) + neg(WILL, XDISPLOC)
                        + sb(TSPEED, 0, '38400,38400') + sb(TSPEED, 0, '38400')
                        + sb(TSPEED, 0, '99999999999,1')
                        + sb(XDISPLOC, 0, 'host:0.0')),
    'charset': (flags(), neg(WILL, CHARSET) + neg(DO, CHARSET)
                + sb(CHARSET, 1, ';UTF-8;ISO-8859-1')
                + sb(CHARSET, 1, '[TTABLE ]', 1, ' UTF-8 latin1')
                + sb(CHARSET, 2, 'UTF-8') + sb(CHARSET, 3)
                + sb(CHARSET, 4, 1, 'UTF-8;', 8, 'abcdefgh')),
    'status': (flags(), neg(DO, STATUS) + neg(DO, ECHO) + neg(WILL, TTYPE)
               + sb(STATUS, 1) + b(IAC, 0xf7)),
    'lflow-client': (flags(client=1, allopt=1), neg(DO, LFLOW)
                     + sb(LFLOW, 0) + sb(LFLOW, 1) + sb(LFLOW, 2) + sb(LFLOW, 3)
                     + sb(LFLOW, 4)),
    'server-requests-to-client': (flags(client=1), neg(DO, TTYPE)
                                  + neg(DO, NAWS) + neg(WILL, ECHO)
                                  + neg(DO, NEWENV) + neg(DO, TSPEED)
                                  + sb(TTYPE, 1) + sb(NEWENV, 1, 0, 'USER', 3)
                                  + sb(TSPEED, 1) + neg(DO, TM)
                                  + b('login: ')),
    'unknown-commands': (flags(), b('a', IAC, 0, 'b', IAC, 0x7f, 'c', IAC,
                                    0xeb, IAC, SE, 'd', IAC)),
    'sndloc-raw': (flags(allopt=1), neg(WILL, SNDLOC) + neg(WILL, 99)
                   + sb(SNDLOC, 'Room 101') + sb(99, 0, 1, 2, 0xff)),
    'engine-calls': (flags(), b('x', IAC, 0xf7, IAC, 0xf8, IAC, 0xf3, 'y\r')
                     + neg(DONT, ECHO) + neg(WONT, TTYPE)),
    # START_TLS: byte 1 odd makes the server offer it.  What
    # follows the client's FOLLOWS is fed as the stream inside TLS.
    'starttls-server': (flags(), neg(WILL, TTYPE) + neg(WILL, STARTTLS)
                        + sb(STARTTLS, 1) + neg(WILL, TTYPE) + neg(DO, ECHO)
                        + sb(TTYPE, 0, 'xterm') + b('user\r\n')
                        + neg(WILL, STARTTLS) + sb(STARTTLS, 1), 0x5b),
    'starttls-bytes': (flags(split=1), b('ab') + neg(WILL, STARTTLS)
                       + b('cd') + sb(STARTTLS, 1) + neg(DO, SGA)
                       + b('x\r\0y'), 0x5b),
    'starttls-frozen': (flags(split=7), neg(WILL, STARTTLS) + neg(DO, ECHO)
                        + neg(WILL, NAWS) + sb(NAWS, 0, 80, 0, 24)
                        + neg(DO, TM) + neg(WONT, STARTTLS) + sb(STARTTLS, 2)
                        + sb(STARTTLS, 1, 1) + sb(STARTTLS, 1)
                        + neg(WILL, STARTTLS) + sb(STARTTLS, 1), 0x5b),
    'starttls-refused': (flags(), neg(WONT, STARTTLS) + b('plain\r\n')
                         + neg(WILL, TTYPE), 0x5b),
    'starttls-client': (flags(client=1, allopt=1), neg(DO, STARTTLS) + sb(STARTTLS, 1)
                        + neg(DO, TTYPE) + sb(TTYPE, 1) + b('login: ')
                        + neg(DO, STARTTLS)),
    'starttls-allopt': (flags(allopt=1, split=5), neg(WILL, STARTTLS)
                        + neg(DO, STARTTLS) + sb(STARTTLS, 1)
                        + neg(WILL, BINARY) + b('\xff\xff\r')),
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    'corpus', 'engine')
os.makedirs(here, exist_ok=True)
for name, seed in sorted(seeds.items()):
    fl, payload = seed[0], seed[1]
    byte1 = seed[2] if len(seed) > 2 else 0x5a
    with open(os.path.join(here, 'seed-' + name), 'wb') as f:
        f.write(bytes([fl, byte1]) + payload)
print(len(seeds), 'seeds written to', here)
