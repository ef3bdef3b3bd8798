"""Search over agreements, rounds and public notes: ranked, never confidential.

Runs on whichever database the suite uses: PostgreSQL full-text search in CI's PostgreSQL job,
the icontains fallback on SQLite.
"""

import re

import pytest
from django.test.utils import CaptureQueriesContext

from negotiations.choices import Visibility
from negotiations.models import Agreement, Chapter, Party, ProgressNote, Round
from negotiations.search import search, using_postgres
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    ip = f.agreement("india-peru-ta", name="India Peru Trade Agreement", summary="Goods, services and investment.")
    mp = f.agreement("mexico-peru-tia", ("MEX", "PER"), name="Mexico Peru Trade Integration Agreement")
    lima = f.round_(ip, 9, venue=f.venue("Lima", "PER"), summary="Talks on critical minerals and rules of origin.")
    delhi = f.round_(ip, 7, venue=f.venue("New Delhi", "IND"), summary="Substantial convergence on goods.")
    minerals = f.note(lima, "Critical minerals: both sides tabled texts.", chapter_code="CRM")
    f.note(lima, "Critical minerals red lines: confidential brief", visibility=Visibility.CONFIDENTIAL)
    return {"ip": ip, "mp": mp, "lima": lima, "delhi": delhi, "minerals": minerals}


def kinds_and_objects(query):
    return [(hit.kind, hit.obj) for hit in search(query)]


def test_finds_agreements_rounds_and_notes(data):
    found = kinds_and_objects("minerals")
    assert ("round", data["lima"]) in found
    assert ("note", data["minerals"]) in found
    assert ("agreement", data["ip"]) in [(h.kind, h.obj) for h in search("investment")]


def test_never_returns_confidential_notes(data):
    assert all("red lines" not in hit.snippet for hit in search("critical minerals"))
    assert search("red lines") == []
    assert search("confidential brief") == []


def test_every_word_must_match(data):
    assert {hit.obj for hit in search("trade integration")} == {data["mp"]}
    assert search("minerals zanzibar") == []


def test_title_match_ranks_above_text_match(data):
    f.agreement("x-other", name="Other agreement", summary="Mentions Mexico once.")
    hits = [h for h in search("Mexico") if h.kind == "agreement"]
    assert hits[0].obj == data["mp"]
    assert hits[0].rank > hits[-1].rank


def test_results_are_ranked_best_first(data):
    ranks = [float(hit.rank) for hit in search("minerals")]
    assert ranks == sorted(ranks, reverse=True)


