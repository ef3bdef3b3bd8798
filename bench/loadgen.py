"""A small load generator: N threads send GET requests to one server for a fixed time per path.

Run as its own process (by bench/run.py) so the client never shares an interpreter with the
server. Standard library only. Loopback only: the base URL must be http://127.0.0.1:PORT.
Prints one JSON document: per path, requests, errors, throughput and client-side latency.
``--header`` adds request headers (e.g. ``If-None-Match`` for a run of conditional GETs) and
``--expect`` the status that counts as success (304 for those).
"""

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit


def hammer(
    host: str,
    port: int,
    path: str,
    seconds: float,
    concurrency: int,
    max_requests: int,
    headers: dict | None = None,
    expect: int = 200,
) -> dict:
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    budget = [max_requests]  # a hard bound on the loop, whatever the clock does

    def worker():
        while time.perf_counter() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection(host, port, timeout=60)
                connection.request("GET", path, headers={"Host": f"{host}:{port}", **(headers or {})})
                response = connection.getresponse()
                while response.read(65536):
                    pass
                connection.close()
                outcome = None if response.status == expect else f"HTTP {response.status}"
            except Exception as error:  # counted, never raised: the run goes on
                outcome = type(error).__name__
            elapsed = time.perf_counter() - started
            with lock:
                if outcome is None:
                    latencies.append(elapsed * 1000)
                else:
                    errors[outcome] = errors.get(outcome, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "path": path,
        "seconds": round(wall, 2),
        "requests": len(latencies) + sum(errors.values()),
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "rps": round(len(latencies) / wall, 1),
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else None,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base", help="http://127.0.0.1:PORT")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--header", action="append", default=[], help="NAME: VALUE, sent with every request")
    parser.add_argument("--expect", type=int, default=200, help="the status that counts as an answer")
    args = parser.parse_args()
    headers = dict(header.split(":", 1) for header in args.header)
    headers = {name.strip(): value.strip() for name, value in headers.items()}
    url = urlsplit(args.base)
    if url.hostname != "127.0.0.1":
        parser.error("loopback only: use http://127.0.0.1:PORT")
    results = [
        hammer(url.hostname, url.port, path, args.seconds, args.concurrency, args.max_requests, headers, args.expect)
        for path in args.paths
    ]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
