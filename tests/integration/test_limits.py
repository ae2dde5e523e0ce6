"""test_limits.py - the operator's limits, each with its default,
its option, the log line when it is hit, and what the client sees:

  --negotiation-timeout=MS  the start does not wait longer for a silent
                            client (default 800 ms)
  --sb-max=BYTES            a longer subnegotiation is dropped whole (4096)
  --max-env=N               variables kept from the client (32)
  --max-env-size=BYTES      longest value kept (256)
  --output-buffer=BYTES     output queued for a client that does not read
                            (131072); the program waits, nothing is lost
  --input-buffer=BYTES      input queued for a program that does not read
                            (32768)
  --max-sessions=N          --listen: sessions at once (512)
  --max-per-host=N          --listen: sessions from one address (64)
  --max-ttypes=N            terminal types asked for in a cycle that
                            never repeats (TTYPE_MAX, 8)

--login-timeout is tested in test_login.py (test_login_timeout*); TTYPE
cycling itself in test_options.py.  Every test runs
the daemon with --listen, where the relay's log lines reach its stderr.
"""
import os
import pathlib
import re
import socket
import subprocess
import time

import pytest

from conftest import telnetd_path, telnetd_rss_kb, _need
from tnclient import TelnetClient, ExpectTimeout, IAC, DO

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
SHOWENV = str(PROGS / 'showenv.sh')
TPROG = str(PROGS / 'tprog.py')
REFUSED = b'telnetd: too many sessions; try again later.\r\n'


def showenv(port, **neg):
    c = TelnetClient(port, timeout=10)
    try:
        c.negotiate(**neg)
        c.expect(b'END')
    finally:
        c.close()
    env = {}
    for line in bytes(c.data).decode('utf-8', 'replace').splitlines():
        if line.startswith('ENV:'):
            k, _, v = line[4:].partition('=')
            env[k] = v
    return env


# The daemon's own processes (monitor, relay) of one session: small in a
# normal build, shadow memory and quarantine in a sanitizer build.
RSS_MAX_KB = (256 if 'asan' in os.environ.get('TELNETD_BUILD', '') else 16) \
    * 1024


@pytest.mark.parametrize('args', [
    ['--negotiation-timeout=0'], ['--negotiation-timeout=60001'],
    ['--negotiation-timeout=1s'], ['--sb-max=63'], ['--sb-max=65537'],
    ['--max-env=0'], ['--max-env=33'], ['--max-env-size=0'],
    ['--max-env-size=257'], ['--output-buffer=16383'],
    ['--output-buffer=99999999'], ['--input-buffer=1023'],
    ['--max-sessions=-1'], ['--max-sessions=65536'],
    ['--max-per-host=x'], ['--max-per-host='], ['--sb-max=+64'],
    ['--max-ttypes=0'], ['--max-ttypes=9'],
    ['--idle-timeout=-1'], ['--idle-timeout=2592001'],
    ['--idle-timeout=10m'],
], ids=lambda a: a[0])
def test_bad_values_exit_2(args):
    r = subprocess.run([_need(telnetd_path())] + args + ['--listen=0'],
                       capture_output=True, timeout=10)
    assert r.returncode == 2, r
    lines = r.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert args[0].split('=')[0] in lines[0]


def test_negotiation_timeout(listen_daemon):
    """A client that answers nothing: the program starts after the
    option's time, not the default's; one log line says so."""
    for ms, lo, hi in ((300, 0.25, 0.9), (1800, 1.75, 3.0)):
        d = listen_daemon(['--negotiation-timeout=%d' % ms, '-E', SHOWENV])
        c = TelnetClient(d.port, timeout=10)     # raw: never answers
        t0 = time.monotonic()
        c.expect(b'END')
        took = time.monotonic() - t0
        c.close()
        assert lo <= took <= hi, (ms, took)
        d.wait_stderr(r'not every answer within %d ms '
                      r'\(--negotiation-timeout\)' % ms)
        d.stop()
    # A client that answers does not wait for the deadline.
    d = listen_daemon(['--negotiation-timeout=5000', '-E', SHOWENV])
    t0 = time.monotonic()
    showenv(d.port, term='xterm')
    assert time.monotonic() - t0 < 2.0
    assert '--negotiation-timeout' not in d.stop()


