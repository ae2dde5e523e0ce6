"""drive.py - drive real TELNET clients from the integration tests.

  Tmux()                a private tmux server: its own socket in a fresh
                        directory, its own config (no status line,
                        remain-on-exit, /bin/sh as the shell, TERM
                        tmux-256color inside), nothing of the user's.
    .start(argv, env, width=80, height=24)
                        run argv (under `env -i` with exactly ``env``) as the
                        only pane of a detached session of that size
    .screen() -> [str]  the visible rows (height of them)
    .text() -> str      history and screen, wrapped lines joined
    .wait(regex, timeout=15, count=1) -> re.Match
                        poll .text() until regex (re.M: ^ and $ are line
                        ends; tmux trims trailing blanks) matches ``count``
                        times; the count-th match is returned
    .wait_screen(pred, timeout=15, what='') -> [str]
                        poll .screen() until pred(rows) is true
    .type(text, enter=True)   literal keys (and Enter)
    .keys(*names)       key names: 'C-]', 'Enter', 'G'
    .resize(width, height)    the window, as a terminal emulator would
    .exit_status(timeout=15) -> int
                        wait until the client has exited (a line
                        "[client exited N]" that sh prints after it)
    .close()            kill-server, then by PID (SIGTERM, SIGKILL) the
                        server and every process seen below it
  Piped(argv, env, workdir)
                        a client with stdin and stdout on pipes (stderr to
                        a file), in its own process group
    .expect(regex, timeout=15) -> re.Match
                        search the output after the previous match
    .send(data)         write bytes to its stdin
    .output() -> str    everything it wrote so far
    .finish(timeout=15) -> int   close stdin, wait for the exit status
    .close()            end it by PID if it still runs
  parse_session(text) -> dict   what clients/session.py printed at start:
                        ARGS (list), TERM, SIZE, SPEED, TTY, PPID, ENV (dict)
  telnetlib3(prog) -> (argv, env) or None
                        the telnetlib3 client or server (prog 'client' or
                        'server') from the source trees in shared/clients
                        (TELNETD_SHARED_CLIENTS, or a shared/clients folder
                        beside the checkout or above it): argv runs it with
                        Debian's python3, env holds the PYTHONPATH it needs

Every wait has a timeout and fails with what the screen or the output held.
"""
import os
import re
import select
import shlex
import shutil
import subprocess
import tempfile
import time

from conftest import descendants, kill_tree, start_time

TMUX_CONF = '''\
set -g status off
set -g remain-on-exit on
set -g default-shell /bin/sh
set -g default-terminal tmux-256color
set -g history-limit 5000
set -g escape-time 0
'''


def _tree(pid):
    """{pid: starttime} of pid and its live descendants (from /proc)."""
    out = descendants(pid)
    st = start_time(pid)
    if st is not None:
        out[pid] = st
    return out


