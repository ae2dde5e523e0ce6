"""test_daemon_procs.py - processes and modes: the relay's uid, SIGHUP to
the program when the client goes away (and nothing left running, utmp
cleared), --listen on IPv4 and IPv6 loopback, SIGTERM leaving sessions
alone, systemd socket activation, 50 concurrent sessions.
"""
import os
import pathlib
import re
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest

from tnclient import TelnetClient, connect
from conftest import telnetd_path, _need, free_port, kill_tree, descendants

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
TPROG = str(PROGS / 'tprog.py')


def proc_status(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            return dict(l.rstrip('\n').split(':\t', 1) for l in f
                        if ':\t' in l)
    except OSError:
        return None


def proc_comm(pid):
    try:
        with open('/proc/%d/comm' % pid) as f:
            return f.read().strip()
    except OSError:
        return ''


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError('timeout: ' + what)
        time.sleep(0.02)


def utmp_lines(pids=None):
    """Lines (pts/N) with a live LOGIN/USER entry in utmp; with ``pids``,
    only entries of those processes (the test's own session: on a machine
    where other sessions come and go, a pts/N freed by ours may be in use
    by somebody else's a moment later)."""
    out = set()
    try:
        data = open('/var/run/utmp', 'rb').read()
    except OSError:
        return out
    size = 384
    for i in range(0, len(data) - size + 1, size):
        rec = data[i:i + size]
        typ = struct.unpack('<h', rec[:2])[0]
        pid = struct.unpack('<i', rec[4:8])[0]
        line = rec[8:40].split(b'\0')[0].decode()
        if typ in (6, 7) and (pids is None or pid in pids):
            out.add(line)
    return out


def test_process_tree_and_relay_uid(inetd_daemon):
    d = inetd_daemon(['-E', TPROG + ' sleep'])
    c = TelnetClient(d.port)
    c.negotiate()
    c.expect(b'READY')
    tds = [p for p in d.descendants() if proc_comm(p) == 'telnetd']
    assert len(tds) == 2, tds
    st = {p: proc_status(p) for p in tds}
    uids = sorted(int(s['Uid'].split()[0]) for s in st.values())
    assert uids[0] == 0 and uids[1] != 0, uids
    relay = [p for p in tds if int(st[p]['Uid'].split()[0]) != 0][0]
    rs = st[relay]
    assert all(int(u) != 0 for u in rs['Uid'].split())
    assert all(int(g) != 0 for g in rs['Gid'].split())
    assert rs['NoNewPrivs'].strip() == '1'
    assert rs['Groups'].strip() in ('', rs['Gid'].split()[0])
    # No capability left, none to come back (ambient, inheritable).
    for cap in ('CapInh', 'CapPrm', 'CapEff', 'CapAmb'):
        assert int(rs[cap], 16) == 0, (cap, rs[cap])
    # Not dumpable (the kernel's reset at the change of ids): its /proc
    # files stay root's, so no process of its uid (another relay, the
    # signer) may read its memory or trace it, and no core is written.
    assert os.stat('/proc/%d/mem' % relay).st_uid == 0
    # Confined: an empty root; a seccomp filter unless a sanitizer build
    # (whose runtime needs calls the relay never makes).
    assert os.readlink('/proc/%d/root' % relay) == '/run/telnetd'
    asan = 'asan' in os.environ.get('TELNETD_BUILD', '')
    assert rs['Seccomp'].strip() == ('0' if asan else '2')
    # The monitor stays root and unconfined; the program is its child.
    mon = [p for p in tds if p != relay][0]
    assert int(st[mon]['Uid'].split()[0]) == 0
    kids = [p for p in d.descendants() if proc_status(p) and
            int(proc_status(p)['PPid']) == mon]
    assert relay in kids and len(kids) == 2, kids
    c.close()


@pytest.fixture
def utmp_file():
    """utmp exists on a booted Debian system (systemd-tmpfiles makes it);
    a bare container may lack it, and then no one can record a login."""
    path = '/var/run/utmp'
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o664)
        os.close(fd)
        try:
            import grp
            os.chown(path, 0, grp.getgrnam('utmp').gr_gid)
        except (KeyError, OSError):
            pass
    return path


def test_sighup_on_disconnect(inetd_daemon, tmp_path, utmp_file):
    mark = tmp_path / 'hup'
    os.chmod(tmp_path, 0o777)
    d = inetd_daemon(['-E', TPROG + ' hup ' + str(mark)])
    c = TelnetClient(d.port)
    c.negotiate()
    c.expect(b'READY')
    tty = None
    for p in d.descendants():
        try:
            fd0 = os.readlink('/proc/%d/fd/0' % p)
        except OSError:
            continue
        if fd0.startswith('/dev/pts/'):
            tty = fd0[5:]
    pids = set(d.descendants())
    assert tty and tty in utmp_lines(pids)
    c.close()
    wait_until(lambda: mark.exists() and 'HUP' in mark.read_text(), 5,
               'SIGHUP reached the program')
    # Everything of the session ends; the utmp entry is cleared.
    wait_until(lambda: not d.descendants(), 5, 'session processes gone')
    assert tty not in utmp_lines(pids)


