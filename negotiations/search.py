"""Full-text search over agreements, rounds, chapters and public notes, ranked.

On PostgreSQL it uses ``SearchVector``/``SearchQuery``/``SearchRank`` (web-search syntax:
quoted phrases, ``or``, ``-word``); elsewhere (SQLite in development and tests) every word
must appear in one of the fields (``icontains``) and a simple score ranks the hits: a word
in a title counts more than one in a text.

Snippets of the texts that matched (an agreement's or a round's summary, a note) come from
PostgreSQL's ``ts_headline`` there, computed in the query that reads the hits; elsewhere a
window of the text around the first match, marked in Python (``highlight``). Both mark only
the query's meaningful words (no stop words) and escape everything else.

Only public notes are searched, for everyone: search results are the same for all readers,
in either language: a chapter is found by its English or its Spanish name ("reglas de origen"),
an agreement also by its official Spanish name.
"""

import copy
import re
from dataclasses import dataclass
from functools import cache, lru_cache, reduce
from operator import and_, or_

from django.db import connection, connections, router
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Expression, RawSQL
from django.db.models.functions import Replace
from django.db.models.query import get_related_populators
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .models import Agreement, Chapter, Party, ProgressNote, Round, Venue

try:  # Django 6.1 gives each instance a fetch mode, which the related populators take.
    from django.db.models import FETCH_ONE

    _POPULATOR_ARGS = (FETCH_ONE,)
except ImportError:  # Django 5.2 and 6.0
    _POPULATOR_ARGS = ()

SEARCH_CONFIG = "simple"  # names, places and codes in several languages: no English stemming
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8


@dataclass
class SearchHit:
    kind: str  # "agreement", "party", "chapter", "round" or "note"
    title: str
    url: str
    snippet: str
    rank: float
    obj: object
    meta: str = ""  # the dates and agreement of a round or note
    snippet_html: str = ""  # the snippet escaped, the query's words in <mark>

    @property
    def direct(self) -> bool:
        """Catalog entries (chapters, parties, agreements) are listed above rounds and notes."""
        return self.kind in DIRECT_KINDS


DIRECT_KINDS = ("chapter", "party", "agreement")


def synonym_codes(query: str, catalog) -> set[str]:
    """The codes of the chapters of ``catalog`` whose synonyms (curated on the chapter, in
    either language) the query contains: a one-word synonym as a word of the query, a longer
    one as a phrase in it. Case does not matter."""
    text = " ".join(query.lower().replace('"', " ").split())
    words = set(text.split())
    return {
        chapter.code
        for chapter in catalog
        for synonym in chapter.synonym_list()
        if (synonym in words if " " not in synonym else synonym in text)
    }


# Words too common to explain a hit, in English and Spanish: never highlighted, and a snippet
# is not centred on them. SEARCH_CONFIG ("simple") has no stop words of its own, so the list
# lives here and serves every database alike.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "al",
        "con",
        "de",
        "del",
        "el",
        "en",
        "es",
        "la",
        "las",
        "lo",
        "los",
        "o",
        "para",
        "por",
        "que",
        "se",
        "su",
        "sus",
        "un",
        "una",
        "y",
    ]
)


def marked_words(terms: list[str]) -> list[str]:
    """The query words worth highlighting: not ``or``, not negated, not stop words, with a letter
    or digit; longest first. If the query has only stop words, those are what matched."""
    words = {t.strip('"').lstrip("-").strip('"') for t in terms if t.lower() != "or" and not t.startswith("-")}
    words = {w for w in words if re.search(r"[^\W_]", w)}
    meaningful = {w for w in words if w.lower() not in STOP_WORDS}
    return sorted(meaningful or words, key=lambda w: (-len(w), w))


def word_pattern(terms: list[str]) -> re.Pattern | None:
    """The query's marked words as they match a text: at the start of a word, whole words on
    PostgreSQL (lexemes), and as a prefix elsewhere (the fallback search matches substrings)."""
    return _word_pattern(tuple(terms), using_postgres())


