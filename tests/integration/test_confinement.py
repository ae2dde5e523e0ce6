"""test_confinement.py - the relay's confinement against the running daemon,
played as an attacker who has taken over the relay's code would.

There is no way for a client to make the relay call something outside its
filter (that is the point), and the daemon has no test hook for it either.
The tests attach gdb (as root, by PID) to one session's relay and make it
execute system calls: getuid() through a libc call, and everything else as
raw system calls (gdb_syscall.py: no wrapper of ours in the way), the way
shellcode would.  For each capability the issue found on main - open a
socket, connect to a loopback TCP service or to an abstract Unix socket,
open a netlink socket, bind/listen/accept, set socket options, arm
F_SETOWN/F_SETSIG/O_ASYNC so that the client's next byte signals another
process, kill another process, map or make memory executable - the relay
dies of SIGSYS at the first such call, the thing it tried did not happen
(the listener saw no connection, the other process of its uid lives), and:

  - its monitor notices, logs "relay killed by signal 31", hangs up the
    program (SIGHUP reaches it) and clears its utmp entry; the client's
    connection closes;
  - the other session on the same daemon goes on working, and a new client
    gets a new session.

No denied call returns an errno instead (sandbox.c says why), so every case
expects the kill.  What the relay may still do is shown too: signal itself
(the filter holds its own pid), and write to its descriptors 1 and 2, which
are /dev/null (never the listener's terminal or log).  The descriptors of
every process of a session are listed from /proc: the relay has 0-2 on
/dev/null, the client socket, the monitor socket and the pty master, and
nothing a launcher leaked reaches any of them.  The relay's log lines reach
the listener's standard error through the monitor, marked as the relay's,
and a relay that floods the monitor with them is cut off at the limit
(test_monitor_protocol.py: a line or message out of protocol).

The gdb tests are skipped without gdb and in sanitizer builds (no filter
there: the sanitizer runtime makes calls the relay never does;
test_daemon_procs.py checks which build has which); the descriptor and log
tests run in every build.
"""
import contextlib
import errno
import json
import os
import pathlib
import pwd
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import time
import types

import pytest

from conftest import (free_port, telnetd_path, _need, READY_RE, descendants,
                      kill_tree)
from tnclient import TelnetClient
from test_daemon_procs import (proc_status, proc_comm, utmp_lines,
                               utmp_file, wait_until)  # noqa: F401

HERE = pathlib.Path(__file__).resolve().parent
PROGS = HERE / 'progs'
TPROG = str(PROGS / 'tprog.py')
GDB_SYSCALL = HERE / 'gdb_syscall.py'

# x86-64 system call numbers (gdb_syscall.py is x86-64 only).
SYS = {'write': 1, 'mmap': 9, 'mprotect': 10, 'socket': 41, 'connect': 42,
       'accept': 43, 'sendto': 44, 'bind': 49, 'listen': 50,
       'setsockopt': 54, 'getsockopt': 55, 'kill': 62, 'fcntl': 72,
       'getpid': 39, 'tkill': 200, 'tgkill': 234, 'accept4': 288,
       'ioctl': 16, 'close': 3, 'madvise': 28}
F_SETFL, F_GETFL, F_SETOWN, F_SETSIG, F_SETOWN_EX = 4, 3, 8, 10, 15
O_RDWR, O_NONBLOCK, O_ASYNC = 0o2, 0o4000, 0o20000
O_RDONLY, O_NOCTTY, O_CLOEXEC = 0, 0o400, 0o2000000
TIOCGPTPEER, TIOCSTI, TIOCSIG = 0x5441, 0x5412, 0x40045436
PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_PRIVATE_ANON = 0x22
MADV_DONTNEED, MADV_DONTFORK = 4, 10
PS_LOG = 5
LOG_INFO = 6
RELAYLOG_BURST = 100    # privsep.h


