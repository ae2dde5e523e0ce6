#!/usr/bin/python3
"""pkgtest.py WORKDIR DEB DEBS_DIR - install, use and purge the package, with
apt, on this machine's own root file system seen through a throw-away
overlay (run by run-package-test.sh inside `unshare --mount --net`).

Why an overlay: installing the package removes inetutils-telnetd (they
conflict: both are /usr/sbin/telnetd), which the test suite and the
benchmark use, and other work on a shared machine may be using it at that
moment.  Here the whole root is mounted as an overlay whose upper layer is
a tmpfs: apt, dpkg and the maintainer scripts run for real (chroot into
it), every change lands in the upper layer and vanishes with the mount
namespace when this process ends, and the upper layer lists exactly what
install and purge left behind.  A private network namespace gives the
units' own port 23 on a loopback of our own.

Steps, each asserted:
  1. an inetd (openbsd-inetd with update-inetd, from DEBS_DIR) and a test
     user, so that update-inetd and logins have something to act on;
  2. apt-get install ./telnetd-privsep_*.deb: inetutils-telnetd goes,
     every file is in place, the PAM service is a conffile, the telnetd
     user exists (sysusers.d) and /run/telnetd (tmpfiles.d), no unit is
     enabled, the inetd line is there and disabled;
  3. logins through the installed files: telnetd.socket + telnetd@.service
     (systemd-socket-activate with the unit's ListenStream and ExecStart),
     the same with --pam (pam-login and /etc/pam.d/telnetd), and
     telnetd-listen.service's command line, whose ps title is the one of
     the issue ("telnetd: listening on 0.0.0.0:23 [::]:23, 1 session");
     the relay runs as the telnetd user in /run/telnetd;
  4. apt-get purge: nothing left but the telnetd user and group (Debian
     keeps system users) and the package manager's own records; the inetd
     line is gone; inetutils-telnetd's files stay removed (that package was
     replaced) and installing it again works.
"""
import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
from tnclient import TelnetClient  # noqa: E402

PKG = 'telnetd-privsep'
USER, PASSWORD = 'pkgtest', 'Pkg-test-pw-2718'
SHELL_PROMPT = re.compile(rb'[$#] (\x1b\[[0-9;?]*[a-zA-Z])?$')
INETD_LINE = '#<off># telnet\tstream\ttcp\tnowait\troot\t/usr/sbin/telnetd' \
    '\ttelnetd'
FILES = {
    '/usr/sbin/telnetd': 0o755,
    '/usr/libexec/telnetd/pam-login': 0o755,
    '/usr/share/man/man8/telnetd.8.gz': 0o644,
    '/etc/pam.d/telnetd': 0o644,
    '/lib/systemd/system/telnetd.socket': 0o644,
    '/lib/systemd/system/telnetd@.service': 0o644,
    '/lib/systemd/system/telnetd-listen.service': 0o644,
    '/usr/lib/sysusers.d/telnetd.conf': 0o644,
    '/usr/lib/tmpfiles.d/telnetd.conf': 0o644,
}
# What the package manager itself keeps or logs: not the package's
# leftovers.
BOOKKEEPING = ('var/lib/dpkg/', 'var/lib/apt/', 'var/cache/', 'var/log/',
               'var/lib/ucf/', 'var/backups/',
               'home/%s/' % USER)      # the test user's shell history
USER_DBS = ('etc/passwd', 'etc/group', 'etc/shadow', 'etc/gshadow')


ROOT = []      # the overlay, for the final clean-up


class Fail(Exception):
    pass


def say(msg):
    print('pkgtest: ' + msg, flush=True)


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def sh(argv, **kw):
    kw.setdefault('stdout', subprocess.PIPE)
    kw.setdefault('stderr', subprocess.STDOUT)
    kw.setdefault('timeout', 300)
    return subprocess.run(argv, text=True, **kw)


