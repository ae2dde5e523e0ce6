"""test_docs.py - the manual page, --help and --version, make install and
uninstall, and the launcher files in contrib/.

  * man/telnetd.8 passes `mandoc -Tlint` with no message at all, except the
    host-dependent cross-reference look-ups explained in lint_problems();
  * every option in `telnetd --help` is in the manual's SYNOPSIS and option
    list, and every option the manual names is in --help;
  * --help, --version and -V exit 0; a bad command line exits 2 with one line
    on standard error, as EXIT STATUS says;
  * `make install DESTDIR=... PREFIX=/usr` installs sbin/telnetd,
    libexec/telnetd/pam-login, share/man/man8/telnetd.8,
    etc/pam.d/telnetd and the sysusers.d / tmpfiles.d files of the relay's
    user (creating no user: DESTDIR is set), and `make uninstall`
    removes them; without DESTDIR it runs tools/privsep-user.sh, which
    creates the telnetd user with systemd-sysusers or useradd;
  * the systemd units pass `systemd-analyze verify`, the xinetd service file
    really serves the daemon, and the binary path in every contrib file is
    where `make install` puts it by default.

Tests that need the daemon fail (they never skip) while it is not built: the
binary is $TELNETD_BUILD/telnetd/telnetd.
"""

import os
import pathlib
import re
import shutil
import signal
import socket
import stat
import subprocess
import time

import pytest

from conftest import listen_starts

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get('TELNETD_BUILD') or REPO).resolve()
TELNETD = BUILD / 'telnetd' / 'telnetd'
MAN = REPO / 'man' / 'telnetd.8'
PAM_FILE = REPO / 'pam' / 'telnetd.pam'
SYSUSERS = REPO / 'contrib' / 'telnetd.sysusers.conf'
TMPFILES = REPO / 'contrib' / 'telnetd.tmpfiles.conf'
PAM_LOGIN = BUILD / 'libexec' / 'telnetd' / 'pam-login'
TLS_HELPER = BUILD / 'libexec' / 'telnetd' / 'tls-helper'
CONTRIB = REPO / 'contrib'
# Where the contrib files expect the binary: make install's default PREFIX.
INSTALLED_BINARY = '/usr/local/sbin/telnetd'

# Every page the manual refers to (.Xr), with the package that has it.
# Whether a page is installed depends on the host (inetd(8) comes with
# whichever inetd the admin chose, seccomp(2) and syslog(3) with
# manpages-dev), so mandoc's "referenced manual not found" is accepted for
# these when the page is indeed absent here.  A reference to a page not in
# this list that mandoc cannot find (a typo) fails the lint test.
XR_PAGES = {
    ('haproxy', '1'): 'haproxy', ('journalctl', '1'): 'systemd',
    ('ps', '1'): 'procps', ('sshd', '8'): 'openssh-server',
    ('update-inetd', '8'): 'update-inetd',
    ('inetd', '8'): 'openbsd-inetd', ('inetd.conf', '5'): 'openbsd-inetd',
    ('issue', '5'): 'manpages', ('login', '1'): 'login',
    ('nsswitch.conf', '5'): 'manpages',
    ('pam', '7'): 'libpam-runtime', ('pam.d', '5'): 'libpam-runtime',
    ('pam_securetty', '8'): 'libpam-modules',
    ('pam_succeed_if', '8'): 'libpam-modules', ('pty', '7'): 'manpages',
    ('seccomp', '2'): 'manpages-dev', ('ssh', '1'): 'openssh-client',
    ('sshd', '8'): 'openssh-server',
    ('syslog', '3'): 'manpages-dev', ('systemd', '1'): 'systemd',
    ('systemd.socket', '5'): 'systemd',
    ('systemd-sysusers', '8'): 'systemd',
    ('systemd-tmpfiles', '8'): 'systemd', ('telnet', '1'): 'inetutils-telnet',
    ('useradd', '8'): 'passwd',
    ('utmp', '5'): 'manpages', ('wtmp', '5'): 'manpages',
    ('xinetd', '8'): 'xinetd', ('xinetd.conf', '5'): 'xinetd',
}


