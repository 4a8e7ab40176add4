#!/usr/bin/python3
"""chaosrelay.py - a UDP relay that duplicates and reorders datagrams, both
ways, with a seeded random generator (loss is done by nftables).

Usage: chaosrelay.py LISTEN_ADDR LISTEN_PORT TARGET_ADDR TARGET_PORT SEED
                     DUP_PERCENT REORDER_PERCENT [MAX_SECONDS]

Each client (address, port) gets its own upstream socket, so the target's
replies go back to the right client.  A duplicated datagram is sent again
5-60 ms later; a reordered one is held 5-60 ms while later ones pass.
Prints "ready" once bound, and its counters on stderr when it stops
(SIGTERM, SIGINT or MAX_SECONDS, default 900).
"""
import heapq
import random
import selectors
import signal
import socket
import sys
import time


def main():
    la, lp, ta, tp, seed, dup, reorder = sys.argv[1:8]
    limit = float(sys.argv[8]) if len(sys.argv) > 8 else 900.0
    lp, tp, dup, reorder = int(lp), int(tp), int(dup), int(reorder)
    rnd = random.Random(int(seed))
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))

    sel = selectors.DefaultSelector()
    lsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    lsock.bind((la, lp))
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ, None)
    upstream = {}      # client addr -> socket
    held = []          # heap of (time, n, sock, data, addr)
    n = 0
    cnt = {"in": 0, "out": 0, "dup": 0, "held": 0}

    def emit(sock, data, addr):
        nonlocal n
        now = time.monotonic()
        if rnd.randrange(100) < reorder:
            cnt["held"] += 1
            n += 1
            heapq.heappush(held, (now + rnd.uniform(0.005, 0.06), n, sock, data, addr))
        else:
            send(sock, data, addr)
        if rnd.randrange(100) < dup:
            cnt["dup"] += 1
            n += 1
            heapq.heappush(held, (now + rnd.uniform(0.005, 0.06), n, sock, data, addr))

    def send(sock, data, addr):
        try:
            if addr is None:
                sock.send(data)
            else:
                sock.sendto(data, addr)
            cnt["out"] += 1
        except OSError:
            pass  # the target is down: a lost datagram, like on a wire

    print("ready", flush=True)
    end = time.monotonic() + limit
    while not stop and time.monotonic() < end:
        timeout = 0.2
        if held:
            timeout = max(0.0, min(timeout, held[0][0] - time.monotonic()))
        for key, _ in sel.select(timeout):
            sock = key.fileobj
            while True:
                try:
                    data, addr = sock.recvfrom(65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break   # ICMP port unreachable from a down target
                cnt["in"] += 1
                if sock is lsock:
                    up = upstream.get(addr)
                    if up is None:
                        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        up.connect((ta, tp))
                        up.setblocking(False)
                        upstream[addr] = up
                        sel.register(up, selectors.EVENT_READ, addr)
                    emit(up, data, None)
                else:
                    emit(lsock, data, key.data)
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, sock, data, addr = heapq.heappop(held)
            send(sock, data, addr)
    print("chaosrelay: %s" % " ".join("%s=%d" % kv for kv in cnt.items()),
          file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
