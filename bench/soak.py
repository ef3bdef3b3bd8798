"""A bounded mixed read/write soak against a running tracker, checked against the database.

    # the server (any: ./dev serve, runserver, gunicorn) and this script use the same DATABASE_URL,
    # and the seed is loaded; a high anonymous API rate keeps readers from being throttled:
    API_ANON_RATE=1000000/hour .venv/bin/python manage.py runserver 127.0.0.1:8000
    .venv/bin/python bench/soak.py --url http://127.0.0.1:8000 --seconds 60

It sets up its own data through Django on ``DATABASE_URL`` (a new agreement ``soak-<run>`` with
rounds, chapter progress, public notes and confidential notes carrying a unique marker; officials
assigned to it and curators, each with an API token), then runs for ``--seconds`` (or until
``--max-requests``), loopback only:

- anonymous readers over pages, exports, feeds and the API, each response searched for the
  confidential marker;
- officials and curators writing through the API: PATCH of rounds, chapter progress and notes
  with If-Match (a 412 is retried with the ETag it answers), several writers on the same "hot"
  rows; new notes, some confidential;
- bursts: five writers released together POST the same new chapter-progress row or the same
  round number; exactly one may get 201, the others must get 409.

Each acknowledged write (201 or 200 with its ETag) goes into a ledger. Afterwards, from the
database: every acknowledged create exists exactly once and nothing unacknowledged was created;
every row's final values and version are those of its last acknowledged write; each row has one
audit (django-simple-history) row per acknowledged create or update; zero 5xx and zero transport
errors; zero confidential markers in anonymous responses (while editors do see it). It prints a
verdict, writes ``bench/results/<time>-soak-<database>.json`` and exits 1 if any check failed.
"""