def daemon():
    """The built daemon, or a loud failure naming what is missing."""
    if not os.access(TELNETD, os.X_OK):
        pytest.fail('the daemon is not built: %s is missing (build it with '
                    '"make", or set TELNETD_BUILD)' % TELNETD)
    return str(TELNETD)


def run(argv, timeout=20, **kw):
    kw.setdefault('stdin', subprocess.DEVNULL)
    return subprocess.run(argv, capture_output=True, text=True,
                          timeout=timeout, **kw)


def clean_env():
    """The environment for a nested make: nothing from an outer make."""
    env = dict(os.environ)
    for k in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'O',
              'DESTDIR', 'PREFIX', 'SBINDIR', 'MANDIR', 'PAMDIR'):
        env.pop(k, None)
    return env


# --- the manual ------------------------------------------------------------

def man_page_exists(name, section):
    """True when the manual NAME(SECTION) is installed on this host."""
    if shutil.which('man'):
        r = run(['man', '-w', section, name])
        if r.returncode == 0 and r.stdout.strip():
            return True
    for root in ('/usr/share/man', '/usr/local/share/man', '/usr/local/man'):
        d = pathlib.Path(root) / ('man' + section)
        if d.is_dir() and any(d.glob('%s.%s*' % (name, section))):
            return True
    return False


def lint_problems(text):
    """The lines of `mandoc -Tlint` output that are real problems.

    Two kinds of line depend on the host, not on the page, and are let
    through: "outdated mandoc.db lacks NAME(SEC) entry" (mandoc found the
    referenced page on disk but this host has no mandoc.db; Debian does not
    build one), and "referenced manual not found" for a page in XR_PAGES
    that is indeed not installed here.  Anything else,
    including a cross-reference to a page that does not exist at all (a
    typo), is a problem.
    """
    problems = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if re.search(r'outdated mandoc\.db lacks \S+\(\w+\) entry', line):
            continue
        m = re.search(r'STYLE: referenced manual not found: Xr (\S+) (\w+)',
                      line)
        if m and (m.group(1), m.group(2)) in XR_PAGES and \
                not man_page_exists(m.group(1), m.group(2)):
            continue
        problems.append(line)
    return problems


def test_man_page_lint_clean():
    assert MAN.is_file(), '%s is missing' % MAN
    mandoc = shutil.which('mandoc')
    assert mandoc, 'mandoc is not installed (tools/deps.sh installs it)'
    r = run([mandoc, '-Tlint', str(MAN)])
    problems = lint_problems(r.stdout + r.stderr)
    assert not problems, 'mandoc -Tlint %s:\n%s' % (MAN, '\n'.join(problems))


def test_xr_pages_listed():
    """XR_PAGES names exactly the pages the manual refers to."""
    refs = set(re.findall(r'^\.Xr (\S+) (\w+)', MAN.read_text(), re.M))
    assert refs == set(XR_PAGES), 'update XR_PAGES: only in the manual ' \
        '%s, only in XR_PAGES %s' % (sorted(refs - set(XR_PAGES)),
                                      sorted(set(XR_PAGES) - refs))


def test_man_page_renders():
    r = run(['mandoc', '-Tascii', '-Owidth=80', str(MAN)])
    assert r.returncode == 0, r.stderr
    text = re.sub(r'.\x08', '', r.stdout)   # overstrike bold/underline
    wide = [l for l in text.splitlines() if len(l) > 80]   # literal lines
    assert not wide, 'wider than an 80-column terminal:\n' + '\n'.join(wide)
    for section in ('NAME', 'SYNOPSIS', 'DESCRIPTION', 'ENVIRONMENT',
                    'FILES', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO',
                    'STANDARDS', 'SECURITY CONSIDERATIONS'):
        assert re.search(r'^%s$' % section, text, re.M), \
            'section %s missing from the manual' % section
    for path in ('/etc/issue.net', '/etc/pam.d/telnetd'):
        assert path in text, '%s not in the manual' % path


