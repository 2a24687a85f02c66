"""Flexisip's statistics traffic against a gateway: on each connection, a
call posted (a new id, two devices) then one device's PATCH, as its
event-log writer sends them; requests per second and latencies.

Not named statistics.py: Python looks in a script's own directory first, so
that name hid the standard library's statistics from bench/report.py."""

import argparse
import http.client
import itertools
import json
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--addr", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--seconds", type=float, default=10)
parser.add_argument("--connections", type=int, default=4)
parser.add_argument("--label", default="statistics")
args = parser.parse_args()

ids = itertools.count()
latencies = []
errors = []
lock = threading.Lock()


def call_body(call_id):
    return json.dumps(
        {
            "conference_id": None,
            "devices": {'"<urn:uuid:6d2a4bd4-3aa4-4b16-8d5c-7c3a3e0c2c4a>"': None, "fs-gen-0b1f": None},
            "ended_at": None,
            "from": "alice@sip.example.org",
            "id": call_id,
            "initiated_at": "2026-12-07T10:00:00Z",
            "sip_call_id": "bench",
            "to": "bob@sip.example.org",
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def worker(deadline):
    host, port = args.addr.split(":")
    connection = http.client.HTTPConnection(host, int(port))
    headers = {"content-type": "application/json", "accept": "application/json", "x-api-key": args.key}
    mine = []
    while time.monotonic() < deadline:
        call_id = f"bench-{next(ids)}"
        for method, path, body in (
            ("POST", "/api/stats/calls", call_body(call_id)),
            ("PATCH", f"/api/stats/calls/{call_id}/devices/fs-gen-0b1f", '{"rang_at":"2026-12-07T10:00:01Z"}'),
        ):
            start = time.perf_counter()
            connection.request(method, path, body, headers)
            answer = connection.getresponse()
            answer.read()
            mine.append(time.perf_counter() - start)
            if answer.status != 200:
                errors.append(answer.status)
    with lock:
        latencies.extend(mine)


deadline = time.monotonic() + args.seconds
threads = [threading.Thread(target=worker, args=(deadline,)) for _ in range(args.connections)]
begun = time.monotonic()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
elapsed = time.monotonic() - begun
latencies.sort()
count = len(latencies)
p = lambda q: latencies[min(count - 1, int(q * count))] * 1000 if count else float("nan")
print(
    f"{args.label:<44} {count / elapsed:8.0f} req/s  p50 {p(0.5):6.2f} ms  p99 {p(0.99):6.2f} ms"
    f"  ({count} requests, {len(errors)} not 200)"
)
