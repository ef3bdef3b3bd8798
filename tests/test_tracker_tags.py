"""The template filters and tags that draw a page's repeated parts in one call: the rounds list's chips,
party codes, the matrix, the agreement page's rounds table and timeline, the agreement list's rows,
notes."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from negotiations.choices import (
    AgreementStatus,
    DatePrecision,
    ProgressStatus,
    RoundFormat,
    RoundKind,
    RoundStatus,
    Visibility,
)
from negotiations.models import Agreement, Chapter, ChapterProgress, ProgressNote, Round
from negotiations.selectors import (
    MatrixCell,
    agreement_list_queryset,
    agreement_matrix,
    attach_chapter_chips,
    progress_prefetch,
    rounds_in_order,
)
from negotiations.templatetags.tracker_tags import (
    agreement_list_rows,
    agreement_round_rows,
    chapter_chips,
    chapter_steps,
    matrix_cells,
    matrix_rows,
    note_article,
    party_codes,
    progress_style,
    round_row,
    timeline_items,
    timeline_round_marks,
)
from negotiations.timeline import TimelineEntry, timeline_chart
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_chapter_chips_link_each_chapter_of_the_round_with_its_status_escaped():
    f.chapter("ROO", "Rules <of> Origin")
    f.chapter("TBT", "Technical Barriers to Trade")
    round_obj = f.round_()
    f.progress(round_obj, "ROO", status=ProgressStatus.TEXT_EXCHANGED)
    f.progress(round_obj, "TBT", status=ProgressStatus.CLOSED)
    (loaded,) = Round.objects.prefetch_related(progress_prefetch())
    attach_chapter_chips([loaded])
    html = str(chapter_chips(loaded))
    url = round_obj.get_absolute_url()
    assert html.count('<a class="chip"') == 2
    assert f'<a class="chip" href="{url}#chapter-ROO"' in html
    assert 'title="Rules &lt;of&gt; Origin: Text exchanged">ROO</a>' in html
    assert 'title="Technical Barriers to Trade: Closed">TBT</a>' in html
    assert html.index("ROO</a>") < html.index("TBT</a>")


def test_chapter_chips_with_the_catalog_in_hand_read_only_the_progress(django_assert_num_queries):
    f.chapter("ROO", "Rules of Origin", order=1), f.chapter("TBT", "Technical Barriers to Trade", order=2)
    round_obj = f.round_()
    f.progress(round_obj, "TBT", status=ProgressStatus.CLOSED)
    f.progress(round_obj, "ROO", status=ProgressStatus.TEXT_EXCHANGED)
    read, given = Round.objects.get(), Round.objects.get()
    attach_chapter_chips([read])
    catalog = list(Chapter.objects.all())
    with django_assert_num_queries(1):
        attach_chapter_chips([given], catalog=catalog)
    assert given.chapter_chips == read.chapter_chips
    assert [chip.title for chip in given.chapter_chips] == [
        "Rules of Origin: Text exchanged",
        "Technical Barriers to Trade: Closed",
    ]


def test_a_round_without_chapters_has_no_chips():
    (loaded,) = Round.objects.filter(pk=f.round_().pk).prefetch_related(progress_prefetch())
    attach_chapter_chips([loaded])
    assert str(chapter_chips(loaded)) == ""


def test_chapter_steps_link_each_round_with_its_label_dates_and_status_escaped():
    agreement = f.agreement()
    first = f.round_(agreement, 1)
    titled = f.round_(agreement, kind="intersessional", title='Talks <in> "Lima"', start_date=None, end_date=None)
    f.progress(first, "ROO", status=ProgressStatus.TEXT_EXCHANGED)
    f.progress(titled, "ROO", status=ProgressStatus.CLOSED)
    steps = list(
        ChapterProgress.objects.filter(round__agreement=agreement).select_related("round").order_by("round__pk")
    )
    html = str(chapter_steps(steps, "ROO"))
    assert html.count("<li>") == 2
    assert html.startswith(
        f'<li><a href="{first.get_absolute_url()}#chapter-ROO" class="step"'
        f' style="{progress_style(ProgressStatus.TEXT_EXCHANGED)}">\n'
        '        <span class="step-round">Round 1</span>\n'
        '        <span class="step-date">3–5 Nov 2025</span>\n'
        '        <span class="step-status">Text exchanged</span></a></li>'
    )
    assert '<span class="step-round">Talks &lt;in&gt; &quot;Lima&quot;</span>' in html
    assert '<span class="step-date">date unknown</span>' in html
    assert str(chapter_steps([], "ROO")) == ""


def test_party_codes_link_each_party_with_its_name_in_order():
    f.party("IND", "India")
    f.party("PER", 'Peru "the Republic"')
    agreement = f.agreement(parties=("PER", "IND"))
    html = str(party_codes(agreement_list_queryset().get(pk=agreement.pk)))
    assert html == (
        '<a href="/parties/IND/"><abbr title="India">IND</abbr></a>, '
        '<a href="/parties/PER/"><abbr title="Peru &quot;the Republic&quot;">PER</abbr></a>'
    )


def test_matrix_cells_link_each_recorded_cell_and_read_out_the_empty_ones_escaped():
    agreement = f.agreement()
    f.chapter("ROO", 'Rules <of> "Origin"')
    r1, r2 = f.round_(agreement, 1), f.round_(agreement, 2)
    f.progress(r2, "ROO", status=ProgressStatus.CLOSED)
    f.progress(r1, "TBT", status=ProgressStatus.TEXT_EXCHANGED)
    matrix = agreement_matrix(agreement=agreement, rounds=rounds_in_order([r1, r2]))
    (_roo, roo_cells), _tbt = sorted(matrix.rows, key=lambda row: row[0].code)
    html = str(matrix_cells(roo_cells, "not <recorded>"))
    assert html == (
        '<td class="cell empty"><span class="visually-hidden">not &lt;recorded&gt;</span></td>\n'
        f'<td class="cell" style="{roo_cells[1].style}"><a href="{r2.get_absolute_url()}#chapter-ROO"'
        ' style="color:inherit" aria-label="Rules &lt;of&gt; &quot;Origin&quot;, Round 2: Closed">Closed</a></td>'
    )


def test_matrix_cells_escape_every_value():
    cell = MatrixCell(status="x", round=None, label="<b>", style='"', url="/a?b=1&c=2", description="'")
    assert str(matrix_cells([cell], "")) == (
        '<td class="cell" style="&quot;"><a href="/a?b=1&amp;c=2" style="color:inherit" aria-label="&#x27;">'
        "&lt;b&gt;</a></td>"
    )


# The template loop that agreement_round_rows replaces, as it was.
ROUND_ROWS_LOOP = Template(
    """{% load i18n tracker_tags %}"""
    """{% translate "Dates" as label_dates %}{% translate "Where" as label_where %}"""
    """{% translate "Status" as label_status %}{% translate "Notes on dates" as label_dates_note %}"""
    """{% for round in rounds %}
      <tr>
        <th scope="row"><a href="{{ round.get_absolute_url }}">{{ round.label }}</a>{% if round.kind != "numbered" %} <small class="muted">{{ round.get_kind_display }}</small>{% endif %}</th>
        <td class="nowrap" data-label="{{ label_dates }}">{% if round.start_date %}<time datetime="{{ round.start_date|partial_date_iso:round.date_precision }}">{{ round.dates_display }}</time>{% else %}<span class="muted">{% translate "date unknown" %}</span>{% endif %}</td>
        <td data-label="{{ label_where }}">{{ round|round_place|default:"–" }}{% if round.venue_note %}<br><small class="muted">{{ round.venue_note }}</small>{% endif %}</td>
        <td data-label="{{ label_status }}">{% round_status_badge round.shown_status %}</td>
        <td{% if round.dates_note %} data-label="{{ label_dates_note }}"{% endif %}>{% if round.dates_note %}<small>{{ round.dates_note }}</small>{% endif %}</td>
      </tr>
    {% endfor %}"""  # noqa: E501
)


@pytest.mark.parametrize("language", ["en", "es"])
def test_agreement_round_rows_write_what_the_template_loop_wrote(language):
    agreement = f.agreement()
    lima = f.venue("Lima", "PER", place='Hotel "<Bolívar>" & Co')
    f.round_(agreement, 1, venue=lima, venue_note="Moved from <Cusco>", dates_note="inferred & 'late'")
    f.round_(agreement, 2, format=RoundFormat.HYBRID, venue=lima, date_precision="month", end_date=None)
    f.round_(agreement, 3, format=RoundFormat.VIRTUAL, start_date=None, end_date=None)
    f.round_(agreement, kind=RoundKind.INTERSESSIONAL, title='Talks <in> "Lima"', date_precision="year")
    f.round_(agreement, 4, status=RoundStatus.PLANNED, start_date=dt.date(2020, 1, 1), end_date=None)
    f.round_(agreement, 5, status=RoundStatus.PLANNED, start_date=dt.date(2099, 1, 1), end_date=None)
    rounds = list(Round.objects.filter(agreement=agreement).select_related("venue__country").order_by("pk"))
    with translation.override(language):
        expected = ROUND_ROWS_LOOP.render(Context({"rounds": rounds}))
        html = str(agreement_round_rows(rounds))
    assert html == expected
    assert html.count("<tr>") == 6
    assert "Moved from &lt;Cusco&gt;" in html and "Talks &lt;in&gt; &quot;Lima&quot;" in html
    assert "inferred &amp; &#x27;late&#x27;" in html and "badge-overdue" in html


def test_agreement_round_rows_of_no_round_are_empty():
    assert str(agreement_round_rows([])) == ""


# The template loop that agreement_list_rows replaces, as it was.
AGREEMENT_ROWS_LOOP = Template(
    """{% load i18n tracker_tags %}"""
    """{% translate "Parties" as label_parties %}{% translate "Kind" as label_kind %}"""
    """{% translate "Status" as label_status %}{% translate "Since" as label_since %}"""
    """{% translate "Rounds" as label_rounds %}{% url 'round-list' as rounds_url %}"""
    """{% for agreement in agreements %}
    <tr>
      <th scope="row"><a href="{{ agreement.get_absolute_url }}">{{ agreement.local_name }}</a>{% if agreement.short_name and agreement.short_name != agreement.name %}<br><small class="muted">{{ agreement.short_name }}</small>{% endif %}</th>
      <td data-label="{{ label_parties }}">{{ agreement|party_codes }}</td>
      <td data-label="{{ label_kind }}">{{ agreement.kind_label }}</td>
      <td data-label="{{ label_status }}">{% agreement_status_badge agreement.current_status %}</td>
      <td data-label="{{ label_since }}">{% if agreement.status_date %}<time datetime="{{ agreement.status_date|partial_date_iso:agreement.status_date_precision }}">{{ agreement.status_date_display }}</time>{% endif %}</td>
      <td class="num" data-label="{{ label_rounds }}">{% if agreement.round_count %}<a href="{{ rounds_url }}?agreement={{ agreement.slug }}">{{ agreement.round_count }}</a>{% else %}0{% endif %}</td>
    </tr>
  {% endfor %}"""  # noqa: E501
)


@pytest.mark.parametrize("language", ["en", "es"])
def test_agreement_list_rows_write_what_the_template_loop_wrote(language):
    f.party("PER", 'Peru "the Republic"')
    named = f.agreement(name="India & Peru <TA>", short_name="IPTA", spanish_name="India–Perú")
    f.agreement(name="Same", short_name="Same", kind="cepa")
    Agreement.objects.filter(pk=named.pk).update(
        current_status=AgreementStatus.UNDER_NEGOTIATION, status_date=dt.date(2017, 8, 1), status_date_precision="month"
    )
    f.round_(named, 1)
    f.round_(named, 2)
    agreements = list(agreement_list_queryset().order_by("pk"))
    with translation.override(language):
        expected = AGREEMENT_ROWS_LOOP.render(Context({"agreements": agreements}))
        html = str(agreement_list_rows(agreements))
    assert html == expected
    assert html.count("<tr>") == 2
    assert f'<a href="/rounds/?agreement={named.slug}">2</a>' in html and ">0</td>" in html
    assert ("India–Perú" if language == "es" else "India &amp; Peru &lt;TA&gt;") in html
    assert 'datetime="2017-08"' in html and '<small class="muted">IPTA</small>' in html


# The included template that note_article replaces (templates/negotiations/_note.html), as it was.
NOTE_TEMPLATE = Template(
    """{% load i18n tracker_tags %}{# One progress note, dated by the fact it records (its source's publication or its round), not by when it was typed; context: note, and can_edit where the page allows editing #}
<article class="note{% if note.is_confidential %} note-confidential{% endif %}" id="note-{{ note.pk }}">
  {% if note.is_confidential %}<p class="badge badge-confidential">{% translate "Confidential — visible to you because you edit this agreement" %}</p>{% endif %}
  {% get_current_language as PAGE_LANGUAGE %}{% if note.language != PAGE_LANGUAGE %}<p class="note-language"><small>{% if note.language == "es" %}{% translate "Written in Spanish; shown as written." %}{% else %}{% translate "Written in English; shown as written." %}{% endif %}</small></p>{% endif %}
  <div class="note-text" lang="{{ note.language }}">{{ note.text|linebreaks }}</div>
  <footer class="note-meta muted"><small>{% with fact=note.fact_date %}{% if fact.kind == "published" %}{% translate "Source published" %} <time datetime="{{ fact.iso }}">{{ fact.text }}</time>{% elif fact %}{% translate "Round of" %} <time datetime="{{ fact.iso }}">{{ fact.text }}</time>{% endif %}{% if fact and note.source %} · {% endif %}{% endwith %}{% if note.source %}{% translate "Source:" %} {% if note.source.url %}<a href="{{ note.source.url }}" rel="noopener">{{ note.source.title }}</a>{% else %}{{ note.source.title }}{% endif %}{% endif %}</small>{% if can_edit %}
    <span class="note-actions"><a href="{% url 'note-edit' note.pk %}">{% translate "Edit" %}</a> · <a href="{% url 'note-delete' note.pk %}">{% translate "Delete" %}</a></span>{% endif %}</footer>
</article>
"""  # noqa: E501
)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("can_edit", [False, True])
def test_note_article_writes_what_the_included_template_wrote(language, can_edit):
    agreement = f.agreement()
    dated = f.round_(agreement, 1)
    undated = f.round_(agreement, 2, start_date=None, end_date=None)
    published = f.source(title='Talks <resume> & "end"', published_on=dt.date(2017, 8, 1), published_precision="month")
    unlinked = f.source(url="", title="Minutes", published_on=None)
    f.note(dated, "First line & <b>\n\nSecond paragraph", visibility=Visibility.CONFIDENTIAL, source=published)
    f.note(dated, "Nota en español", language="es", source=unlinked)
    f.note(undated, "No date, no source")
    f.note(undated, "Undated round, a source", source=unlinked, chapter_code="ROO")
    notes = list(ProgressNote.objects.select_related("round", "source").order_by("pk"))
    html, expected = [], []
    with translation.override(language):
        for note in notes:
            context = Context({"note": note, "can_edit": can_edit})
            expected.append(NOTE_TEMPLATE.render(context))
            html.append(str(note_article(context, note)))
    assert html == expected
    assert "First line &amp; &lt;b&gt;" in html[0] and "note-confidential" in html[0]
    assert 'datetime="2017-08"' in html[0] and "Talks &lt;resume&gt; &amp; &quot;end&quot;" in html[0]
    assert ("/edit/" in html[1]) is can_edit


def test_matrix_rows_link_each_chapter_and_name_it_before_its_cells():
    agreement = f.agreement()
    f.chapter("ROO", 'Rules <of> "Origin"')
    f.chapter("TBT", "Technical Barriers to Trade")
    r1, r2 = f.round_(agreement, 1), f.round_(agreement, 2)
    f.progress(r2, "ROO", status=ProgressStatus.CLOSED)
    f.progress(r1, "TBT", status=ProgressStatus.TEXT_EXCHANGED)
    matrix = agreement_matrix(agreement=agreement, rounds=rounds_in_order([r1, r2]))
    html = str(matrix_rows(matrix.rows, "not recorded"))
    (_roo, roo_cells), (_tbt, tbt_cells) = matrix.rows
    assert html == (
        "\n      <tr>\n"
        '        <th scope="row"><a href="/chapters/ROO/">'
        '<abbr title="Rules &lt;of&gt; &quot;Origin&quot;">ROO</abbr></a>'
        ' <span class="chapter-name">Rules &lt;of&gt; &quot;Origin&quot;</span></th>\n'
        f"        {matrix_cells(roo_cells, 'not recorded')}\n"
        "      </tr>\n    "
        "\n      <tr>\n"
        '        <th scope="row"><a href="/chapters/TBT/"><abbr title="Technical Barriers to Trade">TBT</abbr></a>'
        ' <span class="chapter-name">Technical Barriers to Trade</span></th>\n'
        f"        {matrix_cells(tbt_cells, 'not recorded')}\n"
        "      </tr>\n    "
    )
    assert str(matrix_rows([], "not recorded")) == ""


# The template loop that timeline_items replaces, as it was.
TIMELINE_LOOP = Template(
    """{% load i18n tracker_tags %}{% for entry in timeline %}
    <li class="tl-item tl-{{ entry.kind }}{% if entry.planned %} tl-planned{% endif %}">
      <span class="tl-date">{% if entry.date %}<time datetime="{{ entry.date|partial_date_iso:entry.precision }}">{{ entry.date_display }}</time>{% else %}{% translate "date unknown" %}{% endif %}</span>
      <span class="tl-marker" style="{% if entry.planned %}border-color:{{ entry.colour }}{% else %}background:{{ entry.colour }};border-color:{{ entry.colour }}{% endif %}" aria-hidden="true"></span>
      <span class="tl-body">
        {% if entry.is_round %}
          <a href="{{ entry.url }}"><strong>{{ entry.label }}</strong></a>{% if entry.place %} — {{ entry.place }}{% endif %}
          <span class="tl-kind">{{ entry.status_label }}</span>
        {% else %}
          <strong>{{ entry.label }}</strong>
          {% if entry.planned %}<span class="tl-kind">{% translate "planned" %}</span>{% endif %}
        {% endif %}
        {% if entry.note %}<br><small>{{ entry.note }}</small>{% endif %}
        {% if entry.sources %}<br><small class="muted">{% translate "Sources:" %} {% for c in entry.sources %}{% if c.source.url %}<a href="{{ c.source.url }}" rel="noopener">{{ c.source.title }}</a>{% else %}{{ c.source.title }}{% endif %}{% if c.source.publisher %} ({{ c.source.publisher }}){% endif %}{% if c.conflicting %} <span class="badge badge-conflict">{% translate "conflicting" %}</span>{% endif %}{% if not forloop.last %}; {% endif %}{% endfor %}</small>{% endif %}
      </span>
    </li>
  {% empty %}
    <li>{% translate "Nothing recorded yet." %}</li>
  {% endfor %}"""  # noqa: E501
)


def citation(title, url="", publisher="", conflicting=False):
    return SimpleNamespace(source=SimpleNamespace(title=title, url=url, publisher=publisher), conflicting=conflicting)


@pytest.mark.parametrize("language", ["en", "es"])
def test_timeline_items_write_what_the_template_loop_wrote(language):
    day = dt.date(2017, 8, 1)
    common = {"end": None, "date_display": "Aug 2017", "colour": "#123456"}
    entries = [
        TimelineEntry(
            kind="round",
            date=day,
            precision="month",
            planned=True,
            label="Round <2>",
            url="/rounds/2/",
            place='Lima & "Cusco"',
            status_label="Planned",
            note="inferred",
            **common,
        ),
        TimelineEntry(
            kind="round", date=None, precision="day", planned=False, label="Round 1", url="/rounds/1/", **common
        ),
        TimelineEntry(
            kind="status",
            date=day,
            precision="day",
            planned=False,
            label="Under negotiation",
            **common,
            sources=[citation("A <b>", "https://example.org/?a=1&b=2", "Gazette", True), citation("Minutes")],
        ),
        TimelineEntry(kind="status", date=day, precision="year", planned=True, label="Signed", **common),
    ]
    with translation.override(language):
        expected = TIMELINE_LOOP.render(Context({"timeline": entries}))
        html = str(timeline_items(entries))
        assert str(timeline_items([])) == TIMELINE_LOOP.render(Context({"timeline": []}))
    assert html == expected
    assert html.count("<li ") == 4 and "Lima &amp; &quot;Cusco&quot;" in html
    assert 'href="https://example.org/?a=1&amp;b=2"' in html and "badge-conflict" in html


# The drawing's template loop that timeline_round_marks replaces, as it was.
ROUND_MARKS_LOOP = Template(
    """{% load i18n l10n tracker_tags %}{% localize off %}{% for r in chart.rounds %}
        <a href="{{ r.entry.url }}">
          <rect class="round{% if r.entry.planned %} planned{% endif %}{% if r.entry.approximate %} approx{% endif %}" x="{{ r.x }}" y="86" width="{{ r.width }}" height="20" style="{% if r.entry.planned %}stroke:{{ r.entry.colour }}{% else %}fill:{{ r.entry.colour }}{% endif %}"><title>{{ r.entry.label }} — {{ r.entry.date_display }}{% if r.entry.place %} — {{ r.entry.place }}{% endif %} ({{ r.entry.status_label }})</title></rect>
          <text class="round-label" x="{{ r.mid }}" y="{{ r.label_y }}">{% if r.entry.obj.number %}{{ r.entry.obj.number }}{% else %}•{% endif %}</text>
        </a>
      {% endfor %}{% endlocalize %}"""  # noqa: E501
)


@pytest.mark.parametrize("language", ["en", "es"])
def test_timeline_round_marks_write_what_the_template_loop_wrote(language):
    def entry(number, date, **fields):
        defaults = {"end": None, "precision": "day", "planned": False, "label": f"Round {number}", "colour": "#1e6b1e"}
        return TimelineEntry(
            kind="round",
            date=date,
            date_display="x",
            url=f"/rounds/{number}/",
            status_label="Held",
            obj=SimpleNamespace(number=number),
            **{**defaults, **fields},
        )

    entries = [
        entry(None, dt.date(2019, 3, 4), label='Talks <in> "Lima"', planned=True, place="Lima & Cusco"),
        entry(2, dt.date(2018, 5, 1), precision="month", end=dt.date(2018, 6, 1)),
        entry(1, dt.date(2018, 1, 3), end=dt.date(2018, 1, 5)),
    ]
    for order, item in enumerate(reversed(entries)):
        item.order = (item.date, 0, order, order)
    chart = timeline_chart(entries)
    with translation.override(language):
        expected = ROUND_MARKS_LOOP.render(Context({"chart": chart}))
        html = str(timeline_round_marks(chart.rounds))
    assert html == expected
    assert html.count("<a ") == 3 and "Talks &lt;in&gt; &quot;Lima&quot; — x — Lima &amp; Cusco (Held)" in html
    assert ">•</text>" in html and "," not in html.split("<title>")[1].split('x="')[1].split('"')[0]


# The row as the rounds list's template wrote it cell by cell, before round_row.
TEMPLATE_ROW = (
    "{% load i18n tracker_tags %}<tr>\n"
    '      <td class="nowrap" data-label="{{ labels.0 }}">{% if round.start_date %}<time datetime="'
    '{{ round.start_date|partial_date_iso:round.date_precision }}">{{ round.dates_display }}</time>'
    '{% else %}<span class="muted">{% translate "date unknown" %}</span>{% endif %}</td>\n'
    '      <td data-label="{{ labels.1 }}"><a href="{{ round.agreement.get_absolute_url }}">'
    "{{ round.agreement }}</a></td>\n"
    '      <th scope="row"><a href="{{ round.get_absolute_url }}">{{ round.label }}</a></th>\n'
    '      <td data-label="{{ labels.2 }}">{{ round|round_place|default:"–" }}</td>\n'
    '      <td data-label="{{ labels.3 }}">{% round_status_badge round.shown_status %}</td>\n'
    '      <td class="chapters" data-label="{{ labels.4 }}">{{ round|chapter_chips }}</td>\n'
    "    </tr>"
)


@pytest.mark.parametrize("language", ["en", "es"])
def test_round_row_writes_what_the_template_wrote_cell_by_cell(language):
    agreement = f.agreement(short_name='Talks <"A&B">')
    dated = f.round_(agreement, 1, venue=f.venue("Lima", "PER"), format=RoundFormat.HYBRID)
    f.progress(dated, "ROO", status=ProgressStatus.CLOSED)
    month = f.round_(agreement, 2, start_date=dt.date(2025, 3, 1), end_date=None, date_precision=DatePrecision.MONTH)
    virtual = f.round_(agreement, 3, format=RoundFormat.VIRTUAL, status=RoundStatus.PLANNED)
    undated = f.round_(
        agreement, kind=RoundKind.INTERSESSIONAL, title="Talks <in> Lima", start_date=None, end_date=None
    )
    rounds = list(Round.objects.select_related("agreement", "venue__country").order_by("pk"))
    attach_chapter_chips(rounds)
    labels = ["Dates", "Agreement", "<Where>", "Status", "Chapters"]
    with translation.override(language):
        for round_obj in rounds:
            expected = Template(TEMPLATE_ROW).render(Context({"round": round_obj, "labels": labels}))
            assert str(round_row(round_obj, *labels)) == expected
    assert {dated, month, virtual, undated} == set(rounds)