def mdoc_section(src, name):
    """The source lines of one .Sh section."""
    m = re.search(r'^\.Sh %s\n(.*?)(?=^\.Sh |\Z)' % re.escape(name), src,
                  re.M | re.S)
    assert m, '.Sh %s not found in %s' % (name, MAN)
    return m.group(1)


def mdoc_options(src):
    """(long, short) option names written with Fl in mdoc source.

    `Fl -listen` (or `Fl \\-listen`) is a long option; `Fl hnUV` is a group
    of short ones.  Only macro lines count, so literal text in EXAMPLES
    (other programs' flags) does not.
    """
    longs, shorts = set(), set()
    for line in src.splitlines():
        if not line.startswith('.'):
            continue
        for m in re.finditer(r'\bFl\s+(\\?-)?([A-Za-z][A-Za-z0-9-]*)', line):
            if m.group(1):
                longs.add(m.group(2))
            else:
                shorts.update(m.group(2))
    return longs, shorts


def help_text():
    r = run([daemon(), '--help'])
    assert r.returncode == 0, 'telnetd --help exited %d: %s' % (
        r.returncode, r.stderr)
    return r.stdout


def help_options(text):
    """(long, short) option names in --help output."""
    longs = set(re.findall(r'(?<![\w-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)',
                           text))
    shorts = set()
    for line in text.splitlines():
        # "  -E, --exec-login=STRING  ..." and "usage: telnetd [-hnUV] ..."
        for m in re.finditer(r'(?:^\s*|\[|,\s*|\s)-([A-Za-z]+)(?=[\s,\[\]=]|$)',
                             line):
            word = m.group(1)
            if len(word) == 1 or m.group(0).startswith('['):
                shorts.update(word)
    return longs, shorts


def test_help_options_are_in_the_manual_and_back():
    hl, hs = help_options(help_text())
    assert hl, 'no long options found in --help'
    src = MAN.read_text()
    ml, ms = mdoc_options(src)
    missing = sorted(hl - ml)
    extra = sorted(ml - hl)
    assert not missing, 'in --help but not in man/telnetd.8: --%s' % \
        ', --'.join(missing)
    assert not extra, 'in man/telnetd.8 but not in --help: --%s' % \
        ', --'.join(extra)
    assert not (hs - ms), 'short options in --help but not in the manual: ' \
        '-%s' % ' -'.join(sorted(hs - ms))


def help_usage(text):
    """The usage lines of --help: everything before the first blank line."""
    return text.split('\n\n', 1)[0]


def test_negotiation_deadline_is_one_number():
    """The silent-client deadline is the header's NEG_TIMEOUT_MS in every
    place that states it: --help, both places in the manual, the README;
    never "one second" beside "800 ms"."""
    header = (REPO / 'telnetd' / 'config.h').read_text()
    ms = int(re.search(r'#define NEG_TIMEOUT_MS\s+(\d+)', header).group(1))
    man = MAN.read_text()
    assert re.search(r'\(1 to 60000; default %d\)' % ms, man), \
        'the --negotiation-timeout entry'
    assert re.search(r'negotiation-timeout , No %d milliseconds by default'
                     % ms, man), 'the session description'
    assert 'one second' not in man
    help_text = run([daemon(), '--help']).stdout
    assert re.search(r'--negotiation-timeout=MS .*\(%d\)' % ms, help_text)
    readme = (REPO / 'README.md').read_text()
    assert 'one second' not in readme and '1000 ms' not in readme
    stale = 'default %d ms' % 1000      # (not written out: this file)
    for f in (REPO / 'tests' / 'integration').glob('*.py'):
        assert stale not in f.read_text(), f


