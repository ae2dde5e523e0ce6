"""test_relay_env.py - what a relay taken over could read in its own memory
of the daemon's environment: nothing but the few variables the daemon
reads itself (title.c's keep_env).

The relay is forked from the daemon, and the daemon was started with the
environment of whoever started it (an admin's shell, inetd's, a unit's
Environment=), which the program never gets (its environment is built
from nothing) and the daemon does not read.  Its strings were left on the
stack where the kernel put them, so every relay, the one process that
parses the network, held them: the scan below found them on main.
"""
from tnclient import TelnetClient
from test_confinement import session_procs, sanitizer_build, TPROG
from test_tls import read_memory


def test_daemon_environment_not_in_relay(listen_daemon):
    import os
    secret = b'TD-ENV-SECRET-%d' % os.getpid()
    d = listen_daemon(['-E', TPROG + ' lines'],
                      env=dict(os.environ, TD_SECRET_VAR=secret.decode()))
    cl = TelnetClient(d.port, timeout=10)
    try:
        cl.negotiate()
        cl.expect(b'READY')
        relay, _ = session_procs(d, set())
        memory = read_memory(relay)
        # The scan read the stack, where the kernel put the environment
        # (and where main's relays had it).
        assert any(name.endswith('[stack]') and len(data) > 0
                   for name, data in memory), [n for n, _ in memory]
        # The whole memory: but a sanitizer's runtime reads
        # /proc/self/environ into a buffer of its own before main (never
        # an installed build), so there only the stack.
        where = [name for name, data in memory if secret in data and
                 (not sanitizer_build() or name.endswith('[stack]'))]
        assert where == [], where
        with open('/proc/%d/environ' % relay, 'rb') as f:
            assert secret not in f.read()
    finally:
        cl.close()
