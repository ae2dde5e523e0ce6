#!/usr/bin/python3
"""fakedns.py ADDR TYPE:NAME=VALUE... - a tiny authoritative DNS server on
UDP ADDR:53 for the reverse-lookup tests (run inside a private network
namespace, so port 53 belongs to nobody else).

Each record is TYPE:NAME=VALUE with TYPE PTR (VALUE a name) or A (VALUE an
IPv4 address).  A question for a name with a record of another type gets an
empty answer (NODATA); any other name gets NXDOMAIN.  Prints READY once
listening; ends on SIGTERM, and by itself after 120 s.
"""
import signal
import socket
import struct
import sys

TYPES = {'A': 1, 'PTR': 12}


def qname(msg, off):
    labels = []
    while msg[off]:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n].decode('ascii').lower())
        off += 1 + n
    return '.'.join(labels), off + 1


def encode_name(name):
    return b''.join(bytes([len(p)]) + p.encode('ascii')
                    for p in name.rstrip('.').split('.')) + b'\0'


def main():
    signal.alarm(120)
    addr = sys.argv[1]
    records = {}
    for r in sys.argv[2:]:
        typ, _, rest = r.partition(':')
        name, _, value = rest.partition('=')
        records.setdefault(name.lower().rstrip('.'), []).append(
            (TYPES[typ], value))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 53))
    print('READY', flush=True)
    while True:
        msg, peer = s.recvfrom(512)
        if len(msg) < 12:
            continue
        qid, _flags, qd = struct.unpack('!HHH', msg[:6])
        name, off = qname(msg, 12)
        qtype = struct.unpack('!H', msg[off:off + 2])[0]
        question = msg[12:off + 4]
        answers = [(t, v) for t, v in records.get(name, []) if t == qtype]
        rcode = 0 if name in records else 3
        out = struct.pack('!HHHHHH', qid, 0x8400 | rcode, 1, len(answers),
                          0, 0) + question
        for t, v in answers:
            data = (socket.inet_aton(v) if t == 1 else encode_name(v))
            out += (b'\xc0\x0c' + struct.pack('!HHIH', t, 1, 60, len(data))
                    + data)
        s.sendto(out, peer)


if __name__ == '__main__':
    main()
