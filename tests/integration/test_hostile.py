"""test_hostile.py - hostile input against the running daemon.

Every case runs against telnetd --listen with a small session program, and
ends with the same two checks (the ``hostile`` fixture):

  - the daemon still serves a fresh session (negotiation, the program's
    READY, a line echoed back);
  - memory stayed bounded: the VmRSS of the daemon's own processes below
    the listener (monitor and relay of each session, from /proc/PID/status
    via the Proc handle's descendants()), sampled every 20 ms while the
    case ran, never exceeded what one idle session uses plus a fixed slack.

Generic cases: random bytes with IAC sequences; IAC SB without SE; a 1 MiB
SB; a 10 KiB terminal type; NAWS of the wrong length; 10,000 environment
variables; AYT floods; negotiation storms flipping WILL/WONT; CR and IAC
split across every TCP segment boundary; a slow reader during an output
flood; a half-closed connection; a reset in the middle of negotiation.

One case per historical hole: CVE-2001-0554 (10,000 AYT in one write, never
read), CVE-2011-4862 (ENCRYPT ENC_KEYID of 255 bytes, ENCRYPT never
agreed), CVE-2020-10188 (netclear over a queue holding partial
subnegotiations, client not reading), CVE-2022-39028 (ff f7 / ff f8 first),
CVE-2026-32746 (LINEMODE SLC with 170 triplets of unsupported functions and
0xff values), TERMCAP=/dev/zero and LD_PRELOAD by VAR, USERVAR and the old
ENVIRON.  USER='-f root' / '-froot' (CVE-2007-0882, CVE-2026-24061) through
the real login program and PAM is test_login.py's
test_hostile_user_never_skips_password and
test_hostile_user_as_uservar_and_old_environ; here only the -E %u
expansion is checked.
"""
import os
import pathlib
import random
import socket
import struct
import threading
import time

import pytest

from conftest import telnetd_rss_kb
from tnclient import (TelnetClient, IAC, SB, SE, WILL, WONT, DO, DONT, AYT,
                      AO, IP, DM, NOP, TTYPE, NAWS, NEW_ENVIRON, OLD_ENVIRON,
                      LINEMODE, ENCRYPT, ECHO, SGA, BINARY, IS, VAR, VALUE,
                      USERVAR, LOGOUT, XDISPLOC, CHARSET, ExpectTimeout)

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
TPROG = str(PROGS / 'tprog.py')
SHOWENV = str(PROGS / 'showenv.sh')
ASAN = 'asan' in os.environ.get('TELNETD_BUILD', '')
# Slack over an idle session: the queues are 128 + 32 KiB, the engine's
# subnegotiation buffer 4 KiB; anything that grows with the input would
# pass this at once.
SLACK_KB = (96 if ASAN else 8) * 1024
SNDLOC = 23     # RFC 779


class Hostile:
    """A daemon, an RSS sampler, and the checks that end each case."""

    def __init__(self, listen_daemon, prog):
        self.d = listen_daemon(['-E', prog])
        self.port = self.d.port
        self.lines = prog.endswith(' lines')
        self.peak = 0
        self._stop = threading.Event()
        # The baseline: one session of this build, program started.
        c = self.fresh()
        self.base = telnetd_rss_kb(self.d.descendants())
        c.close()
        self._t = threading.Thread(target=self._sample, daemon=True)
        self._t.start()

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, telnetd_rss_kb(self.d.descendants()))
            time.sleep(0.02)

    def client(self, timeout=15):
        return TelnetClient(self.port, timeout=timeout)

    def fresh(self):
        """A new, normal session: negotiation, the program's first
        output, and with the "lines" program a line echoed."""
        c = self.client()
        c.negotiate()
        c.wait_for(lambda cl: len(cl.data) > 0, what='program output')
        if self.lines:
            c.expect(b'READY')
            c.send_data(b'fresh\r\n')
            c.expect(b"LINE:b'fresh")
        return c

    def finish(self):
        self._stop.set()
        self._t.join(2)
        assert self.d.alive(), self.d.stderr_text()
        # A fresh session works.
        self.fresh().close()
        assert self.peak <= self.base + SLACK_KB, \
            'daemon RSS %d kB, idle session %d kB' % (self.peak, self.base)