def test_sb_max(listen_daemon):
    d = listen_daemon(['--sb-max=64', '-E', SHOWENV])
    # 2 + 3 * 14 + ... bytes: under the limit, kept.
    env = showenv(d.port, env=[('LANG', 'C.UTF-8')])
    assert env.get('LANG') == 'C.UTF-8'
    # Over it: the whole NEW-ENVIRON IS is dropped, not cut short.
    env = showenv(d.port, env=[('LANG', 'C.UTF-8'),
                               ('COLORTERM', 'x' * 70)])
    assert 'LANG' not in env and 'COLORTERM' not in env
    d.wait_stderr(r'subnegotiation NEW-ENVIRON over 64 bytes '
                  r'\(--sb-max\) dropped')
    # The default takes the same subnegotiation whole.
    d2 = listen_daemon(['-E', SHOWENV])
    env = showenv(d2.port, env=[('LANG', 'C.UTF-8'),
                                ('COLORTERM', 'x' * 70)])
    assert env.get('LANG') == 'C.UTF-8'
    assert '--sb-max' not in d2.stop()


def test_max_env(listen_daemon):
    d = listen_daemon(['--max-env=2', '-E', SHOWENV])
    env = showenv(d.port, env=[('LANG', 'C.UTF-8'), ('LC_TIME', 'C'),
                               ('TZ', 'UTC'), ('COLORTERM', 'truecolor')])
    assert env.get('LANG') == 'C.UTF-8' and env.get('LC_TIME') == 'C'
    assert 'TZ' not in env and 'COLORTERM' not in env
    d.wait_stderr(r'client variable TZ refused: too many variables '
                  r'\(--max-env\)')
    # The default keeps all four.
    d2 = listen_daemon(['-E', SHOWENV])
    env = showenv(d2.port, env=[('LANG', 'C.UTF-8'), ('LC_TIME', 'C'),
                                ('TZ', 'UTC'), ('COLORTERM', 'truecolor')])
    assert env.get('TZ') == 'UTC' and env.get('COLORTERM') == 'truecolor'


def test_max_env_size(listen_daemon):
    d = listen_daemon(['--max-env-size=5', '-E', SHOWENV])
    env = showenv(d.port, env=[('LANG', 'C.UTF-8'), ('TZ', 'UTC')])
    assert 'LANG' not in env and env.get('TZ') == 'UTC'
    d.wait_stderr(r'client variable LANG refused: value too long '
                  r'\(--max-env-size\)')


