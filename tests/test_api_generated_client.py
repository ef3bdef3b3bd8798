"""The API as other systems use it: a Python client generated from the live /api/schema/ by
openapi-python-client, imported and driven against a live test server, with nothing edited
by hand. Each step asserts what the generated code parsed.

The client is generated once per test session into a temporary directory (nothing is cached
between runs), about ten seconds on two cores.
"""

import csv
import importlib
import io
import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command

from negotiations import roles
from negotiations.choices import ProgressStatus
from tests import factories as f

PACKAGE = "tracker_client"


def _generator() -> list[str]:
    """openapi-python-client's command, from the running virtualenv first."""
    beside_python = Path(sys.executable).with_name("openapi-python-client")
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("openapi-python-client")
    if found is None:
        pytest.fail("openapi-python-client is not installed (requirements-dev.txt)")
    return [found]


@pytest.fixture(scope="session")
def client_module(live_server, tmp_path_factory, django_db_blocker):
    """The generated package, imported. The schema is read from the live server, as a user would."""
    workdir = tmp_path_factory.mktemp("generated-client")
    # The server thread checks its database connection on every request (it needs no data here).
    with (
        django_db_blocker.unblock(),
        urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=60) as response,
    ):
        (workdir / "schema.json").write_bytes(response.read())
    # No post-generation hooks: the formatter they call (ruff) is not what is tested here.
    (workdir / "config.json").write_text(json.dumps({"post_hooks": [], "package_name_override": PACKAGE}))
    result = subprocess.run(
        [
            *_generator(),
            "generate",
            "--path",
            str(workdir / "schema.json"),
            "--output-path",
            str(workdir / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(workdir / "config.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # A warning means a part of the schema the generator could not turn into code.
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(package, dotted: str):
    return importlib.import_module(f"{package.__name__}.{dotted}")


@pytest.fixture
def record(transactional_db):
    agreement = f.agreement(slug="india-peru", parties=("IND", "PER"))
    other = f.agreement(slug="mexico-uk", parties=("MEX", "GBR"))
    f.chapter("CRM")
    r9 = f.round_(agreement, number=9, venue=f.venue())
    f.progress(r9, "ROO", ProgressStatus.TEXT_EXCHANGED)
    r8 = f.round_(agreement, number=8)
    f.progress(r8, "SPS")
    f.progress(f.round_(other, number=1), "ROO")
    curator = f.user(role=roles.CURATOR)
    out = io.StringIO()
    call_command("issue_token", curator.username, stdout=out)
    return {"agreement": agreement, "r9": r9, "token": out.getvalue().strip()}


def test_a_generated_client_lists_logs_updates_and_exports_without_hand_editing(client_module, live_server, record):
    c = client_module
    rounds_list = _module(c, "api.rounds.rounds_list")
    rounds_create = _module(c, "api.rounds.rounds_create")
    rounds_retrieve = _module(c, "api.rounds.rounds_retrieve")
    rounds_partial_update = _module(c, "api.rounds.rounds_partial_update")
    export_download = _module(c, "api.export.export_download")
    models = _module(c, "models")

    anonymous = c.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    official = c.AuthenticatedClient(base_url=live_server.url, token=record["token"], prefix="Token")

    # Rounds that discussed ROO in agreements Peru is a party to.
    page = rounds_list.sync(client=anonymous, chapter="ROO", party=["PER"])
    assert isinstance(page, models.PaginatedRoundList)
    assert page.count == 1 and [r.id for r in page.results] == [record["r9"].pk]
    assert page.results[0].chapters[0].chapter == "ROO"
    assert page.results[0].chapters[0].status == models.ProgressStatusEnum.TEXT_EXCHANGED
    assert page.results[0].country == "PER"

    # Log a round with only what an official knows: no id, url, version or timestamps to invent.
    body = models.RoundRequest(
        agreement="india-peru",
        number=10,
        start_date="2026-03",
        city="Lima",
        country="PER",
        format_=models.RoundFormatEnum.HYBRID,
        status=models.RoundStatusEnum.PLANNED,
    )
    created = rounds_create.sync_detailed(client=official, body=body, x_change_reason="Ministry press release")
    assert created.status_code == 201, created.content
    logged = created.parsed
    assert isinstance(logged, models.RoundDetail)
    assert (logged.number, logged.start_date, logged.city, logged.format_) == (
        10,
        "2026-03",
        "Lima",
        models.RoundFormatEnum.HYBRID,
    )
    assert logged.url.endswith(f"/api/rounds/{logged.id}/")

    # Read it back with its ETag, and change it with If-Match.
    read = rounds_retrieve.sync_detailed(id=logged.id, client=anonymous)
    etag = read.headers["etag"]
    assert etag == f'"v{logged.version}"' and read.parsed.summary == ""
    patched = rounds_partial_update.sync_detailed(
        id=logged.id,
        client=official,
        body=models.PatchedRoundUpdateRequest(summary="Market access and rules of origin."),
        if_match=etag,
    )
    assert patched.status_code == 200, patched.content
    assert patched.parsed.summary == "Market access and rules of origin."
    assert patched.headers["etag"] == f'"v{patched.parsed.version}"' != etag

    # The same stale ETag again: 412, parsed as a Conflict that says the version now.
    stale = rounds_partial_update.sync_detailed(
        id=logged.id, client=official, body=models.PatchedRoundUpdateRequest(summary="Overwrite"), if_match=etag
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.Conflict)
    assert stale.parsed.current_version == patched.parsed.version
    assert stale.parsed.code == "precondition_failed"
    assert rounds_retrieve.sync(id=logged.id, client=anonymous).summary == "Market access and rules of origin."

    # Bad input: a ValidationError with the messages of the field in error.
    bad = rounds_create.sync_detailed(
        client=official, body=models.RoundRequest(agreement="india-peru", number=11, start_date="2026-13")
    )
    assert bad.status_code == 400
    assert isinstance(bad.parsed, models.ValidationError)
    assert "start_date" in bad.parsed.additional_properties
    assert bad.parsed.additional_properties["start_date"][0]
    bad_filter = rounds_list.sync_detailed(client=anonymous, chapter="XYZ")
    assert bad_filter.status_code == 400 and isinstance(bad_filter.parsed, models.ValidationError)
    assert bad_filter.parsed.additional_properties["chapter"] == ["Unknown chapter code “XYZ”."]

    # The full rounds export, as CSV.
    download = export_download.sync_detailed(
        kind=models.ExportDownloadKind.ROUNDS, fmt=models.ExportDownloadFmt.CSV, client=anonymous
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    logged_row = next(row for row in rows if row["agreement"] == "india-peru" and row["number"] == "10")
    assert (logged_row["start_date"], logged_row["city"], logged_row["format"]) == ("2026-03", "Lima", "hybrid")
    assert len(rows) == 4


def readme_script() -> str:
    """The README's example script (its only ``python`` block)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    return readme.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_script_runs_as_written(client_module, live_server, record, capsys):
    """The README's ten lines, with only the server's address and the token filled in."""
    f.chapter("ROO")
    f.agreement(slug="india-peru-ta", parties=("IND", "PER"))
    script = readme_script().replace("http://127.0.0.1:8000", live_server.url).replace("YOUR-TOKEN", record["token"])
    script = script.replace("from tracker_client", f"from {client_module.__name__}")
    assert len(script.strip().splitlines()) <= 10
    exec(compile(script, "README.md", "exec"), {})  # our own README, run as a researcher would
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "2026-06"
    assert printed[1:] == [f"india-peru 9 {record['r9'].start_date.isoformat()} Lima"]


def test_the_generated_client_has_no_meeting_format_clash(client_module):
    """The meeting-format filter has its own name; ``format`` is only the response format (and
    the deprecated old filter values)."""
    import inspect

    rounds_list = _module(client_module, "api.rounds.rounds_list")
    parameters = inspect.signature(rounds_list.sync).parameters
    assert "meeting_format" in parameters
    models = _module(client_module, "models")
    assert {m.value for m in models.RoundsListMeetingFormatItem} == {"in_person", "virtual", "hybrid"}
