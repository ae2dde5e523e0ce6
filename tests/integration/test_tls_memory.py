"""test_tls_memory.py - what an idle TLS session costs beyond a plain one.

A --listen relay is a fork of the listener and shares its heap until it
writes a page.  Two things keep a TLS session from copying much of it:
OpenSSL's locks are no-ops in tls-helper, a program of one thread
(tls/nolock.c), and the objects a handshake writes (method reference
counts, the random generators, the error state) are packed on pages of
their own (tls/pack.c).  These tests hold both in place: the first checks
the property the no-op locks rest on, the second counts the listener's
pages a session's relay has copied, page by page through pagemap.
"""
import os
import struct
import subprocess
import time

import pytest

from conftest import BUILD, _need
from test_tls import ca  # noqa: F401
from test_tls_sessions import cat_session, session_pids
from test_daemon_procs import proc_status

SANITIZED = 'asan' in os.environ.get('TELNETD_BUILD', '')
HELPER = BUILD / 'libexec' / 'telnetd' / 'tls-helper'
PAGE = os.sysconf('SC_PAGESIZE')


def symbols(path):
    out = subprocess.run(['nm', str(path)], capture_output=True, text=True,
                         check=True).stdout
    return {f[-1]: f[-2] for f in (line.split() for line in
                                   out.splitlines()) if len(f) >= 2}


@pytest.mark.skipif(SANITIZED, reason='the sanitizer build links OpenSSL\'s '
                    'shared library, whose own calls keep its real locks')
def test_tls_helper_cannot_start_a_thread():
    """The no-op locks are safe because tls-helper is one thread: linked
    statically with no pthread_create in it, nothing can start a second;
    and OpenSSL's lock calls are the wrappers."""
    syms = symbols(_need(HELPER))
    assert not [s for s in syms if 'pthread_create' in s]
    for f in ('read_lock', 'write_lock', 'unlock'):
        assert syms.get('__wrap_CRYPTO_THREAD_' + f) == 'T', f
    ph = subprocess.run(['readelf', '-lW', str(HELPER)], capture_output=True,
                        text=True, check=True).stdout
    assert 'INTERP' not in ph, 'tls-helper is not static'


def pages(pid):
    """{virtual page: physical frame} of PID's writable mappings but its
    stack (which the handshake's depth decides, not the layout)."""
    out = {}
    with open('/proc/%d/maps' % pid) as f:
        spans = [line.split() for line in f]
    with open('/proc/%d/pagemap' % pid, 'rb') as pm:
        for f in spans:
            if not f[1].startswith('rw') or f[-1] == '[stack]':
                continue
            a, b = (int(x, 16) for x in f[0].split('-'))
            pm.seek(a // PAGE * 8)
            data = pm.read((b - a) // PAGE * 8)
            for i in range(len(data) // 8):
                v, = struct.unpack_from('<Q', data, i * 8)
                if v >> 63:
                    out[a + i * PAGE] = v & ((1 << 55) - 1)
    return out


def copied(child, parent):
    """Pages CHILD holds at an address where PARENT has a page, but not the
    same one: copies made on write."""
    p = pages(parent)
    return sum(1 for a, fr in pages(child).items() if a in p and p[a] != fr)


# Measured with Debian 12's OpenSSL 3.0.19: 31 copies before the no-op
# locks and the packing, 24 after (11 of the heap, 6 of the pack, 4 of the
# binary's data, 3 of its bss), most of them pages the relay writes a few
# bytes of (a reference count up and down again) or its own session state
# placed in the listener's free heap.
COPIED_MAX = 26


@pytest.mark.skipif(SANITIZED, reason='AddressSanitizer maps shadow memory '
                    'for every page the relay writes: the count is the '
                    'shipped build\'s')
def test_idle_tls_relay_copies_few_listener_pages(listen_daemon, ca):  # noqa: F811
    if os.geteuid() != 0:
        pytest.skip('physical frames in pagemap need root')
    d, c = cat_session(listen_daemon, ca)
    try:
        pids = session_pids(d)
        assert len(pids['relay']) == 1, pids
        relay = pids['relay'][0]
        # Its parent: the program's child may still be a root telnetd,
        # not yet /bin/cat (the pty, not cat, echoed the line).
        monitor = int(proc_status(relay)['PPid'])
        assert monitor in pids['monitor'], (monitor, pids)
        time.sleep(0.3)     # past the idle trim (a tenth of a second)
        n = copied(relay, monitor)
        assert n <= COPIED_MAX, n
        c.send_data(b'again\r\n')
        c.expect(b'again')
    finally:
        c.close()