def test_beyond_the_rank_limit_the_newest_matching_notes_are_listed(data, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from negotiations import search as search_module
    from negotiations.search import search_results

    monkeypatch.setattr(search_module, "NOTE_RANK_LIMIT", 3)
    assert search_results("cumulation").notes_by_date is False  # nothing matches yet
    base = timezone.now() - dt.timedelta(days=30)
    notes = []
    for day, text in enumerate(["cumulation", "cumulation cumulation cumulation", "cumulation", "cumulation"]):
        note = f.note(data["lima"], text)
        ProgressNote.objects.filter(pk=note.pk).update(created_at=base + dt.timedelta(days=day))
        notes.append(note)
    f.note(data["lima"], "cumulation, confidential", visibility=Visibility.CONFIDENTIAL)

    results = search_results("cumulation", limit=2)
    assert results.notes_by_date is True  # four public matches > 3: the newest two, not the best
    assert [hit.obj for hit in results.hits if hit.kind == "note"] == [notes[3], notes[2]]
    assert all(hit.rank is not None for hit in results.hits)  # still merged with the others by rank

    monkeypatch.setattr(search_module, "NOTE_RANK_LIMIT", 4)
    ranked_results = search_results("cumulation", limit=2)
    assert ranked_results.notes_by_date is False  # four matches, all ranked
    best = [hit.obj for hit in ranked_results.hits if hit.kind == "note"]
    assert len(best) == 2
    if using_postgres():  # ts_rank counts mentions; SQLite's fallback score only sees which fields match
        assert best[0] == notes[1]


def test_search_page_says_when_notes_are_listed_newest_first(client, data, monkeypatch):
    from negotiations import search as search_module

    monkeypatch.setattr(search_module, "NOTE_RANK_LIMIT", 0)
    page = client.get("/search/?q=minerals").content.decode()
    assert "the newest of them are listed rather than the most relevant" in page
    assert "newest of them" not in client.get("/search/?q=Delhi").content.decode()


@pytest.mark.parametrize(
    ("language", "labels"),
    [("en", ["Agreement", "Party", "Round", "Note"]), ("es", ["Acuerdo", "Parte", "Ronda", "Nota"])],
)
def test_each_hit_is_labelled_with_its_kind_in_the_readers_language(client, data, language, labels):
    f.note(data["lima"], "Peru tabled its schedule.")
    Party.objects.filter(code="PER").update(name="Peru")
    page = client.get("/search/?q=peru", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    shown = re.findall(r'<li class="hit hit-(\w+)">\s*<span class="hit-kind">([^<]*)</span>', page)
    assert {label for _kind, label in shown} == set(labels)
    assert dict(shown) == dict(zip(["agreement", "party", "round", "note"], labels, strict=True))


def test_note_hits_link_to_their_chapter_on_the_round_page(data):
    [hit] = [h for h in search("tabled") if h.kind == "note"]
    assert hit.url == f"/rounds/{data['lima'].pk}/#chapter-CRM"


def test_search_by_city_finds_the_round(data):
    assert ("round", data["delhi"]) in kinds_and_objects("Delhi")


def test_empty_query_finds_nothing(data):
    assert search("") == [] and search("   ") == []


def test_backend_matches_the_database(data, settings):
    assert using_postgres() == (settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql")


def test_search_page_handles_odd_input(client, data):
    for query in ['"unclosed', "-", "a & b | !c", "x" * 500, "%_\\"]:
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        # The search page itself, with its form, not an error page that happens to answer 200.
        assert b'name="q"' in response.content


def test_a_long_query_searches_its_first_200_characters_and_says_so(client, data):
    # 200 characters that find the New Delhi round, then a word no record has: it is cut off.
    query = "Delhi".ljust(200) + "zanzibar"
    html = client.get("/search/", {"q": query}).content.decode()
    assert "Only the first 200 characters were searched." in html
    assert f"/rounds/{data['delhi'].pk}/" in html
    spanish = client.get("/search/", {"q": query}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Solo se buscaron los primeros 200 caracteres." in spanish
    # Exactly 200 characters were all searched: no notice (and the missing word finds nothing).
    html = client.get("/search/", {"q": "Delhi".ljust(192) + "zanzibar"}).content.decode()
    assert "characters were searched" not in html
    assert f"/rounds/{data['delhi'].pk}/" not in html


def test_null_characters_are_ignored(data):
    assert search("\x00") == []
    assert ("round", data["lima"]) in kinds_and_objects("min\x00erals Lima")


def test_positive_words_skip_negations_and_or():
    from negotiations.search import positive_words

    assert positive_words('"rules of origin" or copper -quotas') == ["rules", "of", "origin", "copper"]
    assert positive_words("-only -negative") == []


def test_rounds_match_across_their_own_text_their_venue_and_their_agreement(data):
    # "minerals" is in the round's summary, "Lima" in its venue, "Peru" in its agreement's name.
    assert ("round", data["lima"]) in kinds_and_objects("minerals Lima Peru")
    assert ("round", data["lima"]) not in kinds_and_objects("minerals Delhi")


def test_every_word_is_required(data):
    assert ("round", data["delhi"]) not in kinds_and_objects("Lima Delhi")
    assert ("round", data["lima"]) not in kinds_and_objects("Lima Delhi")


@pytest.mark.skipif(not using_postgres(), reason="web-search syntax (or, quotes, -word) is PostgreSQL's")
def test_alternatives_find_rounds_in_either_place(data):
    found = kinds_and_objects("Lima or Delhi")
    assert ("round", data["lima"]) in found and ("round", data["delhi"]) in found


@pytest.mark.skipif(not using_postgres(), reason="candidate look-ups run on PostgreSQL only; CI runs this there")
def test_round_candidates_need_every_word_somewhere_unless_there_are_alternatives(data):
    from negotiations.search import _round_candidates

    # "of" is in many rounds' text; requiring every word keeps them out of the candidates.
    for index in range(5):
        f.round_(data["ip"], 20 + index, summary="Exchange of offers.")
    assert set(_round_candidates('"rules of origin"')) == {data["lima"]}
    # Words spread over the round (minerals), its venue (Lima) and its agreement (Peru).
    assert set(_round_candidates("minerals Lima Peru")) == {data["lima"]}
    assert set(_round_candidates("Lima or Delhi")) == {data["lima"], data["delhi"]}


@pytest.mark.parametrize(
    "query",
    [
        "lima",
        "lima _",
        "non-tariff",
        '"rules of origin"',
        "rules -zzz",
        "zzz or lima",
        "a b c d e f g h or lima",  # the "or" after the eighth word still counts
        "lima \\",
        "lima '",
        "Lima's",
        "delhi-lima",
        '"new delhi"',
        'delhi -"rules of origin"',  # words of an excluded phrase are not required
        "goods -lima",
        "zzz OR lima",
    ],
)
def test_round_candidates_never_drop_a_match(data, query):
    """The index prefilter is an optimisation only: ranked results with and without it agree."""
    from negotiations.search import ROUND_FIELDS, _round_candidates, ranked

    f.round_(data["ip"], 3, venue=f.venue("New Delhi", "IND"), summary="Non-tariff measures; goods.")
    rounds = Round.objects.select_related("agreement", "venue__country")
    everything = set(ranked(rounds, ROUND_FIELDS, query).values_list("pk", flat=True))
    prefiltered = set(ranked(_round_candidates(query), ROUND_FIELDS, query).values_list("pk", flat=True))
    assert prefiltered == everything


@pytest.mark.skipif(not using_postgres(), reason="GIN indexes exist on PostgreSQL only; CI runs this on PostgreSQL")
def test_round_candidates_are_found_through_the_gin_index(data):
    from django.db import connection

    from negotiations.search import _round_candidates

    sql, params = _round_candidates("minerals").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a usable index must then be used
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "negotiations_round_text_fts" in plan


@pytest.mark.skipif(not using_postgres(), reason="GIN indexes exist on PostgreSQL only; CI runs this on PostgreSQL")
def test_agreement_hits_and_round_candidates_use_the_agreement_gin_index(data):
    from django.db import connection

    from negotiations.search import AGREEMENT_FIELDS, ranked, search_vector

    queries = [
        ranked(Agreement.objects.all(), AGREEMENT_FIELDS, "minerals").query,
        Agreement.objects.annotate(text=search_vector(AGREEMENT_FIELDS)).filter(text="Peru").values("pk").query,
    ]
    for query in queries:
        sql, params = query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a usable index must then be used
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "negotiations_agreement_text_fts" in plan, plan


@pytest.mark.skipif(not using_postgres(), reason="GIN indexes exist on PostgreSQL only; CI runs this on PostgreSQL")
def test_party_venue_and_chapter_hits_use_their_gin_indexes(data):
    from django.contrib.postgres.search import SearchQuery
    from django.db import connection

    from negotiations.models import Venue
    from negotiations.search import CHAPTER_FIELDS, PARTY_FIELDS, _ids_matching_each, ranked

    with CaptureQueriesContext(connection) as captured:
        _ids_matching_each(Venue.objects.all(), [("city", "A"), ("place", "A")], [SearchQuery("lima", config="simple")])
    parties, chapters = (
        ranked(Party.objects.all(), PARTY_FIELDS, "peru"),
        ranked(Chapter.objects.all(), CHAPTER_FIELDS, "origin"),
    )
    queries = {
        "negotiations_party_text_fts": parties.query.sql_with_params(),
        "negotiations_chapter_text_fts": chapters.query.sql_with_params(),
        "negotiations_venue_text_fts": (captured.captured_queries[0]["sql"], None),
    }
    for index, (sql, params) in queries.items():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a usable index must then be used
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert index in plan, plan


@pytest.mark.skipif(not using_postgres(), reason="the stored search column exists on PostgreSQL only; CI runs this")
def test_note_search_reads_the_stored_column_which_follows_every_edit(data):
    from negotiations.services import note_update

    note = data["minerals"]
    note_update(note=note, expected_version=note.version, text="Lithium value chains discussed.")
    assert ("note", note) in kinds_and_objects("lithium")
    assert ("note", note) not in kinds_and_objects("tabled")


@pytest.mark.skipif(not using_postgres(), reason="GIN indexes exist on PostgreSQL only; CI runs this on PostgreSQL")
def test_note_search_uses_the_gin_index(data):
    from django.db import connection

    from negotiations.search import NOTE_FIELDS, ranked

    queryset = ranked(ProgressNote.objects.all(), NOTE_FIELDS, "minerals")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "negotiations_progressnote_text_search" in plan


def test_finds_a_chapter_by_its_english_or_spanish_name_and_code():
    roo = f.chapter("ROO", name_en="Rules of Origin and Origin Procedures", name_es="Reglas de origen y procedimientos")
    f.chapter("TBT", name_en="Technical Barriers to Trade", name_es="Obstáculos técnicos al comercio")
    for query in ("reglas de origen", "Reglas de Origen", "rules of origin", "ROO"):
        assert [hit.obj for hit in search(query) if hit.kind == "chapter"] == [roo], query


def test_finds_an_agreement_and_its_rounds_by_the_official_spanish_name(data):
    data["mp"].spanish_name = "Acuerdo de Integración Comercial Perú–México"
    data["mp"].save()
    round_ = f.round_(data["mp"], 1)
    found = kinds_and_objects("integración comercial")
    assert ("agreement", data["mp"]) in found
    assert ("round", round_) in found


def test_highlight_marks_whole_words_or_prefixes_never_inside_a_word():
    from negotiations.search import highlight, terms_of

    html = str(highlight("Origin rules; originating goods; aboriginal art.", terms_of("origin")))
    assert "<mark>Origin</mark> rules" in html and "ab<mark>" not in html and "aboriginal" in html
    # PostgreSQL matches lexemes (whole words); the fallback matches substrings, so a prefix.
    assert ("<mark>origin</mark>ating" in html) is not using_postgres()


def test_a_query_of_stop_words_only_still_marks_them():
    from negotiations.search import highlight, terms_of

    assert str(highlight("Part of the text", terms_of("of the"))) == "Part <mark>of</mark> <mark>the</mark> text"
    assert str(highlight("rules of origin", terms_of('-"rules" of or origin'))) == "rules of <mark>origin</mark>"


@pytest.mark.skipif(not using_postgres(), reason="full-text SQL exists on PostgreSQL only; CI runs this on PostgreSQL")
@pytest.mark.parametrize(
    ("model", "fields_name"),
    [
        (Agreement, "AGREEMENT_FIELDS"),
        (Round, "ROUND_FIELDS"),
        (Round, "ROUND_OWN_FIELDS"),
        (Chapter, "CHAPTER_FIELDS"),
        (Party, "PARTY_FIELDS"),
    ],
)
def test_search_vector_is_the_sql_of_djangos_search_vector(model, fields_name):
    """The GIN indexes and the ranks are Django's SearchVector sum; the compact expression must
    write exactly the same SQL, joins included."""
    from django.contrib.postgres.search import SearchVector

    from negotiations import search as search_module

    fields = getattr(search_module, fields_name)
    django_vector = None
    for name, weight in fields:
        part = SearchVector(name, weight=weight, config="simple")
        django_vector = part if django_vector is None else django_vector + part
    ours = model.objects.annotate(v=search_module.search_vector(fields)).filter(v="peru").values("v")
    theirs = model.objects.annotate(v=django_vector).filter(v="peru").values("v")
    assert ours.query.sql_with_params() == theirs.query.sql_with_params()


@pytest.mark.skipif(not using_postgres(), reason="ts_headline exists on PostgreSQL only; CI runs this on PostgreSQL")
def test_headline_is_the_sql_of_djangos_search_headline():
    from django.contrib.postgres.search import SearchHeadline, SearchQuery

    from negotiations.search import HEADLINE_START, HEADLINE_STOP, headline

    ours = Round.objects.annotate(h=headline("summary", "rules of origin")).values("h")
    django_headline = SearchHeadline(
        ours.query.annotations["h"].source_expressions[1],  # the text with its stand-ins for < and >
        SearchQuery("origin", config="simple") | SearchQuery("rules", config="simple"),
        config="simple",
        start_sel=HEADLINE_START,
        stop_sel=HEADLINE_STOP,
        max_words=35,
        min_words=15,
    )
    theirs = Round.objects.annotate(h=django_headline).values("h")
    assert ours.query.sql_with_params() == theirs.query.sql_with_params()


@pytest.mark.skipif(not using_postgres(), reason="queries compiled once are PostgreSQL's; CI runs this on PostgreSQL")
def test_queries_compiled_once_find_what_the_orm_finds_for_each_reader_query(data):
    """Each search query's SQL is compiled once per shape with stand-ins for the reader's words:
    queries of the same shape (one word, two words, an "or") must each get their own answer,
    the same hits and ranks as the ORM's queries, never a confidential note."""
    from negotiations.search import (
        AGREEMENT_FIELDS,
        CHAPTER_FIELDS,
        PARTY_FIELDS,
        ROUND_FIELDS,
        _best_notes,
        _postgres_hits,
        _round_candidates,
        ranked,
        terms_of,
    )

    f.note(data["delhi"], "Rules of origin: cumulation with Peru agreed; minerals next.")
    f.note(data["delhi"], "Delhi cumulation red lines", visibility=Visibility.CONFIDENTIAL)

    def pairs(items):
        return [(item.pk, item.rank) for item in items]

    answers = {}
    for query in ["lima", "delhi", "cumulation", "minerals", "goods", "lima delhi", "rules origin", "lima or delhi"]:
        agreements, chapters, _catalog, parties, rounds, notes, by_date = _postgres_hits(query, terms_of(query), 30)
        assert pairs(agreements) == pairs(ranked(Agreement.objects.all(), AGREEMENT_FIELDS, query)[:30])
        assert pairs(chapters) == pairs(ranked(Chapter.objects.all(), CHAPTER_FIELDS, query)[:30])
        assert pairs(parties) == pairs(ranked(Party.objects.all(), PARTY_FIELDS, query)[:30])
        assert pairs(rounds) == pairs(ranked(_round_candidates(query), ROUND_FIELDS, query)[:30])
        orm_notes, orm_by_date = _best_notes(query, 30)
        assert (pairs(notes), by_date) == (pairs(orm_notes), orm_by_date)
        assert all(note.visibility == Visibility.PUBLIC for note in notes)
        answers[query] = {(hit.kind, hit.obj.pk) for hit in search(query)}
    assert answers["lima"] != answers["delhi"]  # same shape, own words
    assert ("round", data["lima"].pk) in answers["lima"] and ("round", data["delhi"].pk) in answers["delhi"]
    assert answers["lima or delhi"] >= {("round", data["lima"].pk), ("round", data["delhi"].pk)}
    assert {kind for kind, _pk in answers["cumulation"]} == {"note"}