def test_tls_deadlines_are_the_headers():
    """The manual's TLS deadlines are what the relay does with the
    header's TLS_HANDSHAKE_MS: the handshake's own (tls.c), the client's
    FOLLOWS after its WILL, and after START_TLS our FOLLOWS's wait to
    leave before the handshake starts (tls_session.c), so a client has up
    to twice it from its FOLLOWS, not the once the manual said."""
    header = (REPO / 'telnetd' / 'tls.h').read_text()
    ms = int(re.search(r'#define TLS_HANDSHAKE_MS\s+(\d+)', header).group(1))
    assert ms % 1000 == 0, ms
    s = ms // 1000
    man = ' '.join(MAN.read_text().split())
    for said in ('handshake must finish within %d seconds of its start' % s,
                 'must send its own FOLLOWS within %d seconds' % s,
                 'within %d seconds of the client\'s FOLLOWS' % s,
                 'at most %d seconds' % (2 * s)):
        assert said in man, said


def test_synopsis_equals_help():
    usage = help_usage(help_text())
    assert usage.startswith('usage: telnetd'), usage
    hl, hs = help_options(usage)
    sl, ss = mdoc_options(mdoc_section(MAN.read_text(), 'SYNOPSIS'))
    assert sl == hl, 'SYNOPSIS long options differ from the usage in ' \
        '--help: only in SYNOPSIS %s, only in --help %s' % (
            sorted(sl - hl), sorted(hl - sl))
    assert ss == hs, 'SYNOPSIS short options differ from the usage in ' \
        '--help: only in SYNOPSIS %s, only in --help %s' % (
            sorted(ss - hs), sorted(hs - ss))
    # Word for word, values too (the manual writes them in lower case).
    text = re.sub(r'.\x08', '', run(['mandoc', '-Tascii', str(MAN)]).stdout)
    syn = re.search(r'^SYNOPSIS\n(.*?)\n(?=\S)', text, re.M | re.S).group(1)
    syn, use = ' '.join(syn.split()), ' '.join(usage.split()[1:])
    assert syn.lower() == use.lower(), 'SYNOPSIS:\n%s\n--help:\n%s' % (
        syn, use)


def test_every_help_option_has_an_entry():
    hl, hs = help_options(help_text())
    items = '\n'.join(l for l in MAN.read_text().splitlines()
                      if l.startswith('.It Fl'))
    il, is_ = mdoc_options(items)
    assert not (hl - il), 'no .It entry for --%s' % ', --'.join(
        sorted(hl - il))
    assert not (hs - is_), 'no .It entry for -%s' % ' -'.join(
        sorted(hs - is_))


# --- --help, --version, exit status -----------------------------------------

def makefile_version():
    m = re.search(r'^VERSION\s*:?=\s*(\S+)', (REPO / 'Makefile').read_text(),
                  re.M)
    assert m, 'no VERSION in the Makefile'
    return m.group(1)


@pytest.mark.parametrize('flag', ['--version', '-V'])
def test_version_exits_zero(flag):
    r = run([daemon(), flag])
    assert r.returncode == 0, '%s exited %d: %s' % (flag, r.returncode,
                                                    r.stderr)
    assert makefile_version() in r.stdout, r.stdout
    assert r.stderr == ''


def test_help_exits_zero():
    r = run([daemon(), '--help'])
    assert r.returncode == 0, r.stderr
    assert r.stderr == ''
    assert '--listen' in r.stdout and '--help' in r.stdout


@pytest.mark.parametrize('argv', [
    ['--no-such-option'],
    ['-E', 'bin/login'],              # the program must be an absolute path
    ['-E', '/bin/login %x'],          # unknown escape
    ['--accept-env=LD_PRELOAD'],      # never accepted
    ['--debug=nosuchmode'],
], ids=lambda a: ' '.join(a))
def test_bad_command_line_exits_two(argv):
    r = run([daemon()] + argv, timeout=10)
    assert r.returncode == 2, 'telnetd %s exited %d (want 2): %s' % (
        ' '.join(argv), r.returncode, r.stderr)
    assert r.stdout == ''
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, 'want one line on stderr, got:\n%s' % r.stderr


# --- make install / uninstall ------------------------------------------------

