"""test_launchers.py - the daemon under the launchers admins use: xinetd
with a service file, systemd-socket-activate as Accept=yes (--inetd) and as
Accept=no (LISTEN_FDS, alone and together with --listen), inetutils-inetd
with an inetd.conf line, and --listen on 127.0.0.1 and [::1] at once.

Each launcher is started in the foreground on a random loopback port above
20000 by the test, and stopped by PID (conftest's Proc); the sessions go
through tnclient (TERM, NAWS, NEW-ENVIRON as a modern client sends them)
to clients/session.py, which prints what arrived and answers a command.
After each session its utmp record (line and the monitor's pid) is no
longer live, and nothing is left running once the launcher is stopped.

inetd.conf and xinetd split the server arguments on blanks and know no
quoting, so there -E names the program alone (no %u %T words).  The
sanitizer options conftest sets reach the daemon through each launcher
(xinetd: passenv), so a report goes to a file, never to the client.

--listen on one address at a time (127.0.0.1, ::1) is
test_daemon_procs.py::test_listen_mode, and LISTEN_FDS from a hand-made
wrapper is test_daemon_procs.py::test_socket_activation; here the real
systemd-socket-activate hands the socket over.
"""
import os
import pathlib
import re
import shutil
import socket
import struct
import time

import pytest

from conftest import (Proc, READY_RE, telnetd_path, _need, free_port,
                      listening)
from tnclient import connect
from clients.drive import parse_session

HERE = pathlib.Path(__file__).resolve().parent
SESSION = str(HERE / 'clients' / 'session.py')
INETUTILS_INETD = ('/var/cache/telnetd-tests/inetutils-inetd/usr/sbin/'
                   'inetutils-inetd')

XINETD_CONF = '''\
defaults
{
	log_type = FILE %(log)s
	log_on_success = PID HOST EXIT
	log_on_failure = HOST
}

service telnetd-itest
{
	type = UNLISTED
	id = telnetd-itest
	port = %(port)d
	bind = 127.0.0.1
	flags = IPv4
	socket_type = stream
	protocol = tcp
	wait = no
	user = root
	server = %(telnetd)s
	server_args = -h -E %(session)s
	passenv = ASAN_OPTIONS UBSAN_OPTIONS
	instances = 10
}
'''


def need(name):
    path = shutil.which(name, path=os.environ.get('PATH', '') +
                        ':/usr/sbin:/sbin:/usr/bin:/bin')
    if not path:
        pytest.skip('%s is not installed' % name)
    return path


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError('timeout (%ss): %s' % (timeout, what))
        time.sleep(0.02)


@pytest.fixture
def spawn(_procs):
    """spawn(argv, env=None) -> Proc, ended by PID at teardown (with any
    session it left), its sanitizer log checked."""
    def start(argv, env=None):
        p = Proc(argv, _procs.tmp_path, env=env)
        _procs.procs.append(p)
        return p
    return start


def utmp_live(line, pid):
    """True when utmp holds a LOGIN_PROCESS or USER_PROCESS record for
    ``line`` (pts/N) written for ``pid``."""
    try:
        with open('/var/run/utmp', 'rb') as f:
            data = f.read()
    except OSError:
        return False
    size = 384                  # struct utmp, glibc on 64-bit Linux
    for i in range(0, len(data) - size + 1, size):
        typ, upid = struct.unpack_from('<hxxi', data, i)
        uline = data[i + 8:i + 40].split(b'\0')[0].decode('latin-1')
        if typ in (6, 7) and uline == line and upid == pid:
            return True
    return False


def session(port, host='127.0.0.1', args=None, a=40, b=2):
    """One session through the launcher: negotiate like a modern client,
    read session.py's header, run `sum`, `quit`, read to the close.
    Checks what arrived; returns the header."""
    c = connect(port, host=host, timeout=15)
    try:
        c.negotiate(term='xterm-256color', naws=(100, 30), speed=(9600, 9600),
                    env=[('TZ', 'UTC0'), ('LD_PRELOAD', '/tmp/evil.so')],
                    user='someone')
        c.expect(b'END-OF-ENV')
        info = parse_session(bytes(c.data).decode('utf-8', 'replace'))
        c.expect(b'cmd> ')
        c.send_data(b'sum %d %d\r\n' % (a, b))
        c.expect(b'SUM=%d\r\n' % (a + b))
        c.send_data(b'quit\r\n')
        c.expect(b'BYE\r\n')
        c.read_until_close()
    finally:
        c.close()
    assert info['TERM'] == 'xterm-256color', info
    assert info['SIZE'] == '30 100', info
    assert info['SPEED'] == '9600', info
    assert info['ENV'].get('TZ') == 'UTC0', info
    assert 'LD_PRELOAD' not in info['ENV'] and 'USER' not in info['ENV']
    if args is not None:
        assert info['ARGS'] == args, info
    assert re.match(r'/dev/pts/\d+$', info['TTY']), info
    line, pid = info['TTY'][5:], int(info['PPID'])
    wait_until(lambda: not utmp_live(line, pid), 5,
               'utmp record of %s (pid %d) cleared' % (line, pid))
    return info


