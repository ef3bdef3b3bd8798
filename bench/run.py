"""The tracker's benchmark: cost per request at scale S and L on PostgreSQL, and the ratio L / S.

    .venv/bin/python bench/run.py                      # S and L, everything (about 10 minutes)
    .venv/bin/python bench/run.py --scales S --quick   # a smoke run

For each scale it prepares its own database (``tracker_bench_s``, ``tracker_bench_l``: migrate,
seed, ``generate_synthetic``; reused when already generated), then measures:

1. in-process (bench/inprocess.py): SQL queries per request and p50/p95 server time;
2. under load: gunicorn with 2 workers on 127.0.0.1 and a separate load-generator process
   (bench/loadgen.py), /healthz first as the floor, each endpoint's throughput as a ratio to it;
3. streaming CSV export of all notes (and of all rounds) from a fresh 1-worker gunicorn:
   time to first byte, rows per second, peak RSS of the worker (VmHWM in /proc);
4. once: ``manage.py import_csv rounds`` of a 20,000-row CSV into a scratch database.

Writes bench/results/<timestamp>.json and prints a table with the targets of issue 6. Targets
are reported, never asserted. Only loopback addresses are used; every loop is bounded.
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
}


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
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_ENV", "DATABASE_REPLICA_URLS"}}
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
def gunicorn(url: str, workers: int, timeout: int = 120):
    """gunicorn on a free loopback port with this repository's gunicorn.conf.py."""
    port = free_port()
    env = django_env(
        url,
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


def under_load(url: str, paths: list[str], seconds: float, concurrency: int) -> list[dict]:
    with gunicorn(url, workers=2) as (base, _pid):
        result = subprocess.run(
            [PYTHON, "bench/loadgen.py", base, "/healthz", *paths]
            + ["--seconds", str(seconds), "--concurrency", str(concurrency)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600 + seconds * (len(paths) + 1) * 3,
        )
    if result.returncode != 0:
        raise RuntimeError(f"bench/loadgen.py failed:\n{result.stderr[-4000:]}")
    runs = json.loads(result.stdout)
    floor = runs[0]["rps"] or None
    for run in runs:
        run["ratio_to_healthz"] = round(run["rps"] / floor, 3) if floor else None
    return runs


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


def import_rounds(server: str, seed: int, rows: int = 20_000) -> dict:
    """``manage.py import_csv rounds`` of ``rows`` new rounds into a scratch database."""
    if not command_exists("import_csv"):
        return {"available": False, "reason": "manage.py import_csv does not exist yet"}
    name = "tracker_bench_import"
    admin_sql(server, f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(server, f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    manage(url, "migrate", "--noinput")
    if command_exists("seed"):
        manage(url, "seed")
    manage(url, "generate_synthetic", "--scale", "S", "--seed", str(seed))
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
                )
                row["queries_ok"] = row["queries_l"] <= TARGETS["queries_max"] and row["queries_l"] == row["queries_s"]
                row["p50_ratio_ok"] = row["p50_ratio"] <= TARGETS["p50_ratio_max"]
            else:
                row["reason"] = endpoint.get("reason") or s.get("reason")
            load = {run["path"]: run for run in large.get("load", [])}.get(endpoint["url"])
            if load:
                row.update(rps_l=load["rps"], ratio_to_healthz=load["ratio_to_healthz"], errors_l=load["errors"])
            elif endpoint["url"] in large.get("load_skipped_too_slow", []):
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
    errors = sum(run["errors"] for scale in scales.values() for run in scale.get("load", []))
    summary["load_errors_total"] = errors
    summary["import"] = report.get("import")
    return summary


def print_table(report: dict) -> None:
    summary = report["summary"]
    print()
    header = f"{'endpoint':26} {'queries S/L':>11} {'p50 S ms':>9} {'p50 L ms':>9} {'L/S':>5} {'p95 L':>8}"
    header += f" {'rps L':>7} {'/healthz':>8} {'err':>4}  targets"
    print(header)
    print("-" * len(header))
    for row in summary["endpoints"]:
        if not row["available"]:
            print(f"{row['name']:26} not available: {row.get('reason')}")
            continue
        flags = []
        flags.append("queries ok" if row["queries_ok"] else "QUERIES MISSED")
        flags.append("ratio ok" if row["p50_ratio_ok"] else "RATIO MISSED")
        if "search_uses_index" in row:
            if row["search_uses_index"]:
                flags.append("index ok")
            else:
                flags.append(f"SEQ SCAN on {', '.join(row['search_seq_scans'])}")
            if row["search_index_scans"]:
                flags.append(f"indexes: {', '.join(row['search_index_scans'])}")
        if "load" in row:
            flags.append(row["load"])
        print(
            f"{row['name']:26} {row['queries_s']:>5}/{row['queries_l']:<5} {row['p50_s']:>9} {row['p50_l']:>9} "
            f"{row['p50_ratio']:>5} {row['p95_l']:>8} {row.get('rps_l', '-'):>7} "
            f"{row.get('ratio_to_healthz', '-'):>8} {row.get('errors_l', '-'):>4}  {', '.join(flags)}"
        )
    large = report["scales"].get("L") or next(reversed(report["scales"].values()))
    healthz = next((run for run in large.get("load", []) if run["path"] == "/healthz"), None)
    if healthz:
        print(f"{'/healthz (floor)':26} {'':>11} {'':>9} {'':>9} {'':>5} {'':>8} {healthz['rps']:>7} {1:>8} "
              f"{healthz['errors']:>4}")  # fmt: skip
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
    parser.add_argument("--skip", nargs="*", default=[], choices=["load", "export", "import"])
    parser.add_argument("--quick", action="store_true", help="few repeats and short load: a smoke run")
    parser.add_argument("--output", help="results file (default bench/results/<UTC time>.json)")
    args = parser.parse_args()
    if "@127.0.0.1:" not in args.server and "//127.0.0.1:" not in args.server:
        parser.error("loopback PostgreSQL only (127.0.0.1)")
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
            log(f"{scale}: load ({len(available) + 1} paths x {args.load_seconds} s)")
            entry["load"] = under_load(url, available, args.load_seconds, args.concurrency)
        if "export" not in args.skip:
            log(f"{scale}: streaming exports")
            entry["notes_csv"] = stream_export(url, None, find_notes=True, max_seconds=args.export_max_seconds)
            entry["rounds_csv"] = stream_export(url, "/rounds/?format=csv", max_seconds=args.export_max_seconds)
    if "import" not in args.skip:
        log("import_csv rounds (20,000 rows)")
        report["import"] = import_rounds(args.server, args.seed)
    report["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    report["summary"] = summarise(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = Path(args.output) if args.output else RESULTS / f"{started:%Y%m%dT%H%M%SZ}-{'-'.join(args.scales)}.json"
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_table(report)
    print(f"\nResults: {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


if __name__ == "__main__":
    main()
