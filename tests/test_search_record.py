"""Search across the record: chapters by code and synonyms, parties and agreements as direct
hits above rounds and notes; highlighted words; dates; confidential text never in a snippet."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from negotiations.choices import Visibility
from negotiations.models import Chapter
from negotiations.search import search, using_postgres
from negotiations.seeding import seed_chapters
from tests import factories as f

SECRET = "zebracodeword"


@pytest.fixture
def record(db):
    f.chapter(
        "ROO",
        "Rules of Origin",
        name_es="Reglas de origen",
        synonyms_en="rules of origin, origin",
        synonyms_es="origen",
    )
    f.chapter("TBT", "Technical Barriers to Trade")
    f.party("PER", "Peru")
    a = f.agreement("india-peru-ta", name="India–Peru TA")
    r = f.round_(a, 3, summary="Negotiators discussed rules of origin for textiles.", start_date=dt.date(2024, 5, 6))
    f.note(r, text="Rules of origin: product-specific rules exchanged.", chapter_code="ROO")
    f.note(r, text=f"Origin {SECRET} internal position", visibility=Visibility.CONFIDENTIAL, chapter_code="ROO")
    return {"agreement": a, "round": r}


def test_roo_finds_the_chapter_first(record):
    hits = search("ROO")
    assert hits[0].kind == "chapter" and hits[0].url == "/chapters/ROO/"


def test_rules_of_origin_lists_the_chapter_above_rounds_and_notes(record):
    hits = search("rules of origin")
    kinds = [h.kind for h in hits]
    assert kinds[0] == "chapter" and hits[0].obj.code == "ROO"
    assert "round" in kinds and "note" in kinds
    assert kinds.index("round") > kinds.index("chapter")
    round_hit = next(h for h in hits if h.kind == "round")
    assert round_hit.meta == "6–8 May 2024" or "May 2024" in round_hit.meta or "2024" in round_hit.meta
    assert "<mark>" in str(round_hit.snippet_html)


def test_origin_alone_names_the_chapter(record):
    assert search("origin")[0].obj.code == "ROO"


def test_synonyms_come_from_the_catalog_in_either_language(record):
    """A curator's synonym finds the chapter (first), in whatever language it was written;
    removed, it no longer does."""
    tbt = Chapter.objects.get(code="TBT")
    assert not any(h.kind == "chapter" for h in search("standards"))
    tbt.synonyms_en, tbt.synonyms_es = "Standards, conformity assessment", "OTC"
    tbt.save()
    for query in ("standards", "STANDARDS", "conformity assessment rules", "OTC"):
        assert search(query)[0].obj.code == "TBT", query
    # A phrase synonym matches as a phrase, not word by word.
    assert not any(h.kind == "chapter" and h.obj.code == "TBT" for h in search("assessment of conformity"))
    tbt.synonyms_en = tbt.synonyms_es = ""
    tbt.save()
    assert not any(h.kind == "chapter" for h in search("standards"))


def test_the_seed_catalog_carries_standard_abbreviations(db):
    seed_chapters()
    assert Chapter.objects.get(code="ROO").synonym_list() == ["rules of origin", "origin", "reglas de origen", "origen"]
    for query, code in (("ISDS", "INV"), ("MSF", "SPS"), ("OTC", "TBT"), ("e-commerce", "DIG"), ("pymes", "SME")):
        assert search(query)[0].obj.code == code, query


def test_party_by_name_and_code(record):
    for query in ("Peru", "PER"):
        kinds = {h.kind for h in search(query)}
        assert "party" in kinds


def test_confidential_text_never_in_a_snippet(client, record):
    for query in ("origin", SECRET, f"origin {SECRET}"):
        for hit in search(query):
            assert SECRET not in hit.snippet and SECRET not in str(hit.snippet_html)
        page = client.get("/search/", {"q": query}).content.decode()
        results = page.split('<ol class="search-results">', 1)[1].split("</ol>", 1)[0]
        assert SECRET not in results


def test_page_highlights_and_escapes(client, record):
    f.note(record["round"], text="Rules <b>bold</b> claim", chapter_code="TBT")
    page = client.get("/search/", {"q": "rules"}).content.decode()
    results = page.split('<ol class="search-results">', 1)[1].split("</ol>", 1)[0]
    assert "<mark>Rules</mark>" in results and "<mark>rules</mark>" in results
    assert "<b>bold</b>" not in results and "&lt;b&gt;bold&lt;/b&gt;" in results
    assert "May 2024" in results  # the round's dates


def test_stop_words_are_not_marked_in_either_language(record):
    """Stop words ("of", "de") are in every other sentence: only the words that explain the hit are marked."""
    round_hit = next(h for h in search("rules of origin") if h.kind == "round")
    html = str(round_hit.snippet_html)
    assert "<mark>rules</mark>" in html and "<mark>origin</mark>" in html
    assert "<mark>of</mark>" not in html and " of " in html
    f.note(record["round"], text="Se acordaron las reglas de origen de los textiles.", chapter_code="ROO")
    note_hit = next(h for h in search("reglas de origen") if h.kind == "note")
    html = str(note_hit.snippet_html)
    assert "<mark>reglas</mark>" in html and "<mark>origen</mark>" in html
    assert "<mark>de</mark>" not in html and " de " in html


def test_a_snippet_is_centred_on_a_real_match_not_a_stop_word(record):
    """A long note says "of" early and "rules of origin" late: the snippet shows the part about origin."""
    opening = "Outcome of the plenary session on market access, with the list of tariff lines agreed. " * 4
    f.note(record["round"], text=opening + "Cumulation rules of origin settled for textiles.", chapter_code="ROO")
    hit = next(h for h in search("rules of origin") if h.kind == "note" and "Cumulation" in h.obj.text)
    assert hit.snippet.startswith("…") and "Cumulation rules of origin" in hit.snippet
    assert "<mark>origin</mark>" in str(hit.snippet_html) and "<mark>of</mark>" not in str(hit.snippet_html)


def test_a_snippet_keeps_angle_brackets_and_ampersands_as_written(record):
    f.note(record["round"], text="Tariffs <5% on 3>2 lines & rules <i>agreed</i>.", chapter_code="TBT")
    hit = next(h for h in search("tariffs") if h.kind == "note")
    assert hit.snippet == "Tariffs <5% on 3>2 lines & rules <i>agreed</i>."
    html = str(hit.snippet_html)
    assert html == "<mark>Tariffs</mark> &lt;5% on 3&gt;2 lines &amp; rules &lt;i&gt;agreed&lt;/i&gt;."


def test_a_long_text_is_cut_around_the_match_with_ellipses_at_both_ends(record):
    padding = "The delegations reviewed the schedule and the list of pending items again. " * 6
    f.note(record["round"], text=padding + "Cumulation was settled for textiles. " + padding, chapter_code="ROO")
    hit = next(h for h in search("cumulation") if h.kind == "note")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "Cumulation was settled" in hit.snippet and len(hit.snippet) < 300
    assert "<mark>Cumulation</mark>" in str(hit.snippet_html)


@pytest.mark.skipif(not using_postgres(), reason="ts_headline is PostgreSQL's; CI runs this on PostgreSQL")
def test_on_postgresql_snippets_come_from_ts_headline_in_the_queries_that_read_the_hits(record):
    with CaptureQueriesContext(connection) as captured:
        hits = search("rules of origin")
    headlines = [q["sql"] for q in captured.captured_queries if "ts_headline(" in q["sql"]]
    # Agreements, rounds and notes each get theirs in the query that reads them: the nine
    # queries of a search without snippets (the chapters and their ranks read in one), no more.
    assert len(headlines) == 3
    assert len(captured.captured_queries) == 9
    note_hit = next(h for h in hits if h.kind == "note")
    assert (
        str(note_hit.snippet_html)
        == "<mark>Rules</mark> of <mark>origin</mark>: product-specific <mark>rules</mark> exchanged."
    )
