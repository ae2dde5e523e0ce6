"""test_relay_fds.py - descriptors a compromised relay attaches to its
messages (SCM_RIGHTS), played through gdb as test_confinement.py does.

A plain relay has no sendmsg(2) (sandbox.c): it never passes a descriptor,
and the call that would is its last.  A TLS relay keeps sendmsg for kernel
TLS's control messages, which the filter cannot tell from SCM_RIGHTS, so a
TLS relay taken over can attach its own descriptors (the client's TCP
socket, its monitor socket, the pty master) to what it sends to its
monitor or, before its handshake, to the signer.  Neither ever expects a
descriptor from a relay:

  - the monitor (root) takes one attached as a broken protocol: the
    session ends (the relay is killed, the program hung up) and the line it
    came with is not logged; other sessions go on;
  - the signer, one process every TLS session of a --listen daemon shares,
    refuses the request and keeps none of them.  Kept, they were the
    client's connection held open by the signer, and, a relay at a time,
    the signer's descriptor table filled until it could take no channel
    for any new session.

The TLS tests run in every build (sendmsg is allowed with or without the
filter); the plain relay's needs the filter.
"""
import os
import re
import signal
import socket
import struct
import subprocess

from conftest import need_tool
from test_confinement import (sessions, relay_syscalls,  # noqa: F401
                              fd_links, sock_fds, need_gdb, _inodes,
                              _ps_log, assert_killed)
from test_daemon_procs import wait_until, utmp_file  # noqa: F401
from test_tls import ca  # noqa: F401
from test_tls_sessions import (TLSClient, tls_args, session_pids,
                               cat_session)

SYS_SENDMSG = 46
KS_SIGN = 0x4b530001
TLS_SIG_RSA_PSS_SHA256 = 0x0804


def sendmsg_call(sock, payload, fds):
    """The raw sendmsg(sock, msg, 0) of payload with fds attached in one
    SCM_RIGHTS message: a struct msghdr at 0 of the scratch page, its
    iovec at 64, the control data at 128, the payload at 256 (gdb_syscall
    makes the "ptrs" offsets addresses)."""
    ctl = struct.pack('<Qii', 16 + 4 * len(fds), socket.SOL_SOCKET,
                      socket.SCM_RIGHTS) + struct.pack('<%di' % len(fds),
                                                       *fds)
    ctl += bytes(-len(ctl) % 8)
    msghdr = struct.pack('<QI4xQQQQi4x', 0, 0, 64, 1, 128, len(ctl), 0)
    iov = struct.pack('<QQ', 256, len(payload))
    mem = msghdr.ljust(64, b'\0') + iov.ljust(64, b'\0') + \
        ctl.ljust(128, b'\0') + payload
    return {'nr': SYS_SENDMSG, 'args': [sock, 'mem', 0], 'mem': mem.hex(),
            'ptrs': [16, 32, 64]}


def socket_inode(pid, fd):
    return re.match(r'socket:\[(\d+)\]$',
                    os.readlink('/proc/%d/fd/%d' % (pid, fd))).group(1)


def holds(pid, inode):
    return 'socket:[%s]' % inode in fd_links(pid).values()


def unix_peers():
    """{inode: peer inode} of every Unix socket (ss -x)."""
    out = {}
    r = subprocess.run([need_tool('ss'), '-xanH'], capture_output=True,
                       text=True, timeout=30, check=True)
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) >= 8 and f[5].isdigit() and f[7].isdigit():
            out[f[5]] = f[7]
    return out


def test_plain_relay_cannot_pass_descriptors(sessions):  # noqa: F811
    """sendmsg with the client's socket attached, from a plain relay: the
    filter kills it at the call; its session alone ends."""
    s = sessions
    assert_killed(s, [sendmsg_call(s.mon, _ps_log(b'MARK-FD-LINE'),
                                   [s.net, s.net])])
    assert 'MARK' not in s.d.stderr_text()


