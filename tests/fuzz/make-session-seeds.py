#!/usr/bin/env python3
"""make-session-seeds.py - write the seed scripts of fuzz_session.c into
tests/fuzz/corpus/session/ (seed-* files; run again after changing the op
numbers in fuzz_session.c).  Each seed is one byte of flags (-D modes in
the low nibble, the login template in the high one) and then ops."""
import os
import pathlib

(NET, NET_URGENT, PTY, PTY_FLUSH, PTY_FLOW, WRITE_NET, CLIENT_READ,
 WRITE_PTY, START, STARTED, EXITED, MON_JUNK, ENV, NET_BIG, PTY_BIG,
 DEADLINE) = range(16)

IAC, SB, SE, WILL, WONT, DO, DONT = 255, 250, 240, 251, 252, 253, 254
STARTTLS, AUTH = 46, 37
FOLLOWS = bytes([IAC, SB, STARTTLS, 1, IAC, SE])
# The first byte's high nibble for a TLS mode over the null record layer
# (fuzz_session.c): starttls, starttls-required, auto, implicit.
TLS_STARTTLS, TLS_REQUIRED, TLS_AUTO, TLS_IMPLICIT = 0xc0, 0xd0, 0xe0, 0xf0
AO, IP, AYT, DM, EC, EL, BRK = 245, 244, 246, 242, 247, 248, 243
TTYPE, NAWS, TSPEED, XDISPLOC, NEW_ENV, OLD_ENV, LINEMODE, ENCRYPT = \
    24, 31, 32, 35, 39, 36, 34, 38


def net(b, urgent=False):
    out = b''
    for i in range(0, len(b), 255):
        part = b[i:i + 255]
        out += bytes([NET_URGENT if urgent else NET, len(part)]) + part
    return out


def pty(b):
    out = b''
    for i in range(0, len(b), 255):
        part = b[i:i + 255]
        out += bytes([PTY, len(part)]) + part
    return out


def sb(opt, body):
    return bytes([IAC, SB, opt]) + body.replace(b'\xff', b'\xff\xff') + \
        bytes([IAC, SE])


def env_is(*pairs, opt=NEW_ENV, var=0):
    body = b'\x00'
    for n, v in pairs:
        body += bytes([var]) + n + b'\x01' + v
    return sb(opt, body)


ANSWERS = (bytes([IAC, WILL, TTYPE, IAC, WILL, NAWS, IAC, WILL, TSPEED,
                  IAC, WONT, XDISPLOC, IAC, WILL, NEW_ENV, IAC, DO, 3,
                  IAC, DO, 1])
           + sb(NAWS, b'\x00\x50\x00\x18'))
REPLIES = (sb(TTYPE, b'\x00XTERM') + sb(TTYPE, b'\x00XTERM') + sb(TSPEED, b'\x0038400,38400')
           + env_is((b'USER', b'bob'), (b'LANG', b'C.UTF-8'),
                    (b'EDITOR', b'vi')))


def started():
    return bytes([STARTED, 0])


