"""test_login.py - logging a person in, over the real daemon on loopback,
through the real /bin/login and through --pam (pam-login, the program
built from pam/*.c, with the service file pam/telnetd.pam).

Needs root: a local test user with a known password and a locked one are
created by users.py (nothing of the host's own is touched), and the PAM
service file is installed for the run as /etc/pam.d/telnetd-itest-PID (removed
afterwards; never /etc/pam.d/telnetd, which may be the host's).

What is proven, for both login paths:
  - the right password gives a shell that answers `id -un`;
  - a wrong password, and the right password of a locked account, fail;
  - a NEW-ENVIRON USER of '-f root', '-froot', 'root -f', a name with a
    newline, or 10 KiB never gives a shell without a password: the name is
    dropped and the login program asks for one (CVE-2007-0882,
    CVE-2026-24061);
  - every dangerous variable (loader, shell, resolver, terminfo ...) sent as
    VAR, USERVAR or old ENVIRON is absent from the shell's environment, and
    the allowed ones (LANG, LC_*, TZ, DISPLAY) are there;
  - the login timeout ends a session that sits at the prompt.
And, without the daemon, pam-login runs on a pty directly (the same checks
where the daemon adds nothing), and the daemon refuses --pam with exit
status 2 when pam-login is not where it looks for it.
"""
import os
import pathlib
import pty
import re
import select
import shutil
import struct
import subprocess
import tempfile
import time

import pytest

from tnclient import (TelnetClient, ExpectTimeout, VAR, USERVAR,
                      NEW_ENVIRON, OLD_ENVIRON, DEFAULT_ANSWERS)
from conftest import BUILD, listen_starts

REPO = pathlib.Path(__file__).resolve().parents[2]
PAM_FILE = REPO / 'pam' / 'telnetd.pam'
# One file per pytest process: make check runs the plain and the sanitizer
# suites at once, and one run's teardown must not remove the other's file.
PAM_SERVICE = 'telnetd-itest-%d' % os.getpid()
PAM_PATH = pathlib.Path('/etc/pam.d') / PAM_SERVICE
PAM_MARK = '# telnetd integration test copy of pam/telnetd.pam\n'

PROMPT = b'login: '
PW_PROMPT = b'Password: '
FAIL = b'Login incorrect'
SHELL_PROMPT = re.compile(rb'[$#] (\x1b\[[0-9;?]*[a-zA-Z])?$')

HOSTILE_USERS = ['-f root', '-froot', 'root -f', 'root\nid', '-f', '-- root',
                 'a' * 10240]

# Variables that must never reach the shell, with values that would hurt.
DANGEROUS = [
    ('LD_PRELOAD', '/tmp/telnetd-itest-evil.so'),
    ('LD_LIBRARY_PATH', '/tmp'),
    ('LD_AUDIT', '/tmp/evil.so'),
    ('_RLD_LIST', '/tmp/evil.so'),
    ('LIBPATH', '/tmp'),
    ('TERMCAP', '/dev/zero'),
    ('TERMINFO', '/tmp'),
    ('BASH_ENV', '/tmp/evil.sh'),
    ('ENV', '/tmp/evil.sh'),
    ('IFS', 'x'),
    ('SHELLOPTS', 'xtrace'),
    ('PS4', '$(id>/tmp/pwned)'),
    ('PROMPT_COMMAND', 'id'),
    ('PYTHONPATH', '/tmp'),
    ('PERL5LIB', '/tmp'),
    ('PERL5OPT', '-d'),
    ('RUBYOPT', '-r/tmp/x'),
    ('NODE_OPTIONS', '--require=/tmp/x'),
    ('LOCALDOMAIN', 'evil.example'),
    ('HOSTALIASES', '/tmp/hosts'),
    ('RES_OPTIONS', 'debug'),
    ('RESOLV_HOST_CONF', '/tmp/h'),
    ('GCONV_PATH', '/tmp'),
    ('NLSPATH', '/tmp/%N'),
    ('LOCPATH', '/tmp'),
    ('MALLOC_CHECK_', '3'),
    ('GLIBC_TUNABLES', 'glibc.malloc.check=3'),
    ('TMPDIR', '/tmp/evil'),
    ('KRB5CCNAME', 'FILE:/tmp/x'),
    ('ld_preload', '/tmp/evil.so'),
]
# Variables that replace what the system sets: the client's value must not
# be the one the shell sees.
OVERRIDES = [('PATH', '/tmp/evil-path'), ('HOME', '/tmp/evil-home'),
             ('SHELL', '/tmp/evil-shell'), ('MAIL', '/tmp/evil-mail'),
             ('TERM', 'evil-term')]
