"""conftest.py - fixtures for the integration tests.

The build is found through TELNETD_BUILD (set by tests/run-integration.sh;
defaults to the repository root): the daemon is $TELNETD_BUILD/telnetd/telnetd,
helper programs are $TELNETD_BUILD/obj/bin/<name>.

Fixtures (factories, function scope; everything they start is ended by PID
at teardown, never by name):

  launcher(cmd, ipv6=False, addr=None, env=None, kill_children=True,
           verbose=True) -> Proc
      inetd_launcher on a free loopback port (PORT 0, port read from its
      "READY <port>" line within 5 s) running ``cmd`` (a list) per
      connection with the socket on 0, 1, 2.  kill_children passes -k (on
      SIGTERM the launcher SIGTERMs its children, SIGKILLs them after 2 s);
      verbose passes -v (a line per connection and per exit on its stderr).
  inetd_daemon(args=(), ipv6=False, env=None, addr=None) -> Proc
      the daemon in inetd mode: launcher([telnetd, *args]).  d.port to
      connect to; d.stop() -> the launcher's stderr (the daemon's own 0-2
      are the client, so nothing of the daemon's is expected there).
  listen_daemon(args=(), addr='127.0.0.1', env=None, ready=READY_RE,
                timeout=5) -> Proc
      the daemon with --listen=ADDR:PORT on a free port (a '{port}' in any
      argument is replaced and then no --listen is added; addr '::1' gives
      --listen=[::1]:PORT).  Waits until the regex ``ready`` matches its
      stderr (default: the "telnetd VERSION ready" line listen.c logs once
      every socket is open); ready=None waits instead until the port is in
      LISTEN state in /proc/net/tcp{,6} (no probing connection, so no
      stray session).  Retries on another port when the bind fails.  Its
      stderr (the log) is d.stderr_text() / d.stop().
  run_tclient(port, *args, timeout=20, input=None) -> CompletedProcess
      obj/bin/tclient -p PORT ARGS, stdout/stderr as bytes.
  test_user, locked_user (session scope) -> (name, password)
      users.ensure_test_user() / ensure_locked_user(); skip without root or
      when a host user of that name exists.

Module helpers: telnetd_path(), tool_path(name) (paths), _need(path) (skip
when not built), free_port() (random, above 20000, free on 0.0.0.0 and ::),
listening(port), descendants(pid) -> {pid: starttime}, start_time(pid),
kill_tree(pids), telnetd_rss_kb(pids) (the daemon's own processes' RSS).
The pytest process is made a child subreaper, so sessions a stopped daemon
leaves running become its children and are still found and reaped.

Proc (handle):
  .pid .port .argv .cmdline .popen .returncode (after stop)
  .stderr_text()        what it wrote to stderr so far (launcher -v:
                        "conn <pid> <addr> <port>", "exit <pid> <status>",
                        "exit <pid> signal <n>")
  .wait_stderr(regex, timeout=5) -> re.Match   poll the stderr file
  .descendants()        sorted PIDs of every live process below it
  .alive()
  .stop(timeout=5) -> str  SIGTERM by PID, wait, SIGKILL if needed, then end
                        every descendant seen before or right after (by PID,
                        checked against its start time: SIGTERM, 2 s, SIGKILL)
                        and return stderr plus any sanitizer reports.  Safe
                        to call twice.  .leftovers: the descendants that were
                        still running once the main process had exited.

Sanitizers: daemons get ASAN_OPTIONS / UBSAN_OPTIONS with log_path in a
per-test directory (in inetd mode stderr is the client's socket, so a report
must not go there); any report found there fails the test at teardown.
"""

import ctypes
import os
import pathlib
import pwd
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

REPO = HERE.parents[1]
BUILD = pathlib.Path(os.environ.get('TELNETD_BUILD') or REPO).resolve()

PR_SET_CHILD_SUBREAPER = 36
# What telnetd --listen prints on stderr once every socket is open
# (listen.c: log_info("telnetd %s ready")).
READY_RE = r'telnetd \S+ ready'


def telnetd_path():
    return BUILD / 'telnetd' / 'telnetd'


def tool_path(name):
    return BUILD / 'obj' / 'bin' / name


def _need(path):
    if not os.access(path, os.X_OK):
        pytest.skip('%s is not built (TELNETD_BUILD=%s)' % (path, BUILD))
    return str(path)


def need_tool(*names):
    """The path of the first of names on PATH; the test is skipped (the
    package is missing: make deps installs it) when none is."""
    for n in names:
        path = shutil.which(n)
        if path:
            return path
    pytest.skip('%s is not installed' % ' or '.join(names))