def must(argv, what, **kw):
    r = sh(argv, **kw)
    if r.returncode != 0:
        raise Fail('%s failed (exit %d):\n%s' % (what, r.returncode,
                                                  r.stdout[-3000:]))
    return r.stdout


class Root:
    """The overlay root and the commands run in it."""

    def __init__(self, work):
        self.work = work
        base = os.path.join(work, 'ovl')
        os.makedirs(base)
        must(['mount', '-t', 'tmpfs', 'tmpfs', base], 'mount tmpfs')
        self.upper = os.path.join(base, 'upper')
        wdir = os.path.join(base, 'work')
        self.path = os.path.join(base, 'root')
        for d in (self.upper, wdir, self.path):
            os.makedirs(d)
        must(['mount', '-t', 'overlay', 'overlay', '-o',
              'lowerdir=/,upperdir=%s,workdir=%s' % (self.upper, wdir),
              self.path], 'mount the overlay')
        must(['mount', '-t', 'proc', 'proc', self.p('/proc')], 'mount proc')
        must(['mount', '--rbind', '/dev', self.p('/dev')], 'bind /dev')
        must(['mount', '--rbind', '/sys', self.p('/sys')], 'bind /sys')
        # /run and /tmp of our own: systemd is not running here (no
        # /run/systemd/system), and nothing in the host's /run is touched.
        must(['mount', '-t', 'tmpfs', 'tmpfs', self.p('/run')], 'tmpfs /run')
        must(['mount', '-t', 'tmpfs', 'tmpfs', self.p('/tmp')], 'tmpfs /tmp')
        os.makedirs(self.p('/run/lock'))
        must(['ip', 'link', 'set', 'lo', 'up'], 'loopback up')

    def p(self, path):
        return os.path.join(self.path, path.lstrip('/'))

    def run(self, cmd, what, **kw):
        env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin',
               'DEBIAN_FRONTEND': 'noninteractive', 'LANG': 'C.UTF-8',
               'HOME': '/root', 'TERM': 'dumb'}
        return must(['chroot', self.path, '/bin/sh', '-c', cmd], what,
                    env=env, **kw)

    def read(self, path):
        with open(self.p(path), errors='replace') as f:
            return f.read()

    def manifest(self):
        """{path: what} of the upper layer: everything changed so far."""
        out = {}
        for dirpath, dirs, files in os.walk(self.upper):
            for name in dirs + files:
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, self.upper)
                st = os.lstat(full)
                if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                    out[rel] = 'removed'
                elif stat.S_ISDIR(st.st_mode):
                    out[rel] = 'dir'
                elif stat.S_ISLNK(st.st_mode):
                    out[rel] = 'link ' + os.readlink(full)
                elif stat.S_ISREG(st.st_mode):
                    with open(full, 'rb') as f:
                        out[rel] = 'file %s %o' % (
                            hashlib.sha256(f.read()).hexdigest()[:16],
                            stat.S_IMODE(st.st_mode))
                else:
                    out[rel] = 'other'
        return out


def status(root, pkg):
    r = sh(['chroot', root.path, 'dpkg-query', '-W',
            '-f=${db:Status-Abbrev}', pkg])
    return r.stdout.strip() if r.returncode == 0 else 'none'


def unit_setting(root, unit, key):
    vals = []
    for line in root.read('/lib/systemd/system/' + unit).splitlines():
        line = line.strip()
        if line.startswith(key + '='):
            vals.append(line.split('=', 1)[1].strip())
    check(vals, '%s has no %s=' % (unit, key))
    return vals


class Server:
    """A command in the chroot, in the background, ended by PID."""

    def __init__(self, root, argv, log):
        self.log = open(log, 'wb')
        self.p = subprocess.Popen(['chroot', root.path] + argv,
                                  stdin=subprocess.DEVNULL,
                                  stdout=self.log, stderr=self.log,
                                  env={'PATH': '/usr/sbin:/usr/bin:/bin',
                                       'LANG': 'C.UTF-8'},
                                  start_new_session=True)
        self.logpath = log

    def stop(self):
        if self.p.poll() is None:
            # The whole group: the launcher and the sessions it started.
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.log.close()
        with open(self.logpath, errors='replace') as f:
            return f.read()