import argparse
import datetime as dt
import ipaddress
import json
import os
import random
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MAX_SECONDS = 600
MAX_REQUESTS = 200_000
RETRIES = 8  # If-Match attempts on a contended row before a writer gives up on it
BURST_SIZE = 5
HOT_ROWS = 3
ROUND_NUMBER_MAX = 999  # the highest round number the tracker accepts
REQUEST_TIMEOUT = 60


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def require_loopback(url: str) -> str:
    """The base URL without a trailing slash, if every address its host resolves to is loopback."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"--url must be http://HOST:PORT on this machine, not {url!r}")
    addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 80)}
    if not addresses or not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"{parts.hostname} is not a loopback address: the soak only runs against this machine")
    return url.rstrip("/")


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()


# --- Setup through Django ---------------------------------------------------------------------


@dataclass
class Writer:
    name: str
    role: str
    token: str


@dataclass
class Plan:
    run_id: str
    slug: str
    agreement_id: int
    marker: str  # only in confidential notes
    word: str  # in public and confidential notes: what readers search for
    hot_rounds: list[int]
    own_rounds: list[int]  # one per writer
    hot_progress: list[int]
    confidential_notes: list[int]
    public_notes: list[int]
    # What each create burst aims at, in turn: a (round id, chapter code) not yet recorded, or a
    # round number the agreement does not have yet.
    burst_targets: list[tuple[str, object]]
    chapter_code: str
    statuses: list[str]
    writers: list[Writer]


def prepare(run_id: str, officials: int, curators: int) -> Plan:
    """The soak's own agreement, rows, users and tokens, written through the services."""
    from django.contrib.auth.models import Group, User
    from django.db import connections
    from knox.models import AuthToken

    from negotiations import roles, services
    from negotiations.choices import AgreementKind, ProgressStatus, Visibility
    from negotiations.models import Chapter, Party

    roles.roles_ensure()
    parties = list(Party.objects.filter(code__in=["IND", "PER"]))
    chapters = list(Chapter.objects.filter(is_active=True).order_by("order", "code"))
    if len(parties) < 2 or len(chapters) < 4:
        raise SystemExit("The database has no seed data: run `manage.py migrate` and `manage.py seed` first.")

    writers, users = [], []
    for role, count in ((roles.OFFICIAL, officials), (roles.CURATOR, curators)):
        for index in range(count):
            user = User.objects.create_user(f"soak-{run_id}-{role.lower()}-{index}", is_staff=role == roles.CURATOR)
            user.groups.add(Group.objects.get(name=role))
            _row, token = AuthToken.objects.create(user=user)  # only its digest is stored
            writers.append(Writer(user.username, role, token))
            users.append(user)
    setup_user, reason = users[-1], "soak setup"

    slug = f"soak-{run_id}"
    agreement, _created = services.agreement_upsert(
        slug=slug, name=f"Soak {run_id}", kind=AgreementKind.FTA, parties=parties, user=setup_user, reason=reason
    )
    agreement.editors.add(*[u for u, w in zip(users, writers, strict=True) if w.role == roles.OFFICIAL])

    def new_round(number):
        round_obj, _created = services.round_upsert(
            agreement=agreement,
            number=number,
            start_date=dt.date(2026, 1, 1) + dt.timedelta(days=number),
            summary="set up",
            user=setup_user,
            reason=reason,
        )
        return round_obj

    hot = [new_round(n) for n in range(1, HOT_ROWS + 1)]
    own = [new_round(HOT_ROWS + 1 + n) for n in range(len(writers))]
    hot_progress = [
        services.chapter_progress_set(
            round=hot[0], chapter=chapter, status=ProgressStatus.UNDER_NEGOTIATION, user=setup_user, reason=reason
        )[0]
        for chapter in chapters[:HOT_ROWS]
    ]
    word = f"soakword{run_id}"
    marker = f"SOAKSECRET{run_id}"
    notes = {
        visibility: [
            services.note_add(
                round=round_obj,
                text=f"{word} {marker} set up" if visibility == Visibility.CONFIDENTIAL else f"{word} set up",
                visibility=visibility,
                user=setup_user,
                reason=reason,
            ).pk
            for round_obj in hot
        ]
        for visibility in (Visibility.PUBLIC, Visibility.CONFIDENTIAL)
    }
    rounds = hot + own
    keys = [(r.pk, c.code) for c in chapters[HOT_ROWS:] for r in rounds]
    random.Random(run_id).shuffle(keys)
    numbers = range(len(rounds) + 1, ROUND_NUMBER_MAX + 1)
    alternating = zip_longest([("progress", key) for key in keys], [("round", number) for number in numbers])
    targets = [target for pair in alternating for target in pair if target is not None]
    connections.close_all()
    return Plan(
        run_id=run_id,
        slug=slug,
        agreement_id=agreement.pk,
        marker=marker,
        word=word,
        hot_rounds=[r.pk for r in hot],
        own_rounds=[r.pk for r in own],
        hot_progress=[p.pk for p in hot_progress],
        confidential_notes=notes[Visibility.CONFIDENTIAL],
        public_notes=notes[Visibility.PUBLIC],
        burst_targets=targets,
        chapter_code=chapters[0].code,
        statuses=list(ProgressStatus.values),
        writers=writers,
    )


def soak_rows(agreement_id: int) -> dict[str, dict[int, object]]:
    """Every round, chapter-progress row and note of the soak's agreement, by kind and id."""
    from negotiations.models import ChapterProgress, ProgressNote, Round

    return {
        "round": Round.objects.filter(agreement_id=agreement_id).in_bulk(),
        "progress": ChapterProgress.objects.filter(round__agreement_id=agreement_id)
        .select_related("chapter")
        .in_bulk(),
        "note": ProgressNote.objects.filter(round__agreement_id=agreement_id).in_bulk(),
    }


def audit_counts(agreement_id: int) -> Counter:
    """History rows per (kind, id) of the soak's rows."""
    from django.db.models import Count

    from negotiations.models import ChapterProgress, ProgressNote, Round

    round_ids = list(Round.history.filter(agreement_id=agreement_id).values_list("id", flat=True).distinct())
    counts = Counter()
    for kind, history in (
        ("round", Round.history.filter(agreement_id=agreement_id)),
        ("progress", ChapterProgress.history.filter(round_id__in=round_ids)),
        ("note", ProgressNote.history.filter(round_id__in=round_ids)),
    ):
        for row in history.values("id").annotate(n=Count("history_id")):
            counts[(kind, row["id"])] = row["n"]
    return counts