def make(*args):
    # -o: never rebuild the daemon here (the build tree may be a sanitizer
    # build made with other flags); install what `make` built.
    return run(['make', '--no-print-directory', '-C', str(REPO),
                'O=%s' % BUILD, '-o', '%s/telnetd/telnetd' % BUILD,
                '-o', '%s/libexec/telnetd/pam-login' % BUILD,
                '-o', '%s/libexec/telnetd/tls-helper' % BUILD] +
               list(args), timeout=120, env=clean_env())


def test_install_and_uninstall(tmp_path):
    daemon()
    if not PAM_FILE.is_file():
        pytest.fail('%s is missing: make install puts it at '
                    '/etc/pam.d/telnetd (it belongs to the --pam login '
                    'path in pam/)' % PAM_FILE.relative_to(REPO))
    dest = tmp_path / 'root'
    r = make('install', 'DESTDIR=%s' % dest, 'PREFIX=/usr')
    assert r.returncode == 0, 'make install failed:\n%s%s' % (r.stdout,
                                                              r.stderr)
    # With DESTDIR (a package being built) no user is created here.
    assert 'no user created' in r.stdout, r.stdout
    assert 'privsep-user.sh' not in r.stdout + r.stderr
    want = {
        'usr/sbin/telnetd': (0o755, TELNETD),
        'usr/libexec/telnetd/pam-login': (0o755, PAM_LOGIN),
        'usr/libexec/telnetd/tls-helper': (0o755, TLS_HELPER),
        'usr/share/man/man8/telnetd.8': (0o644, MAN),
        'etc/pam.d/telnetd': (0o644, PAM_FILE),
        'usr/lib/sysusers.d/telnetd.conf': (0o644, SYSUSERS),
        'usr/lib/tmpfiles.d/telnetd.conf': (0o644, TMPFILES),
    }
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob('*')
                   if not p.is_dir())
    assert files == sorted(want), 'installed files: %s' % files
    for rel, (mode, src) in want.items():
        p = dest / rel
        assert stat.S_IMODE(p.stat().st_mode) == mode, '%s mode %o' % (
            rel, stat.S_IMODE(p.stat().st_mode))
        assert p.read_bytes() == src.read_bytes(), '%s differs from %s' % (
            rel, src)
    r = run([str(dest / 'usr/sbin/telnetd'), '--version'])
    assert r.returncode == 0, r.stderr
    # the installed daemon finds the installed pam-login (a missing one
    # is exit status 2, see test_login.test_pam_helper_missing)
    ok, err = listen_starts(dest / 'usr/sbin/telnetd', ['--pam'])
    assert ok, err

    r = make('uninstall', 'DESTDIR=%s' % dest, 'PREFIX=/usr')
    assert r.returncode == 0, 'make uninstall failed:\n%s%s' % (r.stdout,
                                                                r.stderr)
    left = sorted(str(p.relative_to(dest)) for p in dest.rglob('*')
                  if not p.is_dir())
    assert left == [], 'left after make uninstall: %s' % left


def test_install_creates_the_privsep_user():
    """Without DESTDIR, make install runs tools/privsep-user.sh on the
    installed sysusers.d and tmpfiles.d files (shown with make -n: the
    user is created for real by make check, through tools/deps.sh)."""
    daemon()
    r = make('-n', 'install', 'PREFIX=/opt/td')
    assert r.returncode == 0, r.stderr
    assert re.search(r'bash tools/privsep-user.sh '
                     r'/opt/td/lib/sysusers.d/telnetd.conf\s+\\?\s*'
                     r'/opt/td/lib/tmpfiles.d/telnetd.conf', r.stdout), \
        r.stdout


SYSUSERS_TEXT = ('# telnetd(8): the unprivileged user of the relay, which '
                 'parses the network.\n'
                 'u telnetd - "telnetd privilege separation" /run/telnetd '
                 '/usr/sbin/nologin\n')
TMPFILES_TEXT = ("# telnetd(8): the relay's empty root directory.\n"
                 'd /run/telnetd 0755 root root -\n')