@pytest.mark.parametrize('addr', ['127.0.0.1', '::1'])
def test_listen_mode(listen_daemon, addr):
    if addr == '::1' and not socket.has_ipv6:
        pytest.skip('no IPv6')
    d = listen_daemon(['-E', TPROG + ' echo'], addr=addr)
    c = connect(d.port, host=addr)
    c.negotiate()
    c.expect(b'READY')
    c.send_data(b'hello\r\n')
    c.expect(b'ECHO:hello')
    c.read_until_close()
    c.close()
    d.wait_stderr(r'connection from %s port \d+: session \d+'
                  % re.escape(addr))
    d.wait_stderr(r'session \d+ from %s ended: exit 0' % re.escape(addr))


def test_sigterm_leaves_sessions_alone(listen_daemon):
    d = listen_daemon(['-E', TPROG + ' echo'])
    c = connect(d.port)
    c.negotiate()
    c.expect(b'READY')
    kids = descendants(d.pid)
    d.popen.send_signal(signal.SIGTERM)
    d.popen.wait(5)
    assert d.popen.returncode == 0
    # No longer listening, but the session still works.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(('127.0.0.1', d.port), 2).close()
    c.send_data(b'still here\r\n')
    c.expect(b'ECHO:still here')
    c.read_until_close()
    c.close()
    kill_tree(kids)
    assert 'stopped listening' in d.stderr_text()


def test_each_session_a_session_of_its_own(listen_daemon):
    """A connection's monitor leads a session of its own, the relay in it,
    the program in another: no process group of the listener's holds a
    login's processes, so a signal to it (Ctrl-C on a foreground
    --listen) reaches none, and the scheduler's autogroups see one unit
    per login (session.c)."""
    d = listen_daemon(['-E', TPROG + ' echo'])
    cs = [connect(d.port) for _ in range(2)]
    for c in cs:
        c.negotiate()
        c.expect(b'READY')
    mons = [p for p in descendants(d.pid) if proc_status(p) and
            int(proc_status(p)['PPid']) == d.pid and
            proc_comm(p) == 'telnetd']
    assert len(mons) == 2, mons
    for mon in mons:
        assert os.getsid(mon) == mon
        kids = [p for p in descendants(mon) if proc_status(p) and
                int(proc_status(p)['PPid']) == mon]
        relay = [p for p in kids if proc_comm(p) == 'telnetd']
        prog = [p for p in kids if p not in relay]
        assert len(relay) == 1 and len(prog) == 1, kids
        assert os.getsid(relay[0]) == mon
        assert os.getsid(prog[0]) == prog[0]
    assert os.getsid(d.pid) not in mons
    for c in cs:
        c.send_data(b'still here\r\n')
        c.expect(b'ECHO:still here')
        c.close()


def test_socket_activation(tmp_path):
    exe = _need(telnetd_path())
    port = free_port()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('127.0.0.1', port))
    ls.listen(8)

    n = ls.fileno()
    err = open(tmp_path / 'err', 'wb')
    # The socket as descriptor 3, LISTEN_PID the daemon's own pid.
    wrap = ('import os, sys\n'
            'os.dup2(int(sys.argv[1]), 3)\n'
            'os.environ["LISTEN_PID"] = str(os.getpid())\n'
            'os.environ["LISTEN_FDS"] = "1"\n'
            'os.execv(sys.argv[2], sys.argv[2:])\n')
    p = subprocess.Popen([sys.executable, '-c', wrap, str(n), exe,
                          '-E', TPROG + ' echo'],
                         pass_fds=(n,), stdin=subprocess.DEVNULL, stderr=err)
    ls.close()
    try:
        c = connect(port)
        c.negotiate()
        c.expect(b'READY')
        c.send_data(b'sd\r\n')
        c.expect(b'ECHO:sd')
        c.read_until_close()
        c.close()
    finally:
        kids = descendants(p.pid)
        p.send_signal(signal.SIGTERM)
        p.wait(5)
        kill_tree(kids)
        err.close()
    assert p.returncode == 0
    assert 'sockets from systemd' in (tmp_path / 'err').read_text()


def test_fifty_concurrent_sessions(listen_daemon):
    d = listen_daemon(['-E', TPROG + ' echo'])
    clients = []
    try:
        for i in range(50):
            c = TelnetClient(d.port, timeout=30)
            c.negotiate()
            clients.append(c)
        for c in clients:
            c.expect(b'READY')
        for i, c in enumerate(clients):
            c.send_data(b'n%d\r\n' % i)
        for i, c in enumerate(clients):
            c.expect(b'ECHO:n%d\r' % i)
            c.read_until_close()
    finally:
        for c in clients:
            c.close()