ALLOWED = [('LC_TIME', 'C'), ('LC_MEASUREMENT', 'C.UTF-8'),
           ('LC_PAPER', 'POSIX'), ('TZ', 'UTC0'),
           ('DISPLAY', 'client.example:0.0'), ('LANGUAGE', 'en:de')]


# A client that refuses NEW-ENVIRON and offers the old ENVIRON (RFC 1408).
OLD_ENVIRON_ANSWERS = dict(DEFAULT_ANSWERS)
OLD_ENVIRON_ANSWERS.update({('DO', NEW_ENVIRON): False,
                            ('DO', OLD_ENVIRON): True})


# ---- fixtures ---------------------------------------------------------------

@pytest.fixture(scope='module')
def pam_service():
    """The PAM service file installed for the run under a test name."""
    if os.geteuid() != 0:
        pytest.skip('PAM logins need root')
    if not PAM_FILE.exists():
        pytest.skip('pam/telnetd.pam is missing')
    if PAM_PATH.exists() and not PAM_PATH.read_text().startswith(PAM_MARK):
        pytest.skip('%s exists and is not ours: left alone' % PAM_PATH)
    PAM_PATH.write_text(PAM_MARK + PAM_FILE.read_text())
    yield PAM_SERVICE
    try:
        if PAM_PATH.read_text().startswith(PAM_MARK):
            PAM_PATH.unlink()
    except FileNotFoundError:
        pass


@pytest.fixture(params=['login', 'pam'])
def login_mode(request, pam_service):
    """Daemon arguments for each login path."""
    if request.param == 'login':
        if not os.access('/bin/login', os.X_OK):
            pytest.skip('/bin/login is not installed')
        return []
    return ['--pam=%s' % pam_service]


@pytest.fixture
def daemon(listen_daemon):
    """start(mode_args, extra=()) -> the daemon in --listen mode (the same
    session path as inetd mode, with its log on stderr for failures)."""
    def start(mode, extra=()):
        return listen_daemon(list(mode) + list(extra))
    return start


def do_login(port, user, password, user_var=None, env=None, answers=None,
             term='xterm'):
    c = TelnetClient(port, timeout=20)
    c.negotiate(answers, term=term, env=env, user=user_var)
    if user_var is None:
        c.expect(PROMPT)
        c.send_data(user.encode() + b'\r\n')
    c.expect(PW_PROMPT)
    c.send_data(password.encode() + b'\r\n')
    return c


def logged_in_as(c, timeout=20):
    """Wait for the shell's prompt (login flushes what was typed ahead),
    then ask the shell who it runs as."""
    c.expect(SHELL_PROMPT, timeout=timeout)
    c.send_data(b'echo ID-$(id -un)-END\r\n')
    c.expect(re.compile(rb'ID-([a-z_][a-z0-9_.-]*)-END'), timeout=timeout)
    return c.match.group(1).decode()


def shell_env(c, timeout=20):
    """The shell's exported environment, as a dict."""
    c.send_data(b"env | sed 's/^/ENV:/'; echo ENV-DONE-$((40+2))\r\n")
    c.expect(b'ENV-DONE-42', timeout=timeout)
    text = bytes(c.data).decode('latin-1').replace('\r\n', '\n')
    out = {}
    for line in text.split('\n'):
        if line.startswith('ENV:'):
            k, _, v = line[4:].partition('=')
            out[k] = v
    return out


# ---- the right password, a wrong one, a locked account ----------------------

def test_right_password_gives_shell(daemon, login_mode, test_user):
    user, pw = test_user
    d = daemon(login_mode)
    c = do_login(d.port, user, pw)
    try:
        assert logged_in_as(c) == user
        c.send_data(b'exit\r\n')
        c.read_until_close(timeout=15)
    finally:
        c.close()
    assert c.eof


def test_user_from_new_environ_asks_only_password(daemon, login_mode,
                                                  test_user):
    user, pw = test_user
    d = daemon(login_mode)
    c = do_login(d.port, user, pw, user_var=user)
    try:
        assert PROMPT not in bytes(c.data)
        assert logged_in_as(c) == user
    finally:
        c.close()