# --- The workload ------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int  # 0: no answer (connection refused or reset, timeout)
    etag: str
    body: bytes


@dataclass
class Run:
    """What every thread shares: the clock, the request cap, the counts, the ledger."""

    base: str
    deadline: float
    max_requests: int
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_label: Counter = field(default_factory=Counter)
    latencies: dict = field(default_factory=lambda: defaultdict(list))
    server_errors: list = field(default_factory=list)
    transport_errors: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)
    unexpected_count: int = 0
    transport_error_count: int = 0
    ledger: list = field(default_factory=list)
    bursts: dict = field(default_factory=lambda: defaultdict(list))
    anonymous_checked: int = 0
    anonymous_leaks: list = field(default_factory=list)
    editor_marker_seen: int = 0
    retries_412: int = 0
    gave_up: int = 0

    def active(self) -> bool:
        if time.monotonic() >= self.deadline:
            self.stop.set()
        return not self.stop.is_set()

    def call(self, label: str, method: str, path: str, *, token="", body=None, if_match="", expect=(200,)) -> Answer:
        """One request, counted; a 4xx outside ``expect`` (None: any) is kept as unexpected."""
        request = urllib.request.Request(
            self.base + path, method=method, data=json.dumps(body).encode() if body is not None else None
        )
        request.add_header("Accept", "application/json, text/html;q=0.9, */*;q=0.8")
        request.add_header("X-Change-Reason", "soak")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        if if_match:
            request.add_header("If-Match", if_match)
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                answer = Answer(response.status, response.headers.get("ETag", ""), response.read())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.headers.get("ETag", ""), error.read())
        except (OSError, TimeoutError) as error:
            answer = Answer(0, "", b"")
            with self.lock:
                self.transport_error_count += 1
                if len(self.transport_errors) < 20:
                    self.transport_errors.append(f"{method} {path}: {error!r}")
        elapsed = time.monotonic() - started
        with self.lock:
            self.requests += 1
            if self.requests >= self.max_requests:
                self.stop.set()
            self.statuses[answer.status] += 1
            self.by_label[(label, answer.status)] += 1
            self.latencies[label].append(elapsed)
            if answer.status >= 500 and len(self.server_errors) < 20:
                self.server_errors.append(f"{method} {path} -> {answer.status}: {answer.body[:300]!r}")
            elif expect is not None and 0 < answer.status < 500 and answer.status not in expect:
                self.unexpected_count += 1
                if len(self.unexpected) < 20:
                    self.unexpected.append(f"{method} {path} -> {answer.status}: {answer.body[:300]!r}")
        return answer

    def ack(self, op: str, kind: str, pk: int, fields: dict, etag: str, by: str, key=None) -> None:
        entry = {"op": op, "kind": kind, "pk": pk, "fields": fields, "version": version_of(etag), "by": by}
        if key is not None:
            entry["key"] = list(key) if isinstance(key, tuple) else key
        with self.lock:
            self.ledger.append(entry)


def version_of(etag: str) -> int | None:
    tag = etag.strip().strip('"')
    return int(tag[1:]) if tag.startswith("v") and tag[1:].isdigit() else None


API_PATHS = {"round": "rounds", "progress": "chapter-progress", "note": "notes"}


def reader_paths(plan: Plan) -> list[tuple[str, str]]:
    slug, hot = plan.slug, plan.hot_rounds
    return [
        ("page", "/"),
        ("page", "/agreements/"),
        ("page", f"/agreements/{slug}/"),
        ("page", f"/rounds/?agreement={slug}"),
        *[("page", f"/rounds/{pk}/") for pk in hot],
        ("page", "/chapters/"),
        ("page", f"/chapters/{plan.chapter_code}/"),
        ("page", f"/search/?q={plan.word}"),
        ("export", f"/rounds/?agreement={slug}&format=csv"),
        ("export", f"/agreements/{slug}/export.json"),
        ("export", "/api/export/chapter-progress.csv"),
        ("export", "/api/export/rounds.json"),
        ("export", "/feeds/rounds.atom"),
        ("export", f"/calendar/rounds.ics?agreement={slug}"),
        ("api", f"/api/agreements/{slug}/"),
        ("api", f"/api/rounds/?agreement={slug}"),
        *[("api", f"/api/rounds/{pk}/") for pk in hot],
        ("api", f"/api/notes/?agreement={slug}"),
        ("api", f"/api/notes/?agreement={slug}&format=csv"),
        ("api", f"/api/notes/{plan.confidential_notes[0]}/"),
        ("api", f"/api/chapter-progress/?agreement={slug}"),
    ]


