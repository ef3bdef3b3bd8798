"""Template helpers for the public site: dates with their real precision and status badges
whose labels and colours come from ``choices.py``."""

from html import escape as escape_html

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from negotiations import choices
from negotiations.choices import (
    AGREEMENT_STATUS_COLOUR,
    NEUTRAL_COLOUR,
    ROUND_STATUS_COLOUR,
    STATUS_TEXT_COLOUR,
    AgreementStatus,
    DatePrecision,
    ProgressStatus,
    label_of,
    round_status_label,
)
from negotiations.dates import format_partial_date, format_partial_date_iso, format_shown_datetime

register = template.Library()


@register.filter
def partial_date(value, precision):
    """``{{ event.date|partial_date:event.date_precision }}`` → "3 Nov 2025", "Aug 2017", "2012"."""
    return format_partial_date(value, precision or DatePrecision.DAY)


@register.filter
def shown_datetime(value):
    """``{{ note.updated_at|shown_datetime }}`` → "3 Nov 2025, 14:05" ("3 nov 2025, 14:05" in Spanish)."""
    return format_shown_datetime(value)


@register.filter
def partial_date_iso(value, precision):
    """Machine form for ``<time datetime>``: "2025-11-03", "2017-08", "2012"."""
    return format_partial_date_iso(value, precision or DatePrecision.DAY)


def _badge(label, background, text, css_class):
    # A list page shows a badge a row: the standard library's escape, not format_html's.
    return mark_safe(  # every value is escaped
        f'<span class="badge {escape_html(css_class)}" style="background:{escape_html(background)};'
        f'color:{escape_html(text)}">{escape_html(str(label))}</span>'
    )


@register.simple_tag
def agreement_status_badge(status):
    """The agreement's current status as a coloured badge (white text, AA contrast)."""
    if not status:
        return _badge("—", *NEUTRAL_COLOUR, "badge-status")
    label = label_of(AgreementStatus, status)
    return _badge(label, AGREEMENT_STATUS_COLOUR.get(status, "#5f6b7a"), STATUS_TEXT_COLOUR, "badge-status")


@register.simple_tag
def round_status_badge(status):
    """A round's status; pass ``round.shown_status`` so an overdue planned round says so."""
    label = round_status_label(status)
    return _badge(label, ROUND_STATUS_COLOUR.get(status, "#5f6b7a"), STATUS_TEXT_COLOUR, f"badge-round badge-{status}")


@register.simple_tag
def progress_badge(status):
    """A chapter-progress status with the matrix colours."""
    label = label_of(ProgressStatus, status)
    return format_html('<span class="badge badge-progress" style="{}">{}</span>', progress_style(status), label)


@register.filter
def progress_style(status):
    """Inline colours for a matrix cell, badge or legend swatch (``choices.progress_style``)."""
    return choices.progress_style(status)


# A chapter's page shows up to 160 steps (20 negotiations, 8 rounds each): one filter call per
# negotiation, escaping with the standard library, instead of a dozen template lookups per step
# (about a third of the page's render at 100x the data).
@register.filter
def chapter_steps(steps, chapter_code):
    """``{{ n.steps|chapter_steps:chapter.code }}``: a ``<li>`` per step of a chapter's timeline
    in one negotiation (ChapterProgress rows with their round), each a link to the round's
    section for the chapter, coloured by status, with the round's label, dates and the status."""
    anchor = escape_html(f"#chapter-{chapter_code}")
    return mark_safe(  # every value is escaped
        "\n      ".join(
            f'<li><a href="{escape_html(step.round.get_absolute_url())}{anchor}" class="step"'
            f' style="{escape_html(progress_style(step.status))}">\n'
            f'        <span class="step-round">{escape_html(step.round.label)}</span>\n'
            f'        <span class="step-date">{escape_html(step.round.dates_display)}</span>\n'
            f'        <span class="step-status">{escape_html(step.status_label)}</span></a></li>'
            for step in steps
        )
    )


@register.simple_tag
def progress_legend():
    """(value, label, style) for every chapter-progress status, in workflow order."""
    return [(value, label, progress_style(value)) for value, label in ProgressStatus.choices]