@lru_cache(maxsize=256)
def _word_pattern(terms: tuple[str, ...], whole_words: bool) -> re.Pattern | None:
    # Built once per query, not once per hit highlighted (about 10 microseconds each).
    words = marked_words(list(terms))
    if not words:
        return None
    end = r"(?![^\W_])" if whole_words else ""
    return re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(w) for w in words) + ")" + end, re.IGNORECASE)


def highlight(text: str, terms: list[str]):
    """``text`` escaped, with each query word it contains wrapped in ``<mark>`` (like
    PostgreSQL's ``ts_headline``, the same on every database; stop words such as "of" or "de"
    stay unmarked). Only public text ever reaches it."""
    pattern = word_pattern(terms)
    if not text or pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # every piece escaped above


# ts_headline wraps each match in these: control characters no stored text shows, so that the
# headline can be escaped as a whole and the markers turned into <mark> afterwards.
HEADLINE_START, HEADLINE_STOP = "\x02", "\x03"
HEADLINE_MARKED = re.compile(HEADLINE_START + "([^" + HEADLINE_START + HEADLINE_STOP + "]*)" + HEADLINE_STOP)
# ts_headline drops what its parser takes for HTML tags ("<b>"); the text goes in with "<" and
# ">" as these stand-ins, and comes back as written.
ANGLE_STAND_INS = {"<": "\x01", ">": "\x04"}


HEADLINE_OPTIONS = {"StartSel": HEADLINE_START, "StopSel": HEADLINE_STOP, "MaxWords": 35, "MinWords": 15}


@cache
def headline_options() -> str:
    """``ts_headline``'s options as SQL text, composed once: Django's SearchHeadline composes
    them for every query, opening a cursor per option (about 1 ms a query)."""
    return ", ".join(connection.ops.compose_sql(f"{name}=%s", [value]) for name, value in HEADLINE_OPTIONS.items())


def headline(field: str, query: str):
    """PostgreSQL's ``ts_headline`` of ``field``: the fragment of about 15 to 35 words that best
    covers the query's meaningful words (``marked_words``: stop words such as "of" would be
    marked everywhere), each between HEADLINE_START and HEADLINE_STOP. None without such words.
    The SQL of Django's ``SearchHeadline`` with these options."""
    return headline_of_words(field, marked_words(terms_of(query)))


def headline_of_words(field: str, words: list[str]):
    """``headline`` of ``field`` for these marked words (None without any)."""
    from django.contrib.postgres.search import SearchConfig, SearchQuery

    if not words:
        return None
    text = F(field)
    for character, stand_in in ANGLE_STAND_INS.items():
        text = Replace(text, Value(character), Value(stand_in))
    return Func(
        SearchConfig(SEARCH_CONFIG),
        text,
        reduce(or_, (SearchQuery(word, config=SEARCH_CONFIG) for word in words)),
        Value(headline_options()),
        function="ts_headline",
        output_field=TextField(),
    )


def headline_snippet(text: str, marked: str | None) -> tuple[str, str]:
    """(plain snippet, HTML with ``<mark>``) from a ``headline`` of ``text``, with "…" where
    the fragment leaves part of the text out. Everything is escaped but the marks."""
    if not marked:
        return "", ""
    fragment = " ".join(marked.split())
    for character, stand_in in ANGLE_STAND_INS.items():
        fragment = fragment.replace(stand_in, character)
    plain = fragment.replace(HEADLINE_START, "").replace(HEADLINE_STOP, "")
    whole = " ".join(text.split())
    before = "" if whole.startswith(plain) else "…"
    after = "" if whole.endswith(plain) else "…"
    html = HEADLINE_MARKED.sub(r"<mark>\1</mark>", str(escape(fragment)))
    html = html.replace(HEADLINE_START, "").replace(HEADLINE_STOP, "")  # a marker left unpaired
    return before + plain + after, mark_safe(before + html + after)  # escaped above


def terms_of(query: str) -> list[str]:
    return [t for t in re.split(r"\s+", query.strip()) if t][:MAX_TERMS]


def using_postgres() -> bool:
    return connection.vendor == "postgresql"


