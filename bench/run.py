"""The tracker's benchmark: cost per request at scale S and L on PostgreSQL, and the ratio L / S.

    .venv/bin/python bench/run.py                      # S and L, everything (about 10 minutes)
    .venv/bin/python bench/run.py --scales S --quick   # a smoke run

For each scale it prepares its own database (``tracker_bench_s``, ``tracker_bench_l``: migrate,
seed, ``generate_synthetic``; reused when already generated), then measures:

1. in-process (bench/inprocess.py): SQL queries per request and p50/p95 server time;
2. under load: gunicorn with 2 workers on 127.0.0.1 and a separate load-generator process
   (bench/loadgen.py), /healthz first as the floor, each endpoint's throughput as a ratio to it,
   in three modes: cold (page cache off, no validators), warm (the shared Redis cache filled
   first) and 304 (each request sends the validator the endpoint gave);
3. streaming CSV export of all notes (and of all rounds) from a fresh 1-worker gunicorn:
   time to first byte, rows per second, peak RSS of the worker (VmHWM in /proc);
4. once: ``manage.py import_csv rounds`` of a 20,000-row CSV into a scratch database.

Writes bench/results/<timestamp>.json and prints tables with the targets. Targets are reported,
never asserted. Only loopback addresses are used; every loop is bounded. The warm and 304 runs
empty the Redis database given by --cache-url (default 15) before they fill it.
"""

import argparse
import csv
import datetime as dt
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
RESULTS = ROOT / "bench" / "results"
EXPECTED = {"S": (10, 5_000), "M": (100, 50_000), "L": (1_000, 500_000)}  # synthetic agreements, notes
NOTES_EXPORT_CANDIDATES = ["/notes/?format=csv", "/api/notes/?format=csv"]
SLOW_MS = 5_000  # endpoints slower than this alone are not put under load
TARGETS = {
    "queries_max": 12,
    "p50_ratio_max": 2.0,
    "csv_rss_ratio_max": 1.5,
    "errors_max": 0,
    "import_rows_per_s_min": 5_000,
    "cold_p50_l_ms_max": 25,  # a first visit at 100x the data
    "p95_over_p50_l_max": 2.0,
    "warm_share_min": 0.30,  # of the /healthz floor
    "not_modified_share_min": 0.60,
}
MODES = ("cold", "warm", "not_modified")  # not_modified: the 304 run


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- Databases ---------------------------------------------------------------------------


