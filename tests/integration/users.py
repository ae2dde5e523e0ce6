"""users.py - local users for the login tests (needs root).

    ensure_test_user(name='tduser', password=TEST_PASSWORD) -> (name, password)
        a normal user with a home (/home/NAME), shell /bin/bash, that password.
    ensure_locked_user(name='tdlocked', password=LOCKED_PASSWORD) -> (name, pw)
        the same, then locked with usermod -L: the right password must fail.

Only users we create carry the GECOS marker below.  A user of that name that
exists without the marker belongs to the host: it is never modified or
removed, and UserError is raised (the fixtures turn it into a skip).  A
marked user from an earlier run is reused (its password and lock state are
set again).  Users are kept after the run by default, so later runs start
faster; with TELNETD_TEST_REMOVE_USERS=1, cleanup() (called at the end of
the pytest session) removes the users created in this same run, and only
those.
"""

import fcntl
import os
import pwd
import subprocess

MARKER = 'telnetd integration test user'
TEST_PASSWORD = 'Td-test-pw-4711'
LOCKED_PASSWORD = 'Td-locked-pw-4712'
LOCK_FILE = '/run/lock/telnetd-test-users.lock'

_created = []


class UserError(RuntimeError):
    pass


def _run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, timeout=30, **kw)
    if r.returncode != 0:
        raise UserError('%s failed (%d): %s' % (' '.join(argv), r.returncode,
                                                 r.stderr.decode(errors='replace')))
    return r


def _lookup(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _ensure(name, password, locked):
    os.makedirs(os.path.dirname(LOCK_FILE), exist_ok=True)
    with open(LOCK_FILE, 'a') as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        pw = _lookup(name)
        if pw is None:
            _run(['useradd', '-m', '-s', '/bin/bash', '-c', MARKER, name])
            _created.append(name)
        elif pw.pw_gecos != MARKER:
            raise UserError('user %r exists and is not ours (GECOS %r): '
                            'left alone' % (name, pw.pw_gecos))
        _run(['chpasswd'], input=('%s:%s\n' % (name, password)).encode())
        _run(['usermod', '-L' if locked else '-U', name])
    return name, password


def ensure_test_user(name='tduser', password=TEST_PASSWORD):
    return _ensure(name, password, locked=False)


def ensure_locked_user(name='tdlocked', password=LOCKED_PASSWORD):
    return _ensure(name, password, locked=True)


def created():
    """Names created in this run."""
    return list(_created)


def cleanup():
    """Remove the users this run created, when TELNETD_TEST_REMOVE_USERS=1."""
    if os.environ.get('TELNETD_TEST_REMOVE_USERS') != '1':
        return
    while _created:
        name = _created.pop()
        pw = _lookup(name)
        if pw is not None and pw.pw_gecos == MARKER:
            subprocess.run(['userdel', '-r', name], capture_output=True,
                           timeout=30)