@register.filter
def round_place(item):
    """Where a round met: "Lima, Peru", "Virtual", "New Delhi, India (hybrid)" or ""."""
    from negotiations.choices import RoundFormat
    from negotiations.selectors import venue_display

    place = venue_display(item)
    if item.venue_id and item.format != RoundFormat.IN_PERSON:
        place = f"{place} ({item.get_format_display().lower()})"
    return place


@register.filter
def is_bloc(party) -> bool:
    from negotiations.choices import PartyKind

    return party.kind == PartyKind.BLOC


@register.filter
def agreement_stage(status) -> str:
    """Where a status stands in the lifecycle: "stage 3 of 7: Negotiating" (empty if unknown)."""
    from django.utils.translation import gettext

    from negotiations.choices import AGREEMENT_STAGE_LABELS, AGREEMENT_STATUS_STAGE

    number = AGREEMENT_STATUS_STAGE.get(status)
    if not number:
        return ""
    return gettext("stage %(number)s of 7: %(label)s") % {"number": number, "label": AGREEMENT_STAGE_LABELS[number]}


# The rounds list shows about ten chips a row and 25 rows: one filter call per row instead of
# four template lookups per chip, and the standard library's escape per value instead of
# format_html's lazy-aware escaping (together about 6 ms of the page's render at 100x the data).
@register.filter
def chapter_chips(round_obj):
    """``{{ round|chapter_chips }}``: the round's chapters as coloured chip links (its
    ``chapter_chips``, from ``selectors.attach_chapter_chips``)."""
    return mark_safe(  # every value is escaped
        " ".join(
            f'<a class="chip" href="{escape_html(chip.url)}" style="{escape_html(chip.style)}"'
            f' title="{escape_html(chip.title)}">{escape_html(chip.code)}</a>'
            for chip in round_obj.chapter_chips
        )
    )


# The rounds list shows 25 rows of six cells: one tag call per row instead of a dozen template
# lookups, filters and tags, escaped with the standard library (as chapter_chips).
@register.simple_tag
def round_row(round_obj, *labels):
    """``{% round_row round label_dates label_agreement label_where label_status label_chapters %}``:
    the rounds list's ``<tr>`` for a round, each cell with its card label."""
    dates, agreement, where, status, chapters = (escape_html(str(label)) for label in labels)
    if round_obj.start_date:
        iso = format_partial_date_iso(round_obj.start_date, round_obj.date_precision or DatePrecision.DAY)
        when = f'<time datetime="{escape_html(iso)}">{escape_html(round_obj.dates_display)}</time>'
    else:
        when = f'<span class="muted">{escape_html(gettext("date unknown"))}</span>'
    agreement_obj = round_obj.agreement
    agreement_link = f'<a href="{escape_html(agreement_obj.get_absolute_url())}">{escape_html(str(agreement_obj))}</a>'
    round_link = f'<a href="{escape_html(round_obj.get_absolute_url())}">{escape_html(str(round_obj.label))}</a>'
    return mark_safe(  # every value is escaped
        "<tr>\n"
        f'      <td class="nowrap" data-label="{dates}">{when}</td>\n'
        f'      <td data-label="{agreement}">{agreement_link}</td>\n'
        f'      <th scope="row">{round_link}</th>\n'
        f'      <td data-label="{where}">{escape_html(round_place(round_obj) or "–")}</td>\n'
        f'      <td data-label="{status}">{round_status_badge(round_obj.shown_status)}</td>\n'
        f'      <td class="chapters" data-label="{chapters}">{chapter_chips(round_obj)}</td>\n'
        "    </tr>"
    )


@register.filter
def party_codes(agreement):
    """``{{ agreement|party_codes }}``: the parties as code links, each with its name in an
    ``<abbr>`` (``agreement_parties`` prefetched with their party); escaped like ``chapter_chips``."""
    return mark_safe(  # every value is escaped
        ", ".join(
            f'<a href="{escape_html(ap.party.get_absolute_url())}"><abbr title="{escape_html(ap.party.local_name)}">'
            f"{escape_html(ap.party.code)}</abbr></a>"
            for ap in agreement.agreement_parties.all()
        )
    )


