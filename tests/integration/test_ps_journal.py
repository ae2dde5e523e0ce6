"""test_ps_journal.py - what an admin sees of a running daemon: the process
titles ps shows (read from /proc/PID/cmdline, as ps does), and the
priority prefixes of its log lines when standard error is the journal.

  - the listener: "telnetd: listening on 127.0.0.1:P [::1]:P, N sessions",
    N following sessions as they come and go;
  - a session's monitor: "telnetd: HOST on pts/N" (its tty), its relay
    "telnetd: HOST [relay]" (the unprivileged one), in --listen and in
    inetd mode;
  - with JOURNAL_STREAM naming the file that is its stderr, every line
    starts with "<N>", the syslog priority (warnings <4>, information <6>),
    sessions' lines too; naming anything else, no prefix.
"""
import os
import pathlib
import re
import resource
import signal
import socket
import subprocess
import time

import pytest

from conftest import free_port, telnetd_path, _need
from tnclient import TelnetClient

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
PEERPROG = str(PROGS / 'peerprog.sh')
HOST_RE = re.compile(rb'HOST=\[([^\]]*)\] TTY=\[/dev/(pts/\d+)\]')


def title(pid):
    """The process title as ps shows it: the command line up to its
    first NUL (setproctitle pads the rest with NULs), without the spaces
    that pad a title to the length the original argv[0] had."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read().split(b'\0')[0].decode().rstrip(' ')
    except OSError:
        return ''


def clean_tail(pid):
    """After the title only padding spaces and NULs: nothing a ps that
    shows the whole command line would print after it (libbsd marks the
    end of a longer argv[0] with a '.' unless the title covers it)."""
    with open('/proc/%d/cmdline' % pid, 'rb') as f:
        raw = f.read()
    tail = raw[len(raw.split(b'\0')[0].rstrip(b' ')):]
    return tail.strip(b' \0') == b''


def uid(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('Uid:'):
                return int(line.split()[1])
    return -1


def wait_title(pids_fn, want, timeout=5):
    deadline = time.monotonic() + timeout
    while True:
        titles = {p: title(p) for p in pids_fn()}
        hits = [p for p, t in titles.items() if t == want]
        if hits:
            return hits
        if time.monotonic() > deadline:
            raise AssertionError('no process titled %r; titles: %s' % (
                want, sorted(set(titles.values()))))
        time.sleep(0.05)


def open_session(port, host='127.0.0.1'):
    c = TelnetClient(port, host=host)
    c.negotiate()
    c.expect(HOST_RE, timeout=10)
    return c, c.match.group(2).decode()


def test_titles_listen(listen_daemon):
    d = listen_daemon(['--listen=127.0.0.1:{port}', '--listen=[::1]:{port}',
                       '-E', PEERPROG + ' %h'])
    port = d.port
    addrs = '127.0.0.1:%d [::1]:%d' % (port, port)
    assert title(d.pid) == 'telnetd: listening on %s, 0 sessions' % addrs
    a, tty_a = open_session(port)
    b, tty_b = open_session(port, host='::1')
    try:
        wait_title(lambda: [d.pid],
                   'telnetd: listening on %s, 2 sessions' % addrs)
        mon_a = wait_title(d.descendants,
                           'telnetd: 127.0.0.1 on %s' % tty_a)
        wait_title(d.descendants, 'telnetd: ::1 on %s' % tty_b)
        relays = wait_title(d.descendants, 'telnetd: 127.0.0.1 [relay]')
        assert len(mon_a) == 1 and len(relays) == 1
        assert uid(mon_a[0]) == 0 and uid(relays[0]) != 0
        with open('/proc/%d/stat' % relays[0]) as f:
            assert int(f.read().rsplit(')', 1)[1].split()[1]) == mon_a[0]
        relays6 = wait_title(d.descendants, 'telnetd: ::1 [relay]')
        for pid in mon_a + relays + relays6 + [d.pid]:
            assert clean_tail(pid), open('/proc/%d/cmdline' % pid,
                                         'rb').read()
        a.close()
        wait_title(lambda: [d.pid],
                   'telnetd: listening on %s, 1 session' % addrs)
    finally:
        a.close()
        b.close()


def test_titles_inetd(inetd_daemon):
    d = inetd_daemon(['-E', PEERPROG + ' %h'])
    c, tty = open_session(d.port)
    try:
        mon = wait_title(d.descendants, 'telnetd: 127.0.0.1 on %s' % tty)
        relay = wait_title(d.descendants, 'telnetd: 127.0.0.1 [relay]')
        assert uid(mon[0]) == 0 and uid(relay[0]) != 0
    finally:
        c.close()


class Daemon:
    """telnetd --listen with stderr on a file, JOURNAL_STREAM as given."""

    def __init__(self, tmp_path, args, journal, nofile=None):
        self.path = tmp_path / 'stderr'
        self.f = open(self.path, 'wb')
        st = os.fstat(self.f.fileno())
        env = dict(os.environ)
        if journal == 'self':
            env['JOURNAL_STREAM'] = '%d:%d' % (st.st_dev, st.st_ino)
        elif journal == 'other':
            other = os.stat('/dev/null')
            env['JOURNAL_STREAM'] = '%d:%d' % (other.st_dev, other.st_ino)
        else:
            env.pop('JOURNAL_STREAM', None)

        def limit():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, nofile)
        self.p = subprocess.Popen([_need(telnetd_path())] + args,
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=self.f,
                                  env=env, preexec_fn=limit)

    def text(self):
        return self.path.read_text()

    def wait(self, rx, timeout=5):
        deadline = time.monotonic() + timeout
        while not re.search(rx, self.text(), re.M):
            assert self.p.poll() is None or re.search(rx, self.text(),
                                                      re.M), self.text()
            assert time.monotonic() < deadline, 'no %r in:\n%s' % (
                rx, self.text())
            time.sleep(0.02)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait(timeout=10)
        self.f.close()
        return self.text()


def nofile(pid):
    """(soft, hard) RLIMIT_NOFILE of a process, from /proc/PID/limits."""
    with open('/proc/%d/limits' % pid) as f:
        for line in f:
            if line.startswith('Max open files'):
                w = line.split()
                return int(w[3]), int(w[4])
    raise AssertionError('no open files limit for %d' % pid)


@pytest.mark.parametrize('journal', ['self', 'other', 'none'])
def test_journal_priority_prefixes(tmp_path, journal):
    """With a hard descriptor limit of 64 and room for 100 connections
    awaiting a PROXY header, the listener warns; the rest is information;
    a session's monitor logs through the same stream."""
    port = free_port()
    d = Daemon(tmp_path, ['--listen=127.0.0.1:%d' % port,
                          '--proxy-from=192.0.2.1', '--max-sessions=100',
                          '-E', PEERPROG + ' %h'], journal, nofile=(64, 64))
    try:
        d.wait(r'telnetd \S+ ready$')
        c, tty = open_session(port)
        d.wait(r'session from 127\.0\.0\.1 on %s' % re.escape(tty))
        c.close()
    finally:
        text = d.stop()
    lines = [l for l in text.splitlines() if l]
    warn = [l for l in lines if 'descriptor limit 64 is below the 117 the '
            'listener may need (1 sockets, 100 PROXY headers' in l]
    mon = [l for l in lines if ' monitor: session from 127.0.0.1' in l]
    assert warn and mon, text
    if journal == 'self':
        assert all(re.match(r'<[0-7]>telnetd\[\d+\]', l) for l in lines), \
            text
        assert warn[0].startswith('<4>telnetd['), warn
        assert mon[0].startswith('<6>telnetd['), mon
        assert any(l.startswith('<6>') and l.endswith(' ready')
                   for l in lines), text
    else:
        assert not any(l.startswith('<') for l in lines), text


def test_nofile_raised_for_the_listener_only(tmp_path):
    """The listener takes the hard limit; the session's processes and its
    program get the soft limit the daemon was started with."""
    port = free_port()
    d = Daemon(tmp_path, ['--listen=127.0.0.1:%d' % port,
                          '-E', PEERPROG + ' %h'], 'none', nofile=(256, 4096))
    try:
        d.wait(r'telnetd \S+ ready$')
        assert nofile(d.p.pid) == (4096, 4096)
        c, tty = open_session(port)
        from conftest import descendants
        kids = list(descendants(d.p.pid))
        assert len(kids) >= 3, kids     # monitor, relay, program
        for pid in kids:
            assert nofile(pid) == (256, 4096), (pid, title(pid))
        c.close()
    finally:
        text = d.stop()
    assert 'descriptor limit' not in text