def _postgres_rank(queryset: QuerySet, fields: list[tuple[str, str]], query: str) -> QuerySet:
    from django.contrib.postgres.search import SearchRank

    vector = note_vector() if fields == NOTE_FIELDS else search_vector(fields)
    search_query = web_query(query)
    return (
        queryset.alias(search=vector)  # filtered on, never read: not selected
        .annotate(rank=SearchRank(vector, search_query))
        .filter(search=search_query)
        .order_by("-rank", "pk")
    )


def note_vector():
    """The notes' stored, GIN-indexed vector (migration 0006): ranking reads it instead of
    recomputing ``to_tsvector`` over every matching note. PostgreSQL only."""
    from django.contrib.postgres.search import SearchVectorField

    return RawSQL('"negotiations_progressnote"."text_search"', [], output_field=SearchVectorField())


def web_query(query: str):
    """The query in web-search syntax (quoted phrases, ``or``, ``-word``). PostgreSQL only."""
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def _fallback_rank(queryset: QuerySet, fields: list[tuple[str, str]], query: str) -> QuerySet:
    """Every word must match some field; rank = sum of the weights of the fields that match."""
    weights = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
    terms = terms_of(query)
    if not terms:
        return queryset.none()
    rank = Value(0.0, output_field=FloatField())
    for term in terms:
        condition = Q()
        for name, _weight in fields:
            condition |= Q(**{f"{name}__icontains": term})
        queryset = queryset.filter(condition)
        for name, weight in fields:
            rank = rank + Case(
                When(**{f"{name}__icontains": term}, then=Value(weights[weight])),
                default=Value(0.0),
                output_field=FloatField(),
            )
    return queryset.annotate(rank=rank).order_by("-rank", "pk")


def ranked(queryset: QuerySet, fields: list[tuple[str, str]], query: str) -> QuerySet:
    if using_postgres():
        return _postgres_rank(queryset, fields, query)
    return _fallback_rank(queryset, fields, query)


# The GIN index of migration 0012 is on exactly this expression: keep them in step.
AGREEMENT_FIELDS = [("name", "A"), ("short_name", "A"), ("spanish_name", "A"), ("slug", "B"), ("summary", "C")]
# Both languages' columns, named explicitly: ``name`` alone would mean the reader's language.
CHAPTER_FIELDS = [
    ("code", "A"),
    ("name_en", "A"),
    ("name_es", "A"),
    ("description_en", "C"),
    ("description_es", "C"),
]
ROUND_FIELDS = [
    ("title", "A"),
    ("agreement__name", "B"),
    ("agreement__short_name", "B"),
    ("agreement__spanish_name", "B"),
    ("venue__city", "B"),
    ("summary", "C"),
    ("chief_negotiators", "C"),
    ("venue_note", "D"),
]
NOTE_FIELDS = [("text", "A")]
PARTY_FIELDS = [("code", "A"), ("name", "A"), ("official_name", "B")]
# The round's own text fields, GIN-indexed on PostgreSQL (migration 0005): the expression must
# stay exactly this for the index to be used.
ROUND_OWN_FIELDS = [("title", "A"), ("summary", "C"), ("chief_negotiators", "C"), ("venue_note", "D")]


class WeightedVector(Expression):
    """The SQL of Django's ``SearchVector(name, weight=…, config=SEARCH_CONFIG) + …`` over text
    columns, ``(setweight(to_tsvector('simple'::regconfig, COALESCE(col, '')), 'A') || …)``,
    written out in one step. Django's version builds and compiles a Coalesce, a Value and a
    config per field each time a query uses it, several milliseconds per search. The GIN
    indexes (migrations 0005, 0012) are on exactly this SQL (tests/test_search.py checks both
    the text and the plans)."""

    def __init__(self, fields: tuple[tuple[str, str], ...]):
        from django.contrib.postgres.search import SearchConfig, SearchVectorField

        super().__init__(output_field=SearchVectorField())
        self.fields = fields
        self.config = SearchConfig(SEARCH_CONFIG)  # what a plain string compared with it is parsed with
        self.columns = [F(name) for name, _weight in fields]

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, expressions):
        self.columns = expressions

    def as_sql(self, compiler, connection):
        sql, params = None, []
        for column, (_name, weight) in zip(self.columns, self.fields, strict=True):
            column_sql, column_params = compiler.compile(column)
            part = f"setweight(to_tsvector(%s::regconfig, COALESCE({column_sql}, %s)), %s)"
            params += [SEARCH_CONFIG, *column_params, "", weight]
            sql = part if sql is None else f"({sql} || {part})"
        return sql, params