def test_wrong_password_fails(daemon, login_mode, test_user):
    user, pw = test_user
    d = daemon(login_mode)
    c = do_login(d.port, user, pw + '-wrong')
    try:
        c.expect(FAIL, timeout=20)
        # asked again, no shell
        c.expect(PROMPT, timeout=20)
        assert b'ID-' not in bytes(c.data)
    finally:
        c.close()


def test_locked_account_fails(daemon, login_mode, locked_user):
    user, pw = locked_user
    d = daemon(login_mode)
    c = do_login(d.port, user, pw)
    try:
        c.expect(FAIL, timeout=20)
        c.send_data(b'echo ID-$(id -un)-END\r\n')
        with pytest.raises(ExpectTimeout):
            c.expect(re.compile(rb'ID-[a-z]+-END'), timeout=2)
    finally:
        c.close()


def test_three_failures_end_the_session(daemon, pam_service,
                                        test_user):
    """--pam: three wrong passwords, then the session ends (exit 1)."""
    user, pw = test_user
    d = daemon(['--pam=%s' % pam_service])
    c = TelnetClient(d.port, timeout=20)
    try:
        c.negotiate(term='xterm')
        for i in range(3):
            c.expect(PROMPT)
            c.send_data(user.encode() + b'\r\n')
            c.expect(PW_PROMPT)
            c.send_data(b'wrong-%d\r\n' % i)
            c.expect(FAIL, timeout=20)
        c.read_until_close(timeout=20)
        assert c.eof
        assert b'ID-' not in bytes(c.data)
    finally:
        c.close()


@pytest.fixture
def expired_user():
    """A user of ours whose password must be changed at the next login
    (chage -d 0); its password is set again on every use."""
    import subprocess
    import users
    if os.geteuid() != 0:
        pytest.skip('creating the test user needs root')
    try:
        name, pw = users.ensure_test_user('tdexpired', 'Td-expired-pw-4713')
    except users.UserError as e:
        pytest.skip(str(e))
    subprocess.run(['chage', '-d', '0', name], check=True, timeout=30,
                   capture_output=True)
    return name, pw


def test_expired_password_must_be_changed(daemon, login_mode, expired_user):
    """pam_acct_mgmt says PAM_NEW_AUTHTOK_REQD: the password is changed
    (pam_chauthtok) before the shell starts."""
    user, pw = expired_user
    new = 'Zq9-fresh-Passw0rd-%d' % os.getpid()
    d = daemon(login_mode)
    c = do_login(d.port, user, pw)
    try:
        c.expect(b'change your password', timeout=20)
        c.expect(re.compile(rb'(Current|current|\(current\) UNIX) password: '))
        c.send_data(pw.encode() + b'\r\n')
        c.expect(b'New password: ')
        c.send_data(new.encode() + b'\r\n')
        c.expect(b'Retype new password: ')
        c.send_data(new.encode() + b'\r\n')
        assert logged_in_as(c) == user
    finally:
        c.close()
    assert new.encode() not in bytes(c.data)    # echo was off


UTMP = '/var/run/utmp'
# struct utmp on Linux (384 bytes): type, pad, pid, line, id, user, host,
# exit status (2 shorts), session, tv (2 x int32), addr_v6, unused.
UTMP_REC = struct.Struct('<hhi32s4s32s256shhi2i4i20s')
assert UTMP_REC.size == 384
USER_PROCESS, DEAD_PROCESS = 7, 8


def utmp_records():
    """(type, pid, line, user) of every utmp record."""
    out = []
    with open(UTMP, 'rb') as f:
        data = f.read()
    for off in range(0, len(data) - UTMP_REC.size + 1, UTMP_REC.size):
        r = UTMP_REC.unpack_from(data, off)
        out.append((r[0], r[2], r[3].split(b'\0')[0].decode('latin-1'),
                    r[5].split(b'\0')[0].decode('latin-1')))
    return out


@pytest.fixture
def utmp_file():
    """A booted Debian system has utmp (systemd-tmpfiles makes it); a bare
    container may lack it, and then no one can record a login."""
    if not os.path.exists(UTMP):
        fd = os.open(UTMP, os.O_WRONLY | os.O_CREAT, 0o664)
        os.close(fd)
    return UTMP


