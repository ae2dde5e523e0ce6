"""test_proxy.py - the PROXY protocol (--proxy-from, --proxy-timeout) with a
real HAProxy in front, and with headers written by hand.

HAProxy (Debian's haproxy) is started per test on loopback with its own
configuration file and ended by PID: one frontend whose server line says
send-proxy (version 1), one with send-proxy-v2.  Clients connect to it from
other loopback addresses (127.0.0.2, 127.0.0.3, ::1), so the daemon sees
every connection coming from HAProxy at 127.0.0.1 and must take the
client's address from the header.  What is proven:

  - v1 and v2, IPv4 and IPv6 clients: the session program's %h, the utmp
    record of its tty, the daemon's log lines, the monitor's ps title and
    (--pam) PAM_RHOST all carry the real client's address;
  - --max-per-host counts the real clients, not HAProxy;
  - TELNET bytes sent right behind the header (in the same segment) reach
    the session whole: the reader takes the header's bytes and no more;
  - malformed, truncated, oversized and non-headers from a trusted source
    are refused: the connection is closed before the daemon says a word,
    with one log line saying why, and the daemon goes on serving;
  - a trusted source that sends no header is closed after --proxy-timeout,
    while the listener keeps serving others;
  - from a source not in --proxy-from a header is not believed: the
    session's address is the real peer's;
  - inetd mode reads the header too;
  - bad --proxy-from / --proxy-timeout values: exit status 2, one line.
"""
import os
import pathlib
import re
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import free_port, listening, telnetd_path
from tnclient import TelnetClient

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
PEERPROG = str(PROGS / 'peerprog.sh')
TPROG = str(PROGS / 'tprog.py')
HOST_RE = re.compile(rb'HOST=\[([^\]]*)\] TTY=\[/dev/(pts/\d+)\]')

V2SIG = b'\r\n\r\n\x00\r\nQUIT\n'

UTMP = '/var/run/utmp'
UTMP_REC = struct.Struct('<hhi32s4s32s256shhi2i4i20s')


def v1(src='192.0.2.7', dst='198.51.100.1', sport=56324, dport=23):
    fam = 'TCP6' if ':' in src else 'TCP4'
    return ('PROXY %s %s %s %d %d\r\n' % (fam, src, dst, sport,
                                           dport)).encode()


def v2(src='192.0.2.7', dst='198.51.100.1', sport=56324, dport=23,
       cmd=0x21, tlvs=b''):
    block = socket.inet_aton(src) + socket.inet_aton(dst) + \
        struct.pack('!HH', sport, dport) + tlvs
    return V2SIG + bytes([cmd, 0x11]) + struct.pack('!H', len(block)) + block


def utmp_host(line):
    """The host of the live LOGIN/USER record of a tty, or None."""
    try:
        data = open(UTMP, 'rb').read()
    except OSError:
        return None
    for off in range(0, len(data) - UTMP_REC.size + 1, UTMP_REC.size):
        r = UTMP_REC.unpack_from(data, off)
        if r[0] in (6, 7) and r[3].split(b'\0')[0].decode() == line:
            return r[6].split(b'\0')[0].decode()
    return None


@pytest.fixture
def utmp_file():
    if not os.path.exists(UTMP):
        os.close(os.open(UTMP, os.O_WRONLY | os.O_CREAT, 0o664))
    return UTMP