def test_descriptor_to_monitor_ends_session(listen_daemon, ca):  # noqa: F811
    """A TLS relay after its handshake sends a PS_LOG line (valid on its
    own) with the client's socket attached twice: the monitor keeps
    neither, logs nothing of the line, and ends that session alone."""
    need_gdb()
    d, a = cat_session(listen_daemon, ca)
    try:
        relay = session_pids(d)['relay'][0]
        monitor = int(re.search(r'^PPid:\s+(\d+)', open(
            '/proc/%d/status' % relay).read(), re.M).group(1))
        net, mon = sock_fds(relay)
        tcp = socket_inode(relay, net)
        # (gdb may see the relay die: the monitor's SIGKILL can come
        # before it has put the registers back.)
        relay_syscalls(relay, [
            sendmsg_call(mon, _ps_log(b'MARK-FD-LINE'), [net, net])])
        d.wait_stderr(r'relay sent a descriptor', timeout=10)
        d.wait_stderr(r'relay broke the protocol', timeout=10)
        d.wait_stderr(r'relay killed by signal %d' % signal.SIGKILL,
                      timeout=10)
        a.read_until_close(timeout=10)
        assert proc_gone_or_without(monitor, tcp)
        assert 'MARK' not in d.stderr_text()
    finally:
        a.close()
    new_session_echoes(d, ca)


def new_session_echoes(d, ca):
    """A new TLS client of d gets its session (and so its signature)."""
    with TLSClient(d.port, ca, implicit=True, timeout=10) as c:
        c.negotiate()
        c.send_data(b'hello\r\n')
        c.expect(b'hello')


def proc_gone_or_without(pid, inode):
    try:
        return not holds(pid, inode)
    except OSError:
        return True


def _waiting_tls_relay(d):
    """A client that connects to an implicit-TLS port and says nothing:
    its relay waits for the ClientHello, the signer channel still open.
    (client socket, relay, its client socket fd, its signer channel fd)."""
    cl = socket.create_connection(('127.0.0.1', d.port), timeout=10)
    relay = []
    wait_until(lambda: relay.extend(session_pids(d)['relay']) or relay,
               10, 'the relay')
    relay = relay[0]
    wait_until(lambda: len(fd_links(relay)) == 6, 10,
               'the relay has dropped what it does not keep')
    net, _ = sock_fds(relay)
    unix = _inodes('unix')
    peers = unix_peers()
    signer = session_pids(d)['signer'][0]
    chan = [fd for fd, l in fd_links(relay).items()
            if l.startswith('socket:') and l[8:-1] in unix and
            holds(signer, peers.get(l[8:-1], '-'))]
    assert len(chan) == 1, (fd_links(relay), fd_links(signer))
    return cl, relay, net, chan[0]


def test_descriptor_to_signer_not_kept(listen_daemon, ca):  # noqa: F811
    """A relay before its handshake sends the signer a request with the
    client's socket attached twice: the request is refused, the signer
    keeps neither descriptor, and a new TLS session gets its signature."""
    need_gdb()
    d = listen_daemon(['-h', '-E', '/bin/cat'] + tls_args(ca, 'implicit'))
    signer = session_pids(d)['signer']
    assert len(signer) == 1, signer
    signer = signer[0]
    cl, relay, net, chan = _waiting_tls_relay(d)
    try:
        tcp = socket_inode(relay, net)
        before = len(fd_links(signer))
        req = struct.pack('<III', KS_SIGN, TLS_SIG_RSA_PSS_SHA256, 0)
        died, results, out = relay_syscalls(relay, [
            sendmsg_call(chan, req, [net, net])])
        assert not died and results and results[0] == len(req), out
        # Refused, and the channel closed: one descriptor fewer, and
        # not the client's socket in its place.
        wait_until(lambda: len(fd_links(signer)) == before - 1, 10,
                   'the signer closed the channel and kept nothing')
        assert not holds(signer, tcp), fd_links(signer)
        # The refusal, evidence of a relay taken over, is in the
        # daemon's own log stream (its stderr with --listen), not only
        # in a syslog that may not be there.
        d.wait_stderr(r'signer: request refused: a descriptor attached')
    finally:
        cl.close()
    new_session_echoes(d, ca)
    assert not holds(signer, tcp)