def admin_sql(server: str, sql: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def database_exists(server: str, name: str) -> bool:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def synthetic_size(url: str) -> tuple[int, int]:
    try:
        with psycopg.connect(url) as connection:
            agreements = connection.execute(
                "SELECT count(*) FROM negotiations_agreement WHERE slug LIKE 'synthetic-%%'"
            ).fetchone()[0]
            notes = connection.execute("SELECT count(*) FROM negotiations_progressnote").fetchone()[0]
            return agreements, notes
    except psycopg.errors.UndefinedTable:
        return 0, 0


def django_env(url: str, **extra) -> dict:
    # No shared cache unless a measurement asks for one (CACHE_URL in ``extra``).
    dropped = {"DJANGO_ENV", "DATABASE_REPLICA_URLS", "CACHE_URL", "REDIS_URL"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        DATABASE_URL=url,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        API_ANON_RATE="1000000000/hour",  # the benchmark measures the app, not the throttle
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def manage(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=django_env(url), capture_output=True, text=True, timeout=3600
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def command_exists(name: str) -> bool:
    return (ROOT / "negotiations" / "management" / "commands" / f"{name}.py").exists()


def prepare(server: str, name: str, scale: str, seed: int, regenerate: bool) -> dict:
    """Create, migrate, seed and fill one benchmark database; reuse it when already filled."""
    url = f"{server}/{name}"
    info = {"database": name}
    if not database_exists(server, name):
        admin_sql(server, f'CREATE DATABASE "{name}"')
    log(f"{scale}: migrate {name}")
    manage(url, "migrate", "--noinput")
    if command_exists("seed"):
        manage(url, "seed")
    expected_agreements, expected_notes = EXPECTED[scale]
    agreements, notes = synthetic_size(url)
    if regenerate or agreements != expected_agreements or notes < expected_notes:
        log(f"{scale}: generate_synthetic --scale {scale}")
        started = time.perf_counter()
        output = manage(url, "generate_synthetic", "--scale", scale, "--seed", str(seed), "--clear").stdout
        info["generate_seconds"] = round(time.perf_counter() - started, 1)
        info["generate_output"] = output.strip().splitlines()[-1]
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    else:
        info["generate_seconds"] = None
        info["generate_output"] = "reused existing synthetic data"
    return info


# --- gunicorn ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@contextmanager
def gunicorn(url: str, workers: int, timeout: int = 120, **settings):
    """gunicorn on a free loopback port with this repository's gunicorn.conf.py; ``settings``
    are extra environment variables for the tracker (e.g. CACHE_URL)."""
    port = free_port()
    env = django_env(
        url,
        **settings,
        GUNICORN_TIMEOUT=str(timeout),
        PORT=str(port),
        BIND_HOST="127.0.0.1",
        WEB_CONCURRENCY=str(workers),
        GUNICORN_ACCESS_LOG="",
        GUNICORN_MAX_REQUESTS="0",  # no recycling during a measurement
    )
    process = subprocess.Popen(
        [GUNICORN, "tracker.wsgi", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if get(base + "/healthz", timeout=2) == 200:
                break
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited at start")
            time.sleep(0.5)
        else:
            raise RuntimeError("gunicorn did not answer /healthz within 60 s")
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.exists():
        return [int(pid) for pid in children.read_text().split()]
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return pids


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


# --- Measurements ------------------------------------------------------------------------


def in_process(url: str, repeat: int) -> dict:
    result = subprocess.run(
        [PYTHON, "bench/inprocess.py", "--repeat", str(repeat)],
        cwd=ROOT,
        env=django_env(url),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench/inprocess.py failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout)


def loadgen(base: str, paths: list[str], seconds: float, concurrency: int, headers=(), expect: int = 200) -> list:
    result = subprocess.run(
        [PYTHON, "bench/loadgen.py", base, *paths, "--seconds", str(seconds), "--concurrency", str(concurrency)]
        + [f"--header={header}" for header in headers]
        + ["--expect", str(expect)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600 + seconds * len(paths) * 3,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench/loadgen.py failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout)


def with_share(runs: list[dict], floor: float | None) -> list[dict]:
    for run in runs:
        run["ratio_to_healthz"] = round(run["rps"] / floor, 3) if floor else None
    return runs


def probe(base: str, path: str, shared: redis.Redis) -> dict:
    """One plain GET (filling the shared cache, if the tracker caches the page), then one
    conditional GET with the validators it answered: what the warm and 304 runs can use."""
    keys_before = set(shared.scan_iter(count=1000))
    request = urllib.request.Request(base + path)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
    # The API's throttle counts requests in the same cache: those keys are not a cached page.
    added = sorted(
        key.decode(errors="replace")
        for key in set(shared.scan_iter(count=1000)) - keys_before
        if b"throttle" not in key
    )
    found = {
        "status": status,
        "etag": headers.get("ETag"),
        "last_modified": headers.get("Last-Modified"),
        "cache_control": headers.get("Cache-Control"),
        "cache_keys_added": len(added),
        "cache_keys_sample": added[:5],
    }
    conditional = []
    if found["etag"]:
        conditional.append(f"If-None-Match: {found['etag']}")
    if found["last_modified"]:
        conditional.append(f"If-Modified-Since: {found['last_modified']}")
    found["conditional_headers"] = conditional
    if conditional:
        request = urllib.request.Request(base + path, headers=dict(h.split(": ", 1) for h in conditional))
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()
                found["conditional_status"] = response.status
        except urllib.error.HTTPError as error:  # urllib raises on 304
            found["conditional_status"] = error.code
    return found


def under_load(url: str, paths: list[str], seconds: float, concurrency: int, cache_url: str) -> dict:
    """Throughput of every path in three modes, each beside the /healthz floor of the same server:

    - cold: no shared cache, the page cache and cached counts off (PAGE_CACHE_SECONDS=0,
      STATS_CACHE_SECONDS=0) and no validators sent: every request renders;
    - warm: a server on the shared Redis cache (emptied, then filled by one GET per path);
      requests send no validators, so each is answered from the cache if the tracker keeps it;
    - not_modified: the same server, each request sending the ETag / Last-Modified the path
      answered; a 304 is the expected answer (anything else counts as an error).
    """
    result: dict = {}
    with gunicorn(url, workers=2, PAGE_CACHE_SECONDS="0", STATS_CACHE_SECONDS="0") as (base, _pid):
        runs = loadgen(base, ["/healthz", *paths], seconds, concurrency)
    result["cold_floor"] = runs[0]
    result["cold"] = with_share(runs[1:], runs[0]["rps"])
    try:
        shared = redis.Redis.from_url(cache_url)
        shared.ping()
    except redis.RedisError as error:
        reason = f"no Redis at {cache_url}: {error}"
        result["warm"] = result["not_modified"] = [{"path": path, "skipped": reason} for path in paths]
        return result
    shared.flushdb()
    with gunicorn(url, workers=2, CACHE_URL=cache_url) as (base, _pid):
        floor = loadgen(base, ["/healthz"], seconds, concurrency)[0]
        result["warm_floor"] = floor
        probes = {path: probe(base, path, shared) for path in paths}
        warm = with_share(loadgen(base, paths, seconds, concurrency), floor["rps"])
        for run in warm:
            run["probe"] = probes[run["path"]]
            run["cached"] = probes[run["path"]]["cache_keys_added"] > 0
        result["warm"] = warm
        not_modified = []
        for path in paths:
            found = probes[path]
            if not found["conditional_headers"]:
                not_modified.append({"path": path, "skipped": "no validator (no ETag or Last-Modified)"})
            elif found.get("conditional_status") != 304:
                not_modified.append(
                    {"path": path, "skipped": f"validator not honoured (HTTP {found.get('conditional_status')})"}
                )
            else:
                run = loadgen(base, [path], seconds, concurrency, headers=found["conditional_headers"], expect=304)
                not_modified.extend(with_share(run, floor["rps"]))
        result["not_modified"] = not_modified
        result["cache_keys_after"] = shared.dbsize()
    shared.flushdb()
    return result


def find_notes_export(base: str) -> str | None:
    """The first candidate URL that answers 200 with CSV (headers only are read)."""
    for path in NOTES_EXPORT_CANDIDATES:
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:
                if response.status == 200 and "csv" in response.headers.get("Content-Type", ""):
                    return path
        except (urllib.error.HTTPError, OSError):
            continue
    return None


def stream_export(url: str, path: str | None, *, find_notes: bool = False, max_seconds: float = 120) -> dict:
    """Download one CSV export from a fresh single-worker gunicorn and watch the worker's memory.

    Reading stops after ``max_seconds`` (then ``complete`` is false and rows/s is over the rows
    read), so a slow export cannot hold the benchmark indefinitely.
    """
    with gunicorn(url, workers=1, timeout=int(max_seconds) + 60) as (base, master):
        if find_notes:
            path = find_notes_export(base)
            if path is None:
                return {"available": False, "reason": f"no notes CSV export at {NOTES_EXPORT_CANDIDATES}"}
        # Warm the worker (imports, URL resolver, templates) with a small export, so the time
        # to first byte is the export's own.
        get(base + "/rounds/?format=csv&agreement=synthetic-000001", timeout=60)
        (worker,) = worker_pids(master)[:1]
        baseline = memory_kb(worker, "VmRSS")
        samples = [baseline]
        done = threading.Event()

        def sample():
            while not done.wait(0.05):
                try:
                    samples.append(memory_kb(worker, "VmRSS"))
                except OSError:
                    return

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        first_byte = None
        rows = 0
        complete = True
        try:
            with urllib.request.urlopen(base + path, timeout=600) as response:
                status = response.status
                streaming = response.headers.get("Content-Length") is None
                first = response.read(1)
                first_byte = time.perf_counter() - started
                text = io.TextIOWrapper(
                    _Prepend(first, response), encoding="utf-8-sig", newline=""
                )  # rows may contain line breaks: count CSV records, not lines
                for _record in csv.reader(text):
                    rows += 1
                    if rows % 1000 == 0 and time.perf_counter() - started > max_seconds:
                        complete = False
                        break
                rows -= 1  # the header
        finally:
            total = time.perf_counter() - started
            done.set()
            sampler.join()
        peak = memory_kb(worker, "VmHWM")
    return {
        "available": True,
        "path": path,
        "status": status,
        "streamed": streaming,
        "complete": complete,
        "rows": rows,
        "seconds": round(total, 2),
        "rows_per_s": round(rows / total) if total else None,
        "ttfb_ms": round(first_byte * 1000, 1) if first_byte is not None else None,
        "worker_rss_before_mb": round(baseline / 1024, 1),
        "worker_rss_sampled_peak_mb": round(max(samples) / 1024, 1),
        "worker_peak_rss_mb": round(peak / 1024, 1),  # VmHWM: the kernel's high-water mark
    }


class _Prepend(io.RawIOBase):
    """A readable stream: ``head`` bytes, then the rest of ``stream``."""

    def __init__(self, head: bytes, stream):
        self.head, self.stream = head, stream

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size], self.head = self.head[:size], self.head[size:]
            return size
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def import_rounds(server: str, seed: int, prefix: str, rows: int = 20_000) -> dict:
    """``manage.py import_csv rounds`` of ``rows`` new rounds into a scratch database."""
    if not command_exists("import_csv"):
        return {"available": False, "reason": "manage.py import_csv does not exist yet"}
    name = f"{prefix}_import"
    admin_sql(server, f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(server, f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    manage(url, "migrate", "--noinput")
    if command_exists("seed"):
        manage(url, "seed")
    # Scale M: 100 agreements, so 20,000 new rounds take numbers 500-699 each, clear of the
    # synthetic ones and within the model's range (1-999).
    manage(url, "generate_synthetic", "--scale", "M", "--seed", str(seed))
    with psycopg.connect(url) as connection:
        hosts = connection.execute(
            """SELECT a.slug, p.code, COALESCE(v.city, p.name)
               FROM negotiations_agreement a
               JOIN negotiations_agreementparty ap ON ap.agreement_id = a.id
               JOIN negotiations_party p ON p.id = ap.party_id
               LEFT JOIN negotiations_venue v ON v.country_id = p.id AND v.place = ''
               WHERE a.slug LIKE 'synthetic-%%' ORDER BY a.slug, p.code"""
        ).fetchall()
    by_agreement: dict[str, list[tuple[str, str]]] = {}
    for slug, code, city in hosts:
        by_agreement.setdefault(slug, []).append((code, city))
    slugs = sorted(by_agreement)
    path = Path("/tmp") / f"bench-rounds-{os.getpid()}.csv"
    start = dt.date(2030, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        columns = ["agreement", "number", "kind", "title", "city", "country", "format", "start_date", "end_date"]
        writer.writerow([*columns, "status", "summary", "source_url"])
        for index in range(rows):
            slug = slugs[index % len(slugs)]
            number = 500 + index // len(slugs)  # clear of the synthetic rounds' numbers (at most 999)
            code, city = by_agreement[slug][number % len(by_agreement[slug])]
            day = start + dt.timedelta(days=index // len(slugs) * 3)
            writer.writerow(
                [
                    slug,
                    number,
                    "numbered",
                    "",
                    city,
                    code,
                    "in_person",
                    day.isoformat(),
                    (day + dt.timedelta(days=2)).isoformat(),
                    "planned",
                    f"Imported benchmark round {number}.",
                    "",
                ]
            )
    started = time.perf_counter()
    result = manage(url, "import_csv", "rounds", str(path), check=False)
    wall = time.perf_counter() - started
    path.unlink()
    outcome = {
        "available": True,
        "rows": rows,
        "returncode": result.returncode,
        "wall_seconds": round(wall, 2),
        "output": (result.stdout + result.stderr).strip()[-1500:],
    }
    reported = re.search(r"\(([\d.]+) s\)", result.stdout)
    seconds = float(reported.group(1)) if reported else wall
    outcome["import_seconds"] = seconds
    outcome["rows_per_s"] = round(rows / seconds) if result.returncode == 0 else None
    outcome["rows_per_s_including_startup"] = round(rows / wall) if result.returncode == 0 else None
    admin_sql(server, f'DROP DATABASE IF EXISTS "{name}"')
    return outcome


# --- Report ------------------------------------------------------------------------------


def throughput(load: dict | None, path: str) -> dict:
    """One path's requests/s and share of the floor in each mode, or why a mode has none."""
    if not load:
        return {}
    found = {}
    for mode in MODES:
        run = next((r for r in load.get(mode, []) if r["path"] == path), None)
        if run is None:
            continue
        if "skipped" in run:
            found[mode] = {"skipped": run["skipped"]}
            continue
        found[mode] = {"rps": run["rps"], "share": run["ratio_to_healthz"], "errors": run["errors"]}
        if mode == "warm":
            found[mode]["cached"] = run["cached"]
            found[mode]["share_ok"] = run["cached"] and run["ratio_to_healthz"] >= TARGETS["warm_share_min"]
        if mode == "not_modified":
            found[mode]["share_ok"] = run["ratio_to_healthz"] >= TARGETS["not_modified_share_min"]
    return found


def url_of(scale: dict, name: str) -> str | None:
    return next((e["url"] for e in scale.get("in_process", {}).get("endpoints", []) if e["name"] == name), None)


def summarise(report: dict) -> dict:
    scales = report["scales"]
    # With one scale only (a smoke run), it stands in for both and the ratios are 1.
    small = scales.get("S") or next(iter(scales.values()))
    large = scales.get("L") or next(reversed(scales.values()))
    rows = []
    if small and large:
        by_name_s = {e["name"]: e for e in small["in_process"]["endpoints"]}
        for endpoint in large["in_process"]["endpoints"]:
            s = by_name_s.get(endpoint["name"], {})
            row = {"name": endpoint["name"], "available": bool(endpoint.get("available") and s.get("available"))}
            if row["available"]:
                row.update(
                    queries_s=s["queries"],
                    queries_l=endpoint["queries"],
                    p50_s=s["p50_ms"],
                    p50_l=endpoint["p50_ms"],
                    p95_s=s["p95_ms"],
                    p95_l=endpoint["p95_ms"],
                    p50_ratio=round(endpoint["p50_ms"] / s["p50_ms"], 2),
                    cpu_p50_l=endpoint.get("cpu_p50_ms"),
                )
                row["queries_ok"] = row["queries_l"] <= TARGETS["queries_max"] and row["queries_l"] == row["queries_s"]
                row["p50_ratio_ok"] = row["p50_ratio"] <= TARGETS["p50_ratio_max"]
                row["cold_p50_l_ok"] = row["p50_l"] <= TARGETS["cold_p50_l_ms_max"]
                row["p95_over_p50_l"] = round(row["p95_l"] / row["p50_l"], 2)
                row["p95_l_ok"] = row["p95_over_p50_l"] <= TARGETS["p95_over_p50_l_max"]
            else:
                row["reason"] = endpoint.get("reason") or s.get("reason")
            # By name: a URL can differ between scales (the agreement page's typical agreement).
            row["throughput"] = {
                scale_name: throughput(scale.get("load"), url_of(scale, endpoint["name"]))
                for scale_name, scale in scales.items()
            }
            if endpoint["url"] in large.get("load_skipped_too_slow", []):
                row["load"] = f"not loaded: p50 above {SLOW_MS} ms alone"
            if endpoint["name"] == "search" and "uses_index" in endpoint:
                row["search_uses_index"] = endpoint["uses_index"]
                row["search_seq_scans"] = endpoint.get("seq_scan_tables", [])
                row["search_index_scans"] = endpoint.get("index_scans", [])
            rows.append(row)
    summary = {"endpoints": rows}
    exports = {}
    for key in ("notes_csv", "rounds_csv"):
        s = (small or {}).get(key) or {}
        lg = (large or {}).get(key) or {}
        if s.get("available") and lg.get("available"):
            exports[key] = {
                "complete_l": lg["complete"],
                "rows_l": lg["rows"],
                "rows_per_s_l": lg["rows_per_s"],
                "ttfb_ms_l": lg["ttfb_ms"],
                "peak_rss_mb_s": s["worker_peak_rss_mb"],
                "peak_rss_mb_l": lg["worker_peak_rss_mb"],
                "rss_ratio": round(lg["worker_peak_rss_mb"] / s["worker_peak_rss_mb"], 2),
            }
            exports[key]["rss_ok"] = exports[key]["rss_ratio"] <= TARGETS["csv_rss_ratio_max"]
        else:
            exports[key] = {"available": False, "reason": lg.get("reason") or s.get("reason")}
    summary["exports"] = exports
    errors = sum(
        run.get("errors", 0)
        for scale in scales.values()
        for mode in MODES
        for run in (scale.get("load") or {}).get(mode, [])
    )
    summary["load_errors_total"] = errors
    summary["import"] = report.get("import")
    return summary


def _mode_cell(found: dict, mode: str) -> str:
    """ "123.4 / 0.301" (requests/s / share of the floor), or why there is no figure."""
    run = found.get(mode)
    if run is None:
        return "-"
    if "skipped" in run:
        return "no validator" if run["skipped"].startswith("no validator") else "n/a"
    cell = f"{run['rps']} / {run['share']}"
    if mode == "warm" and not run["cached"]:
        cell += " not cached"
    return cell


def print_table(report: dict) -> None:
    summary = report["summary"]
    print()
    header = f"{'endpoint':26} {'queries S/L':>11} {'p50 S ms':>9} {'p50 L ms':>9} {'L/S':>5} {'p95 L':>8}"
    header += f" {'p95/p50':>7} {'CPU L':>6}  targets"
    print(header)
    print("-" * len(header))
    for row in summary["endpoints"]:
        if not row["available"]:
            print(f"{row['name']:26} not available: {row.get('reason')}")
            continue
        flags = []
        flags.append("queries ok" if row["queries_ok"] else "QUERIES MISSED")
        flags.append("ratio ok" if row["p50_ratio_ok"] else "RATIO MISSED")
        flags.append("cold p50 ok" if row["cold_p50_l_ok"] else "COLD P50 MISSED")
        flags.append("p95 ok" if row["p95_l_ok"] else "P95 MISSED")
        if "search_uses_index" in row:
            if row["search_uses_index"]:
                flags.append("index ok")
            else:
                flags.append(f"SEQ SCAN on {', '.join(row['search_seq_scans'])}")
        if "load" in row:
            flags.append(row["load"])
        print(
            f"{row['name']:26} {row['queries_s']:>5}/{row['queries_l']:<5} {row['p50_s']:>9} {row['p50_l']:>9} "
            f"{row['p50_ratio']:>5} {row['p95_l']:>8} {row['p95_over_p50_l']:>7} {row['cpu_p50_l'] or '-':>6}  "
            f"{', '.join(flags)}"
        )
    for scale_name, scale in report["scales"].items():
        load = scale.get("load")
        if not load:
            continue
        print()
        floors = f"/healthz {load['cold_floor']['rps']} requests/s (cold server)"
        if "warm_floor" in load:
            floors += f", {load['warm_floor']['rps']} (server on the shared cache)"
        print(f"Throughput at {scale_name}, requests/s / share of the floor: {floors}")
        loads = [scale.get(key) for key in ("loadavg_before", "loadavg_before_load", "loadavg_after_load")]
        print(
            "load average (1 min) before in-process, before and after load: "
            + ", ".join(f"{value[0]:.1f}" for value in loads if value)
        )
        header = f"{'endpoint':26} {'cold':>16} {'warm':>26} {'304':>16}  {'err':>4}  targets"
        print(header)
        print("-" * len(header))
        for row in summary["endpoints"]:
            found = row["throughput"].get(scale_name) or {}
            if not found:
                continue
            errors = sum(run.get("errors", 0) for run in found.values())
            flags = []
            if "warm" in found and "share_ok" in found["warm"]:
                flags.append("warm ok" if found["warm"]["share_ok"] else "WARM MISSED")
            if "not_modified" in found:
                ok = found["not_modified"].get("share_ok")
                flags.append("304 ok" if ok else "304 MISSED")
            print(
                f"{row['name']:26} {_mode_cell(found, 'cold'):>16} {_mode_cell(found, 'warm'):>26} "
                f"{_mode_cell(found, 'not_modified'):>16}  {errors:>4}  {', '.join(flags)}"
            )
    print()
    for key, export in summary["exports"].items():
        if export.get("available") is False:
            print(f"{key}: not available ({export.get('reason')})")
        else:
            print(
                f"{key}: {export['rows_l']} rows at L{'' if export['complete_l'] else ' (stopped early)'}, "
                f"{export['rows_per_s_l']} rows/s, first byte "
                f"{export['ttfb_ms_l']} ms, worker peak RSS {export['peak_rss_mb_s']} MB (S) / "
                f"{export['peak_rss_mb_l']} MB (L) = {export['rss_ratio']}x "
                f"({'ok' if export['rss_ok'] else 'MISSED'})"
            )
    imported = summary.get("import") or {}
    if imported.get("available") and imported.get("rows_per_s"):
        ok = imported["rows_per_s"] >= TARGETS["import_rows_per_s_min"]
        print(
            f"import_csv rounds: {imported['rows']} rows in {imported['import_seconds']} s = "
            f"{imported['rows_per_s']} rows/s ({'ok' if ok else 'MISSED'}; "
            f"{imported['rows_per_s_including_startup']} rows/s including process start)"
        )
    elif imported:
        print(f"import_csv rounds: not available ({imported.get('reason') or imported.get('output')})")
    print(f"errors under load: {summary['load_errors_total']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["S", "L"], choices=list(EXPECTED))
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL, no db name")
    parser.add_argument("--db-prefix", default="tracker_bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per endpoint (in-process)")
    parser.add_argument("--load-seconds", type=float, default=5, help="seconds of load per endpoint")
    parser.add_argument("--concurrency", type=int, default=8, help="load-generator threads")
    parser.add_argument("--export-max-seconds", type=float, default=120, help="stop reading an export after this")
    parser.add_argument("--regenerate", action="store_true", help="regenerate synthetic data even if present")
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/15",
        help="the shared cache of the warm and 304 runs: a loopback Redis database the run may empty",
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=["load", "export", "import"])
    parser.add_argument("--quick", action="store_true", help="few repeats and short load: a smoke run")
    parser.add_argument("--output", help="results file (default bench/results/<UTC time>.json)")
    args = parser.parse_args()
    if "@127.0.0.1:" not in args.server and "//127.0.0.1:" not in args.server:
        parser.error("loopback PostgreSQL only (127.0.0.1)")
    if not args.cache_url.startswith("redis://127.0.0.1:"):
        parser.error("loopback Redis only (redis://127.0.0.1:PORT/DB)")
    if args.quick:
        args.repeat, args.load_seconds = 5, 1

    started = dt.datetime.now(dt.UTC)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": {k: getattr(args, k) for k in ("repeat", "load_seconds", "concurrency", "seed")},
        "targets": TARGETS,
        "scales": {},
    }
    with suppress(OSError):
        report["git_commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    for scale in args.scales:
        name = f"{args.db_prefix}_{scale.lower()}"
        url = f"{args.server}/{name}"
        entry = report["scales"][scale] = prepare(args.server, name, scale, args.seed, args.regenerate)
        log(f"{scale}: in-process measurements")
        # Other work on the machine skews timings: keep the load average beside them.
        entry["loadavg_before"] = os.getloadavg()
        entry["in_process"] = in_process(url, args.repeat)
        entry["loadavg_after_in_process"] = os.getloadavg()
        available = [e["url"] for e in entry["in_process"]["endpoints"] if e.get("available")]
        # An endpoint that takes seconds even alone would only measure client timeouts under
        # load, and keep the workers busy for the endpoints after it: report it, don't load it.
        too_slow = [e["url"] for e in entry["in_process"]["endpoints"] if e.get("available") and e["p50_ms"] > SLOW_MS]
        entry["load_skipped_too_slow"] = too_slow
        available = [path for path in available if path not in too_slow]
        if "load" not in args.skip:
            log(f"{scale}: load (cold, warm, 304: {len(available)} paths x {args.load_seconds} s each)")
            entry["loadavg_before_load"] = os.getloadavg()
            entry["load"] = under_load(url, available, args.load_seconds, args.concurrency, args.cache_url)
            entry["loadavg_after_load"] = os.getloadavg()
        if "export" not in args.skip:
            log(f"{scale}: streaming exports")
            entry["notes_csv"] = stream_export(url, None, find_notes=True, max_seconds=args.export_max_seconds)
            entry["rounds_csv"] = stream_export(url, "/rounds/?format=csv", max_seconds=args.export_max_seconds)
    if "import" not in args.skip:
        log("import_csv rounds (20,000 rows)")
        report["import"] = import_rounds(args.server, args.seed, args.db_prefix)
    report["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    report["summary"] = summarise(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = Path(args.output) if args.output else RESULTS / f"{started:%Y%m%dT%H%M%SZ}-{'-'.join(args.scales)}.json"
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_table(report)
    print(f"\nResults: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


if __name__ == "__main__":
    main()