def test_output_buffer_bounded_and_lossless(listen_daemon):
    """A client that does not read while the program writes 2 MiB: the
    relay queues at most --output-buffer, the program waits, the log says
    so once, and every byte arrives in order once the client reads."""
    n = 2 * 1024 * 1024
    d = listen_daemon(['--output-buffer=16384', '-E', TPROG + ' tail %d' % n])
    c = TelnetClient(d.port, timeout=30)
    # A small window (not tiny: under 64 KiB loopback TCP crawls).
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    c.negotiate()
    # Read only the negotiation, then stop reading for a while.
    c.settle(quiet=0.2)
    time.sleep(1.0)
    d.wait_stderr(r'output queue full \(16384 bytes, --output-buffer\)')
    rss = telnetd_rss_kb(d.descendants())
    assert 0 < rss < RSS_MAX_KB, rss
    c.read_until_close()
    pat = b'0123456789abcdefghijklmnopqrstuv'
    want = (pat * (n // len(pat) + 1))[:n]
    assert bytes(c.data) == want
    c.close()


def test_input_buffer(listen_daemon):
    """A program that never reads: client input stops being read at
    --input-buffer (TCP pushes back), one log line."""
    d = listen_daemon(['--input-buffer=1024', '-E', TPROG + ' sleep'])
    c = TelnetClient(d.port, timeout=10)
    c.negotiate()
    c.expect(b'READY')
    c.send_data(b'y' * 3000)
    d.wait_stderr(r'input queue full \(1024 bytes, --input-buffer\)')
    rss = telnetd_rss_kb(d.descendants())
    assert 0 < rss < RSS_MAX_KB, rss
    c.close()


def _refused(port, src=None):
    """Connect; True when the server sent exactly the refusal line and
    closed, False when it started a session (its opening requests)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(5)
    s.connect(('127.0.0.1', port))
    got = b''
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            got += b
            if got.startswith(bytes([IAC, DO])):
                return False, s
    except socket.timeout:
        pass
    s.close()
    assert got == REFUSED, got
    return True, None


def test_max_sessions(listen_daemon):
    d = listen_daemon(['--max-sessions=2', '-E', TPROG + ' lines'])
    a, b = TelnetClient(d.port, timeout=10), TelnetClient(d.port, timeout=10)
    for c in (a, b):
        c.negotiate()
        c.expect(b'READY')
    refused, _ = _refused(d.port)
    assert refused
    d.wait_stderr(r'refused 127\.0\.0\.1 port \d+: 2 sessions running '
                  r'\(--max-sessions=2\)')
    # The others are unaffected.
    for c, word in ((a, b'one'), (b, b'two')):
        c.send_data(word + b'\r\n')
        c.expect(b"LINE:b'" + word)
    # Once one ends, a new client gets a session again.
    a.send_data(b'quit\r\n')
    a.read_until_close()
    a.close()
    d.wait_stderr(r'ended: exit')
    c = TelnetClient(d.port, timeout=10)
    c.negotiate()
    c.expect(b'READY')
    c.close()
    b.close()


def test_max_per_host(listen_daemon):
    d = listen_daemon(['--max-per-host=1', '-E', TPROG + ' lines'])
    a = TelnetClient(d.port, timeout=10)
    a.negotiate()
    a.expect(b'READY')
    refused, _ = _refused(d.port)
    assert refused
    d.wait_stderr(r'refused 127\.0\.0\.1 port \d+: 1 sessions from that '
                  r'address \(--max-per-host=1\)')
    # Another address is served.
    refused, s = _refused(d.port, src='127.0.0.2')
    assert not refused
    s.close()
    a.send_data(b'still\r\n')
    a.expect(b"LINE:b'still")
    a.close()


def test_max_ttypes(listen_daemon):
    """A client whose list never repeats: the server asks N times."""
    names = ['term%d' % i for i in range(12)]
    for args, n in ((['--max-ttypes=3'], 3), ([], 8)):
        d = listen_daemon(args + ['-E', SHOWENV])
        c = TelnetClient(d.port, timeout=10)
        c.negotiate(term=names)
        c.expect(b'END')
        c.close()
        sends = [e for e in c.events if e[0] == 'SB' and e[1] == 24]
        assert len(sends) == n, sends
        d.wait_stderr(r'terminal type cycle stopped after %d names '
                      r'\(--max-ttypes\)' % n)
        d.stop()


def test_default_limits_in_help():
    r = subprocess.run([_need(telnetd_path()), '--help'],
                       capture_output=True, timeout=10)
    text = r.stdout.decode()
    for opt, dflt in (('--negotiation-timeout', '800'),
                      ('--sb-max', '4096'), ('--max-env', '32'),
                      ('--max-env-size', '256'),
                      ('--output-buffer', '131072'),
                      ('--input-buffer', '32768'),
                      ('--max-sessions', '512'),
                      ('--max-per-host', '64'), ('--max-ttypes', '8')):
        m = re.search(re.escape(opt) + r'=\S+ .*\((\d+)\)', text)
        assert m and m.group(1) == dflt, (opt, text)
