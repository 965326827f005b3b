#!/usr/bin/env python3
"""Keep N API clients busy: each holds its own connection to camcensusd's socket and sends
requests in a loop (summary by family, count, a page of 100 devices, in turn), as fast as
replies come back. Prints the total requests answered when stopped (SIGTERM/SIGINT) or
after --seconds. Used by scripts/bench-daemon --api-clients N (docs/performance.md).

    scripts/api-load.py SOCKET [--clients 100] [--seconds 0]
"""
import argparse
import json
import os
import signal
import socket
import sys
import threading
import time

REQUESTS = [
    b'{"type":"summary","by":["family"]}\n',
    b'{"type":"count","filter":{"family":["hikvision","dahua"]}}\n',
    b'{"type":"devices","sort":"last_seen","desc":true,"limit":100}\n',
]


def client(path, stop, counts, i):
    while not stop.is_set():
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            f = s.makefile("rb")
            n = 0
            while not stop.is_set():
                s.sendall(REQUESTS[n % len(REQUESTS)])
                line = f.readline()
                if not line:
                    break
                if json.loads(line).get("ok"):
                    counts[i] += 1
                n += 1
        except OSError:
            if not os.path.exists(path):
                stop.set()  # the daemon stopped and removed its socket
            time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=0)
    a = ap.parse_args()
    while not os.path.exists(a.socket):
        time.sleep(0.05)
    stop = threading.Event()
    counts = [0] * a.clients
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threads = [threading.Thread(target=client, args=(a.socket, stop, counts, i), daemon=True)
               for i in range(a.clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    while not stop.is_set():
        if a.seconds and time.monotonic() - start >= a.seconds:
            stop.set()
        time.sleep(0.1)
    secs = time.monotonic() - start
    total = sum(counts)
    print("api-load: %d clients, %d requests in %.1f s (%.0f/s)" % (a.clients, total, secs, total / secs),
          file=sys.stderr)


if __name__ == "__main__":
    main()