def anonymous_reader(run: Run, plan: Plan, index: int) -> None:
    rng = random.Random(f"{plan.run_id}-reader-{index}")
    paths = reader_paths(plan)
    hidden = f"/api/notes/{plan.confidential_notes[0]}/"
    marker = plan.marker.encode()
    while run.active():
        kind, path = rng.choice(paths)
        expect = (404, 429) if path == hidden else (200, 429)
        answer = run.call(f"read {kind}", "GET", path, expect=expect)
        with run.lock:
            run.anonymous_checked += 1
            if marker in answer.body:
                run.anonymous_leaks.append(path)


class WriterLoop:
    """One official or curator: edits with If-Match retries, new notes, reads of confidential notes."""

    def __init__(self, run: Run, plan: Plan, index: int, notes: list, notes_lock: threading.Lock):
        self.run, self.plan, self.writer = run, plan, plan.writers[index]
        self.rng = random.Random(f"{plan.run_id}-writer-{index}")
        self.own_round = plan.own_rounds[index]
        self.notes, self.notes_lock = notes, notes_lock  # (pk, confidential): every writer may edit them
        self.step = 0

    def edit(self, kind: str, pk: int, make_fields) -> None:
        """GET the row, PATCH it with its ETag; on 412 retry with the ETag the refusal gives."""
        path = f"/api/{API_PATHS[kind]}/{pk}/"
        answer = self.run.call(f"GET {kind}", "GET", path, token=self.writer.token)
        if answer.status != 200:
            return
        etag = answer.etag
        for _attempt in range(RETRIES):
            fields = make_fields()
            answer = self.run.call(
                f"PATCH {kind}", "PATCH", path, token=self.writer.token, body=fields, if_match=etag, expect=(200, 412)
            )
            if answer.status == 200:
                self.run.ack("update", kind, pk, fields, answer.etag, self.writer.name)
                return
            if answer.status != 412 or not answer.etag or not self.run.active():
                return
            with self.run.lock:
                self.run.retries_412 += 1
            etag = answer.etag
            time.sleep(self.rng.uniform(0, 0.01))
        with self.run.lock:
            self.run.gave_up += 1

    def label(self) -> str:
        self.step += 1
        return f"{self.writer.name} step {self.step}"

    def edit_round(self, pk: int) -> None:
        self.edit("round", pk, lambda: {"summary": self.label()})

    def edit_progress(self) -> None:
        pk = self.rng.choice(self.plan.hot_progress)
        self.edit("progress", pk, lambda: {"note": self.label(), "status": self.rng.choice(self.plan.statuses)})

    def add_note(self) -> None:
        confidential = self.rng.random() < 1 / 3
        round_pk = self.rng.choice([self.own_round, *self.plan.hot_rounds])
        text = f"{self.plan.word} {self.label()}" + (f" {self.plan.marker}" if confidential else "")
        fields = {"text": text, "visibility": "confidential" if confidential else "public"}
        answer = self.run.call(
            "POST note",
            "POST",
            "/api/notes/",
            token=self.writer.token,
            body={"round": round_pk, **fields},
            expect=(201,),
        )
        if answer.status == 201:
            pk = json.loads(answer.body)["id"]
            self.run.ack("create", "note", pk, fields, answer.etag, self.writer.name)
            with self.notes_lock:
                self.notes.append((pk, confidential))

    def edit_note(self) -> None:
        with self.notes_lock:
            pk, confidential = self.rng.choice(self.notes)
        suffix = f" {self.plan.marker}" if confidential else ""
        self.edit("note", pk, lambda: {"text": f"{self.plan.word} {self.label()} edited{suffix}"})

    def read_confidential(self) -> None:
        pk = self.rng.choice(self.plan.confidential_notes)
        answer = self.run.call("GET note", "GET", f"/api/notes/{pk}/", token=self.writer.token)
        if self.plan.marker.encode() in answer.body:
            with self.run.lock:
                self.run.editor_marker_seen += 1

    def __call__(self) -> None:
        curator = self.writer.role == "Curator"
        actions = [
            (lambda: self.edit_round(self.rng.choice(self.plan.hot_rounds)), 3),
            (lambda: self.edit_round(self.own_round), 1 if curator else 2),
            (self.edit_progress, 2),
            (self.add_note, 1 if curator else 3),
            (self.edit_note, 3 if curator else 1),
            (self.read_confidential, 1),
        ]
        choices, weights = zip(*actions, strict=True)
        self.read_confidential()  # the marker check is only meaningful if editors do see it
        while self.run.active():
            self.rng.choices(choices, weights)[0]()


