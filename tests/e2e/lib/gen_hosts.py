#!/usr/bin/python3
"""gen_hosts.py - pstore folders for many simulated hosts, made from the
real ramoops dumps in tests/data/qemu/pstore-ecc/ (a kernel BUG in a kthread,
then a panic: Oops#1 and Panic#2, each ending in an ECC trailer).

Usage: gen_hosts.py OUT NHOSTS GROUPS

Host i (0-based) gets OUT/host<i>/ with pstore/dmesg-ramoops-{0,1},
hostname (e2e-host-<i>), machine-id and boot-id (32 hex chars, distinct
per host).  Its text is the fixture's with three changes:
  - the BUG's function crashmod_do_bug becomes crashmod_do_bug_g<i mod
    GROUPS>: hosts in one group share that bug (one signature);
  - the panic message gets " by host <word>" (a word per host): a crash
    of that host alone;
  - the kernel release 6.1.0-56-amd64 becomes RELEASES[i mod 3].
Writes OUT/sigs.tsv for records.py --sigs-file: per signature a title
regex, the expected count, distinct hosts and kernel releases ("-": not
checked), and OUT/expected with the total number of records.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "data", "qemu", "pstore-ecc")
RELEASES = ["6.1.0-56-amd64", "6.1.0-55-amd64", "6.12.9-amd64"]


def host_word(i):
    """A word naming host i: letters g-z only, because titles normalise
    numbers and hex-looking words away when signatures are computed."""
    letters = "ghijklmnopqrstuvwxyz"
    w = ""
    for _ in range(3):
        w = letters[i % 20] + w
        i //= 20
    return w


def main():
    out, nhosts, groups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    files = {}
    for name in ("dmesg-ramoops-0", "dmesg-ramoops-1"):
        with open(os.path.join(FIXTURE, name), "rb") as f:
            files[name] = f.read()
    bug_hosts = [[] for _ in range(groups)]
    for i in range(nhosts):
        g = i % groups
        rel = RELEASES[i % len(RELEASES)]
        d = os.path.join(out, "host%03d" % i)
        os.makedirs(os.path.join(d, "pstore"), exist_ok=True)
        for name, data in files.items():
            data = data.replace(b"crashmod_do_bug", b"crashmod_do_bug_g%d" % g)
            data = data.replace(b"crashmod: panic requested",
                                b"crashmod: panic requested by host %s" % host_word(i).encode())
            data = data.replace(RELEASES[0].encode(), rel.encode())
            with open(os.path.join(d, "pstore", name), "wb") as f:
                f.write(data)
        with open(os.path.join(d, "hostname"), "w") as f:
            f.write("e2e-host-%d\n" % i)
        with open(os.path.join(d, "machine-id"), "w") as f:
            f.write("%032x\n" % (0xe2e0000 + i))
        with open(os.path.join(d, "boot-id"), "w") as f:
            # /proc/sys/kernel/random/boot_id has dashes (a UUID).
            h = "%032x" % (0xb0070000 + i)
            f.write("%s-%s-%s-%s-%s\n" % (h[:8], h[8:12], h[12:16],
                                          h[16:20], h[20:]))
        bug_hosts[g].append(i)
    with open(os.path.join(out, "sigs.tsv"), "w") as f:
        for g, hosts in enumerate(bug_hosts):
            if not hosts:
                continue
            rels = {RELEASES[i % len(RELEASES)] for i in hosts}
            f.write("kernel BUG in crashmod_do_bug_g%d\t%d\t%d\t%d\n"
                    % (g, len(hosts), len(hosts), len(rels)))
        for i in range(nhosts):
            f.write("kernel panic: crashmod: panic requested by host %s\t1\t1\t-\n"
                    % host_word(i))
    with open(os.path.join(out, "expected"), "w") as f:
        f.write("%d\n" % (2 * nhosts))


if __name__ == "__main__":
    main()
