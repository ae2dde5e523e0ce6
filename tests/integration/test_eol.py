"""test_eol.py - every NVT end of line form reaches the program as one line
at once, however TCP splits it, in each line mode.

RFC 854 pairs CR with LF or NUL, but clients send a bare CR too (the
telnetlib3 client does for Enter) and RFC 1123 3.3.1 asks a server to take
it as an end of line.  The daemon ends the line when the CR arrives; an LF
or NUL right after it (in the same segment or a later one) is its partner
and adds nothing.  So each form is sent here alone in its own TCP segment,
with a pause before the next, and the program's line must be there before
the next byte is sent: a daemon that held the CR back until the next byte
told what it was fails at the first expect.

The program is lmprog.py `lines` (canonical input: LINE:<what read()
returned> per line), in the three ways a session reads input: character
mode (no -l), kludge linemode (-l, a client that refuses LINEMODE) and real
LINEMODE with EXTPROC (-l, a client that agrees).
"""
import pathlib

import pytest

from tnclient import TelnetClient, DEFAULT_ANSWERS, LINEMODE

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
LMPROG = str(PROGS / 'lmprog.py')

# Each step: the bytes of one TCP segment, and the line the program must
# show before the next segment is sent (None: nothing new).
STEPS = [
    (b'one\r', b'one'),          # CR | LF
    (b'\n', None),
    (b'two\r', b'two'),          # CR | NUL
    (b'\x00', None),
    (b'three\r', b'three'),      # CR | data
    (b'four\r\n', b'four'),      # CR LF in one segment, after a bare CR
    (b'\r', b''),                # an empty line: a bare CR alone
    (b'\r\x00', b''),            # CR NUL in one segment
    (b'five\r', b'five'),
]


def client(mode, port):
    c = TelnetClient(port, timeout=15)
    ans = dict(DEFAULT_ANSWERS)
    if mode == 'linemode':
        ans[('DO', LINEMODE)] = True
    c.negotiate(ans)
    if mode == 'linemode':
        c.request_will(LINEMODE)
    return c


@pytest.mark.parametrize('mode', ['character', 'kludge', 'linemode'])
def test_each_eol_form_is_one_line_at_once(inetd_daemon, mode):
    args = [] if mode == 'character' else ['-l']
    d = inetd_daemon(args + ['-E', LMPROG + ' lines'])
    c = client(mode, d.port)
    c.expect(b'READY')
    if mode == 'linemode':
        # The server's first MODE: the pty is in EXTPROC from here on.
        c.wait_event(lambda e: e[0] == 'SB' and e[1] == LINEMODE)
    c.settle(0.2)
    want = []
    for seg, line in STEPS:
        c.send_raw(seg)
        if line is not None:
            want.append(line)
            # Before anything more is sent: the CR alone ended the line.
            c.expect(b"LINE:b'%s\\n'" % line, timeout=5)
        c.settle(0.1)
    # CR at the end of the session: the last bytes the client sends end
    # in a bare CR, then it half-closes; the line still arrives.
    c.send_raw(b'last\r')
    c.shutdown_write()
    c.expect(b"LINE:b'last\\n'", timeout=5)
    want.append(b'last')
    c.settle(0.3)
    got = [l[len(b"LINE:b'"):-len(b"\\n'")]
           for l in bytes(c.data).replace(b'\r\n', b'\n').split(b'\n')
           if l.startswith(b"LINE:b'")]
    # No partner LF or NUL made a line of its own or reached the program.
    assert got == want, got
    c.close()
