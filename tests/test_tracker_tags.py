"""The template filters that draw the list pages' chips and party codes."""

import pytest

from negotiations.choices import ProgressStatus
from negotiations.models import ChapterProgress, Round
from negotiations.selectors import (
    MatrixCell,
    agreement_list_queryset,
    agreement_matrix,
    attach_chapter_chips,
    progress_prefetch,
    rounds_in_order,
)
from negotiations.templatetags.tracker_tags import (
    chapter_chips,
    chapter_steps,
    matrix_cells,
    party_codes,
    progress_style,
)
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