@pytest.fixture
def hostile(listen_daemon):
    made = []

    def start(prog=TPROG + ' lines'):
        h = Hostile(listen_daemon, prog)
        made.append(h)
        return h
    yield start
    for h in made:
        h.finish()


def sb(opt, body):
    return bytes([IAC, SB, opt]) + bytes(body).replace(b'\xff', b'\xff\xff') \
        + bytes([IAC, SE])


def alive_line(c, word=b'after'):
    """The session still relays a line both ways."""
    c.send_data(word + b'\r\n')
    c.expect(b"LINE:b'" + word)


def answered_or_gone(c):
    """AYT is answered, or the session ended (random input may have sent
    ^C to the program)."""
    try:
        c.send_raw(bytes([IAC, AYT]))
        c.expect(b'[Yes]', timeout=5)
    except (ExpectTimeout, OSError):
        assert c.eof


# ---- generic hostile input ---------------------------------------------------

def test_random_bytes_with_iac(hostile):
    h = hostile()
    rng = random.Random(8)
    cmds = [SE, NOP, DM, 243, 244, AO, AYT, 247, 248, 249, SB, WILL, WONT,
            DO, DONT, IAC]
    for session in range(3):
        c = h.client()
        c.negotiate()
        c.expect(b'READY')
        out = bytearray()
        while len(out) < 128 * 1024:
            r = rng.random()
            if r < 0.3:
                out += bytes([IAC, rng.choice(cmds)])
                opt = rng.randrange(256)
                out.append(opt if opt != LOGOUT else 0)
            else:
                out += rng.randbytes(rng.randrange(1, 64))
        off = 0
        while off < len(out) and not c.eof:
            n = rng.randrange(1, 4096)
            try:
                c.send_raw(bytes(out[off:off + n]))
            except OSError:
                break
            off += n
        answered_or_gone(c)
        c.close()


def test_sb_without_se(hostile):
    h = hostile()
    c = h.client()
    c.negotiate()
    c.expect(b'READY')
    # Never ended: the body runs far past the limit; the next IAC command
    # ends it (dropped), and the session goes on.
    c.send_raw(bytes([IAC, SB, TTYPE, IS]) + b'x' * 100000)
    c.send_raw(bytes([IAC, AYT]))
    c.expect(b'[Yes]')
    alive_line(c)
    c.close()


def test_one_mib_sb(hostile):
    h = hostile()
    c = h.client()
    c.negotiate()
    c.expect(b'READY')
    c.send_raw(sb(NEW_ENVIRON, bytes([IS, USERVAR]) + b'A' +
                  bytes([VALUE]) + b'x' * (1 << 20)))
    alive_line(c)
    c.close()


def test_ten_kib_terminal_type(hostile):
    h = hostile(SHOWENV)
    c = h.client()
    c.negotiate(term='x' * 10240)
    c.expect(b'END')
    assert b'xxxxxxxx' not in bytes(c.data)
    c.close()


def test_naws_wrong_length(hostile):
    h = hostile(SHOWENV)
    c = h.client()
    bad = b''.join(sb(NAWS, body) for body in
                   (b'', b'\x00', b'\x00\x10\x00', b'\x00\x10\x00\x10\x00',
                    b'\x00\x10' * 500))
    c.send_raw(bytes([IAC, WILL, NAWS]) + bad)
    c.negotiate(naws=(91, 33))
    c.expect(b'END')
    text = bytes(c.data).decode('utf-8', 'replace')
    assert 'SIZE=33 91' in text, text
    c.close()