def test_utmp_user_process(daemon, login_mode, test_user, utmp_file):
    """While the shell runs, utmp holds a USER_PROCESS record for the user
    on the session's tty; after it, the record is DEAD_PROCESS."""
    user, pw = test_user
    d = daemon(login_mode)
    c = do_login(d.port, user, pw)
    try:
        assert logged_in_as(c) == user
        c.send_data(b'echo TTY-$(tty | cut -c6-)-END\r\n')
        c.expect(re.compile(rb'TTY-(pts/[0-9]+)-END'))
        line = c.match.group(1).decode()
        recs = [r for r in utmp_records() if r[2] == line]
        assert any(r[0] == USER_PROCESS and r[3] == user for r in recs), recs
        # This session's record by its place in the file: on a machine
        # where other sessions (other servers' too) come and go, pts/N
        # may carry their records as well, even a USER_PROCESS record of
        # the same user whose process is long gone (a session killed
        # before it could write DEAD_PROCESS): only a live one is ours.
        slots = [i for i, r in enumerate(utmp_records())
                 if r[2] == line and r[0] == USER_PROCESS and r[3] == user
                 and os.path.exists('/proc/%d' % r[1])]
        c.send_data(b'exit\r\n')
        c.read_until_close(timeout=15)
    finally:
        c.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        all_recs = utmp_records()
        recs = [all_recs[i] for i in slots]
        if all(r[0] == DEAD_PROCESS and r[2] == line for r in recs):
            break
        time.sleep(0.1)
    assert slots and all(r[0] == DEAD_PROCESS and r[2] == line
                         for r in recs), recs


def login_defs_tty():
    """(group, mode) the login program gives the terminal: TTYGROUP and
    TTYPERM of /etc/login.defs, login's defaults tty and 0620."""
    group, mode = 'tty', '620'
    try:
        for line in open('/etc/login.defs'):
            w = line.split()
            if len(w) >= 2 and w[0] == 'TTYGROUP':
                group = w[1]
            elif len(w) >= 2 and w[0] == 'TTYPERM':
                mode = '%o' % int(w[1], 8)
    except OSError:
        pass
    return group, mode


@pytest.fixture
def user_dir():
    """A directory the test user can write in (pytest's tmp_path is under
    a root-only directory)."""
    d = tempfile.mkdtemp(prefix='tdlogin-')
    os.chmod(d, 0o777)
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


def test_terminal_belongs_to_the_user(daemon, login_mode, test_user,
                                     user_dir):
    """After the login the terminal is the user's, with login.defs'
    TTYGROUP and TTYPERM, as /bin/login leaves it, so mesg y works (and
    write, screen, pinentry); with --pam it goes back to what it was when
    the session ends (seen by a job the user left holding it open)."""
    user, pw = test_user
    group, mode = login_defs_tty()
    out = user_dir / 'after'
    d = daemon(login_mode)
    c = do_login(d.port, user, pw)
    try:
        assert logged_in_as(c) == user
        c.send_data(b'echo TTY-$(stat -c %U:%G:%a $(tty))-END; mesg y; '
                    b'echo MESG-$?-$(stat -c %a $(tty))-END\r\n')
        c.expect(re.compile(rb'TTY-([^-]*)-END'))
        assert c.match.group(1).decode() == '%s:%s:%s' % (user, group, mode)
        c.expect(b'MESG-0-620-END')
        # A job that outlives the session, holding the pty open, looks
        # at it (through its descriptor: the node goes with the pty)
        # once the session is over.
        c.send_data(b'exec 3<$(tty); setsid sh -c "sleep 2; '
                    b'stat -L -c %%U:%%G:%%a /proc/self/fd/3 >%s" '
                    b'</dev/null >%s.err 2>&1 & exit\r\n'
                    % (str(out).encode(), str(out).encode()))
        c.read_until_close(timeout=15)
    finally:
        c.close()
    if login_mode == []:
        return          # what /bin/login does after the session is its own
    deadline = time.monotonic() + 10
    while not (out.exists() and out.read_text()) and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    assert out.exists(), (user_dir / 'after.err').read_text()
    assert out.read_text().split(':')[0] != user, out.read_text()


# ---- hostile user names -----------------------------------------------------

@pytest.mark.parametrize('name', HOSTILE_USERS,
                         ids=lambda n: repr(n[:12]) + ('...' if len(n) > 12
                                                       else ''))
def test_hostile_user_never_skips_password(daemon, login_mode, name):
    """The name is dropped: the login program asks for a name itself, and
    no shell runs (no root prompt, no answer to a command)."""
    d = daemon(login_mode)
    c = TelnetClient(d.port, timeout=15)
    try:
        c.negotiate(term='xterm', user=name)
        c.expect(PROMPT, timeout=15)
        assert PW_PROMPT not in bytes(c.data)
        # Whatever is typed now is a user name, then a password.
        c.send_data(b'echo ID-$(id -un)-END\r\n')
        c.expect(PW_PROMPT, timeout=15)
        data = bytes(c.data)
        assert not re.search(rb'ID-[a-z]+-END', data)
    finally:
        c.close()