def search_vector(fields: list[tuple[str, str]]):
    """The weighted ``tsvector`` of ``fields`` (PostgreSQL only)."""
    return WeightedVector(tuple(fields))


def positive_words(query: str) -> list[str]:
    """The words a match must contain at least one of: not negated (``-word``), not ``or``, and
    with a letter or digit (a word like "_" makes an empty text query, which matches nothing)."""
    words = []
    # All tokens, not only the first MAX_TERMS: with "or", any one of them may be the match.
    for token in query.replace('"', " ").split():
        if token.startswith("-") or token.lower() == "or":
            continue
        if re.search(r"[^\W_]", token):
            words.append(token)
    return words


def _round_candidates(query: str) -> QuerySet:
    """Rounds that can match, found through indexes before the exact, ranked match.

    The ranked match spans the round, its agreement and its venue, which no index covers. Each
    word the query requires appears in one of those places, so on PostgreSQL a candidate is a
    round where every required word is in its own text (GIN index), its venue or its agreement
    (small tables, looked up first, all words in one query each). With ``or`` alternatives or
    ``-`` exclusions a single word suffices. Results are the same as without it; requiring every
    word keeps a common word ("of" in "rules of origin") from making every round a candidate.
    """
    rounds = Round.objects.select_related("agreement", "venue__country")
    words = positive_words(query)
    if not using_postgres() or not words:
        return rounds
    from django.contrib.postgres.search import SearchQuery

    word_queries = [SearchQuery(word, config=SEARCH_CONFIG) for word in words]
    venues = _ids_matching_each(Venue.objects.all(), VENUE_FIELDS, word_queries)
    agreements = _ids_matching_each(Agreement.objects.all(), AGREEMENT_FIELDS, word_queries)
    return _candidates_among(rounds, word_queries, venues, agreements, every_word_required(query))


def every_word_required(query: str) -> bool:
    """Every word is required unless the query has alternatives ("or") or exclusions ("-word",
    -"a phrase": its words are not required). All tokens count, not only the first MAX_TERMS."""
    return not any(token.lower() == "or" or token.startswith("-") for token in query.split())


def _candidates_among(rounds: QuerySet, word_queries: list, venues: list, agreements: list, required: bool):
    """``rounds`` narrowed to those with each word query (any one unless ``required``) in their
    own text, their venue (ids ``venues[i]``) or their agreement (ids ``agreements[i]``). The
    ids go in as one array each (``= ANY``), so the SQL is the same however many there are."""
    rounds = rounds.alias(own_text=search_vector(ROUND_OWN_FIELDS))
    places = [
        Q(own_text=word_query)
        | Q(_any_of('"negotiations_round"."venue_id"', venues[index]))
        | Q(_any_of('"negotiations_round"."agreement_id"', agreements[index]))
        for index, word_query in enumerate(word_queries)
    ]
    return rounds.filter(reduce(and_ if required else or_, places))


def _any_of(column: str, ids) -> RawSQL:
    return RawSQL(f"{column} = ANY(%s)", [ids], output_field=BooleanField())


VENUE_FIELDS = [("city", "A"), ("place", "A")]


def _ids_matching_each(queryset: QuerySet, fields: list[tuple[str, str]], word_queries: list) -> list[list[int]]:
    """For each word query, the ids of the rows whose ``fields`` contain it; one query. For
    agreements the vector is the GIN-indexed one of migration 0008."""
    return _ids_by_word(_word_flags(queryset, fields, word_queries), len(word_queries))