def test_ten_thousand_environment_variables(hostile):
    h = hostile(SHOWENV)
    # One SB of 10,000 (far over --sb-max: dropped whole) ...
    c = h.client()
    c.negotiate(env=[('V%d' % i, 'x') for i in range(10000)])
    c.expect(b'END')
    assert b'ENV:V1=' not in bytes(c.data)
    c.close()
    # ... and 10,000 separate ones, each under the limit: at most
    # ENV_MAX_VARS are kept, none of these is on the allow-list.
    c = h.client()
    many = b''.join(sb(NEW_ENVIRON, bytes([IS, USERVAR]) + b'V%d' % i +
                       bytes([VALUE]) + b'x') for i in range(10000))
    c.send_raw(bytes([IAC, WILL, NEW_ENVIRON]) + many)
    c.negotiate(env=[('LANG', 'C.UTF-8')])
    c.expect(b'END')
    data = bytes(c.data)
    assert b'ENV:V1=' not in data
    c.close()


def test_ayt_flood_while_reading(hostile):
    h = hostile()
    c = h.client()
    c.negotiate()
    c.expect(b'READY')
    for _ in range(100):
        c.send_raw(bytes([IAC, AYT]) * 1000)
    c.settle(quiet=0.3)
    assert bytes(c.data).count(b'[Yes]') <= 100000
    alive_line(c)
    c.close()


def test_negotiation_storm(hostile):
    h = hostile()
    c = h.client()
    c.negotiate()
    c.expect(b'READY')
    storm = bytearray()
    for i in range(5000):
        for opt in (TTYPE, NAWS, BINARY):
            storm += bytes([IAC, WILL if i % 2 == 0 else WONT, opt])
        for opt in (ECHO, SGA, BINARY):
            storm += bytes([IAC, DO if i % 2 == 0 else DONT, opt])
    before = len(c.negotiations())
    c.answers = None            # do not answer: count what the server says
    c.send_raw(bytes(storm))
    c.settle(quiet=0.5)
    said = len(c.negotiations()) - before
    # No amplification: at most one verb back per verb received.
    assert said <= 30000, said
    c.negotiate()
    alive_line(c)
    c.close()


def test_cr_and_iac_split_at_every_boundary(hostile):
    """Each split point of a message holding CR LF, CR NUL, IAC IAC and an
    IAC command gets its own two TCP segments (TCP_NODELAY, a pause
    between); the program sees the same lines every time."""
    h = hostile()
    c = h.client()
    c.negotiate()
    c.expect(b'READY')
    for k in range(1, 20):
        msg = (b'k%02d' % k + b'a\r\nb\r\x00c' + bytes([IAC, IAC]) +
               b'd\r\n' + bytes([IAC, AYT]) + b'e\r\n')
        for cut in (k, len(msg) - k):
            c.send_raw(msg[:cut])
            time.sleep(0.01)
            c.send_raw(msg[cut:])
            c.expect(b"LINE:b'k%02da\\n'" % k)
            c.expect(b"LINE:b'b\\n'")
            c.expect(b"LINE:b'c\\xffd\\n'")
            c.expect(b"LINE:b'e\\n'")
    # And one byte per segment.
    msg = b'z\r\n' + bytes([IAC, IAC]) + b'\r\x00' + bytes([IAC, AYT])
    for i in range(len(msg)):
        c.send_raw(msg[i:i + 1])
        time.sleep(0.005)
    c.expect(b"LINE:b'z\\n'")
    c.expect(b"LINE:b'\\xff\\n'")
    c.expect(b'[Yes]')
    c.close()