class Tmux:
    """A terminal for one client, in a private tmux server."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='tdtmux-')
        self.sock = os.path.join(self.dir, 'sock')
        self.conf = os.path.join(self.dir, 'tmux.conf')
        with open(self.conf, 'w') as f:
            f.write(TMUX_CONF)
        self.env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin',
                    'HOME': self.dir, 'LANG': 'C.UTF-8', 'TERM': 'xterm'}
        self.server = None
        self.known = {}

    def tmux(self, *args, check=True):
        r = subprocess.run(['tmux', '-S', self.sock, '-f', self.conf]
                           + [str(a) for a in args],
                           capture_output=True, text=True, timeout=15,
                           env=self.env, stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise AssertionError('tmux %s: %s' % (' '.join(map(str, args)),
                                                  r.stderr))
        return r.stdout

    def start(self, argv, env, width=80, height=24):
        # sh reports the client's exit status on the terminal (tmux 3.3's
        # pane_dead_status is not reliable), then stays (cat, ended by
        # close()): tmux may drop what a pane's process wrote just before
        # it exited, and once in a loaded make check the "[client exited
        # 0]" line was missing above tmux's "Pane is dead (status 0".
        cmd = ['/bin/sh', '-c',
               '"$@"; echo "[client exited $?]"; exec cat >/dev/null', 'sh',
               'env', '-i'] + ['%s=%s' % kv for kv in sorted(env.items())]
        cmd += [str(a) for a in argv]
        self.tmux('new-session', '-d', '-s', 'td', '-x', width, '-y', height,
                  shlex.join(cmd))
        self.server = int(self.tmux('display-message', '-p', '-t', 'td',
                                    '#{pid}'))
        self.known.update(_tree(self.server))

    def screen(self):
        self.known.update(_tree(self.server))
        return self.tmux('capture-pane', '-p', '-t', 'td').split('\n')[:-1]

    def text(self):
        return self.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'td')

    def wait(self, regex, timeout=15, count=1):
        rx = re.compile(regex, re.M)
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            found = list(rx.finditer(text))
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() > deadline:
                raise AssertionError('no %r (x%d) on the terminal within '
                                     '%ss:\n%s' % (regex, count, timeout,
                                                   text))
            time.sleep(0.05)

    def wait_screen(self, pred, timeout=15, what='condition'):
        deadline = time.monotonic() + timeout
        while True:
            rows = self.screen()
            if pred(rows):
                return rows
            if time.monotonic() > deadline:
                raise AssertionError('screen: no %s within %ss:\n%s'
                                     % (what, timeout, '\n'.join(
                                         '%2d|%s' % (i, r)
                                         for i, r in enumerate(rows))))
            time.sleep(0.05)

    def type(self, text, enter=True):
        self.tmux('send-keys', '-t', 'td', '-l', text)
        if enter:
            self.tmux('send-keys', '-t', 'td', 'Enter')

    def keys(self, *names):
        self.tmux('send-keys', '-t', 'td', *names)

    def resize(self, width, height):
        self.tmux('resize-window', '-t', 'td', '-x', width, '-y', height)

    def exit_status(self, timeout=15):
        m = self.wait(r'^\[client exited (\d+)\]$', timeout)
        return int(m.group(1))

    def close(self):
        if self.server is not None:
            self.known.update(_tree(self.server))
            self.tmux('kill-server', check=False)
            kill_tree(self.known)
        shutil.rmtree(self.dir, ignore_errors=True)


class Piped:
    """A client on pipes (stdin/stdout), stderr to a file in workdir."""

    def __init__(self, argv, env, workdir):
        self.argv = [str(a) for a in argv]
        self.errpath = os.path.join(str(workdir), 'client-stderr-%d'
                                    % time.monotonic_ns())
        self._err = open(self.errpath, 'wb')
        self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self._err,
                                  env=env, start_new_session=True)
        self.start = start_time(self.p.pid)
        self.buf = b''
        self.pos = 0
        self.eof = False

    def _read(self, timeout):
        if self.eof:
            time.sleep(min(timeout, 0.05))
            return
        r = select.select([self.p.stdout], [], [], max(0, timeout))[0]
        if r:
            b = os.read(self.p.stdout.fileno(), 65536)
            if b:
                self.buf += b
            else:
                self.eof = True

    def output(self):
        return self.buf.decode('utf-8', 'replace')

    def stderr(self):
        try:
            with open(self.errpath, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def expect(self, regex, timeout=15):
        rx = re.compile(regex.encode() if isinstance(regex, str) else regex)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or (self.eof and self.p.poll() is not None):
                raise AssertionError('%s: no %r within %ss; output:\n%r\n'
                                     'stderr:\n%s' % (' '.join(self.argv),
                                                      regex, timeout,
                                                      self.buf, self.stderr()))
            self._read(min(left, 0.2))

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def finish(self, timeout=15):
        """Close stdin, read to the end, return the exit status."""
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self._read(deadline - time.monotonic())
        try:
            return self.p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise AssertionError('%s did not exit within %ss; output:\n%r'
                                 % (' '.join(self.argv), timeout, self.buf))

    def close(self):
        if self.p.poll() is None:
            kill_tree({self.p.pid: self.start})
        self.p.wait(5)
        for f in (self.p.stdin, self.p.stdout):
            try:
                f.close()
            except (OSError, BrokenPipeError):
                pass
        self._err.close()


def parse_session(text):
    """What clients/session.py printed at start, as a dict."""
    text = text.replace('\r\n', '\n')
    start = text.rfind('ARGS=')
    end = text.find('END-OF-ENV', start)
    assert start >= 0 and end > start, 'no session header in:\n' + text
    out = {'ENV': {}}
    for line in text[start:end].split('\n'):
        if line.startswith('ENV:'):
            k, _, v = line[4:].partition('=')
            out['ENV'][k] = v
        elif '=' in line:
            k, _, v = line.partition('=')
            out[k] = v
    out['ARGS'] = out['ARGS'].split('|')
    return out


def shared_clients():
    """The folder of client source trees no registry has (shared/clients:
    telnetlib3 and its one dependency), or None."""
    env = os.environ.get('TELNETD_SHARED_CLIENTS')
    if env:
        return env if os.path.isdir(env) else None
    here = os.path.dirname(os.path.abspath(__file__))
    d = here
    while True:
        cand = os.path.join(d, 'shared', 'clients')
        if os.path.isdir(os.path.join(cand, 'telnetlib3-4.0.5')):
            return cand
        up = os.path.dirname(d)
        if up == d:
            return None
        d = up


def telnetlib3(prog):
    """argv and environment that run telnetlib3's `prog` ('client' or
    'server') from shared/clients, unmodified; None when it is missing."""
    base = shared_clients()
    if base is None:
        return None
    path = ':'.join(os.path.join(base, t)
                    for t in ('telnetlib3-4.0.5', 'wcwidth-0.8.2'))
    code = ('import sys; from telnetlib3.%s import main; '
            'sys.argv[0] = "telnetlib3-%s"; sys.exit(main())' % (prog, prog))
    return ['/usr/bin/python3', '-c', code], {'PYTHONPATH': path}