def session_procs(d, known):
    """(relay, program tty) of the one session not in ``known``."""
    relay = tty = None
    for p in d.descendants():
        if p in known:
            continue
        st = proc_status(p)
        if st is None:
            continue
        if proc_comm(p) == 'telnetd' and int(st['Uid'].split()[0]) != 0:
            relay = p
        try:
            fd0 = os.readlink('/proc/%d/fd/0' % p)
        except OSError:
            continue
        if fd0.startswith('/dev/pts/'):
            tty = fd0[5:]
    return relay, tty


# ---- the attacker's tools ---------------------------------------------------
def need_gdb():
    if shutil.which('gdb') is None:
        pytest.skip('gdb is not installed')


def sanitizer_build():
    return 'asan' in os.environ.get('TELNETD_BUILD', '')


def need_filter():
    need_gdb()
    if sanitizer_build():
        pytest.skip('sanitizer build: the relay has no seccomp filter')


def relay_syscalls(pid, calls):
    """Make process pid execute the raw system calls ``calls`` (see
    gdb_syscall.py).  Returns (died, results, gdb's output)."""
    r = subprocess.run([shutil.which('gdb'), '-p', str(pid), '-batch', '-nx',
                        '-x', str(GDB_SYSCALL)],
                       env=dict(os.environ, TD_SYSCALLS=json.dumps(calls)),
                       capture_output=True, timeout=120)
    out = r.stdout.decode('utf-8', 'replace') + \
        r.stderr.decode('utf-8', 'replace')
    results = [int(v) for v in re.findall(r'^RESULT \d+ (-?\d+)$', out,
                                          re.M)]
    died = re.search(r'^DIED$', out, re.M) is not None
    assert died or re.search(r'^RESTORED$', out, re.M), out
    return died, results, out


def fd_links(pid):
    out = {}
    for f in os.listdir('/proc/%d/fd' % pid):
        try:
            out[int(f)] = os.readlink('/proc/%d/fd/%s' % (pid, f))
        except OSError:
            pass
    return out


def _inodes(*tables):
    """Socket inodes listed in /proc/net/<table> (the header names more
    columns than the rows have: the inode is field 9 of tcp, 6 of unix)."""
    out = set()
    for t in tables:
        col = 6 if t == 'unix' else 9
        try:
            with open('/proc/net/' + t) as f:
                f.readline()
                for line in f:
                    fields = line.split()
                    if len(fields) > col:
                        out.add(fields[col])
        except OSError:
            pass
    return out


def sock_fds(pid):
    """(client TCP socket fd, monitor Unix socket fd) of a relay."""
    tcp, unix = _inodes('tcp', 'tcp6'), _inodes('unix')
    net = mon = None
    for fd, link in fd_links(pid).items():
        m = re.match(r'socket:\[(\d+)\]$', link)
        if not m:
            continue
        if m.group(1) in tcp:
            net = fd
        elif m.group(1) in unix:
            mon = fd
    return net, mon


def sockaddr_in(port):
    return struct.pack('<H', socket.AF_INET) + struct.pack('>H', port) + \
        bytes([127, 0, 0, 1]) + bytes(8)


def sockaddr_abstract(name):
    return struct.pack('<H', socket.AF_UNIX) + b'\0' + name


def uid_of(pid):
    st = proc_status(pid)
    return int(st['Uid'].split()[0]), int(st['Gid'].split()[0])