def test_sysusers_and_tmpfiles_files(tmp_path):
    """The two files (the Debian packaging ships the same ones) make the
    telnetd system user and the root-owned empty /run/telnetd, as
    systemd-sysusers and systemd-tmpfiles read them."""
    assert SYSUSERS.read_text() == SYSUSERS_TEXT
    assert TMPFILES.read_text() == TMPFILES_TEXT
    root = tmp_path / 'root'
    (root / 'etc').mkdir(parents=True)
    r = run(['systemd-sysusers', '--root=%s' % root, str(SYSUSERS)])
    assert r.returncode == 0, r.stderr
    users = [l.split(':') for l in (root / 'etc/passwd').read_text()
             .splitlines()]
    td = [u for u in users if u[0] == 'telnetd']
    assert len(td) == 1, users
    name, _, uid, gid, gecos, home, shell = td[0]
    assert 0 < int(uid) < 1000 and int(gid) == int(uid), td
    assert (home, shell) == ('/run/telnetd', '/usr/sbin/nologin')
    r = run(['systemd-tmpfiles', '--create', '--root=%s' % root,
             str(TMPFILES)])
    assert r.returncode == 0, r.stderr
    st = (root / 'run/telnetd').stat()
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o755
    assert st.st_uid == 0 and st.st_gid == 0
    assert list((root / 'run/telnetd').iterdir()) == []