def _word_flags(queryset: QuerySet, fields: list[tuple[str, str]], word_queries: list) -> QuerySet:
    """(id, one flag per word query) of the rows whose ``fields`` contain any of the words."""
    vector = search_vector(fields)
    flags = {
        f"word_{index}": ExpressionWrapper(Q(text=word_query), output_field=BooleanField())
        for index, word_query in enumerate(word_queries)
    }
    return (
        queryset.alias(text=vector)
        .filter(text=reduce(or_, word_queries))
        .annotate(**flags)
        .order_by()  # sets of ids: the model's ordering would only cost a sort
        .values_list("pk", *flags)
    )


def _ids_by_word(rows, count: int) -> list[list[int]]:
    matching: list[list[int]] = [[] for _ in range(count)]
    for pk, *found in rows:
        for index, hit in enumerate(found):
            if hit:
                matching[index].append(pk)
    return matching


# Up to this many matching notes are ranked by relevance; beyond it the newest matches are
# listed (a word that common ranks thousands of notes alike, and ranking reads every match).
NOTE_RANK_LIMIT = 1000


def _best_notes(query: str, limit: int) -> tuple[list[ProgressNote], bool]:
    """The ``limit`` best public notes, and whether they are the newest matches rather than the
    most relevant (more than NOTE_RANK_LIMIT notes match).

    Ranked first as (id, rank) pairs, then read in full: sorting every match with its text and
    vector made search grow with the number of matches. Counting stops at NOTE_RANK_LIMIT + 1
    and the newest matches come from the ``note_public_newest`` index, so a common word costs
    the same however many notes contain it. (On PostgreSQL the same queries run compiled once:
    ``_postgres_hits``.)
    """
    matches = ranked(ProgressNote.objects.public(), NOTE_FIELDS, query)
    by_date = matches.order_by()[NOTE_RANK_LIMIT : NOTE_RANK_LIMIT + 1].exists()
    best = list((_newest_matches(matches, query) if by_date else matches).values_list("pk", "rank")[:limit])
    notes = ProgressNote.objects.select_related("round__agreement", "chapter")
    notes = notes.order_by().in_bulk([pk for pk, _ in best])  # a dict: no ordering needed
    return _in_order(best, notes), by_date


def _in_order(best: list[tuple[int, float]], notes: dict) -> list[ProgressNote]:
    for pk, rank in best:
        if pk in notes:
            notes[pk].rank = rank
    return [notes[pk] for pk, _ in best if pk in notes]


def _newest_matches(matches: QuerySet, query: str) -> QuerySet:
    """The matches newest first, walking the ``note_public_newest`` index.

    More than NOTE_RANK_LIMIT notes match, so the walk soon finds ``limit`` of them. But
    PostgreSQL often underestimates how many notes a phrase matches and would rather read and
    sort every match through the GIN index; written as ``COALESCE(… @@ …, false)`` the match
    cannot use that index, which leaves the newest-first walk (same result, same one query).
    """
    if not using_postgres():
        return matches.order_by("-created_at", "-pk")
    walk_only = RawSQL(
        'COALESCE("negotiations_progressnote"."text_search" @@ websearch_to_tsquery(%s::regconfig, %s), false)',
        [SEARCH_CONFIG, query],
        output_field=BooleanField(),
    )
    from django.contrib.postgres.search import SearchRank

    rank = SearchRank(note_vector(), web_query(query))
    return ProgressNote.objects.public().annotate(rank=rank).filter(walk_only).order_by("-created_at", "-pk")


def _slot(name: str) -> str:
    """A stand-in for one of the reader's values in SQL compiled once (``_Compiled``). It holds
    NUL, which search_results strips from every query, so no real value can be taken for it."""
    return f"\x00{name}\x00"


def _slots(name: str, count: int) -> list[str]:
    return [_slot(f"{name}{index}") for index in range(count)]


QUERY_SLOT = _slot("query")