def start_victim(uid, gid):
    """A process of the relay's uid (another daemon running as the same
    user, or another session's relay)."""
    return subprocess.Popen(['sleep', '60'], user=uid, group=gid,
                            extra_groups=[], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop_victim(v):
    if v.poll() is None:
        v.kill()
    v.wait(5)


def _two_sessions(listen_daemon, tmp_path, seccomp):
    """A --listen daemon with two sessions: A, the one the attacker holds,
    and C, a bystander.  .ended_alone() checks the outcome of a kill."""
    os.chmod(tmp_path, 0o777)
    mark = tmp_path / 'hup'
    d = listen_daemon(['-E', TPROG + ' hup ' + str(mark)])
    a = TelnetClient(d.port, timeout=10)
    a.negotiate()
    a.expect(b'READY')
    relay_a, tty_a = session_procs(d, set())
    assert relay_a and tty_a, d.descendants()
    if seccomp:
        assert proc_status(relay_a)['Seccomp'].strip() == '2'
    known = set(d.descendants())
    c = TelnetClient(d.port, timeout=10)
    c.negotiate()
    c.expect(b'READY')
    relay_c, tty_c = session_procs(d, known)
    pids_c = set(d.descendants()) - known
    assert relay_c and relay_c != relay_a
    net, mon = sock_fds(relay_a)
    assert net is not None and mon is not None, fd_links(relay_a)
    ctx = types.SimpleNamespace(d=d, a=a, c=c, relay=relay_a, tty=tty_a,
                                pids=known,
                                relay_c=relay_c, tty_c=tty_c, mark=mark,
                                net=net, mon=mon)

    def ended_alone():
        """Only session A ended, the way a killed relay ends it."""
        d.wait_stderr(r'relay killed by signal %d' % signal.SIGSYS,
                      timeout=10)
        wait_until(lambda: mark.exists() and 'HUP' in mark.read_text(), 10,
                   'SIGHUP reached the program of the killed session')
        a.read_until_close(timeout=10)
        wait_until(lambda: tty_a not in utmp_lines(known), 10,
                   'utmp entry cleared')
        assert proc_status(relay_a) is None
        # The bystander goes on (it runs "hup": it has nothing to say,
        # but its relay answers AYT); a new client gets a session.
        assert proc_status(relay_c) is not None
        assert tty_c in utmp_lines(pids_c)
        c.send_raw(bytes([255, 246]))
        c.expect(b'[Yes]')
        e = TelnetClient(d.port, timeout=10)
        e.negotiate()
        e.expect(b'READY')
        e.close()
    ctx.ended_alone = ended_alone
    return ctx


def _sessions_fixture(seccomp, doc):
    @pytest.fixture
    def fixture(listen_daemon, tmp_path, utmp_file):
        (need_filter if seccomp else need_gdb)()
        ctx = _two_sessions(listen_daemon, tmp_path, seccomp)
        yield ctx
        ctx.a.close()
        ctx.c.close()
    fixture.__doc__ = doc
    return fixture


sessions = _sessions_fixture(
    True, 'Two sessions, the relays under their filter (skipped without).')
any_sessions = _sessions_fixture(
    False, 'Two sessions, in any build (the sanitizer build too).')


def assert_killed(ctx, calls):
    died, results, out = relay_syscalls(ctx.relay, calls)
    assert died, 'the relay survived: results %s\n%s' % (results, out)
    assert 'SIGSYS' in out, out
    ctx.ended_alone()
    return results


# ---- a call outside the list --------------------------------------------------
def test_forbidden_syscall_kills_only_that_session(sessions, listen_daemon):
    """getuid(2), called through libc as gdb's "call" does (the daemon
    links getuid: it checks for root at start; the relay never calls
    it).  A session on another daemon is not touched either."""
    d2 = listen_daemon(['-E', TPROG + ' lines'])
    b = TelnetClient(d2.port, timeout=10)
    b.negotiate()
    b.expect(b'READY')
    assert sessions.tty in utmp_lines(sessions.pids)
    r = subprocess.run([shutil.which('gdb'), '-p', str(sessions.relay),
                        '-batch', '-nx', '-ex', 'call (int)getuid()'],
                       capture_output=True, timeout=60)
    out = r.stdout.decode('utf-8', 'replace') + \
        r.stderr.decode('utf-8', 'replace')
    assert 'SIGSYS' in out, out
    sessions.ended_alone()
    b.send_data(b'still here\r\n')
    b.expect(b"LINE:b'still here")
    b.close()


# ---- reaching the network ---------------------------------------------------
def test_tcp_socket_and_connect_denied(sessions):
    """socket() + connect() to a loopback TCP service the test runs."""
    lsn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsn.bind(('127.0.0.1', 0))
    lsn.listen(4)
    try:
        port = lsn.getsockname()[1]
        assert_killed(sessions, [
            {'nr': SYS['socket'], 'args': [socket.AF_INET,
                                           socket.SOCK_STREAM, 0]},
            {'nr': SYS['connect'], 'args': ['r0', 'mem', 16],
             'mem': sockaddr_in(port).hex()}])
        assert select.select([lsn], [], [], 0.5)[0] == [], \
            'the relay reached the loopback service'
    finally:
        lsn.close()


def test_abstract_unix_connect_denied(sessions):
    """An abstract-namespace Unix socket: the chroot does not hide those."""
    name = b'telnetd-test-%d' % os.getpid()
    lsn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsn.bind(b'\0' + name)
    lsn.listen(4)
    try:
        addr = sockaddr_abstract(name)
        assert_killed(sessions, [
            {'nr': SYS['socket'], 'args': [socket.AF_UNIX,
                                           socket.SOCK_STREAM, 0]},
            {'nr': SYS['connect'], 'args': ['r0', 'mem', len(addr)],
             'mem': addr.hex()}])
        assert select.select([lsn], [], [], 0.5)[0] == [], \
            'the relay reached the abstract socket'
    finally:
        lsn.close()


def test_netlink_socket_denied(sessions):
    assert_killed(sessions, [{'nr': SYS['socket'],
                              'args': [socket.AF_NETLINK, socket.SOCK_RAW,
                                       0]}])


def test_connect_on_own_socket_denied(sessions):
    """connect() itself, on the one socket the relay has: killed before
    the kernel can say EISCONN."""
    lsn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsn.bind(('127.0.0.1', 0))
    lsn.listen(4)
    try:
        assert_killed(sessions, [
            {'nr': SYS['connect'], 'args': [sessions.net, 'mem', 16],
             'mem': sockaddr_in(lsn.getsockname()[1]).hex()}])
    finally:
        lsn.close()


@pytest.mark.parametrize('call', ['bind', 'listen', 'accept', 'accept4',
                                  'setsockopt', 'getsockopt'])
def test_socket_calls_denied(sessions, call):
    one = struct.pack('<ii', 1, 4).hex()
    args = {'bind': [sessions.net, 'mem', 16],
            'listen': [sessions.net, 1],
            'accept': [sessions.net, 0, 0],
            'accept4': [sessions.net, 0, 0, 0],
            # SO_KEEPALIVE, as the monitor sets it before the fork.
            'setsockopt': [sessions.net, socket.SOL_SOCKET,
                           socket.SO_KEEPALIVE, 'mem', 4],
            'getsockopt': [sessions.net, socket.SOL_SOCKET, socket.SO_TYPE,
                           'mem', 'mem']}[call]
    mem = sockaddr_in(free_port()).hex() if call == 'bind' else one
    assert_killed(sessions, [{'nr': SYS[call], 'args': args, 'mem': mem}])


# ---- signalling other processes --------------------------------------------
@pytest.mark.parametrize('how', ['F_SETOWN', 'F_SETOWN_EX', 'F_SETSIG',
                                 'O_ASYNC'])
def test_async_io_setup_denied(sessions, how):
    """Each step of signal-driven I/O alone kills the relay."""
    v = start_victim(*uid_of(sessions.relay))
    try:
        call = {'F_SETOWN': {'nr': SYS['fcntl'],
                             'args': [sessions.net, F_SETOWN, v.pid]},
                'F_SETOWN_EX': {'nr': SYS['fcntl'],
                                'args': [sessions.net, F_SETOWN_EX, 'mem'],
                                'mem': struct.pack('<ii', 1, v.pid).hex()},
                'F_SETSIG': {'nr': SYS['fcntl'],
                             'args': [sessions.net, F_SETSIG,
                                      signal.SIGKILL]},
                'O_ASYNC': {'nr': SYS['fcntl'],
                            'args': [sessions.net, F_SETFL,
                                     O_RDWR | O_NONBLOCK | O_ASYNC]}}[how]
        assert_killed(sessions, [call])
        assert v.poll() is None
    finally:
        stop_victim(v)


def test_sigio_kill_of_same_uid_process_denied(sessions):
    """The attack found first: F_SETOWN(victim) + F_SETSIG(SIGKILL) +
    O_ASYNC on the client socket, then the client sends a byte: on main
    the kernel SIGKILLs any process of the relay's uid.  Now the first
    step kills the relay, and the byte kills no one."""
    v = start_victim(*uid_of(sessions.relay))
    try:
        died, results, out = relay_syscalls(sessions.relay, [
            {'nr': SYS['fcntl'], 'args': [sessions.net, F_SETOWN, v.pid]},
            {'nr': SYS['fcntl'], 'args': [sessions.net, F_SETSIG,
                                          signal.SIGKILL]},
            {'nr': SYS['fcntl'], 'args': [sessions.net, F_SETFL,
                                          O_RDWR | O_NONBLOCK | O_ASYNC]}])
        try:
            sessions.a.send_raw(b'x')
        except OSError:
            pass
        time.sleep(0.5)
        assert v.poll() is None, 'the victim was killed: %s' % out
        assert died, 'the relay armed SIGIO: results %s\n%s' % (results,
                                                                out)
        sessions.ended_alone()
    finally:
        stop_victim(v)


@pytest.mark.parametrize('call', ['kill', 'tkill', 'tgkill'])
def test_kill_other_process_denied(sessions, call):
    v = start_victim(*uid_of(sessions.relay))
    try:
        args = {'kill': [v.pid, signal.SIGKILL],
                'tkill': [v.pid, signal.SIGKILL],
                'tgkill': [v.pid, v.pid, signal.SIGKILL]}[call]
        assert_killed(sessions, [{'nr': SYS[call], 'args': args}])
        assert v.poll() is None
    finally:
        stop_victim(v)


def test_relay_may_signal_itself(sessions):
    """The filter holds the relay's own pid (it is built after the fork):
    kill(self, 0), tgkill(self, self, 0) are allowed (abort(3) needs
    them), and the session goes on."""
    died, results, out = relay_syscalls(sessions.relay, [
        {'nr': SYS['getpid'], 'args': []},
        {'nr': SYS['kill'], 'args': [sessions.relay, 0]},
        {'nr': SYS['tgkill'], 'args': [sessions.relay, sessions.relay, 0]}])
    assert not died, out
    assert results == [sessions.relay, 0, 0], out
    sessions.a.send_raw(bytes([255, 246]))
    sessions.a.expect(b'[Yes]')


def pty_fd(pid):
    return next(fd for fd, l in fd_links(pid).items() if l == '/dev/ptmx')


def test_pty_peer_read_only(sessions):
    """The one descriptor a relay may make: the pty's slave side, from the
    master, read-only and as nobody's terminal (ldisc_room.c looks at the
    line discipline's queue through it).  It works, the session goes on;
    the slave opened for writing kills the relay, and so does typing into
    the terminal through it."""
    pty = pty_fd(sessions.relay)
    died, results, out = relay_syscalls(sessions.relay, [
        {'nr': SYS['ioctl'], 'args': [pty, TIOCGPTPEER,
                                      O_RDONLY | O_NOCTTY | O_NONBLOCK |
                                      O_CLOEXEC]}])
    assert not died and results[0] >= 0, out
    assert os.readlink('/proc/%d/fd/%d' % (sessions.relay, results[0])) \
        .startswith('/dev/pts/'), fd_links(sessions.relay)
    died, results2, out = relay_syscalls(sessions.relay, [
        {'nr': SYS['close'], 'args': [results[0]]}])
    assert not died and results2 == [0], out
    sessions.a.send_raw(bytes([255, 246]))
    sessions.a.expect(b'[Yes]')
    assert_killed(sessions, [{'nr': SYS['ioctl'],
                              'args': [pty, TIOCGPTPEER,
                                       O_RDWR | O_NOCTTY | O_CLOEXEC]}])


def test_pty_peer_typing_denied(sessions):
    pty = pty_fd(sessions.relay)
    results = assert_killed(sessions, [
        {'nr': SYS['ioctl'], 'args': [pty, TIOCGPTPEER,
                                      O_RDONLY | O_NOCTTY | O_NONBLOCK |
                                      O_CLOEXEC]},
        {'nr': SYS['ioctl'], 'args': ['r0', TIOCSTI, 'mem'], 'mem': '78'}])
    assert len(results) == 1 and results[0] >= 0, results    # the peer


@pytest.mark.parametrize('sig', ['SIGKILL', 'SIGSTOP', 'SIGTERM'])
def test_pty_signal_other_than_keys_refused(sessions, sig):
    """TIOCSIG, on the filter's list for IP, ABORT and SUSP, with a signal
    no key makes: the kernel takes only SIGINT, SIGQUIT and SIGTSTP
    (drivers/tty/pty.c, pty_signal) and says EINVAL; the program gets
    nothing and the session goes on."""
    died, results, out = relay_syscalls(sessions.relay, [
        {'nr': SYS['ioctl'], 'args': [pty_fd(sessions.relay), TIOCSIG,
                                      getattr(signal, sig)]}])
    assert not died and results == [-errno.EINVAL], out
    sessions.a.send_raw(bytes([255, 246]))
    sessions.a.expect(b'[Yes]')
    sessions.a.close()
    wait_until(lambda: 'HUP' in sessions.mark.read_text()
               if sessions.mark.exists() else False, 10,
               'the program lived to get its SIGHUP')


# ---- executable memory ------------------------------------------------------
def test_mmap_exec_denied(sessions):
    assert_killed(sessions, [{'nr': SYS['mmap'],
                              'args': [0, 4096, PROT_READ | PROT_WRITE |
                                       PROT_EXEC, MAP_PRIVATE_ANON, -1, 0]}])


def test_madvise_other_than_dontneed_denied(sessions):
    """MADV_DONTNEED gives pages back (the relay's idle trim); any other
    advice kills, here on the relay's own memory."""
    results = assert_killed(sessions, [
        {'nr': SYS['madvise'], 'args': ['mem', 4096, MADV_DONTNEED],
         'mem': '00'},
        {'nr': SYS['madvise'], 'args': ['mem', 4096, MADV_DONTFORK]}])
    assert results == [0]


def test_mprotect_exec_denied(sessions):
    """mprotect is not on the list at all (main denied it already)."""
    assert_killed(sessions, [{'nr': SYS['mprotect'],
                              'args': ['mem', 4096, PROT_READ | PROT_EXEC],
                              'mem': '90c3'}])


# ---- descriptors --------------------------------------------------------------
def _popen(argv, leaky, **kw):
    """Start argv; with leaky, the way a careless launcher would: with a
    pipe at 251 and /dev/null at 10 (both seen on main), and whatever
    else this process has open."""
    if not leaky:
        return subprocess.Popen(argv, **kw)
    r, w = os.pipe()
    dn = os.open('/dev/null', os.O_RDONLY)

    def leak():
        os.dup2(r, 251)
        os.dup2(dn, 10)
    try:
        return subprocess.Popen(argv, close_fds=False, preexec_fn=leak, **kw)
    finally:
        for fd in (r, w, dn):
            os.close(fd)


@contextlib.contextmanager
def _daemon(argv, leaky, **kw):
    """The daemon started by _popen; at the end it and everything below
    it is ended by PID."""
    p = _popen([_need(telnetd_path())] + argv, leaky, **kw)
    try:
        yield p
    finally:
        known = descendants(p.pid)
        if p.poll() is None:
            p.terminate()
        p.wait(10)
        kill_tree(known)


@contextlib.contextmanager
def _listener(tmp_path, args, leaky=False):
    """--listen on a free port with stdout and stderr to files, once
    ready: (Proc-like namespace .p .port .out .err)."""
    port = free_port()
    out, err = tmp_path / 'stdout', tmp_path / 'stderr'
    with open(out, 'wb') as fo, open(err, 'wb') as fe, \
            _daemon(['--listen=127.0.0.1:%d' % port] + args, leaky,
                    stdin=subprocess.DEVNULL, stdout=fo, stderr=fe) as p:
        wait_until(lambda: re.search(READY_RE, err.read_text()), 10,
                   'the daemon is ready')
        yield types.SimpleNamespace(p=p, port=port, out=out, err=err)


def _tree_relay(root):
    """({pid: comm} of root and every process below it, the relay)."""
    tree = {p: proc_comm(p) for p in list(descendants(root)) + [root]}
    relays = [q for q in tree if tree[q] == 'telnetd' and proc_status(q) and
              int(proc_status(q)['Uid'].split()[0]) != 0]
    assert len(relays) == 1, tree
    return tree, relays[0]


def _check_relay_fds(relay):
    """0-2 on /dev/null, the client socket, the monitor socket, the pty
    master, and nothing else."""
    fds = fd_links(relay)
    assert {fds.get(0), fds.get(1), fds.get(2)} == {'/dev/null'}, fds
    net, mon = sock_fds(relay)
    assert net is not None and mon is not None, fds
    ptys = [fd for fd, l in fds.items() if l == '/dev/ptmx']
    assert len(ptys) == 1, fds
    assert set(fds) == {0, 1, 2, net, mon, ptys[0]}, fds


def _no_leaks(pids):
    for p in pids:
        fds = fd_links(p)
        assert 251 not in fds and 10 not in fds, (p, proc_comm(p), fds)
        assert not any(l.startswith('pipe:') for l in fds.values()), \
            (p, proc_comm(p), fds)


def test_listen_mode_descriptors(tmp_path, utmp_file):
    """--listen started with stray descriptors, stdout and stderr to
    files: the listener closes the strays at start; the relay has only
    /dev/null on 0-2, the client socket, the monitor socket and the pty."""
    with _listener(tmp_path, ['-D', 'report', '-E', TPROG + ' lines'],
                   leaky=True) as d:
        _no_leaks([d.p.pid])
        cl = TelnetClient(d.port, timeout=10)
        cl.negotiate()
        cl.expect(b'READY')
        tree, relay = _tree_relay(d.p.pid)
        _check_relay_fds(relay)
        _no_leaks(tree)
        # The relay's lines reach the listener's stderr through the
        # monitor, marked as the relay's with the client's address.
        wait_until(lambda: re.search(
            r'telnetd\[\d+\] monitor: relay for 127\.0\.0\.1: program '
            r'started on pts/\d+', d.err.read_text()), 10,
            'the relay\'s line through the monitor')
        assert 'relay:' not in d.err.read_text()
        cl.close()


def test_relay_write_to_fd_1_and_2_goes_nowhere(tmp_path, utmp_file):
    """The compromised relay writes to its descriptors 1 and 2: with
    --listen they were the listener's standard output and error (the
    admin's terminal, a log file); now they are /dev/null."""
    need_gdb()
    with _listener(tmp_path, ['-E', TPROG + ' lines']) as d:
        cl = TelnetClient(d.port, timeout=10)
        cl.negotiate()
        cl.expect(b'READY')
        died, results, text = relay_syscalls(_tree_relay(d.p.pid)[1], [
            {'nr': SYS['write'], 'args': [1, 'mem', 8],
             'mem': b'PWNED-1\n'.hex()},
            {'nr': SYS['write'], 'args': [2, 'mem', 8]}])
        assert not died, text
        assert results == [8, 8], text
        cl.send_data(b'still here\r\n')
        cl.expect(b"LINE:b'still here")
        cl.close()
        assert b'PWNED' not in d.out.read_bytes()
        assert b'PWNED' not in d.err.read_bytes()


def test_inetd_mode_descriptors(utmp_file):
    """inetd mode, started the way inetd does (the connection on 0-2)
    but with stray descriptors: no process of the session keeps them,
    and the relay has only its own."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as lsn:
        lsn.bind(('127.0.0.1', 0))
        lsn.listen(1)
        cl = TelnetClient(lsn.getsockname()[1], timeout=10)
        conn, _ = lsn.accept()
        try:
            with conn, _daemon(['-E', TPROG + ' lines'], True, stdin=conn,
                               stdout=conn, stderr=conn) as p:
                conn.close()
                cl.negotiate()
                cl.expect(b'READY')
                tree, relay = _tree_relay(p.pid)
                _check_relay_fds(relay)
                _no_leaks(tree)
                cl.send_data(b'quit\r\n')
                cl.read_until_close(timeout=10)
        finally:
            cl.close()


# ---- the relay's log lines ----------------------------------------------------
def _ps_log(text, pri=LOG_INFO, dropped=0):
    return struct.pack('<Iii', PS_LOG, pri, dropped) + text


def test_relay_log_flood_is_cut_off(any_sessions):
    """A relay that floods the monitor with log lines gets RELAYLOG_BURST
    of them logged, one line saying the rest are not, and the count at
    the end; its session goes on."""
    n = 3 * RELAYLOG_BURST
    msg = _ps_log(b'FLOOD-LINE')
    died, results, out = relay_syscalls(any_sessions.relay, [
        {'nr': SYS['sendto'], 'args': [any_sessions.mon, 'mem', len(msg),
                                       0x40, 0, 0], 'mem': msg.hex()}] * n)
    assert not died, out
    assert results.count(len(msg)) > RELAYLOG_BURST, results
    any_sessions.d.wait_stderr(r'relay for 127\.0\.0\.1: more than %d log '
                           r'lines at once' % RELAYLOG_BURST, timeout=10)
    any_sessions.a.send_raw(bytes([255, 246]))
    any_sessions.a.expect(b'[Yes]')
    time.sleep(0.3)
    text = any_sessions.d.stderr_text()
    logged = text.count('FLOOD-LINE')
    assert RELAYLOG_BURST <= logged <= RELAYLOG_BURST + 20, logged
    any_sessions.a.close()
    any_sessions.d.wait_stderr(r'relay for 127\.0\.0\.1: \d+ log lines over '
                           r'the limit were not logged', timeout=10)


# ---- the privsep user ---------------------------------------------------------
def test_relay_runs_as_telnetd_user(listen_daemon):
    """The default user is telnetd (make install and make check create
    it); nothing is said about nobody."""
    try:
        pw = pwd.getpwnam('telnetd')
    except KeyError:
        pytest.fail('no telnetd user: tools/privsep-user.sh creates it')
    assert pw.pw_dir == '/run/telnetd' and pw.pw_shell == '/usr/sbin/nologin'
    d = listen_daemon(['-E', TPROG + ' sleep'])
    cl = TelnetClient(d.port, timeout=10)
    cl.negotiate()
    cl.expect(b'READY')
    relay, _ = session_procs(d, set())
    assert uid_of(relay) == (pw.pw_uid, pw.pw_gid)
    cl.close()
    assert 'nobody' not in d.stderr_text()


def test_nobody_warns(listen_daemon):
    d = listen_daemon(['--privsep-user=nobody', '-E', TPROG + ' sleep'])
    assert re.search(r'the relay runs as nobody, a user other daemons '
                     r'share', d.stderr_text()), d.stderr_text()