def connect(port=23, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return TelnetClient(port, timeout=20)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def procs(root):
    """{pid: (uid, title, root link)} of the processes in the overlay."""
    out = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % d, 'rb') as f:
                cmd = f.read().split(b'\0')[0].decode(
                    errors='replace').rstrip(' ')
            with open('/proc/%s/status' % d) as f:
                uid = int([l for l in f if l.startswith('Uid:')][0].split()[1])
            rootlink = os.readlink('/proc/%s/root' % d)
        except (OSError, IndexError):
            continue
        if rootlink == root.path or rootlink.startswith(root.path + '/'):
            out[int(d)] = (uid, cmd, rootlink)
    return out


def end_all(root):
    """SIGKILL, by PID, whatever still runs in the overlay."""
    for _ in range(50):
        left = procs(root)
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


def login(root, telnetd_uid, prompt=b'login: '):
    """Log the test user in on port 23; check the shell and the relay."""
    c = connect()
    try:
        c.negotiate()
        c.expect(prompt, timeout=20)
        c.send_data(USER.encode() + b'\r\n')
        c.expect(b'Password: ', timeout=20)
        c.send_data(PASSWORD.encode() + b'\r\n')
        c.expect(SHELL_PROMPT, timeout=30)
        c.send_data(b'echo OK-$((6*7))-$(id -un)-END\r\n')
        c.expect(b'OK-42-%s-END' % USER.encode(), timeout=20)
        relays = [(u, r) for u, cmd, r in procs(root).values()
                  if cmd == 'telnetd: 127.0.0.1 [relay]']
        check(len(relays) == 1, 'want one relay, got %s' % relays)
        check(relays[0][0] == telnetd_uid, 'relay runs as uid %d, not the '
              'telnetd user (%d)' % (relays[0][0], telnetd_uid))
        check(relays[0][1].endswith('/run/telnetd'),
              'relay root is %s' % relays[0][1])
        c.send_data(b'exit\r\n')
        c.read_until_close(timeout=15)
    finally:
        c.close()


def step_prepare(root, debs):
    # Nothing starts on its own; man-db does not rebuild its index after
    # each apt run (seconds each time, and nothing here reads it).
    root.run('printf "#!/bin/sh\\nexit 101\\n" > /usr/sbin/policy-rc.d && '
             'chmod 755 /usr/sbin/policy-rc.d && echo "man-db man-db/'
             'auto-update boolean false" | debconf-set-selections',
             'policy-rc.d')
    # apt works from the local .deb files and the installed packages only:
    # no archive (this network namespace has none anyway, and apt would
    # try each mirror in turn before taking the local file).
    with open(root.p('/etc/apt/apt.conf.d/99telnetd-pkgtest'), 'w') as f:
        f.write('Dir::Etc::SourceList "/dev/null";\n'
                'Dir::Etc::SourceParts "/nonexistent";\n')
    os.makedirs(root.p('/tmp/debs'))
    for f in os.listdir(debs):
        if f.endswith('.deb'):
            shutil.copy(os.path.join(debs, f), root.p('/tmp/debs'))
    root.run('apt-get install -y /tmp/debs/openbsd-inetd_*.deb '
             '/tmp/debs/update-inetd_*.deb /tmp/debs/tcpd_*.deb',
             'installing openbsd-inetd')
    root.run('useradd -m -s /bin/bash %s && echo "%s:%s" | chpasswd'
             % (USER, USER, PASSWORD), 'the test user')
    check('telnet' not in re.sub(r'(?m)^#.*$', '', root.read(
        '/etc/inetd.conf')), 'a telnet line in inetd.conf before install')