class _Compiled:
    """A queryset's SQL compiled once, then run with the reader's values in place of its slots
    (``_slot``), its rows read as Django reads them (converters, model instances with their
    select_related objects and annotations). Building and compiling the search's queries
    through the ORM took about a third of a search's CPU time, and their shapes are few (the
    number of words, mostly): each shape is compiled once per process. PostgreSQL only."""

    def __init__(self, queryset: QuerySet, *, exists: bool = False):
        self.model = queryset.model
        query = queryset.query.exists() if exists else queryset.query
        self.compiler = query.get_compiler(using=queryset.db)
        self.sql, self.params = self.compiler.as_sql()

    def _run(self, values: dict) -> tuple[list, str]:
        db = router.db_for_read(self.model)  # per run: a replica or, when pinned, the primary
        params = [values.get(param, param) if isinstance(param, str) else param for param in self.params]
        compiler = copy.copy(self.compiler)
        compiler.connection = connections[db]  # this thread's connection
        with compiler.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        return list(compiler.results_iter([rows], tuple_expected=True)), db

    def rows(self, values: dict) -> list[tuple]:
        return self._run(values)[0]

    def objects(self, values: dict) -> list:
        """Model instances, as ``ModelIterable`` makes them."""
        rows, db = self._run(values)
        klass_info, select = self.compiler.klass_info, self.compiler.select
        model, fields = klass_info["model"], klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        related = get_related_populators(klass_info, select, db, *_POPULATOR_ARGS)
        annotations = self.compiler.annotation_col_map.items()
        objects = []
        for row in rows:
            obj = model.from_db(db, init_list, row[start:end])
            for populator in related:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


@lru_cache(maxsize=128)
def _compiled(build, *shape) -> _Compiled:
    """``build(*shape)``, once per process (a query of up to 200 characters has a bounded
    number of shapes; the least used are dropped beyond 128)."""
    return build(*shape)


def _with_headline(queryset: QuerySet, field: str, marked: int) -> QuerySet:
    expression = headline_of_words(field, _slots("marked", marked))
    return queryset.annotate(marked=expression) if expression is not None else queryset


def _word_queries(words: list[str]) -> list:
    from django.contrib.postgres.search import SearchQuery

    return [SearchQuery(word, config=SEARCH_CONFIG) for word in words]


def _agreement_hits(limit: int, marked: int) -> _Compiled:
    agreements = ranked(Agreement.objects.all(), AGREEMENT_FIELDS, QUERY_SLOT)
    return _Compiled(_with_headline(agreements, "summary", marked)[:limit])


def _chapter_catalog() -> _Compiled:
    """Every chapter (a small catalog, searched without an index), each with its ``rank`` for
    the query and whether it ``matches``: the chapter hits and the catalog in one query."""
    from django.contrib.postgres.search import SearchRank

    search_query = web_query(QUERY_SLOT)
    chapters = Chapter.objects.alias(search=search_vector(CHAPTER_FIELDS)).annotate(
        rank=SearchRank(search_vector(CHAPTER_FIELDS), search_query),
        matches=ExpressionWrapper(Q(search=search_query), output_field=BooleanField()),
    )
    return _Compiled(chapters)


def _party_hits(limit: int) -> _Compiled:
    return _Compiled(ranked(Party.objects.all(), PARTY_FIELDS, QUERY_SLOT)[:limit])


def _venue_words(words: int) -> _Compiled:
    return _Compiled(_word_flags(Venue.objects.all(), VENUE_FIELDS, _word_queries(_slots("word", words))))


def _agreement_words(words: int) -> _Compiled:
    return _Compiled(_word_flags(Agreement.objects.all(), AGREEMENT_FIELDS, _word_queries(_slots("word", words))))


def _round_hits(limit: int, words: int, required: bool, marked: int) -> _Compiled:
    rounds = Round.objects.select_related("agreement", "venue__country")
    if words:
        word_queries = _word_queries(_slots("word", words))
        rounds = _candidates_among(rounds, word_queries, _slots("venues", words), _slots("agreements", words), required)
    return _Compiled(_with_headline(ranked(rounds, ROUND_FIELDS, QUERY_SLOT), "summary", marked)[:limit])