SEEDS = {
    'full-session': bytes([0x03]) + net(ANSWERS) + net(REPLIES)
    + bytes([START]) + started() + pty(b'login: ') + bytes([WRITE_NET,
                                                           CLIENT_READ, 0])
    + net(b'bob\r\nls -l\r\x00') + bytes([WRITE_PTY]) + pty(b'x' * 200)
    + net(bytes([IAC, AO])) + bytes([WRITE_NET, CLIENT_READ, 0])
    + net(bytes([IAC, IP, IAC, BRK, IAC, EC, IAC, EL, IAC, AYT]))
    + bytes([WRITE_PTY, EXITED]) + pty(b'bye\r\n') + bytes([WRITE_NET]),
    'silent-client-deadline': bytes([0x00, DEADLINE]) + started()
    + pty(b'hello\r\n') + bytes([WRITE_NET, CLIENT_READ, 0]),
    'netclear-partial-sb-cve-2020-10188': bytes([0x10]) + net(ANSWERS)
    + bytes([DEADLINE]) + started() + bytes([PTY_BIG, ord('a')] * 12)
    + net(bytes([IAC, SB, TTYPE, 0]) + b'vt' * 40)
    + net(bytes([IAC, AO, 3, IAC, IP]))
    + bytes([PTY_FLUSH, 1, PTY_BIG, 0xff, PTY_FLUSH, 3])
    + bytes([WRITE_NET, CLIENT_READ, 4, WRITE_NET, CLIENT_READ, 0]),
    'synch-urgent': bytes([0x02]) + net(ANSWERS) + bytes([DEADLINE])
    + started() + net(b'abc' + bytes([IAC, IP]) + b'def' + bytes([IAC, DM]),
                      urgent=True)
    + net(b'after\r\n') + bytes([WRITE_PTY, WRITE_NET, CLIENT_READ, 0]),
    'cve-2022-39028-ec-el-first': bytes([0x00]) + net(bytes([IAC, EC]))
    + net(bytes([IAC, EL])) + bytes([DEADLINE]) + started()
    + net(bytes([IAC, EC, IAC, EL])) + bytes([WRITE_PTY]),
    'cve-2001-0554-ayt-flood': bytes([0x00])
    + net(bytes([IAC, AYT]) * 2000) + bytes([WRITE_NET, CLIENT_READ, 0]),
    'cve-2011-4862-encrypt-keyid': bytes([0x00])
    + net(sb(ENCRYPT, b'\x07' + bytes(range(1, 256))))
    + net(sb(ENCRYPT, b'\x08' + b'\xff' * 255)) + bytes([WRITE_NET]),
    'cve-2026-32746-slc': bytes([0x01]) + net(bytes([IAC, WILL, LINEMODE]))
    + net(sb(LINEMODE, b'\x03' + bytes([0x40 + (i % 60), 0xff, 0xff]
                                     for i in range(170)) if False else
             sb(LINEMODE, b'\x03' + b''.join(bytes([(i % 60) + 31, 3, 0xff])
                                             for i in range(170)))))
    + bytes([WRITE_NET]),
    'hostile-env': bytes([0x01]) + net(bytes([IAC, WILL, NEW_ENV]))
    + net(env_is((b'TERMCAP', b'/dev/zero'), (b'LD_PRELOAD', b'/tmp/x.so'),
                 (b'USER', b'-f root'), (b'USER', b'-froot'),
                 (b'LANG', b'C\x1b[2J'), var=3))
    + net(bytes([IAC, WONT, NEW_ENV, IAC, WILL, OLD_ENV]))
    + net(env_is((b'LD_PRELOAD', b'x'), (b'USER', b'root'), opt=OLD_ENV,
                 var=1))
    + bytes([DEADLINE]) + started(),
    'env-direct': bytes([0x00, ENV, 6, 4]) + b'USER' + b'\x07-f root'
    + b'\x0aLD_PRELOAD' + b'\x05/x.so' + b'\x07TERMCAP' + b'\x09/dev/zero'
    + b'\x04LANG' + b'\x05C.UTF' + b'\x04USER' + b'\x03bob'
    + b'\x06EDITOR' + b'\x02vi',
    'env-many': bytes([0x00]) + net(bytes([IAC, WILL, NEW_ENV]))
    + net(env_is(*[(b'LANG', b'x%d' % i) for i in range(60)]))
    + net(env_is(*[(b'V%d' % i, b'y') for i in range(60)], var=3))
    + bytes([DEADLINE]) + started(),
    'monitor-junk': bytes([0x02]) + net(ANSWERS) + bytes([MON_JUNK, 4])
    + b'\x02\x00\x00\x00' + bytes([DEADLINE]) + started() + started()
    + bytes([MON_JUNK, 0]),
    'monitor-start-error': bytes([0x00, DEADLINE, STARTED, 7, WRITE_NET,
                                  CLIENT_READ, 0]),
    'negotiation-storm': bytes([0x01]) + net(b''.join(
        bytes([IAC, WILL if i % 2 else WONT, o, IAC, DO if i % 3 else DONT,
               o]) for i in range(40) for o in (TTYPE, NAWS, 1, 3, 33)))
    + bytes([WRITE_NET, CLIENT_READ, 0]),
    'slow-reader-flood': bytes([0x00, DEADLINE]) + started()
    + bytes([PTY_BIG, ord('y'), CLIENT_READ, 1] * 40)
    + bytes([PTY_FLOW, PTY_FLOW, WRITE_NET, CLIENT_READ, 0]),
    'logout': bytes([0x00]) + net(bytes([IAC, DO, 18])) + bytes([WRITE_NET]),
    # The client half-closes; the program's output must still go out
    # (a regression: EOF used to end the session at once).
    'half-close': bytes([0x02]) + net(ANSWERS) + bytes([DEADLINE])
    + started() + bytes([CLIENT_READ, 0xff]) + pty(b'still here\r\n')
    + bytes([WRITE_NET, CLIENT_READ, 0, EXITED]) + pty(b'bye')
    + bytes([WRITE_NET, CLIENT_READ, 0]),
    # START_TLS as C-Kermit does it (WILL TTYPE and AUTHENTICATION first,
    # WILL START_TLS and its FOLLOWS in one segment), the "ClientHello"
    # after FOLLOWS in the same read, typing in clear before it, then the
    # session inside TLS negotiated from the start.
    'starttls-kermit': bytes([TLS_STARTTLS | 0x01])
    + net(bytes([IAC, WILL, TTYPE, IAC, WILL, AUTH]) + b'typed\r\n'
          + bytes([IAC, WILL, STARTTLS]) + FOLLOWS + b'\x16\x03\x01hello')
    + bytes([WRITE_NET, CLIENT_READ, 0]) + net(ANSWERS) + net(REPLIES)
    + bytes([START]) + started() + pty(b'login: ')
    + net(bytes([IAC, WILL, STARTTLS]) + FOLLOWS + b'bob\r\n')
    + bytes([WRITE_PTY, WRITE_NET, CLIENT_READ, 0]),
    'starttls-refused-plain': bytes([TLS_STARTTLS])
    + net(bytes([IAC, WONT, STARTTLS])) + net(ANSWERS) + bytes([DEADLINE])
    + started() + net(bytes([IAC, WILL, STARTTLS]) + FOLLOWS)
    + bytes([WRITE_NET, CLIENT_READ, 0]),
    'starttls-required-refused': bytes([TLS_REQUIRED])
    + net(bytes([IAC, WONT, STARTTLS])) + bytes([WRITE_NET, CLIENT_READ, 0]),
    'starttls-required-silent': bytes([TLS_REQUIRED, DEADLINE, WRITE_NET,
                                       CLIENT_READ, 0]),
    # Agreed, but the client's FOLLOWS never comes: closed at the deadline.
    'starttls-no-follows': bytes([TLS_STARTTLS])
    + net(bytes([IAC, WILL, STARTTLS])) + bytes([WRITE_NET, DEADLINE])
    + net(ANSWERS) + bytes([DEADLINE]),
    'starttls-handshake-fails': bytes([TLS_STARTTLS])
    + net(bytes([IAC, WILL, STARTTLS]) + FOLLOWS + b'F')
    + bytes([WRITE_NET, CLIENT_READ, 0]),
    'starttls-follows-split': bytes([TLS_STARTTLS])
    + net(bytes([IAC, WILL, STARTTLS, IAC, SB])) + net(bytes([STARTTLS, 1]))
    + net(bytes([IAC])) + net(bytes([SE]) + b'\x16') + net(ANSWERS)
    + bytes([DEADLINE]) + started(),
    'auto-telnet-first': bytes([TLS_AUTO])
    + net(bytes([IAC, WILL, TTYPE])) + net(bytes([IAC, WILL, STARTTLS])
                                         + FOLLOWS) + net(ANSWERS)
    + bytes([DEADLINE]) + started(),
    'auto-tls-first': bytes([TLS_AUTO]) + net(b'\x16\x03\x01') + net(ANSWERS)
    + bytes([DEADLINE]) + started() + pty(b'over tls\r\n')
    + bytes([WRITE_NET, CLIENT_READ, 0]),
    'auto-silent': bytes([TLS_AUTO, DEADLINE]) + net(bytes([IAC, WONT,
                                                           STARTTLS]))
    + bytes([DEADLINE]) + started(),
    'implicit': bytes([TLS_IMPLICIT]) + net(ANSWERS) + net(REPLIES)
    + bytes([START]) + started() + pty(b'x' * 100) + net(bytes([IAC, AO]))
    + bytes([WRITE_NET, CLIENT_READ, 0]),
}


def main():
    d = pathlib.Path(__file__).resolve().parent / 'corpus' / 'session'
    d.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (d / ('seed-' + name)).write_bytes(data)
    print('%d seeds in %s' % (len(SEEDS), os.path.relpath(d)))


if __name__ == '__main__':
    main()