def step_install(root, deb, had_user):
    shutil.copy(deb, root.p('/tmp/'))
    out = root.run('apt-get install -y /tmp/%s' % os.path.basename(deb),
                   'apt-get install of the package')
    check(status(root, PKG) == 'ii', 'not installed: %s' % status(root, PKG))
    check(status(root, 'inetutils-telnetd') != 'ii',
          'inetutils-telnetd is still installed')
    check('REMOVED:\n  inetutils-telnetd' in out, 'apt did not replace '
          'inetutils-telnetd:\n' + out)
    for path, mode in FILES.items():
        st = os.lstat(root.p(path))
        check(stat.S_IMODE(st.st_mode) == mode and st.st_uid == 0,
              '%s: mode %o uid %d' % (path, stat.S_IMODE(st.st_mode),
                                      st.st_uid))
    owner = root.run('dpkg -S /usr/sbin/telnetd', 'dpkg -S')
    check(owner.startswith(PKG + ':'), owner)
    conff = root.run("dpkg-query -W -f='${Conffiles}' " + PKG, 'conffiles')
    check('/etc/pam.d/telnetd ' in conff, 'conffiles: %r' % conff)
    version = root.run('/usr/sbin/telnetd --version', '--version').strip()
    check(re.fullmatch(r'telnetd \d+\.\d+\.\d+', version), version)
    pw = root.run('getent passwd telnetd', 'the telnetd user').strip()
    f = pw.split(':')
    # A telnetd user the host had already is left as it was.
    if not had_user:
        check(f[4:] == ['telnetd privilege separation', '/run/telnetd',
                        '/usr/sbin/nologin'], 'telnetd user: %s' % pw)
    st = os.stat(root.p('/run/telnetd'))
    check(stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o755
          and st.st_uid == 0, '/run/telnetd: %o' % st.st_mode)
    check(INETD_LINE in root.read('/etc/inetd.conf').splitlines(),
          'no disabled inetd line:\n' + root.read('/etc/inetd.conf'))
    wants = [os.path.join(d, f) for d, _, fs in os.walk(
        root.p('/etc/systemd/system')) for f in fs if 'telnetd' in f]
    check(wants == [], 'units enabled: %s' % wants)
    check(unit_setting(root, 'telnetd-listen.service', 'TasksMax') ==
          ['infinity'], 'TasksMax')
    check(unit_setting(root, 'telnetd-listen.service', 'LimitNOFILE'),
          'LimitNOFILE')
    return int(f[2])


def exec_start(root, unit):
    cmd = unit_setting(root, unit, 'ExecStart')[0].lstrip('-@:+!')
    check(cmd.startswith('/usr/sbin/telnetd'), '%s runs %s' % (unit, cmd))
    return cmd.split()


def step_logins(root, work, uid):
    listen = unit_setting(root, 'telnetd.socket', 'ListenStream')
    check(listen == ['23'], 'ListenStream %s' % listen)
    check(unit_setting(root, 'telnetd.socket', 'Accept') == ['yes'],
          'Accept')
    per_conn = exec_start(root, 'telnetd@.service')
    for extra, prompt, name in (([], b'login: ', 'login'),
                                (['--pam'], b'login: ', 'pam')):
        s = Server(root, ['systemd-socket-activate', '--inetd', '--accept',
                          '--listen=' + listen[0]] + per_conn + extra,
                   os.path.join(work, 'socket-%s.log' % name))
        try:
            login(root, uid, prompt)
            say('login through telnetd.socket (%s) ok' % name)
        finally:
            log = s.stop()
        check('rror' not in log, 'systemd-socket-activate:\n' + log)
    s = Server(root, exec_start(root, 'telnetd-listen.service'),
               os.path.join(work, 'listen.log'))
    try:
        c = connect()
        try:
            c.negotiate()
            c.expect(b'login: ', timeout=20)
            titles = [cmd for _, cmd, _ in procs(root).values()
                      if cmd.startswith('telnetd: listening')]
            check(titles == ['telnetd: listening on 0.0.0.0:23 [::]:23, '
                             '1 session'], 'listener title: %s' % titles)
        finally:
            c.close()
        login(root, uid)
        say('login through telnetd-listen.service ok; ps: %s' % titles[0])
    finally:
        log = s.stop()
    check('telnetd 0.' in log and ' ready' in log, 'listen log:\n' + log)


