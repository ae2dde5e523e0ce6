"""test_tools.py - the test tools themselves, proved without the daemon.

inetd_launcher runs ordinary programs (cat, sh, python); tnclient.py and
tclient talk to a small TELNET server written here, which checks the exact
bytes they send.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

import conftest
import tnclient as tn
from tnclient import IAC, DO, DONT, WILL, WONT, SB, SE, DM

PY = sys.executable


# ---- a tiny scripted TELNET server ----------------------------------------
class MiniServer:
    """Accepts one connection on loopback and runs handler(self) in a
    thread; recv_exact/recv_until read with a timeout; everything received
    is in .got.  join() re-raises the handler's exception."""

    def __init__(self, handler, family=socket.AF_INET, timeout=10):
        self.lsock = socket.socket(family, socket.SOCK_STREAM)
        self.lsock.bind(('::1' if family == socket.AF_INET6 else '127.0.0.1',
                         0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.handler, self.timeout = handler, timeout
        self.got = bytearray()
        self.error = None
        self.conn = None
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            self.lsock.settimeout(self.timeout)
            self.conn, _ = self.lsock.accept()
            self.conn.settimeout(self.timeout)
            self.handler(self)
        except BaseException as e:   # reported by join()
            self.error = e
        finally:
            if self.conn:
                self.conn.close()
            self.lsock.close()

    def send(self, b):
        self.conn.sendall(b)

    def recv_until(self, pred, what):
        deadline = time.monotonic() + self.timeout
        while not pred(bytes(self.got)):
            if time.monotonic() > deadline:
                raise AssertionError('server: timeout waiting for %s; got %r'
                                     % (what, bytes(self.got)))
            b = self.conn.recv(65536)
            if not b:
                raise AssertionError('server: EOF waiting for %s; got %r'
                                     % (what, bytes(self.got)))
            self.got += b

    def recv_contains(self, needle):
        self.recv_until(lambda g: needle in g, repr(needle))

    def recv_eof(self):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            b = self.conn.recv(65536)
            if not b:
                return
            self.got += b
        raise AssertionError('server: client did not close')

    def join(self):
        self.t.join(self.timeout + 5)
        assert not self.t.is_alive(), 'server thread hung'
        if self.error:
            raise self.error


def neg(verb, opt):
    return bytes([IAC, verb, opt])


def sb(opt, payload):
    return bytes([IAC, SB, opt]) + payload.replace(b'\xff', b'\xff\xff') + \
        bytes([IAC, SE])


def connect_plain(port, host='127.0.0.1'):
    s = socket.create_connection((host, port), 5)
    s.settimeout(10)
    return s


def recv_all(s):
    out = b''
    while True:
        b = s.recv(65536)
        if not b:
            return out
        out += b


# ---- inetd_launcher ---------------------------------------------------------
def test_launcher_ready_and_echo(launcher):
    p = launcher(['/bin/cat'])
    assert 20000 <= p.port or p.port > 1023
    s = connect_plain(p.port)
    s.sendall(b'hello\xff\x00world\n')
    s.shutdown(socket.SHUT_WR)
    assert recv_all(s) == b'hello\xff\x00world\n'
    s.close()
    m = p.wait_stderr(r'conn (\d+) 127\.0\.0\.1 \d+')
    p.wait_stderr(r'exit %s 0' % m.group(1))


def test_launcher_socket_is_0_1_2(launcher):
    p = launcher(['/bin/sh', '-c', 'read x; echo "out $x"; echo "err $x" >&2'])
    s = connect_plain(p.port)
    s.sendall(b'abc\n')
    assert recv_all(s) == b'out abc\nerr abc\n'


# grep's own signal state (python would show its own SIGPIPE ignore) and
# the shell's descriptors.
CHILD_STATE = ['/bin/sh', '-c',
               'grep -E "^Sig(Ign|Blk)" /proc/self/status; ls /proc/$$/fd']
CHILD_STATE_OK = (b'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n'
                  b'0\n1\n2\n')


def test_launcher_child_state(launcher):
    """Children start with default signals, nothing blocked, and no
    descriptor but the socket (the listening socket is close-on-exec)."""
    # Start the launcher itself with SIGHUP and SIGINT ignored, as nohup
    # would: the children must not inherit that.
    p = launcher(CHILD_STATE)
    s = connect_plain(p.port)
    assert recv_all(s) == CHILD_STATE_OK


def test_launcher_resets_ignored_signals(tmp_path):
    """A launcher started with SIGHUP ignored and SIGUSR1 blocked (as under
    nohup) still starts children with default signals."""
    path = conftest._need(conftest.tool_path('inetd_launcher'))
    argv = [path, '0', '--'] + CHILD_STATE
    pr = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: (signal.signal(signal.SIGHUP, signal.SIG_IGN),
                            signal.pthread_sigmask(signal.SIG_BLOCK,
                                                   {signal.SIGUSR1})))
    try:
        line = pr.stdout.readline()
        port = int(re.match(rb'READY (\d+)', line).group(1))
        s = connect_plain(port)
        assert recv_all(s) == CHILD_STATE_OK
    finally:
        pr.terminate()
        pr.wait(5)
    assert pr.returncode == 0


def test_launcher_many_concurrent(launcher):
    p = launcher(['/bin/cat'])
    socks = [connect_plain(p.port) for _ in range(50)]
    for i, s in enumerate(socks):
        s.sendall(b'conn %d\n' % i)
        s.shutdown(socket.SHUT_WR)
    for i, s in enumerate(socks):
        assert recv_all(s) == b'conn %d\n' % i
        s.close()


def test_launcher_ipv6(launcher):
    if not socket.has_ipv6:
        pytest.skip('no IPv6')
    p = launcher(['/bin/echo', 'six'], ipv6=True)
    s = connect_plain(p.port, '::1')
    assert recv_all(s) == b'six\n'
    p.wait_stderr(r'conn \d+ ::1 \d+')


def test_launcher_sigterm_leaves_sessions(launcher):
    p = launcher(['/bin/cat'], kill_children=False)
    s = connect_plain(p.port)
    s.sendall(b'x\n')
    assert s.recv(10) == b'x\n'
    kids = p.descendants()
    assert len(kids) == 1
    p.popen.send_signal(signal.SIGTERM)
    assert p.popen.wait(5) == 0
    # The session still works; the port is closed.
    s.sendall(b'y\n')
    assert s.recv(10) == b'y\n'
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(('127.0.0.1', p.port), 2)
    s.close()       # cat sees EOF and exits
    deadline = time.monotonic() + 5
    while conftest._stat(kids[0]) and time.monotonic() < deadline:
        time.sleep(0.02)
        conftest._reap(kids[0])
    assert conftest._stat(kids[0]) is None


def test_launcher_k_kills_children(launcher):
    p = launcher(['/bin/sleep', '60'], kill_children=True)
    socks = [connect_plain(p.port) for _ in range(3)]
    deadline = time.monotonic() + 5
    while len(p.descendants()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    kids = p.descendants()
    assert len(kids) == 3
    p.popen.send_signal(signal.SIGTERM)
    assert p.popen.wait(5) == 0
    for k in kids:
        assert conftest._stat(k) is None
    assert p.stderr_text().count('signal 15') == 3
    for s in socks:
        s.close()


def test_launcher_exec_failure_keeps_running(launcher):
    p = launcher(['/nonexistent/program'])
    s = connect_plain(p.port)
    assert recv_all(s) == b''
    p.wait_stderr(r'/nonexistent/program: No such file')
    assert p.alive()


def test_launcher_usage(tmp_path):
    path = conftest._need(conftest.tool_path('inetd_launcher'))
    for argv in ([path], [path, '0'], [path, '0', 'cat'],
                 [path, 'x', '--', 'cat'], [path, '-z', '0', '--', 'cat']):
        r = subprocess.run(argv, capture_output=True, timeout=5)
        assert r.returncode == 2, argv
        assert b'usage' in r.stderr


def test_proc_stop_kills_leftovers(launcher):
    """Proc.stop() ends what the launcher leaves behind, by PID."""
    p = launcher(['/bin/sleep', '60'], kill_children=False)
    s = connect_plain(p.port)
    deadline = time.monotonic() + 5
    while not p.descendants() and time.monotonic() < deadline:
        time.sleep(0.02)
    kids = p.descendants()
    p.stop()
    assert p.leftovers == kids
    for k in kids:
        assert conftest._stat(k) is None
    s.close()


# ---- tnclient.py against a scripted server ---------------------------------
def test_tnclient_negotiation_and_subneg():
    def server(srv):
        srv.send(neg(DO, tn.TTYPE) + neg(DO, tn.NAWS) + neg(WILL, tn.ECHO) +
                 neg(WILL, tn.SGA) + neg(DO, tn.NEW_ENVIRON) +
                 neg(DO, tn.TSPEED) + neg(DO, tn.LINEMODE) +
                 neg(WILL, tn.STATUS + 100))
        srv.recv_contains(neg(WONT, tn.LINEMODE))
        srv.recv_contains(neg(DONT, tn.STATUS + 100))
        for want in (neg(WILL, tn.TTYPE), neg(WILL, tn.NAWS),
                     neg(DO, tn.ECHO), neg(DO, tn.SGA),
                     neg(WILL, tn.NEW_ENVIRON), neg(WILL, tn.TSPEED),
                     sb(tn.NAWS, b'\x00\x84\x00\xff')):
            srv.recv_contains(want)
        got = []
        for _ in range(4):      # A, B, B (repeat = end of list), A again
            n = len(srv.got)
            srv.send(sb(tn.TTYPE, b'\x01'))
            srv.recv_until(lambda g: g[n:].endswith(bytes([IAC, SE])),
                           'TTYPE IS')
            got.append(bytes(srv.got[n:]))
        assert got == [sb(tn.TTYPE, b'\x00A'), sb(tn.TTYPE, b'\x00B'),
                       sb(tn.TTYPE, b'\x00B'), sb(tn.TTYPE, b'\x00A')]
        srv.send(sb(tn.TSPEED, b'\x01'))
        srv.recv_contains(sb(tn.TSPEED, b'\x0038400,9600'))
        srv.send(sb(tn.NEW_ENVIRON, b'\x01\x00USER\x03'))
        srv.recv_contains(sb(tn.NEW_ENVIRON,
                             b'\x00\x00USER\x01bob\x03LANG\x01C\x02\x01x'))
        # Data with a doubled IAC, a command, then close.
        srv.send(b'hi \xff\xff there' + bytes([IAC, tn.NOP]) + b'!')
        srv.recv_contains(b'ok')
    srv = MiniServer(server)
    c = tn.TelnetClient(srv.port)
    c.negotiate(term=['A', 'B'], naws=(132, 255), speed=(38400, 9600),
                env=[('USER', 'bob'), ('LANG', 'C\x01x')])
    c.expect(b'there')
    c.expect(b'!')
    assert bytes(c.data) == b'hi \xff there!'
    assert ('cmd', tn.NOP) in c.events
    assert ('DO', tn.TTYPE) in c.negotiations()
    assert c.us[tn.TTYPE] and c.him[tn.ECHO] and not c.us.get(tn.LINEMODE)
    c.send_data(b'ok')
    c.read_until_close()
    srv.join()


def test_tnclient_raw_never_answers():
    def server(srv):
        srv.send(neg(DO, tn.TTYPE) + neg(WILL, tn.ECHO) + b'login: ')
        srv.recv_contains(b'me\r\n')
        assert bytes(srv.got) == b'me\r\n'
    srv = MiniServer(server)
    c = tn.TelnetClient(srv.port)          # answers=None: raw
    c.expect(b'login: ')
    c.send_data(b'me\r\n')
    c.read_until_close()
    srv.join()


def test_tnclient_late_negotiate_answers_pending():
    def server(srv):
        srv.send(neg(DO, tn.TTYPE) + neg(WILL, tn.ECHO) + b'x')
        srv.recv_contains(neg(WILL, tn.TTYPE) + neg(DO, tn.ECHO))
    srv = MiniServer(server)
    c = tn.TelnetClient(srv.port)
    c.expect(b'x')
    c.negotiate()
    c.read_until_close()
    srv.join()


def test_tnclient_xdisploc_only_with_display():
    """Default answers refuse XDISPLOC unless a display was given, so no
    server waits for an XDISPLOC IS that never comes."""
    def server(srv):
        srv.send(neg(DO, tn.XDISPLOC))
        srv.recv_contains(neg(WONT, tn.XDISPLOC))
    srv = MiniServer(server)
    c = tn.TelnetClient(srv.port)
    c.negotiate()
    c.read_until_close()
    srv.join()

    def server2(srv):
        srv.send(neg(DO, tn.XDISPLOC))
        srv.recv_contains(neg(WILL, tn.XDISPLOC))
        srv.send(sb(tn.XDISPLOC, b'\x01'))
        srv.recv_contains(sb(tn.XDISPLOC, b'\x00h:0'))
    srv = MiniServer(server2)
    c = tn.TelnetClient(srv.port)
    c.negotiate(display='h:0')
    c.read_until_close()
    srv.join()


def test_tnclient_tm_and_refusals():
    def server(srv):
        srv.send(neg(DO, tn.TM))
        srv.recv_contains(neg(WILL, tn.TM))
        srv.send(neg(DO, tn.TM))
        srv.recv_until(lambda g: g.count(neg(WILL, tn.TM)) == 2, 'WILL TM x2')
        srv.send(neg(DO, tn.TTYPE))
        srv.recv_contains(neg(WONT, tn.TTYPE))
    srv = MiniServer(server)
    c = tn.TelnetClient(srv.port, answers={tn.TTYPE: False})
    c.read_until_close()
    srv.join()


def test_tnclient_urgent_dm():
    """A DM sent as TCP urgent data is seen with MSG_OOB / SIOCATMARK and the
    parser still sees IAC DM in order."""
    def server(srv):
        srv.send(b'before')
        srv.recv_contains(b'go')
        srv.conn.send(b'junk' + bytes([IAC]))
        srv.conn.send(bytes([DM]), socket.MSG_OOB)
        srv.conn.send(b'after')
        srv.recv_contains(b'done')
    srv = MiniServer(server)
    c = tn.TelnetClient(srv.port)
    c.expect(b'before')
    c.send_data(b'go')
    assert c.wait_urgent() == bytes([DM])
    c.expect(b'after')
    assert bytes(c.data) == b'beforejunkafter'
    i = c.events.index(('urgent', bytes([DM])))
    assert c.events[i + 1] == ('cmd', DM)
    assert c.raw.endswith(b'junk\xff\xf2after')
    off, byte = c.urgent[0]
    assert c.raw[off - 1] == IAC and byte == b'\xf2'
    c.send_data(b'done')
    c.read_until_close()
    srv.join()


def test_tnclient_sends_synch_and_env_escapes():
    def server(srv):
        # The DM arrives as urgent data: wait for it, read to the mark,
        # then read it out of band.
        import fcntl
        import select
        import struct
        assert select.select([], [], [srv.conn], 5)[2], 'no urgent data'
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            mark = struct.unpack('i', fcntl.ioctl(
                srv.conn.fileno(), tn.SIOCATMARK, b'\0\0\0\0'))[0]
            if mark:
                break
            srv.got += srv.conn.recv(1)
        assert bytes(srv.got) == bytes([IAC, tn.IP, IAC])
        assert srv.conn.recv(1, socket.MSG_OOB) == bytes([DM])
        srv.recv_contains(bytes([IAC, SE]))
        assert bytes(srv.got[3:]) == (
            bytes([IAC, SB, tn.NEW_ENVIRON, tn.IS, tn.VAR]) + b'US\x02\x00ER' +
            bytes([tn.VALUE]) + b'a\xff\xffb' + bytes([tn.USERVAR]) + b'X' +
            bytes([IAC, SE]))
    srv = MiniServer(server)
    c = tn.TelnetClient(srv.port)
    c.send_synch(bytes([IAC, tn.IP]))
    time.sleep(0.05)
    c.send_env(tn.IS, [(tn.VAR, 'US\x00ER', 'a\xffb'), (tn.USERVAR, 'X', None)])
    c.read_until_close()
    srv.join()


def test_tnclient_expect_timeout_and_eof():
    def server(srv):
        srv.send(b'abc')
        srv.recv_contains(b'q')
    srv = MiniServer(server)
    c = tn.TelnetClient(srv.port)
    with pytest.raises(tn.ExpectTimeout) as ei:
        c.expect(b'zzz', timeout=0.3)
    assert 'abc' in str(ei.value)
    c.send_data(b'q')
    with pytest.raises(tn.ExpectTimeout) as ei:
        c.expect(b'zzz', timeout=5)
    assert 'EOF' in str(ei.value)
    srv.join()


def test_tnclient_big_transfer_both_ways():
    """send_raw keeps reading while the socket is full: no deadlock when
    both sides send a lot at once."""
    blob = os.urandom(1 << 20)
    wire = blob.replace(b'\xff', b'\xff\xff')

    def server(srv):
        def reader():
            srv.recv_until(lambda g: len(g) >= len(wire), 'blob')
        t = threading.Thread(target=reader)
        t.start()
        srv.conn.sendall(wire)
        t.join(20)
        assert bytes(srv.got) == wire
    srv = MiniServer(server, timeout=20)
    c = tn.TelnetClient(srv.port, timeout=20)
    c.send_data(blob)
    c.read_until_close()
    assert bytes(c.data) == blob
    srv.join()


# ---- tclient against a scripted server --------------------------------------
def tclient(srv_port, *args, timeout=20, host=None):
    """Start obj/bin/tclient against the scripted server; returns Popen."""
    path = conftest._need(conftest.tool_path('tclient'))
    argv = [path, '-p', str(srv_port)] + (['-a', host] if host else []) + \
        [str(a) for a in args]
    return subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def finish(p, srv, timeout=20):
    try:
        out, err = p.communicate(timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    srv.join()
    return p.returncode, out, err


def test_tclient_full_negotiation(tmp_path):
    outf = tmp_path / 'out'

    def server(srv):
        srv.send(neg(DO, tn.TTYPE) + neg(DO, tn.NAWS) + neg(WILL, tn.ECHO) +
                 neg(WILL, tn.SGA) + neg(DO, tn.NEW_ENVIRON) +
                 neg(DO, tn.TSPEED) + neg(DO, tn.XDISPLOC) +
                 neg(DO, tn.LINEMODE) + neg(WILL, 200))
        for want in (neg(WILL, tn.TTYPE), neg(WILL, tn.NAWS),
                     neg(DO, tn.ECHO), neg(DO, tn.SGA),
                     neg(WILL, tn.NEW_ENVIRON), neg(WILL, tn.TSPEED),
                     neg(WILL, tn.XDISPLOC), neg(WONT, tn.LINEMODE),
                     neg(DONT, 200), sb(tn.NAWS, b'\x00\x64\x00\x28')):
            srv.recv_contains(want)
        got = []
        for _ in range(4):
            n = len(srv.got)
            srv.send(sb(tn.TTYPE, b'\x01'))
            srv.recv_until(lambda g: g[n:].endswith(bytes([IAC, SE])),
                           'TTYPE IS')
            got.append(bytes(srv.got[n:]))
        assert got == [sb(tn.TTYPE, b'\x00A'), sb(tn.TTYPE, b'\x00B'),
                       sb(tn.TTYPE, b'\x00B'), sb(tn.TTYPE, b'\x00A')]
        srv.send(sb(tn.TSPEED, b'\x01'))
        srv.recv_contains(sb(tn.TSPEED, b'\x009600,4800'))
        srv.send(sb(tn.XDISPLOC, b'\x01'))
        srv.recv_contains(sb(tn.XDISPLOC, b'\x00host:0'))
        srv.send(sb(tn.NEW_ENVIRON, b'\x01'))
        srv.recv_contains(sb(tn.NEW_ENVIRON,
                             b'\x00\x00USER\x01bob\x03FOO\x01b=r'
                             b'\x03USER\x01x'))
        srv.send(sb(tn.NEW_ENVIRON, b'\x01\x00USER\x03NOPE'))
        srv.recv_contains(sb(tn.NEW_ENVIRON, b'\x00\x00USER\x01bob\x03NOPE'))
        start = len(srv.got)
        srv.send(b'\r\nlogin: ')
        srv.recv_until(lambda g: g[start:].endswith(b'bob\r\n'), 'user name')
        assert bytes(srv.got[start:]) == b'bob\r\n'
        srv.send(b'a\xff\xffb\r\0c\r\nbye')
    srv = MiniServer(server)
    p = tclient(srv.port, '--term', 'A,B', '--naws', '100x40',
                '--speed', '9600,4800', '--display', 'host:0',
                '--env', 'USER=bob', '--env', 'FOO=b=r', '--uservar', 'USER=x',
                '--expect', 'login: ', '--send', 'bob\\r\\n', '--wait-close',
                '--out', outf, '--trace')
    rc, out, err = finish(p, srv)
    assert rc == 0, err
    assert outf.read_bytes() == b'\r\nlogin: a\xffb\rc\r\nbye'
    assert b'recv DO TTYPE' in err and b'send SB TTYPE IS A' in err


def test_tclient_refuse_all():
    def server(srv):
        srv.send(neg(DO, tn.TTYPE) + neg(WILL, tn.ECHO) + neg(DO, tn.NAWS) +
                 neg(WILL, tn.SGA))
        srv.recv_until(lambda g: len(g) >= 12, '4 refusals')
        assert sorted([bytes(srv.got[i:i + 3]) for i in range(0, 12, 3)]) == \
            sorted([neg(WONT, tn.TTYPE), neg(DONT, tn.ECHO),
                    neg(WONT, tn.NAWS), neg(DONT, tn.SGA)])
    srv = MiniServer(server)
    p = tclient(srv.port, '--refuse-all', '--naws', '80x24', '--wait-close')
    rc, _, err = finish(p, srv)
    assert rc == 0, err


def test_tclient_raw_never_answers():
    def server(srv):
        srv.send(neg(DO, tn.TTYPE) + neg(WILL, tn.ECHO) + neg(DO, tn.TM) +
                 b'login: ')
        srv.recv_contains(b'\r\n')
        assert bytes(srv.got) == b'me\xff\xff\r\n'
    srv = MiniServer(server)
    p = tclient(srv.port, '--raw', '--expect', 'login: ',
                '--send', 'me\\xff\\r\\n', '--wait-close')
    rc, _, err = finish(p, srv)
    assert rc == 0, err


@pytest.mark.parametrize('tm', [False, True])
def test_tclient_timing_mark(tm):
    def server(srv):
        srv.send(neg(DO, tn.TM))
        srv.recv_until(lambda g: len(g) >= 3, 'TM reply')
        assert bytes(srv.got) == neg(WILL if tm else WONT, tn.TM)
    srv = MiniServer(server)
    p = tclient(srv.port, *(['--tm'] if tm else []), '--wait-close')
    rc, _, err = finish(p, srv)
    assert rc == 0, err


def test_tclient_timeout_exit_3():
    def server(srv):
        srv.send(b'nothing to see')
        time.sleep(2)
    srv = MiniServer(server)
    t = time.monotonic()
    p = tclient(srv.port, '--expect', 'never', '--timeout', '0.5')
    rc, _, err = finish(p, srv)
    assert rc == 3 and b'timeout' in err
    assert time.monotonic() - t < 2.5


def test_tclient_close_before_expect_exit_1():
    def server(srv):
        srv.send(b'bye')
    srv = MiniServer(server)
    p = tclient(srv.port, '--expect', 'never')
    rc, _, err = finish(p, srv)
    assert rc == 1 and b'closed' in err


def test_tclient_quit_after_expect():
    done = threading.Event()

    def server(srv):
        srv.send(b'ready> ')
        srv.recv_eof()      # the client goes away by itself
        done.set()
    srv = MiniServer(server)
    p = tclient(srv.port, '--expect', 'ready>', '--quit-after-expect',
                '--wait-close', '--report')
    rc, out, err = finish(p, srv)
    assert rc == 0, err
    assert done.is_set()
    assert re.match(rb'REPORT rc=0 connect_ms=[\d.]+ first_data_ms=[\d.]+ '
                    rb'expect_ms=[\d.]+ total_ms=[\d.]+ rx_bytes=7 tx_bytes=0',
                    out), out


def test_tclient_binary_and_nvt_cr(tmp_path):
    """NVT: a bare CR goes out as CR NUL; BINARY (both ways agreed): bytes
    as they are, IAC doubled."""
    def server(srv):
        srv.recv_contains(neg(WILL, tn.BINARY) + neg(DO, tn.BINARY))
        srv.send(neg(DO, tn.BINARY) + neg(WILL, tn.BINARY))
        start = len(srv.got)
        srv.send(b'go')
        srv.recv_until(lambda g: g[start:].endswith(b'END'), 'data')
        assert bytes(srv.got[start:]) == b'a\rb\xff\xff\r\nEND'
        srv.send(b'x\r\xff\xff\0y')
    srv = MiniServer(server)
    outf = tmp_path / 'out'
    p = tclient(srv.port, '--binary', '--expect', 'go',
                '--send', 'a\\rb\\xff\\r\\nEND', '--expect', 'y',
                '--out', outf)
    rc, _, err = finish(p, srv)
    assert rc == 0, err
    assert outf.read_bytes() == b'gox\r\xff\0y'

    def server2(srv):
        srv.send(b'go')
        srv.recv_contains(b'END')
        assert bytes(srv.got) == b'a\r\0b\r\nEND'
    srv = MiniServer(server2)
    p = tclient(srv.port, '--expect', 'go', '--send', 'a\\rb\\r\\nEND')
    rc, _, err = finish(p, srv)
    assert rc == 0, err


def test_tclient_commands_and_synch():
    def server(srv):
        srv.recv_contains(bytes([IAC, tn.AYT, IAC, tn.IP]))
        assert select_urgent(srv.conn)
        import fcntl
        import struct
        while not struct.unpack('i', fcntl.ioctl(
                srv.conn.fileno(), tn.SIOCATMARK, b'\0\0\0\0'))[0]:
            srv.got += srv.conn.recv(1)
        assert srv.conn.recv(1, socket.MSG_OOB) == bytes([DM])
        assert bytes(srv.got) == bytes([IAC, tn.AYT, IAC, tn.IP, IAC])
        srv.recv_contains(neg(DO, tn.TM))
    srv = MiniServer(server)
    p = tclient(srv.port, '--settle', '0', '--cmd', 'AYT', '--cmd', 'IP',
                '--cmd', 'SYNCH', '--cmd', 'DOTM', '--wait-close')
    rc, _, err = finish(p, srv)
    assert rc == 0, err


def select_urgent(sock, timeout=5):
    import select
    return bool(select.select([], [], [sock], timeout)[2])


def test_tclient_send_file_big_binary(tmp_path):
    blob = os.urandom(3 << 20)
    f = tmp_path / 'blob'
    f.write_bytes(blob)
    wire = blob.replace(b'\xff', b'\xff\xff')
    echo = os.urandom(1 << 20)

    def server(srv):
        srv.recv_contains(neg(WILL, tn.BINARY) + neg(DO, tn.BINARY))
        srv.send(neg(DO, tn.BINARY) + neg(WILL, tn.BINARY))
        srv.got.clear()
        # Send a lot at the same time: the client must keep reading.
        t = threading.Thread(target=srv.conn.sendall,
                             args=(echo.replace(b'\xff', b'\xff\xff'),))
        t.start()
        srv.recv_until(lambda g: len(g) >= len(wire), 'the file')
        t.join(10)
        assert bytes(srv.got) == wire
    srv = MiniServer(server, timeout=30)
    outf = tmp_path / 'out'
    p = tclient(srv.port, '--binary', '--settle', '50', '--send-file', f,
                '--wait-close', '--out', outf, '--timeout', '30')
    rc, _, err = finish(p, srv, timeout=40)
    assert rc == 0, err
    assert outf.read_bytes() == echo


def test_tclient_ipv6():
    if not socket.has_ipv6:
        pytest.skip('no IPv6')

    def server(srv):
        srv.send(b'six')
    srv = MiniServer(server, family=socket.AF_INET6)
    p = tclient(srv.port, '--expect', 'six', host='::1')
    rc, _, err = finish(p, srv)
    assert rc == 0, err


def test_tclient_usage():
    path = conftest._need(conftest.tool_path('tclient'))
    for argv in ([path], [path, '-p', '1', '--naws', 'x'],
                 [path, '-p', '1', '--cmd', 'FOO'], [path, '-p', '1', 'extra']):
        r = subprocess.run(argv, capture_output=True, timeout=5)
        assert r.returncode == 2, argv


# ---- both clients against a real third-party server -------------------------
INETUTILS_TELNETD = '/usr/sbin/telnetd'


def inetutils_telnetd():
    try:
        r = subprocess.run([INETUTILS_TELNETD, '--version'],
                           capture_output=True, timeout=5)
    except OSError:
        r = None
    if r is None or b'inetutils' not in r.stdout:
        pytest.skip('GNU inetutils telnetd is not installed')
    return INETUTILS_TELNETD


def test_clients_against_inetutils_telnetd(launcher, tmp_path):
    """tclient and tnclient each get a working session from GNU inetutils
    telnetd (inetd mode, under the launcher) with TERM and the window size
    they announced.  The shell exits only once its answer is in: inetutils
    may drop what a program wrote just before it exited (the bench's
    "output written just before exit" row), which made "echo ...; exit"
    on one line fail now and then."""
    p = launcher([inetutils_telnetd(), '-h', '-E', '/bin/sh'])
    c = tn.TelnetClient(p.port)
    c.negotiate(term='VT100', naws=(91, 37))
    c.expect(b'# ')
    c.send_data(b'echo "T=$TERM S=$(stty size)"\r\n')
    c.expect(b'T=vt100 S=37 91')
    c.send_data(b'exit\r\n')
    c.read_until_close()

    outf = tmp_path / 'out'
    path = conftest._need(conftest.tool_path('tclient'))
    r = subprocess.run([path, '-p', str(p.port), '--term', 'VT220',
                        '--naws', '100x42', '--expect', '# ',
                        '--send', 'echo "T=$TERM S=$(stty size)"\\r\\n',
                        '--expect', 'S=42 100', '--send', 'exit\\r\\n',
                        '--wait-close', '--out', outf], capture_output=True,
                       timeout=20)
    assert r.returncode == 0, r.stderr
    assert b'T=vt220 S=42 100' in outf.read_bytes()


# ---- test users ---------------------------------------------------------------
def passwd_status(name):
    r = subprocess.run(['passwd', '-S', name], capture_output=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()[1].decode()


def test_users_created_and_idempotent(test_user, locked_user):
    import pwd
    import users
    name, pw = test_user
    assert (name, pw) == users.ensure_test_user()   # a second call is fine
    ent = pwd.getpwnam(name)
    assert ent.pw_gecos == users.MARKER and os.path.isdir(ent.pw_dir)
    assert passwd_status(name) == 'P'
    lname, _ = locked_user
    assert passwd_status(lname) == 'L'


def test_users_never_touch_a_host_user():
    import users
    if os.geteuid() != 0:
        pytest.skip('needs root')
    with pytest.raises(users.UserError):
        users.ensure_test_user(name='root')
    assert passwd_status('root') in ('P', 'L', 'NP')