def test_privsep_user_script_without_systemd(tmp_path):
    """Where systemd-sysusers is not installed, tools/privsep-user.sh runs
    useradd --system with the same home and shell, and makes /run/telnetd
    with install -d (both stand-ins here record their arguments)."""
    fake = tmp_path / 'bin'
    fake.mkdir()
    log = tmp_path / 'calls'
    for tool in ('dirname', 'realpath', 'id'):
        os.symlink(shutil.which(tool), fake / tool)
    (fake / 'useradd').write_text('#!/bin/sh\necho "useradd $*" >> %s\n'
                                  % log)
    (fake / 'install').write_text('#!/bin/sh\necho "install $*" >> %s\n'
                                  % log)
    # No user until useradd has run.
    (fake / 'getent').write_text('#!/bin/sh\n[ -s %s ]\n' % log)
    for f in ('useradd', 'install', 'getent'):
        os.chmod(fake / f, 0o755)
    r = subprocess.run(['/bin/bash', str(REPO / 'tools/privsep-user.sh')],
                       env={'PATH': str(fake)}, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert log.read_text().splitlines() == [
        'useradd --system --no-create-home --home-dir /run/telnetd '
        '--shell /usr/sbin/nologin telnetd',
        'install -d -m 0755 -o root -g root /run/telnetd'], log.read_text()
    # An existing user is left alone.
    log.write_text('useradd done\n')
    r = subprocess.run(['/bin/bash', str(REPO / 'tools/privsep-user.sh')],
                       env={'PATH': str(fake)}, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert log.read_text().splitlines() == [
        'useradd done',
        'install -d -m 0755 -o root -g root /run/telnetd']


def test_default_prefix_matches_contrib():
    """make install's default binary path is the one the contrib files use."""
    daemon()
    r = make('-n', 'install', 'DESTDIR=/DESTDIR')
    assert r.returncode == 0, r.stderr
    assert '/DESTDIR' + INSTALLED_BINARY in r.stdout, r.stdout
    for f in ('telnetd@.service', 'telnetd-listen.service',
              'xinetd.d/telnetd', 'inetd.conf.example'):
        assert INSTALLED_BINARY in (CONTRIB / f).read_text(), \
            'contrib/%s does not run %s' % (f, INSTALLED_BINARY)


# --- contrib/ ------------------------------------------------------------------

UNITS = ('telnetd.socket', 'telnetd@.service', 'telnetd-listen.service')


def unit_settings(name):
    """{key: [values]} of a unit file, comments dropped."""
    out = {}
    for line in (CONTRIB / name).read_text().splitlines():
        line = line.strip()
        if not line or line[0] in '#;[' or '=' not in line:
            continue
        k, v = line.split('=', 1)
        out.setdefault(k.strip(), []).append(v.strip())
    return out


def test_units_say_what_the_modes_need():
    sock = unit_settings('telnetd.socket')
    assert sock['Accept'] == ['yes']
    svc = unit_settings('telnetd@.service')
    assert svc['StandardInput'] == ['socket']
    assert svc['ExecStart'][0].lstrip('-@:+!').split()[0] == INSTALLED_BINARY
    assert '--listen' not in svc['ExecStart'][0]
    lst = unit_settings('telnetd-listen.service')
    assert '--listen' in lst['ExecStart'][0]


def test_units_verify(tmp_path):
    analyze = shutil.which('systemd-analyze')
    assert analyze, 'systemd-analyze is not installed (package systemd)'
    # A stand-in for the installed binary, so the check does not depend on
    # `make install` having been run on this host.
    fake = tmp_path / 'sbin' / 'telnetd'
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nexit 0\n')
    fake.chmod(0o755)
    units = tmp_path / 'units'
    units.mkdir()
    for name in UNITS:
        (units / name).write_text((CONTRIB / name).read_text().replace(
            INSTALLED_BINARY, str(fake)))
    shutil.copy(units / 'telnetd@.service', units / 'telnetd@test.service')
    r = run([analyze, 'verify'] + ['./' + n for n in UNITS] +
            ['./telnetd@test.service'], cwd=units, timeout=60)
    out = (r.stdout + r.stderr).strip()
    assert r.returncode == 0 and out == '', 'systemd-analyze verify:\n' + out


def test_inetd_conf_example():
    lines = [l.split() for l in
             (CONTRIB / 'inetd.conf.example').read_text().splitlines()
             if l.strip() and not l.lstrip().startswith('#')]
    assert lines
    for f in lines:
        assert f[1] == 'stream' and f[2] in ('tcp', 'tcp4', 'tcp6') and \
            f[3] == 'nowait' and f[4] == 'root' and \
            f[5] == INSTALLED_BINARY and f[6] == 'telnetd', f


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_xinetd_service_file_serves_the_daemon(tmp_path):
    """contrib/xinetd.d/telnetd, with only its port and binary path changed,
    makes xinetd start the daemon, which opens the negotiation at once."""
    binary = daemon()
    xinetd = shutil.which('xinetd') or '/usr/sbin/xinetd'
    assert os.access(xinetd, os.X_OK), 'xinetd is not installed'
    if os.geteuid() != 0:
        pytest.skip('the service file says user = root: needs root')
    port = free_port()
    text = (CONTRIB / 'xinetd.d' / 'telnetd').read_text()
    text, n = re.subn(r'(?m)^(\s*port\s*=\s*)23\s*$', r'\g<1>%d' % port,
                      text)
    assert n == 1, 'no "port = 23" line in contrib/xinetd.d/telnetd'
    text = text.replace(INSTALLED_BINARY, binary)
    conf = tmp_path / 'd'
    conf.mkdir()
    (conf / 'telnetd').write_text(text)
    (tmp_path / 'xinetd.conf').write_text(
        'defaults\n{\n}\nincludedir %s\n' % conf)
    log = tmp_path / 'xinetd.log'
    proc = subprocess.Popen(
        [xinetd, '-dontfork', '-filelog', str(log), '-pidfile',
         str(tmp_path / 'pid'), '-f', str(tmp_path / 'xinetd.conf')],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    try:
        data = b''
        deadline = time.monotonic() + 10
        sock = None
        while time.monotonic() < deadline and sock is None:
            try:
                sock = socket.create_connection(('127.0.0.1', port),
                                                timeout=1)
            except OSError:
                assert proc.poll() is None, 'xinetd exited: %s %s' % (
                    proc.stderr.read().decode(errors='replace'),
                    log.read_text() if log.exists() else '')
                time.sleep(0.1)
        assert sock is not None, 'xinetd never listened on %d' % port
        with sock:
            sock.settimeout(5)
            while len(data) < 3:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        assert data[:1] == b'\xff', \
            'want the server\'s option requests (IAC ...), got %r\n%s' % (
                data[:80], log.read_text() if log.exists() else '')
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
