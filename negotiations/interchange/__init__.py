"""The spreadsheet interchange format: four kinds of rows, read back exactly as they are written.

``columns`` declares the columns of each kind, ``reader`` decodes a CSV or JSON file into rows,
``importer`` validates the rows and writes them through the services, ``writer`` writes the
records back out (and is the one CSV writer of the tracker).

Used by ``manage.py import_csv``, the admin's import page and the API's full-data export, so
a file exported from the tracker imports back unchanged.

=================  ==============================================================  ==========================
kind               columns (required, in any order)                                natural key
=================  ==============================================================  ==========================
agreements         slug, name, short_name, kind, parties, summary, source_url      slug
status-events      agreement, status, date, planned, note, source_url              agreement + date + status
rounds             agreement, number, kind, title, city, country, format,          agreement + number
                   start_date, end_date, status, summary, source_url               (or kind + title)
chapter-progress   agreement, round_number, chapter, status, note, visibility      agreement + round + chapter
=================  ==============================================================  ==========================

Optional columns, written by the export so that nothing is lost on the way back:
agreements ``predecessor, predecessor_relation``; rounds ``place, venue_note, dates_note,
chief_negotiators``; chapter-progress ``note_language`` (``en``, the default, or ``es``: the
language a confidential row's note is written in). Any other column is an error.

- ``parties`` and ``source_url`` hold several values separated by ``;``.
- Dates are ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; the form sets the precision. A round's
  end date has the precision of its start date.
- ``planned`` is true/false (also 1/0, yes/no); empty means false.
- chapter-progress: ``round_number`` is the round's number, or the title of a meeting without
  one. A ``public`` row (the default) sets the chapter's status and public note at that round.
  A ``confidential`` row adds its ``note`` as a confidential progress note on that chapter
  (once: the same text is not added twice) and sets the status only when one is given.

All or nothing: every row is validated first and every problem is reported with its line
(for JSON, the record's position in the list), column and reason. Only a file without a
single error is written, in one transaction; a dry run stops after validation.
"""
