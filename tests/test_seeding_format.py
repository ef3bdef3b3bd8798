"""The seed format (fixtures/README.md): several files, global source keys, coverage, clear errors."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from negotiations.choices import ProgressStatus, RoundsCoverage
from negotiations.models import Agreement, ChapterProgress, Source
from negotiations.seeding import SeedError, negotiation_files, seed_chapters, seed_countries, seed_negotiations

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    seed_countries()
    seed_chapters()


def _agreement(slug="mex-test", **extra):
    return {
        "slug": slug,
        "name": f"Test agreement {slug}",
        "kind": "fta",
        "parties": ["MEX", "KOR"],
        "sources": [f"{slug}/src"],
        "status_events": [{"status": "launched", "date": "2024-05", "note": "", "sources": [f"{slug}/src"]}],
        "rounds": [],
        **extra,
    }


def _file(tmp_path, name, agreements, sources=None):
    path = tmp_path / name
    if sources is None:
        sources = {
            f"{a['slug']}/src": {"title": "A report", "url": f"https://example.org/{a['slug']}"} for a in agreements
        }
    path.write_text(json.dumps({"sources": sources, "agreements": agreements}), encoding="utf-8")
    return path


def test_the_shipped_files_include_the_negotiations_folder():
    files = negotiation_files()
    assert files[0].name == "negotiations.json"
    assert all(path.parent.name == "negotiations" and path.suffix == ".json" for path in files[1:])


def test_every_file_is_loaded_and_a_predecessor_may_be_in_a_later_file(catalog, tmp_path):
    later = _file(tmp_path, "b.json", [_agreement("mex-old")])
    first = _file(
        tmp_path,
        "a.json",
        [_agreement("mex-new", predecessor="mex-old", predecessor_relation="supersedes")],
    )
    seed_negotiations([first, later])
    assert Agreement.objects.get(slug="mex-new").predecessor.slug == "mex-old"


def test_a_source_key_defined_in_two_files_is_refused_naming_both(catalog, tmp_path):
    one = _file(tmp_path, "one.json", [_agreement("mex-a")], {"shared": {"title": "x", "url": "https://a.example"}})
    two = _file(tmp_path, "two.json", [], {"shared": {"title": "y", "url": "https://b.example"}})
    with pytest.raises(SeedError, match=r"two\.json.*'shared'.*one\.json"):
        seed_negotiations([one, two])
    assert not Source.objects.exists()


def test_a_source_from_another_file_can_be_cited(catalog, tmp_path):
    one = _file(tmp_path, "one.json", [], {"shared/src": {"title": "x", "url": "https://a.example"}})
    agreement = _agreement("mex-b")
    agreement["sources"] = ["shared/src"]
    agreement["status_events"][0]["sources"] = ["shared/src"]
    two = _file(tmp_path, "two.json", [agreement], {})
    seed_negotiations([one, two])
    assert Agreement.objects.get(slug="mex-b").sources.get().url == "https://a.example"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a.update(venue="Lima"), r"unknown key\(s\) venue"),
        (lambda a: a.update(parties=["MEX", "XXX"]), r"unknown party code\(s\) XXX"),
        (lambda a: a["status_events"][0].update(date="May 2024"), r"not a date"),
        (lambda a: a["status_events"][0].update(sources=["nope"]), r"unknown source key 'nope'"),
        (lambda a: a.update(rounds=[{"number": 1, "chapters": [{"code": "NOPE", "status": "discussed"}]}]), "NOPE"),
        (lambda a: a.update(rounds=[{"number": 1, "citty": "Lima"}]), r"round 1: unknown key\(s\) citty"),
        (lambda a: a.update(coverage={"rounds": "most"}), r"coverage.rounds must be one of"),
    ],
)
def test_a_broken_file_is_refused_with_where_and_what(catalog, tmp_path, change, message):
    agreement = _agreement("mex-c")
    change(agreement)
    path = _file(tmp_path, "broken.json", [agreement])
    with pytest.raises(SeedError, match=message) as error:
        seed_negotiations([path])
    assert "broken.json" in str(error.value) and "mex-c" in str(error.value)


def test_the_seed_command_reports_a_broken_file_and_writes_nothing(db, settings, tmp_path, monkeypatch):
    from negotiations import seeding

    broken = _agreement("mex-d", parties=["MEX", "ZZZ"])
    path = _file(tmp_path, "broken.json", [broken])
    monkeypatch.setattr(seeding, "negotiation_files", lambda: [path])
    with pytest.raises(CommandError, match="ZZZ"):
        call_command("seed", verbosity=0)
    assert not Agreement.objects.exists()


def test_coverage_is_stored_and_shown_on_the_agreement_page(catalog, tmp_path, client):
    coverage = {"rounds": "partial", "note": "Rounds 1–5 not found in public sources.", "checked": "2026-11-24"}
    seed_negotiations([_file(tmp_path, "a.json", [_agreement("mex-e", coverage=coverage)])])
    agreement = Agreement.objects.get(slug="mex-e")
    assert (agreement.rounds_coverage, agreement.coverage_note, agreement.coverage_checked_on) == (
        RoundsCoverage.PARTIAL,
        "Rounds 1–5 not found in public sources.",
        dt.date(2026, 11, 24),
    )
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Rounds 1–5 not found in public sources." in page and "Partial" in page and "24 Nov 2026" in page


def test_a_second_run_changes_nothing_and_coverage_kept_by_other_writers(catalog, tmp_path):
    from negotiations import services

    coverage = {"rounds": "complete", "checked": "2026-11-24"}
    path = _file(tmp_path, "a.json", [_agreement("mex-f", coverage=coverage)])
    seed_negotiations([path])
    history = Agreement.history.count()
    seed_negotiations([path])
    assert Agreement.history.count() == history
    agreement = Agreement.objects.get(slug="mex-f")
    # A writer that does not pass coverage (API, importer) leaves it alone.
    services.agreement_upsert(slug="mex-f", name="Renamed", kind="fta", parties=agreement.parties.all())
    assert Agreement.objects.get(slug="mex-f").rounds_coverage == RoundsCoverage.COMPLETE


def test_discussed_is_a_chapter_status_the_seed_accepts(catalog, tmp_path):
    agreement = _agreement(
        "mex-g",
        rounds=[
            {
                "number": 1,
                "start": "2024-06",
                "sources": ["mex-g/src"],
                "chapters": [{"code": "ROO", "status": "discussed", "note": "Listed as discussed."}],
            }
        ],
    )
    seed_negotiations([_file(tmp_path, "a.json", [agreement])])
    assert ChapterProgress.objects.get(round__agreement__slug="mex-g").status == ProgressStatus.DISCUSSED