# A matrix has hundreds of cells (over 500 on a long negotiation): one filter call per row, and
# the standard library's escape per value instead of format_html's lazy-aware escaping (together
# about 5 ms of the agreement page's render at 100x the data).
@register.filter
def matrix_cells(cells, not_recorded):
    """``{{ cells|matrix_cells:not_recorded }}``: a matrix row's ``<td>`` cells, each a link to
    the round's section for the chapter, or an empty cell read out as ``not_recorded``."""
    empty = f'<td class="cell empty"><span class="visually-hidden">{conditional_escape(not_recorded)}</span></td>'
    return mark_safe(  # every value is escaped
        "\n".join(
            f'<td class="cell" style="{escape_html(cell.style)}"><a href="{escape_html(cell.url)}"'
            f' style="color:inherit" aria-label="{escape_html(cell.description)}">{escape_html(cell.label)}</a></td>'
            if cell
            else empty
            for cell in cells
        )
    )


@register.filter
def matrix_rows(rows, not_recorded):
    """``{{ matrix.rows|matrix_rows:not_recorded }}``: the matrix's ``<tr>`` per chapter, its
    code linking to the chapter's page and its name, then its cells (``matrix_cells``)."""
    html = []
    for chapter, cells in rows:
        name = escape_html(str(chapter.name))
        html.append(
            "\n      <tr>\n"
            f'        <th scope="row"><a href="{escape_html(chapter.get_absolute_url())}"><abbr title="{name}">'
            f'{escape_html(chapter.code)}</abbr></a> <span class="chapter-name">{name}</span></th>\n'
            f"        {matrix_cells(cells, not_recorded)}\n"
            "      </tr>\n    "
        )
    return mark_safe("".join(html))  # every value is escaped


# An agreement's timeline lists every status event and round, newest first: one tag call for
# the list instead of some twenty template lookups and tags per entry.
@register.simple_tag
def timeline_items(entries):
    """``{% timeline_items timeline %}``: the agreement page's ``<li>`` per timeline entry
    (``selectors.agreement_timeline``): its date, a marker in its colour, the round's link,
    place and status or the status event, its note and sources."""
    date_unknown, planned = gettext("date unknown"), gettext("planned")
    sources_label, conflicting = gettext("Sources:"), gettext("conflicting")
    if not entries:
        nothing = gettext("Nothing recorded yet.")
        return mark_safe(f"\n    <li>{nothing}</li>\n  ")
    items = []
    for entry in entries:
        colour = escape_html(entry.colour)
        date = date_unknown
        if entry.date:
            iso = format_partial_date_iso(entry.date, entry.precision or DatePrecision.DAY)
            date = f'<time datetime="{iso}">{escape_html(entry.date_display)}</time>'
        if entry.is_round:
            place = f" — {escape_html(entry.place)}" if entry.place else ""
            body = (
                f'\n          <a href="{escape_html(entry.url)}"><strong>{escape_html(entry.label)}</strong></a>{place}'
                f'\n          <span class="tl-kind">{escape_html(entry.status_label)}</span>\n        '
            )
        else:
            kind = f'<span class="tl-kind">{planned}</span>' if entry.planned else ""
            body = f"\n          <strong>{escape_html(entry.label)}</strong>\n          {kind}\n        "
        note = f"<br><small>{escape_html(entry.note)}</small>" if entry.note else ""
        sources = ""
        if entry.sources:
            cited = []
            for citation in entry.sources:
                source = citation.source
                text = escape_html(source.title)
                if source.url:
                    text = f'<a href="{escape_html(source.url)}" rel="noopener">{text}</a>'
                if source.publisher:
                    text += f" ({escape_html(source.publisher)})"
                if citation.conflicting:
                    text += f' <span class="badge badge-conflict">{conflicting}</span>'
                cited.append(text)
            sources = f'<br><small class="muted">{sources_label} {"; ".join(cited)}</small>'
        marker = f"border-color:{colour}" if entry.planned else f"background:{colour};border-color:{colour}"
        items.append(
            f'\n    <li class="tl-item tl-{escape_html(entry.kind)}{" tl-planned" if entry.planned else ""}">\n'
            f'      <span class="tl-date">{date}</span>\n'
            f'      <span class="tl-marker" style="{marker}" aria-hidden="true"></span>\n'
            f'      <span class="tl-body">\n        {body}\n        {note}\n        {sources}\n      </span>\n'
            "    </li>\n  "
        )
    return mark_safe("".join(items))  # every value is escaped