@pytest.mark.parametrize('name', ['-f root', '-froot', 'root -f'])
def test_hostile_user_as_uservar_and_old_environ(daemon, login_mode,
                                                 name):
    """USER as USERVAR, and USER over the old ENVIRON option."""
    for answers, env in (
            (None, [(USERVAR, 'USER', name)]),
            (OLD_ENVIRON_ANSWERS, [(VAR, 'USER', name)])):
        d = daemon(login_mode)
        c = TelnetClient(d.port, timeout=15)
        try:
            c.negotiate(answers, term='xterm', env=env)
            c.expect(PROMPT, timeout=15)
            assert PW_PROMPT not in bytes(c.data)
        finally:
            c.close()


# ---- the environment --------------------------------------------------------

def _env_answers(how):
    if how == 'old-environ':
        return OLD_ENVIRON_ANSWERS
    return None


@pytest.mark.parametrize('how', ['var', 'uservar', 'old-environ'])
def test_environment_filtered(daemon, login_mode, test_user, how):
    user, pw = test_user
    t = USERVAR if how == 'uservar' else VAR
    env = [(t, n, v) for n, v in DANGEROUS + OVERRIDES + ALLOWED]
    d = daemon(login_mode)
    c = do_login(d.port, user, pw, env=env, answers=_env_answers(how))
    try:
        assert logged_in_as(c) == user
        got = shell_env(c)
    finally:
        c.close()
    for name, _ in DANGEROUS:
        assert name not in got, '%s reached the shell via %s' % (name, how)
    for name, value in OVERRIDES:
        assert got.get(name) != value, '%s=%s came from the client' % (
            name, value)
    assert got.get('TERM') == 'xterm'
    assert got.get('USER') == user and got.get('LOGNAME') == user
    for name, value in ALLOWED:
        assert got.get(name) == value, '%s missing via %s: %r' % (
            name, how, got.get(name))
    # nothing of the daemon's own environment either
    assert 'TELNETD_BUILD' not in got and 'PYTEST_CURRENT_TEST' not in got


def test_environment_filtered_inetd_mode(inetd_daemon, login_mode,
                                        test_user):
    """The same in inetd mode, where the relay logs refusals to syslog."""
    user, pw = test_user
    env = [(USERVAR, n, v) for n, v in DANGEROUS[:6] + ALLOWED]
    d = inetd_daemon(list(login_mode))
    c = do_login(d.port, user, pw, env=env)
    try:
        assert logged_in_as(c) == user
        got = shell_env(c)
    finally:
        c.close()
    for name, _ in DANGEROUS[:6]:
        assert name not in got
    for name, value in ALLOWED:
        assert got.get(name) == value


def test_unsafe_values_dropped(daemon, login_mode, test_user):
    user, pw = test_user
    env = [(VAR, 'TZ', ':/etc/shadow'), (VAR, 'LANG', '../../tmp/x'),
           (VAR, 'LC_ALL', '/tmp/locale'), (VAR, 'DISPLAY', '/tmp/.X11-unix/X0'),
           (VAR, 'LC_TIME', 'C\x1b[2J')]
    d = daemon(login_mode)
    c = do_login(d.port, user, pw, env=env)
    try:
        assert logged_in_as(c) == user
        got = shell_env(c)
    finally:
        c.close()
    assert got.get('TZ') != ':/etc/shadow'
    assert got.get('LANG') != '../../tmp/x'
    assert 'LC_ALL' not in got
    assert got.get('DISPLAY') != '/tmp/.X11-unix/X0'
    assert got.get('LC_TIME', '') != 'C\x1b[2J'


# ---- the login timeout ------------------------------------------------------

def test_login_timeout(daemon, login_mode):
    d = daemon(login_mode, ['--login-timeout=3'])
    c = TelnetClient(d.port, timeout=20)
    try:
        c.negotiate(term='xterm')
        c.expect(PROMPT)
        t0 = time.monotonic()
        c.read_until_close(timeout=20)
        took = time.monotonic() - t0
    finally:
        c.close()
    assert c.eof
    assert took < 15, took