def step_purge(root, before, saved, inetutils_files):
    root.run('apt-get purge -y ' + PKG, 'apt-get purge')
    check(status(root, PKG) in ('none', 'un', 'pn'),
          'after purge: %s' % status(root, PKG))
    for path in FILES:
        check(not os.path.lexists(root.p(path)), '%s left' % path)
    check('/usr/sbin/telnetd' not in root.read('/etc/inetd.conf'),
          'inetd line left:\n' + root.read('/etc/inetd.conf'))
    after = root.manifest()
    left = []
    for rel, what in sorted(after.items()):
        if before.get(rel) == what or what == 'dir':
            continue
        if rel.startswith(BOOKKEEPING):
            continue
        if what == 'removed' and '/' + rel in inetutils_files:
            continue        # the replaced package's files
        if rel in USER_DBS or rel.rstrip('-') in USER_DBS:
            # Debian keeps system users on purge: the only change is the
            # telnetd user and group (none if the host had them already).
            base = rel.rstrip('-')
            old = saved[base].splitlines()
            new = root.read('/' + base).splitlines()
            extra = [l for l in new if l not in old]
            gone = [l for l in old if l not in new]
            check(not gone and all(l.startswith('telnetd:') for l in extra),
                  '%s changed: +%s -%s' % (base, extra, gone))
            continue
        left.append('%s (%s)' % (rel, what))
    left += ['%s (gone)' % rel for rel in sorted(set(before) - set(after))]
    check(not left, 'left after purge:\n  ' + '\n  '.join(left))
    state = [f for _, _, fs in os.walk(root.p('/var/lib/systemd'))
             for f in fs if 'telnetd' in f]
    check(not state, 'deb-systemd-helper state left: %s' % state)


def main():
    work, deb, debs = sys.argv[1:4]
    t0 = time.monotonic()
    root = Root(work)
    ROOT.append(root)
    inetutils_files = set(sh(['dpkg', '-L', 'inetutils-telnetd']).stdout
                          .split())
    step_prepare(root, debs)
    say('openbsd-inetd and the test user in place (%.1f s)'
        % (time.monotonic() - t0))
    before = root.manifest()
    saved = {b: root.read('/' + b) for b in USER_DBS}
    had_user = any(l.startswith('telnetd:')
                   for l in saved['etc/passwd'].splitlines())
    uid = step_install(root, deb, had_user)
    say('installed: files, conffile, telnetd user (uid %d), /run/telnetd, '
        'disabled inetd line, no unit enabled (%.1f s)'
        % (uid, time.monotonic() - t0))
    step_logins(root, work, uid)
    step_purge(root, before, saved, inetutils_files)
    say('purged: nothing left but the telnetd user and group (%.1f s)'
        % (time.monotonic() - t0))
    root.run('apt-get install -y /tmp/debs/inetutils-telnetd_*.deb',
             'reinstalling inetutils-telnetd')
    owner = root.run('dpkg -S /usr/sbin/telnetd', 'dpkg -S')
    check(owner.startswith('inetutils-telnetd:'), owner)
    say('inetutils-telnetd installs again over it (%.1f s)'
        % (time.monotonic() - t0))


if __name__ == '__main__':
    try:
        main()
    except Fail as e:
        print('pkgtest: FAIL: %s' % e, flush=True)
        sys.exit(1)
    finally:
        if ROOT:
            end_all(ROOT[0])
