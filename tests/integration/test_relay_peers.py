"""test_relay_peers.py - what a relay taken over could read in its own
memory of the daemon's other clients: nothing.

With --listen every session is forked from the listener, and a fork copies
the listener's memory: its table of running sessions (each client's
address, for --max-per-host and the line when it ends) and what its own
stack last held (the lines it logged about other connections).  The relay
is the one process that parses the network; taken over, it must not learn
who else is connected.  Other clients connect from 127.0.0.2 and 127.0.0.3
(loopback, another source address), the one looked at from 127.0.0.4.
"""
from tnclient import TelnetClient
from test_confinement import session_procs, TPROG
from test_tls import read_memory

OTHERS = ('127.0.0.2', '127.0.0.3')


def new_session_memory(d):
    """A session from 127.0.0.4 and its relay's memory, once it runs:
    (client, memory).  The scan must see the relay's own client."""
    known = set(d.descendants())
    cl = TelnetClient(d.port, source='127.0.0.4', timeout=10)
    cl.negotiate()
    cl.expect(b'READY')
    relay, _ = session_procs(d, known)
    assert relay is not None
    memory = read_memory(relay)
    assert any(b'127.0.0.4' in data for _, data in memory), \
        'the scan does not see the relay\'s own client'
    return cl, memory


def peers_in(memory):
    """(mapping, address) of every other client's address in memory."""
    return sorted({(name, a) for name, data in memory for a in OTHERS
                   if a.encode() in data})


def test_other_clients_not_in_relay_memory(listen_daemon):
    d = listen_daemon(['-E', TPROG + ' lines'])
    others, cl = [], None
    try:
        # One session that ended (its line logged, its entry removed)
        # and one still running (its entry in the table).
        for a in OTHERS:
            o = TelnetClient(d.port, source=a, timeout=10)
            o.negotiate()
            o.expect(b'READY')
            others.append(o)
        others[0].close()
        d.wait_stderr(r'session \d+ from 127\.0\.0\.2 ended')
        cl, memory = new_session_memory(d)
        assert peers_in(memory) == []
        # The listener itself still knows them (the scan works there).
        listener = read_memory(d.pid)
        assert ('127.0.0.3' in {a for _, a in peers_in(listener)})
    finally:
        for o in others:
            o.close()
        if cl is not None:
            cl.close()


def test_proxied_clients_not_in_relay_memory(listen_daemon):
    """Behind a PROXY header: the address a proxy named for a running
    session, and the header bytes of a connection still awaiting its
    header, are not in a new session's relay either."""
    import socket
    d = listen_daemon(['--proxy-from=127.0.0.1', '-E', TPROG + ' lines'])
    done = TelnetClient(d.port, timeout=10)
    waiting = socket.create_connection(('127.0.0.1', d.port), 5)
    cl = None
    try:
        done.sock.sendall(b'PROXY TCP4 192.0.2.88 198.51.100.1 5555 23\r\n')
        done.negotiate()
        done.expect(b'READY')
        waiting.sendall(b'PROXY TCP4 192.0.2.77 198.51.100.1 ')
        cl, memory = new_session_memory(d)
        assert sorted({(name, a) for name, data in memory
                       for a in (b'192.0.2.88', b'192.0.2.77')
                       if a in data}) == []
        # The listener has both (the scan works there).
        listener = b''.join(data for _, data in read_memory(d.pid))
        assert b'192.0.2.88' in listener and b'192.0.2.77' in listener
    finally:
        waiting.close()
        done.close()
        if cl is not None:
            cl.close()