def test_login_timeout_at_password_prompt(daemon, pam_service,
                                          test_user):
    user, _ = test_user
    d = daemon(['--pam=%s' % pam_service, '--login-timeout=3'])
    c = TelnetClient(d.port, timeout=20)
    try:
        c.negotiate(term='xterm', user=user)
        c.expect(PW_PROMPT)
        c.read_until_close(timeout=20)
    finally:
        c.close()
    assert c.eof
    assert b'timed out' in bytes(c.data)


# ---- pam-login on a pty, without the daemon ---------------------------------

def run_on_pty(argv, steps, timeout=30):
    """Run argv as a session leader on a fresh pty; for each (wait, send)
    step, wait for bytes ``wait`` then write ``send``.  Returns (output,
    exit status)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    out = bytearray()
    deadline = time.monotonic() + timeout
    steps = list(steps)
    seen = 0
    try:
        while time.monotonic() < deadline:
            if steps and steps[0][0] in out[seen:]:
                seen = out.index(steps[0][0], seen) + len(steps[0][0])
                os.write(fd, steps.pop(0)[1])
                continue
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    d = os.read(fd, 4096)
                except OSError:
                    break
                if not d:
                    break
                out += d
    finally:
        if time.monotonic() >= deadline:
            os.kill(pid, 9)
        _, st = os.waitpid(pid, 0)
        os.close(fd)
    return bytes(out), os.waitstatus_to_exitcode(st)


def pam_login_path():
    path = BUILD / 'libexec' / 'telnetd' / 'pam-login'
    assert os.access(path, os.X_OK), '%s is not built' % path
    return str(path)


def test_pam_helper_missing(tmp_path):
    """--pam looks for pam-login at ../libexec/telnetd/ from its own
    directory: a copy of the daemon without it is refused at start."""
    daemon = BUILD / 'telnetd' / 'telnetd'
    (tmp_path / 'sbin').mkdir()
    copy = tmp_path / 'sbin' / 'telnetd'
    copy.write_bytes(daemon.read_bytes())
    copy.chmod(0o755)
    r = subprocess.run([str(copy), '--pam', '--listen=127.0.0.1:1'],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=10)
    assert r.returncode == 2
    err = r.stderr.decode()
    assert err.count('\n') == 1, err
    assert str(tmp_path / 'libexec' / 'telnetd' / 'pam-login') in err, err
    # and with pam-login in place the same copy starts (and is stopped)
    helper = tmp_path / 'libexec' / 'telnetd' / 'pam-login'
    helper.parent.mkdir(parents=True)
    helper.write_bytes(pathlib.Path(pam_login_path()).read_bytes())
    helper.chmod(0o755)
    ok, err = listen_starts(copy, ['--pam'])
    assert ok, err


def test_pam_direct_login_and_env(pam_service, test_user):
    runner = pam_login_path()
    user, pw = test_user
    out, st = run_on_pty(
        [runner, '-s', pam_service, '-T', 'vt100', '-e', 'LANG=C.UTF-8',
         '-e', 'LD_PRELOAD=/tmp/x.so', '-e', 'TZ=UTC0', '-e', 'PATH=/tmp'],
        [(PROMPT, user.encode() + b'\n'), (PW_PROMPT, pw.encode() + b'\n'),
         (b'$ ', b"env | sed 's/^/ENV:/'; echo ARGV0=$0; exit 7\n")])
    assert st == 7, out
    text = out.decode('latin-1').replace('\r\n', '\n')
    env = dict(line[4:].split('=', 1) for line in text.split('\n')
               if line.startswith('ENV:') and '=' in line)
    assert env['USER'] == user and env['LOGNAME'] == user
    assert env['HOME'] == '/home/' + user
    assert env['TERM'] == 'vt100'
    assert env['TZ'] == 'UTC0'
    assert 'LD_PRELOAD' not in env
    assert '/tmp' not in env['PATH'].split(':')
    assert 'ARGV0=-bash' in text
    # the password was not echoed
    assert pw.encode() not in out


def test_pam_direct_hostile_user(pam_service):
    runner = pam_login_path()
    for name in HOSTILE_USERS:
        out, st = run_on_pty([runner, '-s', pam_service, '-u', name,
                              '-t', '2'], [], timeout=15)
        assert st == 1
        assert out.startswith(PROMPT), (name[:20], out)
        assert b'timed out' in out


def test_pam_direct_eof_at_prompt(pam_service):
    """The client goes away at the prompt: exit, no shell."""
    runner = pam_login_path()
    out, st = run_on_pty([runner, '-s', pam_service],
                         [(PROMPT, b'\x04')], timeout=15)
    assert st == 1
    assert b'$ ' not in out