def inetutils_telnet():
    """inetutils' telnet: /usr/bin/inetutils-telnet, or `telnet` when the
    alternative points to it."""
    path = shutil.which('inetutils-telnet')
    if path:
        return path
    path = shutil.which('telnet')
    if path and 'inetutils' in os.path.realpath(path):
        return path
    pytest.skip('inetutils telnet is not installed')


@pytest.fixture
def tmux():
    """A headless tmux server of its own (clients/drive.py), killed after
    the test."""
    from clients.drive import Tmux
    need_tool('tmux')
    t = Tmux()
    yield t
    t.close()


@pytest.fixture
def piped(tmp_path):
    """piped(argv, env): a client on a pty of its own (clients/drive.py),
    each closed after the test."""
    from clients.drive import Piped
    started = []

    def start(argv, env):
        p = Piped(argv, env, tmp_path)
        started.append(p)
        return p
    yield start
    for p in started:
        p.close()


def pytest_configure(config):
    # Orphans of the daemons we start (sessions a stopped --listen daemon
    # leaves alone) become our children, so they can be found and reaped.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except OSError:
        pass
    # The relay's system user, as make install (and make check, through
    # tools/deps.sh) creates it: the daemon runs the relay as telnetd.
    if os.geteuid() == 0:
        try:
            pwd.getpwnam('telnetd')
        except KeyError:
            subprocess.run(['bash', str(REPO / 'tools' / 'privsep-user.sh')],
                           check=False, timeout=60)


# ---- processes ------------------------------------------------------------
def _stat(pid):
    """(ppid, starttime) of a live process, or None."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(b')') + 2:].split()
    if rest[0] == b'Z':
        return None
    return int(rest[1]), int(rest[19])


def descendants(pid):
    """Live descendants of pid as {pid: starttime}, by walking /proc."""
    children = {}
    for d in os.listdir('/proc'):
        if d.isdigit():
            st = _stat(int(d))
            if st:
                children.setdefault(st[0], []).append((int(d), st[1]))
    out, todo = {}, [pid]
    while todo:
        for c, start in children.get(todo.pop(), ()):
            if c not in out:
                out[c] = start
                todo.append(c)
    return out


def start_time(pid):
    """The start time of a live process, which tells it from a later one
    with the same pid; None when it is gone."""
    st = _stat(pid)
    return st[1] if st else None


def status_kib(pid, field, missing=None):
    """A kB field of /proc/PID/status (VmRSS, VmHWM).  A process without
    it (a zombie has no memory) gives MISSING, or fails the test when
    MISSING is None."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    if missing is not None:
        return missing
    raise AssertionError('no %s for %d' % (field, pid))


def telnetd_rss_kb(pids):
    """VmRSS of the telnetd processes among pids (not the program)."""
    total = 0
    for pid in pids:
        try:
            with open('/proc/%d/comm' % pid) as f:
                if f.read().strip() != 'telnetd':
                    continue
            total += status_kib(pid, 'VmRSS', missing=0)
        except OSError:
            pass
    return total


def _same_alive(pid, start):
    st = _stat(pid)
    return st is not None and st[1] == start


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def kill_tree(pids, grace=2.0):
    """SIGTERM, then SIGKILL, each {pid: starttime} still alive; by PID."""
    live = {p: s for p, s in pids.items() if _same_alive(p, s)}
    for p in live:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while live and time.monotonic() < deadline:
        for p in list(live):
            _reap(p)
            if not _same_alive(p, live[p]):
                del live[p]
        if live:
            time.sleep(0.02)
    for p, s in live.items():
        if _same_alive(p, s):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for p in pids:
        _reap(p)


def _port_top():
    """The highest port to pick: below the kernel's range for outgoing
    connections' local ports, which could take a picked port between the
    check below and the test's bind (a client of another test)."""
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range') as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 60999
    return low - 1 if low > 21000 else 60999


def free_port():
    """A random port above 20000 that is free on every loopback address."""
    top = _port_top()
    for _ in range(200):
        port = random.randint(20000, top)
        ok = True
        for fam, addr in ((socket.AF_INET, '0.0.0.0'), (socket.AF_INET6, '::')):
            s = socket.socket(fam, socket.SOCK_STREAM)
            try:
                s.bind((addr, port))
            except OSError as e:
                if fam == socket.AF_INET6 and e.errno == 99:
                    continue        # no IPv6 here
                ok = False
            finally:
                s.close()
        if ok:
            return port
    raise RuntimeError('no free port found')