def cmdline(pid):
    """The process title, without the spaces that pad a short one."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read().split(b'\0')[0].decode().rstrip(' ')
    except OSError:
        return ''


class HAProxy:
    """haproxy -db on loopback: port1 sends v1 headers, port2 v2, both to
    the daemon on 127.0.0.1:backend.  Ended by PID."""

    def __init__(self, tmp_path, backend):
        exe = shutil.which('haproxy') or '/usr/sbin/haproxy'
        assert os.access(exe, os.X_OK), \
            'haproxy is not installed (tools/deps.sh installs it)'
        for attempt in range(5):
            self.port1, self.port2 = free_port(), free_port()
            if self.port1 != self.port2:
                break
        conf = tmp_path / 'haproxy.cfg'
        conf.write_text('''global
    log stderr format short local0 info
defaults
    mode tcp
    log global
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend v1
    bind 127.0.0.1:%(p1)d
    bind [::1]:%(p1)d
    default_backend v1
frontend v2
    bind 127.0.0.1:%(p2)d
    bind [::1]:%(p2)d
    default_backend v2
backend v1
    server telnetd 127.0.0.1:%(b)d send-proxy
backend v2
    server telnetd 127.0.0.1:%(b)d send-proxy-v2
''' % {'p1': self.port1, 'p2': self.port2, 'b': backend})
        self.errpath = tmp_path / 'haproxy.err'
        self._err = open(self.errpath, 'wb')
        self.p = subprocess.Popen([exe, '-db', '-f', str(conf)],
                                  stdin=subprocess.DEVNULL,
                                  stdout=self._err, stderr=self._err)
        deadline = time.monotonic() + 10
        while not (listening(self.port1) and listening(self.port2)):
            if self.p.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError('haproxy did not start:\n' +
                                     self.errpath.read_text())
            time.sleep(0.02)

    def port(self, version):
        return self.port1 if version == 1 else self.port2

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self._err.close()


@pytest.fixture
def haproxy(tmp_path):
    started = []

    def start(backend):
        h = HAProxy(tmp_path, backend)
        started.append(h)
        return h
    yield start
    for h in started:
        h.stop()


def start_daemon(listen_daemon, *args):
    return listen_daemon(['--proxy-from=127.0.0.1', '--proxy-from=::1',
                          '-E', PEERPROG + ' %h'] + list(args))


def session_host(c):
    """(host, tty) the session program printed."""
    c.expect(HOST_RE, timeout=10)
    return c.match.group(1).decode(), c.match.group(2).decode()


def monitor_title(d, host):
    """The ps title of the daemon's process for that client's session."""
    want = 'telnetd: %s on ' % host
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for pid in d.descendants():
            if cmdline(pid).startswith(want):
                return cmdline(pid)
        time.sleep(0.05)
    return None


# ---- HAProxy in front ---------------------------------------------------------

@pytest.mark.parametrize('version', [1, 2])
@pytest.mark.parametrize('client', ['127.0.0.2', '::1'])
def test_haproxy_real_address(listen_daemon, haproxy, utmp_file, version,
                              client):
    d = start_daemon(listen_daemon)
    h = haproxy(d.port)
    front = '::1' if ':' in client else '127.0.0.1'
    c = TelnetClient(h.port(version), host=front, source=client)
    try:
        c.negotiate()
        host, tty = session_host(c)
        assert host == client
        assert utmp_host(tty) == client
        title = monitor_title(d, client)
        assert title == 'telnetd: %s on %s' % (client, tty), title
        d.wait_stderr(r'connection from %s port \d+ via PROXY from '
                      r'127\.0\.0\.1: session \d+' % re.escape(client))
        d.wait_stderr(r'session from %s on %s' % (re.escape(client),
                                                  re.escape(tty)))
        c.send_data(b'bye\r\n')
        c.expect(b'GOT=[bye]')
    finally:
        c.close()
    log = d.stop()
    assert 'from 127.0.0.1 ended' not in log


def test_haproxy_per_host_limit(listen_daemon, haproxy):
    """--max-per-host=1: the second session from 127.0.0.2 is refused,
    one from 127.0.0.3 is not; all of them come through HAProxy."""
    d = start_daemon(listen_daemon, '--max-per-host=1')
    h = haproxy(d.port)
    a = TelnetClient(h.port(2), source='127.0.0.2')
    b = c = None
    try:
        a.negotiate()
        assert session_host(a)[0] == '127.0.0.2'
        b = TelnetClient(h.port(1), source='127.0.0.2')
        b.read_until_close(timeout=10)
        assert b'too many sessions' in bytes(b.data)
        d.wait_stderr(r'refused 127\.0\.0\.2 port \d+: 1 sessions from '
                      r'that address \(--max-per-host=1\)')
        c = TelnetClient(h.port(1), source='127.0.0.3')
        c.negotiate()
        assert session_host(c)[0] == '127.0.0.3'
    finally:
        for x in (a, b, c):
            if x is not None:
                x.close()


def test_login_h(listen_daemon, haproxy):
    """The default program: /bin/login -h HOST with the real client."""
    if not os.access('/bin/login', os.X_OK):
        pytest.skip('/bin/login is not installed')
    d = listen_daemon(['--proxy-from=127.0.0.1'])
    h = haproxy(d.port)
    c = TelnetClient(h.port(2), source='127.0.0.3')
    try:
        c.negotiate()
        c.expect(b'login: ', timeout=15)
        argvs = [cmdline_all(p) for p in d.descendants()]
        logins = [a for a in argvs if a and a[0].endswith('/login')]
        assert logins, argvs
        assert logins[0][1:3] == ['-h', '127.0.0.3'], logins
    finally:
        c.close()


def cmdline_all(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return [w.decode() for w in f.read().split(b'\0')[:-1]]
    except OSError:
        return []


def test_pam_rhost(listen_daemon, haproxy, tmp_path):
    """--pam: PAM_RHOST is the real client, as a PAM module (pam_exec in a
    service made for the test) sees it."""
    if os.geteuid() != 0:
        pytest.skip('needs root')
    out = tmp_path / 'rhost'
    script = tmp_path / 'rhost.sh'
    script.write_text('#!/bin/sh\necho "RHOST=$PAM_RHOST" > %s\n' % out)
    script.chmod(0o755)
    svc = 'telnetd-proxytest-%d' % os.getpid()
    path = pathlib.Path('/etc/pam.d') / svc
    path.write_text('auth optional pam_exec.so quiet %s\n'
                    'auth required pam_deny.so\n'
                    'account required pam_deny.so\n' % script)
    try:
        d = listen_daemon(['--proxy-from=127.0.0.1', '--pam=%s' % svc])
        h = haproxy(d.port)
        c = TelnetClient(h.port(1), source='127.0.0.3')
        try:
            c.negotiate(user='someone')
            deadline = time.monotonic() + 15
            while not (out.exists() and out.read_text().strip()):
                assert time.monotonic() < deadline, \
                    'nothing written; log:\n' + d.stderr_text()
                c.read_available(0.1)
        finally:
            c.close()
        assert out.read_text().strip() == 'RHOST=127.0.0.3'
    finally:
        path.unlink()


# ---- headers by hand ----------------------------------------------------------

@pytest.mark.parametrize('header', [v1(), v2()], ids=['v1', 'v2'])
def test_telnet_bytes_behind_the_header(listen_daemon, header):
    """Header, option answers and a line of input in one segment: the
    program reads the line whole, so no byte after the header was taken."""
    d = listen_daemon(['--proxy-from=127.0.0.1', '-E', PEERPROG + ' %h'])
    s = socket.create_connection(('127.0.0.1', d.port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # IAC WONT TTYPE ... and "typed ahead" text: the pty keeps it for the
    # program, which reads one line.
    s.sendall(header + b'\xff\xfc\x18\xff\xfc\x1f' + b'ahead-1234\r\n')
    s.settimeout(10)
    data = b''
    deadline = time.monotonic() + 10
    while b'GOT=[' not in data or not data.rstrip().endswith(b']'):
        assert time.monotonic() < deadline, data
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    assert b'HOST=[192.0.2.7]' in data, data
    assert b'GOT=[ahead-1234]' in data, data


def read_all(s, timeout=10):
    """What the server sends until it closes (a FIN, or a reset: a refused
    header is left unread)."""
    s.settimeout(timeout)
    got = b''
    while True:
        try:
            chunk = s.recv(4096)
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += chunk
    return got


BAD = [
    ('v1 lf only', v1()[:-2] + b'\n', 'v1: LF without CR'),
    ('v1 bad address', b'PROXY TCP4 192.0.2.300 198.51.100.1 1 2\r\n',
     'v1: bad IPv4 address'),
    ('v1 leading zero port', b'PROXY TCP4 192.0.2.3 198.51.100.1 01 2\r\n',
     'v1: bad port'),
    ('v1 no crlf in 107', b'PROXY UNKNOWN ' + b'x' * 100,
     'v1: no CRLF within 107 bytes'),
    ('v2 version 1', V2SIG + b'\x11\x11\x00\x0c' + b'\0' * 12,
     'v2: version is not 2'),
    ('v2 oversized', V2SIG + b'\x21\x11\xff\xff' + b'\0' * 64,
     'v2: header longer than 1024 bytes'),
    ('v2 bad tlv', v2(tlvs=b'\x01\x00\x09ab'), 'v2: malformed TLV'),
    ('v2 short block', V2SIG + b'\x21\x11\x00\x04' + b'\x7f\0\0\x01',
     'v2: address block too short'),
    ('telnet first', b'\xff\xfb\x18\xff\xfb\x1f', 'no PROXY protocol '
     'signature'),
    ('truncated v1', v1()[:20], 'connection closed before the PROXY '
     'header ended'),
    ('truncated v2', v2()[:20], 'connection closed before the PROXY '
     'header ended'),
]


@pytest.mark.parametrize('data,why', [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_header_refused(listen_daemon, data, why):
    d = listen_daemon(['--proxy-from=127.0.0.1', '-E', PEERPROG + ' %h'])
    s = socket.create_connection(('127.0.0.1', d.port))
    s.sendall(data)
    if why.startswith('connection closed'):
        s.shutdown(socket.SHUT_WR)
    got = read_all(s)
    s.close()
    # Not a byte: no option request, no banner, no session.
    assert got == b''
    d.wait_stderr(r'bad PROXY header from 127\.0\.0\.1 port \d+: %s; '
                  r'closed' % re.escape(why))
    assert 'session' not in d.stderr_text().split('ready', 1)[1]
    # And it goes on serving.
    c = TelnetClient(d.port)
    c.send_raw(v1(src='203.0.113.9'))
    c.negotiate()
    assert session_host(c)[0] == '203.0.113.9'
    c.close()


def test_header_deadline(listen_daemon):
    """A trusted source that sends half a header is closed after
    --proxy-timeout; meanwhile the listener serves another connection."""
    d = listen_daemon(['--proxy-from=127.0.0.1', '--proxy-timeout=1500',
                       '-E', PEERPROG + ' %h'])
    slow = socket.create_connection(('127.0.0.1', d.port))
    t0 = time.monotonic()
    slow.sendall(v1()[:10])
    c = TelnetClient(d.port)
    c.send_raw(v2(src='198.51.100.77'))
    c.negotiate()
    assert session_host(c)[0] == '198.51.100.77'
    assert time.monotonic() - t0 < 1.5, 'the slow header held the listener'
    c.close()
    slow.settimeout(10)
    assert slow.recv(100) == b''
    waited = time.monotonic() - t0
    slow.close()
    assert 1.4 < waited < 5, waited
    d.wait_stderr(r'no PROXY header from 127\.0\.0\.1 port \d+ within '
                  r'1500 ms \(--proxy-timeout\); closed')


def test_v2_local_and_v1_unknown_keep_the_proxy_address(listen_daemon):
    d = listen_daemon(['--proxy-from=127.0.0.1', '-E', PEERPROG + ' %h'])
    for header in (V2SIG + b'\x20\x00\x00\x00', b'PROXY UNKNOWN\r\n'):
        c = TelnetClient(d.port)
        c.send_raw(header)
        c.negotiate()
        assert session_host(c)[0] == '127.0.0.1'
        c.close()


def test_untrusted_source_header_not_believed(listen_daemon):
    """From 127.0.0.2 (not in --proxy-from) a PROXY line is just bytes
    from the client: the session is 127.0.0.2's, the claimed address
    appears nowhere."""
    d = listen_daemon(['--proxy-from=127.0.0.1/32', '-E',
                       PEERPROG + ' %h'])
    c = TelnetClient(d.port, source='127.0.0.2')
    c.send_raw(v1(src='192.0.2.66'))
    c.negotiate()
    assert session_host(c)[0] == '127.0.0.2'
    c.close()
    log = d.stop()
    assert 'connection from 127.0.0.2 port' in log
    assert '192.0.2.66' not in log


def test_inetd_mode_reads_the_header(inetd_daemon):
    d = inetd_daemon(['--proxy-from=127.0.0.0/8', '-E', PEERPROG + ' %h'])
    c = TelnetClient(d.port)
    c.send_raw(v2(src='192.0.2.44'))
    c.negotiate()
    assert session_host(c)[0] == '192.0.2.44'
    c.close()
    # A bad one: closed without a word.
    s = socket.create_connection(('127.0.0.1', d.port))
    s.sendall(b'PROXY TCP4 1.2.3.4\r\n')
    assert read_all(s) == b''
    s.close()


@pytest.mark.parametrize('arg', [
    '--proxy-from=10.0.0.1/8', '--proxy-from=10.0.0.0/33',
    '--proxy-from=proxy.example', '--proxy-from=', '--proxy-timeout=0',
    '--proxy-timeout=60001', '--proxy-timeout=1s',
])
def test_bad_values_exit_two(arg):
    r = subprocess.run([str(telnetd_path()), arg, '--listen=127.0.0.1:1'],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 2, r
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and arg.split('=')[0] in lines[0], r.stderr