def two_at_once(port, host='127.0.0.1'):
    """Two clients connected at the same time each get their own session
    (a launcher in nowait / Accept=yes style, or a standalone daemon)."""
    first = connect(port, host=host, timeout=15)
    try:
        first.negotiate(term='vt100', naws=(80, 24))
        first.expect(b'END-OF-ENV')
        first.expect(b'cmd> ')
        info = session(port, host, a=1, b=2)
        first.send_data(b'sum 3 4\r\n')
        first.expect(b'SUM=7\r\n')
        head = parse_session(bytes(first.data).decode('utf-8', 'replace'))
        first.send_data(b'quit\r\n')
        first.expect(b'BYE\r\n')
        first.read_until_close()
    finally:
        first.close()
    assert head['TERM'] == 'vt100' and head['SIZE'] == '24 80', head
    assert head['TTY'] != info['TTY']


def stopped_clean(p):
    """Stop the launcher by PID; nothing of the sessions may be left."""
    err = p.stop()
    assert p.leftovers == [], (p.leftovers, err)
    return err


# ---- xinetd -----------------------------------------------------------------

def test_xinetd(spawn, tmp_path):
    """xinetd (-dontfork, our own config file, -pidfile) with a wait = no
    service on a high port: sessions work, one at a time and two at once,
    and xinetd logs each start and a clean exit of the daemon."""
    xinetd = need('xinetd')
    telnetd = _need(telnetd_path())
    port = free_port()
    log = tmp_path / 'xinetd.log'
    conf = tmp_path / 'xinetd.conf'
    pidfile = tmp_path / 'xinetd.pid'
    conf.write_text(XINETD_CONF % {'log': log, 'port': port,
                                   'telnetd': telnetd, 'session': SESSION})
    p = spawn([xinetd, '-dontfork', '-f', conf, '-pidfile', pidfile])
    wait_until(lambda: listening(port) or not p.alive(), 10,
               'xinetd listening on port %d' % port)
    assert p.alive(), p.stop()
    session(port, args=[''])
    two_at_once(port)
    wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), 5,
               'xinetd pid file')
    assert int(pidfile.read_text()) == p.pid
    wait_until(lambda: len(re.findall(r'EXIT: telnetd-itest status=0',
                                      log.read_text())) == 3, 5,
               'three clean exits in the xinetd log')
    text = log.read_text()
    assert len(re.findall(r'START: telnetd-itest pid=\d+ from=127\.0\.0\.1',
                          text)) == 3, text
    assert 'status=2' not in text, text
    stopped_clean(p)


# ---- systemd-socket-activate ------------------------------------------------

def test_systemd_socket_activate_inetd(spawn):
    """systemd-socket-activate -a --inetd (Accept=yes, the connection on
    descriptors 0 and 1): each connection gets its own daemon, the
    command line's %u %T expand, every daemon exits 0."""
    ssa = need('systemd-socket-activate')
    telnetd = _need(telnetd_path())
    port = free_port()
    p = spawn([ssa, '-a', '--inetd', '-l', '127.0.0.1:%d' % port,
               telnetd, '-h', '-E', SESSION + ' %u %T'])
    p.wait_stderr(r'Listening on 127\.0\.0\.1:%d' % port, timeout=10)
    session(port, args=['someone', 'xterm-256color'])
    two_at_once(port)
    wait_until(lambda: len(re.findall(r'Child \d+ died with code 0',
                                      p.stderr_text())) == 3, 5,
               'three daemons exited 0:\n' + p.stderr_text())
    err = stopped_clean(p)
    assert not re.search(r'died with code [1-9]', err), err


@pytest.mark.parametrize('also_listen', [False, True],
                         ids=['alone', 'with_listen'])