def burst_loop(run: Run, plan: Plan, index: int, barrier: threading.Barrier) -> None:
    """Released together with the other burst threads, POST the same new row: one 201, others 409."""
    writer = plan.writers[index % len(plan.writers)]
    rng = random.Random(f"{plan.run_id}-burst-{index}")
    burst = 0
    try:
        while run.active() and burst < len(plan.burst_targets):
            try:
                barrier.wait(timeout=REQUEST_TIMEOUT)
            except threading.BrokenBarrierError:
                return
            kind, key = plan.burst_targets[burst]
            if kind == "progress":
                round_pk, chapter = key
                path = "/api/chapter-progress/"
                fields = {
                    "status": plan.statuses[index % len(plan.statuses)],
                    "note": f"burst {burst} by {writer.name}",
                }
                body = {"round": round_pk, "chapter": chapter, **fields}
            else:
                path = "/api/rounds/"
                fields = {"summary": f"burst {burst} by {writer.name}"}
                body = {"agreement": plan.slug, "number": key, **fields}
            answer = run.call(f"POST {kind} (burst)", "POST", path, token=writer.token, body=body, expect=None)
            pk = json.loads(answer.body).get("id") if answer.status == 201 else None
            with run.lock:
                run.bursts[burst].append(
                    {"kind": kind, "key": key, "status": answer.status, "pk": pk, "by": writer.name}
                )
            if answer.status == 201:
                run.ack("create", kind, pk, fields, answer.etag, writer.name, key=key)
            burst += 1
            time.sleep(rng.uniform(0.05, 0.15))
    finally:
        barrier.abort()  # the others stop waiting for a thread that left


# --- Verification ------------------------------------------------------------------------------


