"""test_reverse_dns.py - -U uses the client's reverse name only when it
resolves back to the client's address (sshd's UseDNS rule).

Whoever controls the PTR record of their own address can make it say
"host.trusted.example"; they cannot make that name's A record point at
their address.  So the daemon looks the name up forward and refuses a
client whose name does not lead back to it, as it refuses one with no name.

The test needs DNS it controls: a private network namespace (ip netns) with
a tiny DNS server (progs/fakedns.py) on its own 127.0.0.1:53, and `ip netns
exec`'s per-namespace /etc/netns/NS/{hosts,resolv.conf} (no 127.0.0.1 line
in hosts: glibc would answer 127.0.0.1 from there, so the names come from DNS).  The launcher, the daemon and the
client all run inside; every process is ended by PID, the namespace and its
files removed.
"""
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys

import pytest

from conftest import telnetd_path, tool_path, _need

PROGS = pathlib.Path(__file__).resolve().parent / 'progs'
SHOWENV = str(PROGS / 'showenv.sh')
FAKEDNS = str(PROGS / 'fakedns.py')
NAME = 'host.trusted.example'

CLIENT = r'''
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.settimeout(10)
out = b""
while True:
    try:
        b = s.recv(4096)
    except socket.timeout:
        break
    if not b:
        break
    out += b
sys.stdout.buffer.write(out)
'''


class Netns:
    def __init__(self, tmp_path):
        self.name = 'tdU%06d' % random.randrange(10 ** 6)
        self.etc = pathlib.Path('/etc/netns') / self.name
        self.tmp = tmp_path
        self.procs = []
        subprocess.run(['ip', 'netns', 'add', self.name], check=True)
        self.run(['ip', 'link', 'set', 'lo', 'up'])
        self.etc.mkdir(parents=True)
        (self.etc / 'hosts').write_text('# no loopback names: DNS says\n')
        (self.etc / 'resolv.conf').write_text(
            'nameserver 127.0.0.1\noptions timeout:2 attempts:2\n')

    def argv(self, cmd):
        return ['ip', 'netns', 'exec', self.name] + [str(c) for c in cmd]

    def run(self, cmd, **kw):
        return subprocess.run(self.argv(cmd), check=True, timeout=30, **kw)

    def start(self, cmd):
        p = subprocess.Popen(self.argv(cmd), stdout=subprocess.PIPE,
                             stderr=open(self.tmp / ('p%d.err' %
                                                     len(self.procs)), 'wb'))
        self.procs.append(p)
        return p

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        shutil.rmtree(self.etc, ignore_errors=True)
        subprocess.run(['ip', 'netns', 'del', self.name])


@pytest.fixture
def netns(tmp_path):
    if os.geteuid() != 0 or shutil.which('ip') is None:
        pytest.skip('needs root and iproute2 (ip netns)')
    n = Netns(tmp_path)
    yield n
    n.close()


def session(netns, forward):
    """A -U session in the namespace whose DNS says 127.0.0.1 is NAME and
    NAME is ``forward``: what the client received."""
    dns = netns.start(['/usr/bin/python3', FAKEDNS, '127.0.0.1',
                       'PTR:1.0.0.127.in-addr.arpa=' + NAME,
                       'A:%s=%s' % (NAME, forward)])
    assert dns.stdout.readline().strip() == b'READY'
    la = netns.start([_need(tool_path('inetd_launcher')), '-k', '0', '--',
                      _need(telnetd_path()), '-U', '-E', SHOWENV + ' %h'])
    port = la.stdout.readline().split()[1].decode()
    return netns.run(['/usr/bin/python3', '-c', CLIENT, port],
                     capture_output=True).stdout


def test_confirmed_reverse_name_is_used(netns):
    out = session(netns, '127.0.0.1')
    assert b'ARGS=' + NAME.encode() in out, out


def test_unconfirmed_reverse_name_is_refused(netns):
    """The PTR says host.trusted.example, whose A record is another
    address: the client is refused like one without a name, and no
    session starts."""
    out = session(netns, '192.0.2.7')
    assert b'no host name; connection refused' in out, out
    assert b'ARGS=' not in out, out