def listen_starts(daemon, args=(), timeout=10.0, listen=None, check=None):
    """Start DAEMON with LISTEN (default --listen on a free loopback port)
    and ARGS, wait for its ready line, call CHECK() if given, stop it.
    Returns (started, stderr text)."""
    listen = listen or '--listen=127.0.0.1:%d' % free_port()
    p = subprocess.Popen([str(daemon), listen] + list(args),
                         stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = b''
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and p.poll() is None:
            r, _, _ = select.select([p.stderr], [], [], 0.1)
            if r:
                err += os.read(p.stderr.fileno(), 4096)
                if re.search(READY_RE, err.decode('utf-8', 'replace')):
                    if check is not None:
                        check()
                    return True, err.decode('utf-8', 'replace')
        return False, err.decode('utf-8', 'replace')
    finally:
        if p.poll() is None:
            p.terminate()
        p.wait(timeout=10)
        p.stderr.close()


def listening(port):
    """True when some socket is in LISTEN state on ``port``."""
    want = ':%04X' % port
    for name in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == '0A' and fields[1].endswith(want):
                        return True
        except OSError:
            pass
    return False


_SAN_BASE = None


def _san_base():
    """A world-traversable directory for sanitizer logs: the daemon's relay
    runs unprivileged and cannot enter pytest's private tmp_path."""
    global _SAN_BASE
    if _SAN_BASE is None:
        _SAN_BASE = tempfile.mkdtemp(prefix='telnetd-it-')
        os.chmod(_SAN_BASE, 0o755)
    return _SAN_BASE


def _san_env(env, sandir):
    env = dict(os.environ if env is None else env)
    for var in ('ASAN_OPTIONS', 'UBSAN_OPTIONS'):
        base = env.get(var, '')
        prefix = 'asan' if var == 'ASAN_OPTIONS' else 'ubsan'
        opt = 'log_path=%s/%s' % (sandir, prefix)
        env[var] = (base + ':' + opt) if base else opt
    return env


class Proc:
    """A process started by a fixture; see the module docstring."""

    def __init__(self, argv, tmpdir, env=None, stdout=subprocess.DEVNULL,
                 sanitize=True):
        self.argv = [str(a) for a in argv]
        self.cmdline = ' '.join(self.argv)
        self.tmpdir = pathlib.Path(tempfile.mkdtemp(prefix='proc-',
                                                    dir=str(tmpdir)))
        self.errpath = self.tmpdir / 'stderr'
        self.sandir = pathlib.Path(tempfile.mkdtemp(prefix='san-',
                                                    dir=_san_base()))
        os.chmod(self.sandir, 0o1777)
        if sanitize:
            env = _san_env(env, self.sandir)
        self._err = open(self.errpath, 'wb')
        self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                      stdout=stdout, stderr=self._err,
                                      env=env, close_fds=True)
        self.pid = self.popen.pid
        self.port = None
        self.leftovers = []
        self.returncode = None
        self._stopped = False
        self._known = {}

    def alive(self):
        return self.popen.poll() is None

    def descendants(self):
        return sorted(descendants(self.pid))

    def stderr_text(self):
        try:
            return self.errpath.read_bytes().decode('utf-8', 'replace')
        except OSError:
            return ''

    def wait_stderr(self, regex, timeout=5.0):
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.stderr_text())
            if m:
                return m
            if time.monotonic() > deadline:
                raise AssertionError('no %r in stderr of %s within %ss:\n%s'
                                     % (regex, self.cmdline, timeout,
                                        self.stderr_text()))
            time.sleep(0.02)

    def sanitizer_reports(self):
        out = []
        for f in sorted(self.sandir.iterdir()):
            out.append('==== %s\n%s' % (f.name, f.read_text('utf-8',
                                                           'replace')))
        return '\n'.join(out)

    def stop(self, timeout=5.0):
        """End it by PID (SIGTERM, then SIGKILL), then anything it left
        running; return stderr (and sanitizer reports)."""
        if not self._stopped:
            self._stopped = True
            self._known.update(descendants(self.pid))
            if self.alive():
                self.popen.send_signal(signal.SIGTERM)
                try:
                    self.popen.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.popen.kill()
                    self.popen.wait(timeout)
            self.returncode = self.popen.returncode
            self._known.update(descendants(self.pid))
            self.leftovers = sorted(p for p, s in self._known.items()
                                    if _same_alive(p, s))
            kill_tree(self._known)
            self._err.close()
        text = self.stderr_text()
        rep = self.sanitizer_reports()
        return text + ('\n' + rep if rep else '')