def verify(run: Run, plan: Plan, setup_rows: dict, audit_before: Counter) -> dict:
    """Every check, from the database: {name: {"ok": bool, "detail": ...}}."""
    from negotiations.models import ChapterProgress, Round

    rows = soak_rows(plan.agreement_id)
    audit_after = audit_counts(plan.agreement_id)
    checks = {}

    def check(name: str, problems: list, **figures) -> None:
        checks[name] = {"ok": not problems, "problems": problems[:20], "problem_count": len(problems), **figures}

    creates = [w for w in run.ledger if w["op"] == "create"]
    updates = [w for w in run.ledger if w["op"] == "update"]
    acked_rows = {(w["kind"], w["pk"]) for w in creates}

    problems = []
    for (kind, pk), n in Counter((w["kind"], w["pk"]) for w in creates).items():
        if n > 1:
            problems.append(f"{kind} {pk}: {n} acknowledged creates of one row")
        if pk not in rows[kind]:
            problems.append(f"{kind} {pk}: acknowledged create is missing")
    for w in creates:
        if w["kind"] == "progress":
            round_pk, chapter = w["key"]
            n = ChapterProgress.objects.filter(round_id=round_pk, chapter__code=chapter).count()
        elif w["kind"] == "round":
            n = Round.objects.filter(agreement_id=plan.agreement_id, number=w["key"]).count()
        else:
            continue
        if n != 1:
            problems.append(f"{w['kind']} {w['key']}: {n} rows for one key")
    for kind, by_pk in rows.items():
        for pk in by_pk:
            if pk not in setup_rows[kind] and (kind, pk) not in acked_rows:
                problems.append(f"{kind} {pk}: created without an acknowledged create")
    check("creates exactly once", problems, acknowledged=len(creates))

    problems = []
    writes = defaultdict(list)
    for w in run.ledger:
        writes[(w["kind"], w["pk"])].append(w)
    for (kind, pk), entries in writes.items():
        obj = rows[kind].get(pk)
        if obj is None:
            continue  # reported above
        entries.sort(key=lambda w: w["version"] or 0)
        final = {}
        for w in entries:
            final.update(w["fields"])
        for name, value in final.items():
            if getattr(obj, name) != value:
                problems.append(f"{kind} {pk}.{name} is {getattr(obj, name)!r}, last acknowledged {value!r}")
        if obj.version != entries[-1]["version"]:
            problems.append(f"{kind} {pk}: version {obj.version}, last acknowledged {entries[-1]['version']}")
    check(
        "final value is the last acknowledged write",
        problems,
        rows_written=len(writes),
        updates=len(updates),
        rows_updated=len({(w["kind"], w["pk"]) for w in updates}),
    )

    problems = []
    acked_changes = Counter((w["kind"], w["pk"]) for w in run.ledger)
    for row in set(audit_after) | set(audit_before) | set(acked_changes):
        added = audit_after[row] - audit_before[row]
        if added != acked_changes[row]:
            problems.append(f"{row[0]} {row[1]}: {added} new audit rows for {acked_changes[row]} acknowledged changes")
    check(
        "one audit row per acknowledged change",
        problems,
        audit_rows_added=sum(audit_after.values()) - sum(audit_before.values()),
    )

    problems = []
    outcomes = Counter()
    for burst, answers in sorted(run.bursts.items()):
        statuses = Counter(a["status"] for a in answers)
        outcomes.update(statuses)
        if statuses[201] != 1:
            problems.append(
                f"burst {burst} ({answers[0]['kind']} {answers[0]['key']}): {statuses[201]} × 201 {dict(statuses)}"
            )
        if set(statuses) - {201, 409}:
            problems.append(
                f"burst {burst} ({answers[0]['kind']} {answers[0]['key']}): a loser got {dict(statuses)}, not 409"
            )
    check("concurrent creates: one 201, the rest 409", problems, bursts=len(run.bursts), answers=dict(outcomes))

    check("zero 5xx", run.server_errors, count=sum(n for s, n in run.statuses.items() if s >= 500))
    check("no other refusal of valid requests", run.unexpected, count=run.unexpected_count)
    check("zero transport errors", run.transport_errors, count=run.transport_error_count)
    check(
        "no confidential marker seen anonymously",
        [f"marker in {path}" for path in run.anonymous_leaks],
        anonymous_responses=run.anonymous_checked,
        editor_sightings=run.editor_marker_seen,
    )
    check(
        "editors see the marker (the leak check is not blind)",
        [] if run.editor_marker_seen else ["no editor ever saw the confidential marker"],
    )
    return checks