def _note_matches() -> QuerySet:
    return ranked(ProgressNote.objects.public(), NOTE_FIELDS, QUERY_SLOT)


def _many_notes(rank_limit: int) -> _Compiled:
    return _Compiled(_note_matches().order_by()[rank_limit : rank_limit + 1], exists=True)


def _best_note_ranks(limit: int) -> _Compiled:
    return _Compiled(_note_matches().values_list("pk", "rank")[:limit])


def _newest_note_ranks(limit: int) -> _Compiled:
    return _Compiled(_newest_matches(_note_matches(), QUERY_SLOT).values_list("pk", "rank")[:limit])


# What a note hit shows: its text and language, its round's label, dates and link, and its
# agreement's name (its chapter comes from the catalog search_results reads anyway). Only these
# columns are read: psycopg parsing every column of four tables took half the read's CPU time.
NOTE_HIT_FIELDS = (
    "id",
    "round_id",
    "chapter_id",
    "text",
    "visibility",
    "language",
    "round__id",
    "round__agreement_id",
    "round__number",
    "round__kind",
    "round__title",
    "round__start_date",
    "round__end_date",
    "round__date_precision",
    "round__agreement__id",
    "round__agreement__slug",
    "round__agreement__name",
    "round__agreement__short_name",
)


def _notes_read(marked: int) -> _Compiled:
    notes = ProgressNote.objects.select_related("round__agreement").only(*NOTE_HIT_FIELDS).order_by()
    notes = notes.filter(_any_of('"negotiations_progressnote"."id"', _slot("ids")))
    return _Compiled(_with_headline(notes, "text", marked))


def _postgres_hits(query: str, terms: list[str], limit: int) -> tuple:
    """search_results' queries on PostgreSQL, each compiled once per shape: the same SQL as
    ``ranked``, ``_round_candidates`` and ``_best_notes`` build, with ``ts_headline`` snippets."""
    marked, words = marked_words(terms), positive_words(query)
    values = {QUERY_SLOT: query}
    values.update(zip(_slots("marked", len(marked)), marked, strict=True))
    values.update(zip(_slots("word", len(words)), words, strict=True))
    agreements = _compiled(_agreement_hits, limit, len(marked)).objects(values)
    catalog = _compiled(_chapter_catalog).objects(values)
    # As ranked() orders them: rank (a float4, exact in Python) descending, then id.
    chapters = sorted((chapter for chapter in catalog if chapter.matches), key=lambda c: (-c.rank, c.pk))[:limit]
    parties = _compiled(_party_hits, limit).objects(values)
    if words:
        venues = _ids_by_word(_compiled(_venue_words, len(words)).rows(values), len(words))
        agreement_ids = _ids_by_word(_compiled(_agreement_words, len(words)).rows(values), len(words))
        values.update(zip(_slots("venues", len(words)), venues, strict=True))
        values.update(zip(_slots("agreements", len(words)), agreement_ids, strict=True))
    required = bool(words) and every_word_required(query)
    rounds = _compiled(_round_hits, limit, len(words), required, len(marked)).objects(values)
    by_date = bool(_compiled(_many_notes, NOTE_RANK_LIMIT).rows(values))
    best = _compiled(_newest_note_ranks if by_date else _best_note_ranks, limit).rows(values)
    notes = {}
    if best:
        values[_slot("ids")] = [pk for pk, _ in best]
        notes = {note.pk: note for note in _compiled(_notes_read, len(marked)).objects(values)}
        by_pk = {chapter.pk: chapter for chapter in catalog}
        for note in notes.values():
            if note.chapter_id in by_pk:  # else (a chapter added since) read when first used
                note.chapter = by_pk[note.chapter_id]
    return agreements, chapters, catalog, parties, rounds, _in_order(best, notes), by_date


def _snippet(text: str, terms: list[str], length: int = 220) -> str:
    """A window of ``text`` around the first word the query matches on (not a stop word)."""
    text = " ".join(text.split())
    pattern = word_pattern(terms)
    match = pattern.search(text) if pattern else None
    start = max(match.start() - 60, 0) if match else 0
    if start:
        start = text.find(" ", start, match.start()) + 1 or start  # begin at a word
    prefix = "…" if start else ""
    return prefix + Truncator(text[start:]).chars(length)


