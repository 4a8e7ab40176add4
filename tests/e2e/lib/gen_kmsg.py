#!/usr/bin/python3
"""gen_kmsg.py - many distinct crash reports in /dev/kmsg format, made from
the real WARNING captured in tests/data/qemu/netconsole-extended.dgrams
(extended netconsole lines are /dev/kmsg records).

Usage: gen_kmsg.py OUT COUNTS N FIRST_SEQ TITLES [NAME [FIRST_SECOND]]

Writes N WARNING reports to OUT, report i (0-based) one second of printk
time after report i-1 (the first at FIRST_SECOND, default 10), its guilty
function renamed NAME_<i mod TITLES> (NAME default crashmod_do_warn), sequence numbers from FIRST_SEQ on; writes to COUNTS one line
"<count>\\t<title regex>" per title (for records.py --counts-file).
Prints the next free sequence number.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "data", "qemu",
                       "netconsole-extended.dgrams")


def datagrams(path):
    d = open(path, "rb").read()
    i = 0
    while i < len(d):
        j = d.index(b"\n", i)
        n = int(d[i:j])
        yield d[j + 1:j + 1 + n]
        i = j + 1 + n + 1


def warning_block():
    out, inside = [], False
    for dg in datagrams(FIXTURE):
        if b"cut here" in dg:
            inside = True
        if inside:
            out.append(dg.decode("utf-8", "replace").rstrip("\n"))
            if "---[ end trace" in out[-1]:
                return out
    sys.exit("gen_kmsg: no WARNING in " + FIXTURE)


def main():
    out, counts, n, seq, titles = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                                   int(sys.argv[4]), int(sys.argv[5]))
    name = sys.argv[6] if len(sys.argv) > 6 else "crashmod_do_warn"
    first = int(sys.argv[7]) if len(sys.argv) > 7 else 10
    block = warning_block()
    parsed = []
    t0 = None
    for rec in block:
        m = re.match(r"^(\d+),(\d+),(\d+),([^;]*);(.*)$", rec, re.S)
        prio, _, usec, flags, text = m.groups()
        if t0 is None:
            t0 = int(usec)
        parsed.append((prio, int(usec) - t0, flags, text))
    per = [0] * titles
    with open(out, "w") as f:
        for i in range(n):
            k = i % titles
            per[k] += 1
            base = (first + i) * 1_000_000
            for prio, dt, flags, text in parsed:
                text = text.replace("crashmod_do_warn", "%s_%d" % (name, k))
                f.write("%s,%d,%d,%s;%s\n" % (prio, seq, base + dt, flags, text))
                seq += 1
    with open(counts, "w") as f:
        for k in range(titles):
            f.write("%d\tWARNING in %s_%d\n" % (per[k], name, k))
    print(seq)


if __name__ == "__main__":
    main()
