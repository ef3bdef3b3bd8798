"""SQLite with several writers at once (tracker/settings.py: IMMEDIATE transactions, WAL, busy
timeout): eight API clients write for five seconds to a development server (``runserver``) on a
SQLite file and never get a 5xx ("database is locked").

The server runs in its own process on its own database file, whatever database the rest of the
suite uses: the in-memory test database cannot show locking between connections.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 8
SECONDS = 5.0

# Run by the server's own settings against the new file: one official with an API token,
# assigned to one agreement with a round for each writer.
SETUP = f"""
import json
from django.contrib.auth.models import Group, User
from knox.models import AuthToken
from negotiations import roles
from negotiations.models import Agreement, AgreementParty, Party, Round

roles.roles_ensure()
official = User.objects.create_user("official", password="not used: the API takes its token")
official.groups.add(Group.objects.get(name=roles.OFFICIAL))
agreement = Agreement.objects.create(slug="writers", name="Writers agreement", kind="fta")
for code in ("IND", "PER"):
    AgreementParty.objects.create(agreement=agreement, party=Party.objects.create(code=code, name=code))
agreement.editors.add(official)
rounds = [Round.objects.create(agreement=agreement, number=n).pk for n in range(1, {WRITERS} + 1)]
print(json.dumps({{"token": AuthToken.objects.create(user=official)[1], "rounds": rounds}}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(method, url, *, token=None, body=None, headers=None):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def sqlite_server(tmp_path):
    """A development server on a fresh, migrated SQLite file: (base URL, token, round ids)."""
    own_services = {"DATABASE_URL", "DATABASE_REPLICA_URLS", "CACHE_URL"}
    env = {key: value for key, value in os.environ.items() if key not in own_services}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DJANGO_SETTINGS_MODULE="tracker.settings")

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    manage("migrate", "--noinput", "-v0")
    data = json.loads(manage("shell", "-c", SETUP).strip().splitlines()[-1])
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if call("GET", f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            time.sleep(0.1)
        else:
            pytest.fail("the development server did not start: " + (tmp_path / "server.log").read_text())
        yield base, data["token"], data["rounds"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_eight_writers_for_five_seconds_get_no_5xx(sqlite_server):
    base, token, rounds = sqlite_server
    statuses: Counter = Counter()
    failures: list[str] = []
    created = Counter()
    last_summary: dict[int, str] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def record(what, status, body):
        with lock:
            statuses[(what, status)] += 1
            if status >= 500 and len(failures) < 5:
                locked = b"database is locked" in body
                failures.append(f"{what} {status}{' database is locked' if locked else ''}: {body[:300]!r}")

    def writer(index: int, round_id: int):
        step = 0
        while time.monotonic() < deadline:
            step += 1
            status, headers, body = call("GET", f"{base}/api/rounds/{round_id}/", token=token)
            record("GET", status, body)
            if status != 200:
                continue
            status, _headers, body = call(
                "PATCH",
                f"{base}/api/rounds/{round_id}/",
                token=token,
                body={"summary": f"writer {index}, step {step}"},
                headers={"If-Match": headers["ETag"]},
            )
            record("PATCH", status, body)
            if status == 200:
                last_summary[round_id] = f"writer {index}, step {step}"
            status, _headers, body = call(
                "POST", f"{base}/api/notes/", token=token, body={"round": round_id, "text": f"note {index}.{step}"}
            )
            record("POST", status, body)
            if status == 201:
                with lock:
                    created[round_id] += 1

    threads = [threading.Thread(target=writer, args=(i, r)) for i, r in enumerate(rounds[:WRITERS])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)

    assert not failures, failures
    # Every request succeeded: each writer owns its round, so there is no 412 to expect.
    assert set(statuses) <= {("GET", 200), ("PATCH", 200), ("POST", 201)}, statuses
    # Enough writes overlapped for locking to matter (a writer alone does dozens in 5 s).
    assert statuses[("PATCH", 200)] >= WRITERS and statuses[("POST", 201)] >= WRITERS, statuses
    # Every acknowledged note is there, and each round's last acknowledged summary stuck.
    status, _headers, body = call("GET", f"{base}/api/notes/?agreement=writers&page_size=1", token=token)
    assert status == 200 and json.loads(body)["count"] == sum(created.values())
    for round_id, summary in last_summary.items():
        assert json.loads(call("GET", f"{base}/api/rounds/{round_id}/")[2])["summary"] == summary
