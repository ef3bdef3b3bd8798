"""In-process measurements of one database (run by bench/run.py with DATABASE_URL set).

For each endpoint: SQL queries per request (CaptureQueriesContext around the test Client) and
server time over repeated requests (the Client calls the whole Django stack, middleware and
templates included, without a network). These are cold renders: the cache is emptied before
every request (outside the timing) and the client sends no validator. For search it also runs EXPLAIN on the SQL the
request sent, to show whether an index answers it. Prints one JSON document on stdout.
"""

import argparse
import gc
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

from negotiations.models import Agreement, ChapterProgress, ProgressNote, Round  # noqa: E402

SLOW_SECONDS = 2.0
INDEX_NAME = re.compile(r"Index(?: Only)? Scan (?:Backward )?(?:using|on) (\S+)")
# Tables whose full scan at scale L would make a request cost grow with the data.
LARGE_TABLES = [model._meta.db_table for model in (ProgressNote, ChapterProgress, Round)]


def typical_agreement() -> str:
    """The synthetic agreement whose round count is nearest the mean (20), so the detail page
    compares like with like at S and L."""
    rows = (
        Agreement.objects.filter(slug__startswith="synthetic-")
        .annotate(n=Count("rounds"))
        .values_list("slug", "n")
        .order_by("slug")
    )
    return min(rows, key=lambda row: (abs(row[1] - 20), row[0]))[0]


def endpoints(search_term: str) -> list[tuple[str, str]]:
    slug = typical_agreement()
    return [
        ("agreement_list_filtered", "/agreements/?status=under_negotiation"),
        ("agreement_detail", f"/agreements/{slug}/"),
        ("rounds_by_chapter", "/rounds/?chapter=ROO"),
        ("chapter_page", "/chapters/ROO/"),
        ("search", f"/search/?q={search_term}"),
        ("api_rounds", "/api/rounds/?chapter=ROO"),
        ("csv_export_filtered", f"/rounds/?agreement={slug}&format=csv"),
    ]


def fetch(client: Client, url: str):
    response = client.get(url)
    # Streaming responses do their work while being read.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def exists(url: str) -> bool:
    try:
        resolve(url.split("?")[0])
    except Resolver404:
        return False
    return True


def explain(sql: str) -> dict:
    """EXPLAIN one captured query; which scans it uses on the large tables."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    seq_scans = [table for table in LARGE_TABLES if f"Seq Scan on {table}" in plan]
    index_scans = [line.strip() for line in plan.splitlines() if "Index" in line and "Scan" in line]
    return {"sql": sql[:600], "plan": plan[:3000], "seq_scans_on_large_tables": seq_scans, "index_scans": index_scans}


def measure(client: Client, name: str, url: str, repeat: int, warmup: int, budget: float) -> dict:
    result = {"name": name, "url": url}
    if not exists(url):
        return {**result, "available": False, "reason": "URL not routed (not built yet)"}
    started = time.perf_counter()
    response, body = fetch(client, url)
    first = time.perf_counter() - started
    result["status"] = response.status_code
    if response.status_code != 200:
        return {**result, "available": False, "reason": f"HTTP {response.status_code}"}
    slow = first > SLOW_SECONDS  # seconds per request: fewer warm-ups and samples
    for _ in range(0 if slow else warmup):
        cache.clear()
        fetch(client, url)
    cache.clear()  # cold: nothing kept from an earlier request (outside the timing below too)
    with CaptureQueriesContext(connection) as captured:
        fetch(client, url)
    # Copy now: every later request resets the connection's query log.
    queries = list(captured.captured_queries)
    result["queries"] = len(queries)
    result["bytes"] = len(body)
    timings = []
    cpu = []  # this process's CPU time: the Python side, less sensitive to other work than wall time
    budget_ends = time.perf_counter() + budget
    for _ in range(repeat):
        cache.clear()
        started, cpu_started = time.perf_counter(), time.process_time()
        fetch(client, url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        if len(timings) >= (3 if slow else 5) and started > budget_ends:
            break  # a slow endpoint gets fewer samples, not a longer benchmark
    timings.sort()
    result.update(
        available=True,
        p50_ms=round(statistics.median(timings), 2),
        p95_ms=round(timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))], 2),
        cpu_p50_ms=round(statistics.median(cpu), 2),
        repeat=len(timings),
    )
    if name == "search" and connection.vendor == "postgresql":
        result["explain"] = [
            explain(query["sql"])
            for query in queries
            if query["sql"].lstrip().upper().startswith("SELECT")
            and any(table in query["sql"] for table in LARGE_TABLES)
        ]
        result["uses_index"] = bool(result["explain"]) and all(
            not plan["seq_scans_on_large_tables"] for plan in result["explain"]
        )
        result["seq_scan_tables"] = sorted({t for plan in result["explain"] for t in plan["seq_scans_on_large_tables"]})
        # "Index Scan using NAME on table" / "Bitmap Index Scan on NAME": the index names.
        result["index_scans"] = sorted(
            {match for p in result["explain"] for line in p["index_scans"] for match in INDEX_NAME.findall(line)}
        )
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--search-term", default="cumulation")
    parser.add_argument("--budget-seconds", type=float, default=45, help="time for one endpoint's repeats")
    args = parser.parse_args()

    # As gunicorn.conf.py does after a worker loads the app: the start-up objects go into the
    # collector's permanent generation, so full collections do not walk them.
    resolve("/healthz")
    gc.collect()
    gc.freeze()
    client = Client()
    sizes = {
        "agreements": Agreement.objects.count(),
        "rounds": Round.objects.count(),
        "chapter_progress": ChapterProgress.objects.count(),
        "notes": ProgressNote.objects.count(),
    }
    results = [
        measure(client, name, url, args.repeat, args.warmup, args.budget_seconds)
        for name, url in endpoints(args.search_term)
    ]
    json.dump({"vendor": connection.vendor, "sizes": sizes, "endpoints": results}, sys.stdout)


if __name__ == "__main__":
    main()