# --- Main --------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running tracker (loopback only)")
    parser.add_argument("--seconds", type=float, default=60, help=f"duration, at most {MAX_SECONDS}")
    parser.add_argument(
        "--max-requests", type=int, default=50_000, help=f"stop after this many, at most {MAX_REQUESTS}"
    )
    parser.add_argument("--readers", type=int, default=8, help="anonymous reader threads")
    parser.add_argument("--officials", type=int, default=6, help="official writer threads")
    parser.add_argument("--curators", type=int, default=2, help="curator writer threads")
    parser.add_argument("--label", default="", help="a name for the server in the results (e.g. gunicorn)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory of the JSON result")
    args = parser.parse_args()
    if not 0 < args.seconds <= MAX_SECONDS or not 0 < args.max_requests <= MAX_REQUESTS:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}] and --max-requests in (0, {MAX_REQUESTS}]")
    if args.officials + args.curators < 1 or not 0 <= args.readers <= 64 or args.officials + args.curators > 64:
        parser.error("give 1 to 64 writers and 0 to 64 readers")
    base = require_loopback(args.url)

    django_setup()
    from django.db import connection

    vendor = connection.vendor
    run_id = f"{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}{random.randrange(16**4):04x}"
    plan = prepare(run_id, args.officials, args.curators)
    setup_rows = {kind: set(by_pk) for kind, by_pk in soak_rows(plan.agreement_id).items()}
    audit_before = audit_counts(plan.agreement_id)
    connection.close()
    log(f"run {run_id} on {vendor}: agreement {plan.slug}, {len(plan.writers)} writers, {args.readers} readers")

    run = Run(base=base, deadline=time.monotonic() + args.seconds, max_requests=args.max_requests)
    probe = run.call("setup", "GET", f"/api/agreements/{plan.slug}/")
    if probe.status != 200:
        raise SystemExit(
            f"{base} does not serve the soak's agreement ({probe.status}): is it on the same DATABASE_URL?"
        )
    run.deadline = time.monotonic() + args.seconds  # the clock starts with the load

    notes = [(pk, False) for pk in plan.public_notes] + [(pk, True) for pk in plan.confidential_notes]
    notes_lock = threading.Lock()
    barrier = threading.Barrier(BURST_SIZE)
    threads = [threading.Thread(target=anonymous_reader, args=(run, plan, i), daemon=True) for i in range(args.readers)]
    threads += [
        threading.Thread(target=WriterLoop(run, plan, i, notes, notes_lock), daemon=True)
        for i in range(len(plan.writers))
    ]
    threads += [
        threading.Thread(target=burst_loop, args=(run, plan, i, barrier), daemon=True) for i in range(barrier.parties)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 2 * REQUEST_TIMEOUT + 30)
    elapsed = time.monotonic() - started
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        run.transport_error_count += stuck
        run.transport_errors.append(f"{stuck} client threads still waiting for an answer")

    checks = verify(run, plan, setup_rows, audit_before)
    passed = all(c["ok"] for c in checks.values())
    result = {
        "run": run_id,
        "url": base,
        "database": vendor,
        "server": args.label,
        "seconds": round(elapsed, 1),
        "threads": {
            "readers": args.readers,
            "officials": args.officials,
            "curators": args.curators,
            "burst": barrier.parties,
        },
        "requests": run.requests,
        "requests_per_second": round(run.requests / elapsed, 1) if elapsed else None,
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "by_label": {f"{label} {status}": n for (label, status), n in sorted(run.by_label.items())},
        "latency_ms": {
            label: {
                "p50": round(percentile(v, 0.5) * 1000, 1),
                "p95": round(percentile(v, 0.95) * 1000, 1),
                "n": len(v),
            }
            for label, v in sorted(run.latencies.items())
        },
        "retries_412": run.retries_412,
        "gave_up_after_retries": run.gave_up,
        "checks": checks,
        "verdict": "pass" if passed else "fail",
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-soak-{vendor}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")

    creates = checks["creates exactly once"]["acknowledged"]
    final = checks["final value is the last acknowledged write"]
    print(
        f"soak {run_id}: {elapsed:.1f} s against {base} ({vendor}{', ' + args.label if args.label else ''}), "
        f"{run.requests:,} requests ({result['requests_per_second']}/s), statuses {result['statuses']}"
    )
    print(
        f"  {creates} acknowledged creates, {final['updates']} acknowledged updates on {final['rows_updated']} rows, "
        f"{run.retries_412} If-Match retries, {run.gave_up} gave up; "
        f"{checks['concurrent creates: one 201, the rest 409']['bursts']} create bursts "
        f"{checks['concurrent creates: one 201, the rest 409']['answers']}; "
        f"{run.anonymous_checked:,} anonymous responses checked"
    )
    if run.statuses.get(429):
        print(f"  note: {run.statuses[429]} answers were 429 (start the server with a higher API_ANON_RATE)")
    for name, c in checks.items():
        print(f"  [{'ok' if c['ok'] else 'FAIL'}] {name}" + "".join(f"\n        {p}" for p in c["problems"][:5]))
    print(f"verdict: {'PASS' if passed else 'FAIL'} ({path.relative_to(ROOT) if path.is_relative_to(ROOT) else path})")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