def test_systemd_socket_activate_listen_fds(spawn, also_listen):
    """systemd-socket-activate -l without --accept (Accept=no): on the
    first connection it runs the daemon with the listening socket as
    descriptor 3 and LISTEN_FDS=1, LISTEN_PID=its pid.  The daemon serves
    it standalone (no --listen needed), and with --listen also its own
    socket; SIGTERM stops it with status 0."""
    ssa = need('systemd-socket-activate')
    telnetd = _need(telnetd_path())
    port = free_port()
    extra = []
    if also_listen:
        port2 = free_port()
        while port2 == port:
            port2 = free_port()
        extra = ['--listen=127.0.0.1:%d' % port2]
    p = spawn([ssa, '-l', '127.0.0.1:%d' % port, telnetd, '-h'] + extra
              + ['-E', SESSION + ' %u %T'])
    p.wait_stderr(r'Listening on 127\.0\.0\.1:%d' % port, timeout=10)
    # The first connection starts the daemon (exec: same pid).
    session(port, args=['someone', 'xterm-256color'])
    p.wait_stderr(r'1 sockets from systemd', timeout=5)
    p.wait_stderr(READY_RE, timeout=5)
    if also_listen:
        p.wait_stderr(r'listening on 127\.0\.0\.1 port %d' % port2)
        session(port2, args=['someone', 'xterm-256color'])
        two_at_once(port2)
    two_at_once(port)
    n = 6 if also_listen else 3
    wait_until(lambda: len(re.findall(r'session \d+ from 127\.0\.0\.1 '
                                      r'ended: exit 0', p.stderr_text())) == n,
               5, '%d sessions ended with exit 0:\n%s' % (n, p.stderr_text()))
    assert p.alive()
    err = stopped_clean(p)
    assert p.returncode == 0, err
    assert 'stopped listening' in err, err


# ---- inetutils-inetd --------------------------------------------------------

def test_inetutils_inetd(spawn, tmp_path):
    """inetutils-inetd -d (foreground) with a generated inetd.conf line
    (ADDR:PORT stream tcp nowait root ...): sessions work, and inetd
    reaps each daemon with status 0."""
    if not os.access(INETUTILS_INETD, os.X_OK):
        pytest.skip('%s is not unpacked (tools/deps.sh does it)'
                    % INETUTILS_INETD)
    telnetd = _need(telnetd_path())
    port = free_port()
    conf = tmp_path / 'inetd.conf'
    conf.write_text('127.0.0.1:%d stream tcp nowait root %s telnetd -h -E %s\n'
                    % (port, telnetd, SESSION))
    p = spawn([INETUTILS_INETD, '-d', '--pidfile=%s' % (tmp_path / 'pid'),
               conf])
    p.wait_stderr(r'registered %s' % re.escape(telnetd), timeout=10)
    wait_until(lambda: listening(port), 10, 'inetd listening')
    session(port, args=[''])
    two_at_once(port)
    wait_until(lambda: len(re.findall(r'\d+ reaped, status 0',
                                      p.stderr_text())) == 3, 5,
               'three daemons reaped with status 0:\n' + p.stderr_text())
    err = stopped_clean(p)
    assert not re.search(r'reaped, status [1-9]', err), err


# ---- --listen on both loopback addresses ------------------------------------

def ipv6_loopback():
    if not socket.has_ipv6:
        return False
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        s.bind(('::1', 0))
        return True
    except OSError:
        return False
    finally:
        s.close()


def test_listen_ipv4_and_ipv6_at_once(listen_daemon):
    """Two --listen options, 127.0.0.1 and [::1], on one port: one daemon
    serves both (each address alone: test_daemon_procs.py::
    test_listen_mode)."""
    if not ipv6_loopback():
        pytest.skip('no IPv6 loopback')
    d = listen_daemon(['--listen=127.0.0.1:{port}', '--listen=[::1]:{port}',
                       '-h', '-E', SESSION + ' %u %T'])
    d.wait_stderr(r'listening on 127\.0\.0\.1 port %d' % d.port)
    d.wait_stderr(r'listening on ::1 port %d' % d.port)
    session(d.port, '127.0.0.1', args=['someone', 'xterm-256color'])
    session(d.port, '::1', args=['someone', 'xterm-256color'])
    d.wait_stderr(r'session \d+ from 127\.0\.0\.1 ended: exit 0')
    d.wait_stderr(r'session \d+ from ::1 ended: exit 0')
    err = stopped_clean(d)
    assert d.returncode == 0, err