def _read_ready(proc, timeout=5.0):
    """The launcher's "READY <port>" line, with a timeout."""
    f = proc.popen.stdout
    deadline = time.monotonic() + timeout
    buf = b''
    while b'\n' not in buf:
        left = deadline - time.monotonic()
        r = select.select([f], [], [], max(0, left))[0] if left > 0 else []
        if not r:
            raise AssertionError('no READY from %s; stderr:\n%s'
                                 % (proc.cmdline, proc.stderr_text()))
        b = os.read(f.fileno(), 100)
        if not b:
            raise AssertionError('%s exited: %s' % (proc.cmdline,
                                                    proc.stderr_text()))
        buf += b
    f.close()
    m = re.match(rb'READY (\d+)\n', buf)
    assert m, buf
    return int(m.group(1))


class _Procs:
    def __init__(self, request, tmp_path):
        self.request = request
        self.tmp_path = tmp_path
        self.procs = []

    def finish(self):
        reports = []
        for p in reversed(self.procs):
            p.stop()
            rep = p.sanitizer_reports()
            if rep:
                reports.append('%s:\n%s' % (p.cmdline, rep))
        if reports:
            pytest.fail('sanitizer reports:\n' + '\n'.join(reports),
                        pytrace=False)


@pytest.fixture
def _procs(request, tmp_path):
    ps = _Procs(request, tmp_path)
    yield ps
    ps.finish()


@pytest.fixture
def launcher(_procs):
    """launcher(cmd, ipv6=False, addr=None, env=None, kill_children=True,
    verbose=True) -> Proc with .port."""
    path = _need(tool_path('inetd_launcher'))

    def start(cmd, ipv6=False, addr=None, env=None, kill_children=True,
              verbose=True):
        argv = [path]
        if verbose:
            argv.append('-v')
        if ipv6:
            argv.append('-6')
        if addr:
            argv += ['-a', addr]
        if kill_children:
            argv.append('-k')
        argv += ['0', '--'] + [str(c) for c in cmd]
        p = Proc(argv, _procs.tmp_path, env=env, stdout=subprocess.PIPE)
        _procs.procs.append(p)
        p.port = _read_ready(p)
        return p
    return start


@pytest.fixture
def inetd_daemon(launcher):
    """inetd_daemon(args=(), ipv6=False, env=None) -> Proc (.port, .stop())."""
    path = _need(telnetd_path())

    def start(args=(), ipv6=False, env=None, addr=None):
        return launcher([path] + list(args), ipv6=ipv6, addr=addr, env=env)
    return start


@pytest.fixture
def listen_daemon(_procs):
    """listen_daemon(args=(), addr='127.0.0.1', env=None, ready=READY_RE,
    timeout=5) -> Proc with .port, once it is ready."""
    path = _need(telnetd_path())

    def start(args=(), addr='127.0.0.1', env=None, ready=READY_RE,
              timeout=5.0):
        for attempt in range(5):
            port = free_port()
            argv = [a.replace('{port}', str(port)) for a in args]
            if argv == list(args):
                host = '[%s]' % addr if ':' in addr else addr
                argv = ['--listen=%s:%d' % (host, port)] + argv
            p = Proc([path] + argv, _procs.tmp_path, env=env)
            _procs.procs.append(p)
            p.port = port
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if ready is not None:
                    if re.search(ready, p.stderr_text()):
                        return p
                elif listening(port):
                    return p
                if not p.alive():
                    break
                time.sleep(0.01)
            err = p.stop()
            if 'in use' in err and attempt < 4:
                continue
            raise AssertionError('%s did not become ready (exit %s):\n%s'
                                 % (p.cmdline, p.returncode, err))
    return start


@pytest.fixture
def run_tclient():
    """run_tclient(port, *args, timeout=20, input=None) -> CompletedProcess
    of obj/bin/tclient -p PORT ARGS (stdout/stderr as bytes)."""
    path = _need(tool_path('tclient'))

    def run(port, *args, timeout=20, input=None):
        argv = [path, '-p', str(port)] + [str(a) for a in args]
        return subprocess.run(argv, input=input, capture_output=True,
                              timeout=timeout)
    return run


@pytest.fixture(scope='session')
def test_user():
    """(name, password) of a local user for login tests (users.py)."""
    import users
    if os.geteuid() != 0:
        pytest.skip('creating the test user needs root')
    try:
        return users.ensure_test_user()
    except users.UserError as e:
        pytest.skip(str(e))


@pytest.fixture(scope='session')
def locked_user():
    """(name, password) of a locked local user (usermod -L)."""
    import users
    if os.geteuid() != 0:
        pytest.skip('creating the test user needs root')
    try:
        return users.ensure_locked_user()
    except users.UserError as e:
        pytest.skip(str(e))


def pytest_sessionfinish(session, exitstatus):
    # Reap orphans that became ours through PR_SET_CHILD_SUBREAPER.
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    if _SAN_BASE is not None:
        shutil.rmtree(_SAN_BASE, ignore_errors=True)
    try:
        import users
    except ImportError:
        return
    users.cleanup()
