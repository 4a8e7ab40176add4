#!/usr/bin/python3
"""send_records.py - play an agent that sends hand-made records.

Usage: send_records.py HOST PORT [--key FILE] < SPECS

Each line of SPECS is a JSON object describing one record, sent in its own
datagram, retransmitted until acknowledged (2 s, 5 tries):
  id (16 hex bytes, required), title, sig (title signature, int, default 1),
  kind (int), hostname, machine_id, release, comm, text (the report text),
  crash_time_us, collected_time_us, seq (envelope number; default: the
  line number + 1000).
Prints one line per record: "acked ID" or "rejected ID"; exits 1 when a
record got no answer.  The protobuf encoding is written by hand (a few
field types), so the scenario needs nothing but python3.
"""
import hashlib
import hmac
import json
import socket
import struct
import sys
import zlib


def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, wt, val):
    key = varint(num << 3 | wt)
    if wt == 0:
        return key + varint(val)
    if wt == 1:
        return key + struct.pack("<Q", val)
    if isinstance(val, str):
        val = val.encode("utf-8", "surrogateescape")
    return key + varint(len(val)) + val


def record(spec):
    host = b""
    if "hostname" in spec:
        host += field(1, 2, spec["hostname"])
    if "machine_id" in spec:
        host += field(2, 2, spec["machine_id"])
    kernel = field(1, 2, spec["release"]) if "release" in spec else b""
    crash = field(1, 0, spec.get("kind", 1))
    crash += field(2, 2, spec.get("title", "kernel BUG in test"))
    crash += field(3, 1, spec.get("sig", 1))
    if "comm" in spec:
        crash += field(9, 2, spec["comm"])
    r = field(1, 2, bytes.fromhex(spec["id"]))
    if host:
        r += field(2, 2, host)
    if kernel:
        r += field(3, 2, kernel)
    r += field(4, 2, crash)
    if "crash_time_us" in spec:
        r += field(6, 0, spec["crash_time_us"] & (2**64 - 1))
    if "collected_time_us" in spec:
        r += field(7, 0, spec["collected_time_us"] & (2**64 - 1))
    if "text" in spec:
        t = spec["text"].encode("utf-8", "surrogateescape")
        r += field(8, 2, zlib.compress(t, 9)) + field(9, 0, len(t))
    return r


def datagram(body, body_type, key):
    d = field(1, 0, 1) + field(2, 2, body) + field(3, 0, body_type)
    if key:
        tag = hmac.new(key, struct.pack(">I", body_type) + body,
                       hashlib.sha256).digest()
        kid = struct.unpack(">I", hashlib.sha256(key).digest()[:4])[0]
        d += field(4, 2, tag) + field(5, 0, kid)
    return d


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    key = None
    if len(sys.argv) > 4 and sys.argv[3] == "--key":
        key = open(sys.argv[4], "rb").read().strip()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(2)
    status = 0
    for n, line in enumerate(sys.stdin):
        if not line.strip():
            continue
        spec = json.loads(line)
        env = field(1, 0, 1) + field(2, 2, b"send-records") + \
            field(3, 0, spec.get("seq", 1000 + n)) + \
            field(4, 2, record(spec))
        dg = datagram(env, 1, key)
        answer = None
        for _ in range(5):
            s.send(dg)
            try:
                answer = s.recv(65536)
                break
            except socket.timeout:
                continue
        if answer is None:
            print("noanswer", spec["id"])
            status = 1
            continue
        # The id is in the ack's body either way; rejected ids are field 4.
        rid = bytes.fromhex(spec["id"])
        print(("rejected " if field(4, 2, rid) in answer else "acked ") +
              spec["id"])
    sys.exit(status)


main()