@register.simple_tag
def timeline_round_marks(marks):
    """``{% timeline_round_marks chart.rounds %}``: in the timeline drawing, each round's mark
    (``timeline.timeline_chart``) as a link to its page, solid if held, hollow if planned,
    labelled with its number (• for a meeting without one). Coordinates are written as Python
    writes numbers, never localised: the drawing is inside ``{% localize off %}``."""
    html = []
    for mark in marks:
        entry = mark["entry"]
        colour = escape_html(entry.colour)
        classes = "round" + (" planned" if entry.planned else "") + (" approx" if entry.approximate else "")
        style = f"stroke:{colour}" if entry.planned else f"fill:{colour}"
        title = f"{escape_html(entry.label)} — {escape_html(entry.date_display)}"
        if entry.place:
            title += f" — {escape_html(entry.place)}"
        title += f" ({escape_html(entry.status_label)})"
        number = entry.obj.number or "•"
        html.append(
            f'\n        <a href="{escape_html(entry.url)}">\n'
            f'          <rect class="{classes}" x="{mark["x"]}" y="86" width="{mark["width"]}" height="20"'
            f' style="{style}"><title>{title}</title></rect>\n'
            f'          <text class="round-label" x="{mark["mid"]}" y="{mark["label_y"]}">{number}</text>\n'
            "        </a>\n      "
        )
    return mark_safe("".join(html))  # every value is escaped


# An agreement's page lists every round (a few dozen, hundreds on a long negotiation): one tag
# call for the table's rows instead of some twenty template lookups, filters and tags per row
# (about 3 ms of the page's render at 100x the data).
@register.simple_tag
def agreement_round_rows(rounds):
    """``{% agreement_round_rows rounds %}``: the agreement page's ``<tr>`` per round (its link
    and label, dates, place, status and date notes), the cards' labels translated once."""
    from negotiations.choices import RoundKind

    label_dates, label_where = escape_html(gettext("Dates")), escape_html(gettext("Where"))
    label_status, label_dates_note = escape_html(gettext("Status")), escape_html(gettext("Notes on dates"))
    date_unknown = escape_html(gettext("date unknown"))  # not inside an f-string: makemessages would miss it
    rows = []
    for item in rounds:
        name = f'<a href="{escape_html(item.get_absolute_url())}">{escape_html(str(item.label))}</a>'
        if item.kind != RoundKind.NUMBERED:
            name += f' <small class="muted">{escape_html(label_of(RoundKind, item.kind))}</small>'
        dates = f'<span class="muted">{date_unknown}</span>'
        if item.start_date:
            iso = format_partial_date_iso(item.start_date, item.date_precision or DatePrecision.DAY)
            dates = f'<time datetime="{iso}">{escape_html(item.dates_display)}</time>'
        place = escape_html(round_place(item) or "–")
        if item.venue_note:
            place += f'<br><small class="muted">{escape_html(item.venue_note)}</small>'
        dates_note = "<td></td>"
        if item.dates_note:
            dates_note = f'<td data-label="{label_dates_note}"><small>{escape_html(item.dates_note)}</small></td>'
        rows.append(
            "\n      <tr>\n"
            f'        <th scope="row">{name}</th>\n'
            f'        <td class="nowrap" data-label="{label_dates}">{dates}</td>\n'
            f'        <td data-label="{label_where}">{place}</td>\n'
            f'        <td data-label="{label_status}">{round_status_badge(item.shown_status)}</td>\n'
            f"        {dates_note}\n"
            "      </tr>\n    "
        )
    return mark_safe("".join(rows))  # every value is escaped