@dataclass
class SearchResults:
    hits: list[SearchHit]
    notes_by_date: bool = False  # more than NOTE_RANK_LIMIT notes matched: the newest are listed


def search(query: str, *, limit: int = 30) -> list[SearchHit]:
    """The best ``limit`` hits of each kind, merged by rank."""
    return search_results(query, limit=limit).hits


def search_results(query: str, *, limit: int = 30) -> SearchResults:
    """The best ``limit`` hits of each kind, merged by rank, and how the notes were chosen.
    Eight queries (nine on PostgreSQL, which first looks up candidate venues and agreements
    but reads the chapters once)."""
    query = query.replace("\x00", "").strip()[:MAX_QUERY_LENGTH]  # PostgreSQL rejects NUL
    if not query:
        return SearchResults([])
    terms = terms_of(query)

    def snippet(item, text: str) -> dict:
        if hasattr(item, "marked"):
            plain, html = headline_snippet(text, item.marked)
        else:
            plain = _snippet(text, terms)
            html = highlight(plain, terms)
        return {"snippet": plain, "snippet_html": html}

    if using_postgres():
        agreements, chapters, catalog, parties, rounds, notes, notes_by_date = _postgres_hits(query, terms, limit)
    else:
        agreements = ranked(Agreement.objects.all(), AGREEMENT_FIELDS, query)[:limit]
        chapters = list(ranked(Chapter.objects.all(), CHAPTER_FIELDS, query)[:limit])
        catalog = list(Chapter.objects.all())
        parties = ranked(Party.objects.all(), PARTY_FIELDS, query)[:limit]
        rounds = ranked(_round_candidates(query), ROUND_FIELDS, query)[:limit]
        notes, notes_by_date = _best_notes(query, limit)
    # A small catalog (no index): ranked matches plus the chapters a synonym or a code names.
    codes = synonym_codes(query, catalog) | {t.upper() for t in terms if t.isalnum() and len(t) <= 10}
    found = {c.pk for c in chapters}
    named = [chapter for chapter in catalog if chapter.code in codes and chapter.pk not in found]
    for chapter in named:
        chapter.rank = 1.0
        chapters.append(chapter)
    for chapter in chapters:
        if chapter.code in codes:
            chapter.rank = float(chapter.rank or 0) + 10.0  # named outright: the first hit
    hits = []
    for item in agreements:
        hits.append(
            SearchHit(
                "agreement", str(item), item.get_absolute_url(), rank=item.rank, obj=item, **snippet(item, item.summary)
            )
        )
    for item in parties:
        hits.append(SearchHit("party", str(item), item.get_absolute_url(), "", item.rank, item))
    for item in chapters:
        hits.append(
            SearchHit(
                "chapter",
                f"{item.code} — {item.name}",
                item.get_absolute_url(),
                rank=item.rank,
                obj=item,
                **snippet(item, item.description),
            )
        )
    for item in rounds:
        where = f" — {item.venue}" if item.venue_id else ""
        hits.append(
            SearchHit(
                "round",
                f"{item.agreement}: {item.label}{where}",
                item.get_absolute_url(),
                rank=item.rank,
                obj=item,
                meta=item.dates_display,
                **snippet(item, item.summary),
            )
        )
    for item in notes:
        anchor = f"#chapter-{item.chapter.code}" if item.chapter_id else "#notes"
        title = f"{item.round.agreement}: {item.round.label}"
        if item.chapter_id:
            title += f" — {item.chapter.name}"
        hits.append(
            SearchHit(
                "note",
                title,
                item.round.get_absolute_url() + anchor,
                rank=item.rank,
                obj=item,
                meta=item.round.dates_display,
                **snippet(item, item.text),
            )
        )
    for hit in hits:
        hit.title_html = highlight(hit.title, terms)
    hits.sort(key=lambda h: (not h.direct, -float(h.rank or 0)))
    return SearchResults(hits, notes_by_date)