def test_slow_reader_output_flood(hostile):
    n = 4 * 1024 * 1024
    h = hostile(TPROG + ' tail %d' % n)
    c = h.client(timeout=60)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    c.negotiate()
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        try:
            chunk = c.sock.recv(1024)
        except BlockingIOError:
            chunk = b''
        if chunk:
            c._feed(chunk)
        time.sleep(0.01)
    c.read_until_close()
    pat = b'0123456789abcdefghijklmnopqrstuv'
    assert bytes(c.data) == (pat * (n // len(pat) + 1))[:n]
    c.close()


def test_half_closed_connection_still_gets_output(hostile):
    h = hostile(TPROG + ' echo')
    c = h.client()
    c.negotiate()
    c.expect(b'READY')
    c.send_data(b'last words\r\n')
    c.shutdown_write()
    c.read_until_close(timeout=10)
    assert b'ECHO:last words' in bytes(c.data)
    c.close()
    # Half-closed at once, by a client that answers nothing (it cannot
    # answer after SHUT_WR): the program starts at the deadline and all of
    # its output arrives.
    h2 = hostile(TPROG + ' tail 100000')
    c = h2.client()
    c.shutdown_write()
    c.read_until_close(timeout=10)
    assert len(c.data) == 100000
    c.close()


def test_reset_mid_negotiation(hostile):
    h = hostile()
    for i in range(5):
        s = socket.create_connection(('127.0.0.1', h.port), 5)
        s.recv(100)
        s.send(bytes([IAC, WILL, TTYPE, IAC, WILL, NEW_ENVIRON, IAC, SB,
                      TTYPE, IS]) + b'xte')
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack('ii', 1, 0))
        s.close()
    # Every one of those sessions ends.
    deadline = time.monotonic() + 10
    while h.d.descendants() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not h.d.descendants()


# ---- the historical holes ----------------------------------------------------

def test_cve_2001_0554_ayt_flood_unread(hostile):
    h = hostile()
    c = h.client()
    c.negotiate()
    c.expect(b'READY')
    c.sock.setblocking(True)
    c.sock.sendall(bytes([IAC, AYT]) * 10000)
    c.sock.setblocking(False)
    time.sleep(1.0)            # the server answers into a queue nobody reads
    c.settle(quiet=0.3)
    alive_line(c)
    c.close()


def test_cve_2011_4862_encrypt_keyid(hostile):
    h = hostile()
    c = h.client()
    c.negotiate()
    c.expect(b'READY')
    ENC_KEYID, DEC_KEYID = 7, 8
    c.send_raw(sb(ENCRYPT, bytes([ENC_KEYID]) + bytes(range(1, 256))) +
               sb(ENCRYPT, bytes([DEC_KEYID]) + b'\xff' * 255) +
               sb(ENCRYPT, bytes([ENC_KEYID]) + b'A' * 255))
    alive_line(c)
    c.close()


def test_cve_2020_10188_netclear_over_partial_sbs(hostile):
    """The client never reads while the program floods; its input holds
    subnegotiations cut in the middle, AO and IP make the server clear its
    output queue; what arrives afterwards must be a well-formed stream."""
    h = hostile(TPROG + ' tail %d' % (8 * 1024 * 1024))
    c = h.client(timeout=30)
    c.negotiate()
    time.sleep(0.5)            # not reading: the queue fills
    c.sock.setblocking(True)
    c.sock.sendall(bytes([IAC, SB, TTYPE, IS]) + b'vt1' +
                   bytes([IAC, AO]) + bytes([IAC, SB, NEW_ENVIRON, IS, VAR]) +
                   b'US' + bytes([IAC, IP]) + bytes([IAC, AO]) +
                   sb(NAWS, b'\x00\x50\x00\x18') + bytes([IAC, AO]))
    c.sock.setblocking(False)
    time.sleep(0.5)
    c.read_until_close()
    assert not [e for e in c.events if e[0] == 'SB-broken'], c.events[-5:]
    assert ('cmd', DM) in c.events
    c.close()


@pytest.mark.parametrize('first', [b'\xff\xf7', b'\xff\xf8'],
                         ids=['EC', 'EL'])
def test_cve_2022_39028_ec_el_first(hostile, first):
    h = hostile()
    c = h.client()
    c.send_raw(first)
    c.send_raw(first * 100)
    c.negotiate()
    c.expect(b'READY')
    alive_line(c)
    c.close()


def test_cve_2026_32746_linemode_slc(hostile):
    h = hostile()
    c = h.client()
    c.negotiate()
    c.expect(b'READY')
    trip = b''.join(bytes([f, 0xff, 0xff])
                    for f in list(range(31, 256))[:170])
    c.send_raw(bytes([IAC, WILL, LINEMODE]) +
               sb(LINEMODE, bytes([3]) + trip) +
               sb(LINEMODE, bytes([3]) + b'\xff' * 510))
    c.settle(quiet=0.3)
    c.send_raw(bytes([IAC, WONT, LINEMODE]))
    alive_line(c)
    c.close()


@pytest.mark.parametrize('how', ['var', 'uservar', 'old-environ'])
def test_termcap_ld_preload_never_reach_the_program(hostile, how):
    h = hostile(SHOWENV)
    c = h.client()
    bad = [('TERMCAP', '/dev/zero'), ('LD_PRELOAD', '/tmp/x.so'),
           ('LANG', 'C.UTF-8')]
    if how == 'old-environ':
        # Refuse NEW-ENVIRON: the server falls back to the old option.
        answers = {('DO', TTYPE): True, ('DO', NEW_ENVIRON): False,
                   ('DO', OLD_ENVIRON): True, ('WILL', ECHO): True,
                   ('WILL', SGA): True}
        c.negotiate(answers, env=[(VAR, n, v) for n, v in bad])
    else:
        t = VAR if how == 'var' else USERVAR
        c.negotiate(env=[(t, n, v) for n, v in bad])
    c.expect(b'END')
    data = bytes(c.data)
    assert b'TERMCAP' not in data and b'LD_PRELOAD' not in data
    assert b'ENV:LANG=C.UTF-8' in data, data
    c.close()


@pytest.mark.parametrize('user', ['-f root', '-froot'])
def test_user_option_never_in_argv(hostile, user):
    """-E with %u: the name is dropped, never an argument that starts with
    '-' (the login program's path is test_login.py's)."""
    h = hostile(SHOWENV + ' %u')
    c = h.client()
    c.negotiate(user=user)
    c.expect(b'END')
    data = bytes(c.data).decode('utf-8', 'replace')
    assert 'ARGS=\r\n' in data or 'ARGS=\n' in data, data
    c.close()


def test_refusals_logged_once_per_kind(hostile):
    """A client that repeats what is refused (126 KB once gave 9,000 log
    lines): each kind - a bad terminal type, a refused X display location,
    a charset never offered, a location - is logged once per session, and
    how many more came is one line when the session ends."""
    h = hostile()
    n = 300
    c = h.client()
    burst = bytes([IAC, WILL, XDISPLOC, IAC, WILL, TTYPE, IAC, WILL, SNDLOC,
                   IAC, WILL, CHARSET])
    for i in range(n):
        burst += sb(XDISPLOC, bytes([IS]) + b'/tmp/.X11-unix/X%d' % i)
        burst += sb(TTYPE, bytes([IS]) + b'bad type %d' % i)
        burst += sb(SNDLOC, b'room %d' % i)
        burst += sb(CHARSET, b'\x02KOI8-%d' % i)
    c.send_raw(burst)
    c.expect(b'READY', timeout=15)
    alive_line(c)
    c.close()
    kinds = [('X display location refused: "',
              'X display locations refused'),
             ('terminal type refused: "', 'terminal types refused'),
             ('client location: "', 'client locations'),
             ('charset never offered: "',
              'charsets accepted but never offered')]
    for first, more in kinds:
        h.d.wait_stderr(r'%d more %s in this session' % (n - 1, more),
                        timeout=10)
        text = h.d.stderr_text()
        assert text.count(first) == 1, (first, text[-3000:])