# The agreement list shows 25 rows: one tag call for them instead of some twenty template
# lookups, filters and tags per row.
@register.simple_tag
def agreement_list_rows(agreements):
    """``{% agreement_list_rows page_obj %}``: the agreement list's ``<tr>`` per agreement (its
    link and names, parties, kind, status, since when, and its rounds linked to the rounds
    list), the cards' labels translated once. ``agreements`` come from
    ``selectors.agreement_list_queryset``."""
    label_parties, label_kind = escape_html(gettext("Parties")), escape_html(gettext("Kind"))
    label_status, label_since = escape_html(gettext("Status")), escape_html(gettext("Since"))
    label_rounds = escape_html(gettext("Rounds"))
    rounds_url = escape_html(reverse("round-list"))
    rows = []
    for agreement in agreements:
        name = f'<a href="{escape_html(agreement.get_absolute_url())}">{escape_html(agreement.local_name)}</a>'
        if agreement.short_name and agreement.short_name != agreement.name:
            name += f'<br><small class="muted">{escape_html(agreement.short_name)}</small>'
        since = ""
        if agreement.status_date:
            iso = format_partial_date_iso(agreement.status_date, agreement.status_date_precision or DatePrecision.DAY)
            since = f'<time datetime="{iso}">{escape_html(agreement.status_date_display)}</time>'
        count = "0"
        if agreement.round_count:
            count = f'<a href="{rounds_url}?agreement={escape_html(agreement.slug)}">{agreement.round_count}</a>'
        rows.append(
            "\n    <tr>\n"
            f'      <th scope="row">{name}</th>\n'
            f'      <td data-label="{label_parties}">{party_codes(agreement)}</td>\n'
            f'      <td data-label="{label_kind}">{escape_html(str(agreement.kind_label))}</td>\n'
            f'      <td data-label="{label_status}">{agreement_status_badge(agreement.current_status)}</td>\n'
            f'      <td data-label="{label_since}">{since}</td>\n'
            f'      <td class="num" data-label="{label_rounds}">{count}</td>\n'
            "    </tr>\n  "
        )
    return mark_safe("".join(rows))  # every value is escaped


# A chapter's page shows 25 notes: one tag call per note instead of an included template
# (about 2 ms of the page's render at 100x the data).
@register.simple_tag(takes_context=True)
def note_article(context, note):
    """``{% note_article note %}``: one progress note, dated by the fact it records (its
    source's publication or its round), not by when it was typed; with links to edit and delete
    it where the page's ``can_edit`` allows."""
    confidential = note.is_confidential
    parts = [f'\n<article class="note{" note-confidential" if confidential else ""}" id="note-{note.pk}">\n  ']
    if confidential:
        badge = gettext("Confidential — visible to you because you edit this agreement")
        parts.append(f'<p class="badge badge-confidential">{badge}</p>')
    parts.append("\n  ")
    if note.language != get_language():
        if note.language == "es":
            written = gettext("Written in Spanish; shown as written.")
        else:
            written = gettext("Written in English; shown as written.")
        parts.append(f'<p class="note-language"><small>{written}</small></p>')
    parts.append(
        f'\n  <div class="note-text" lang="{escape_html(note.language)}">{linebreaks(note.text, autoescape=True)}</div>'
        '\n  <footer class="note-meta muted"><small>'
    )
    fact, source = note.fact_date, note.source
    if fact:
        said = gettext("Source published") if fact["kind"] == "published" else gettext("Round of")
        parts.append(f'{said} <time datetime="{escape_html(fact["iso"])}">{escape_html(fact["text"])}</time>')
        if source:
            parts.append(" · ")
    if source:
        title = escape_html(source.title)
        if source.url:
            title = f'<a href="{escape_html(source.url)}" rel="noopener">{title}</a>'
        label = gettext("Source:")
        parts.append(f"{label} {title}")
    parts.append("</small>")
    if context.get("can_edit"):
        edit, delete = reverse("note-edit", args=[note.pk]), reverse("note-delete", args=[note.pk])
        edit_label, delete_label = gettext("Edit"), gettext("Delete")
        parts.append(
            f'\n    <span class="note-actions"><a href="{escape_html(edit)}">{edit_label}</a>'
            f' · <a href="{escape_html(delete)}">{delete_label}</a></span>'
        )
    parts.append("</footer>\n</article>\n")
    return mark_safe("".join(parts))  # every value is escaped
