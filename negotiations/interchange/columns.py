"""The columns of each kind of interchange file, each list declared once: the importer checks
headers against them, the writer writes them, and the admin and ``import_csv`` document them."""

AGREEMENTS = "agreements"
STATUS_EVENTS = "status-events"
ROUNDS = "rounds"
CHAPTER_PROGRESS = "chapter-progress"

COLUMNS = {
    AGREEMENTS: ["slug", "name", "short_name", "kind", "parties", "summary", "source_url"],
    STATUS_EVENTS: ["agreement", "status", "date", "planned", "note", "source_url"],
    ROUNDS: [
        "agreement",
        "number",
        "kind",
        "title",
        "city",
        "country",
        "format",
        "start_date",
        "end_date",
        "status",
        "summary",
        "source_url",
    ],
    CHAPTER_PROGRESS: ["agreement", "round_number", "chapter", "status", "note", "visibility"],
}
OPTIONAL_COLUMNS = {
    AGREEMENTS: ["predecessor", "predecessor_relation"],
    STATUS_EVENTS: [],
    ROUNDS: ["place", "venue_note", "dates_note", "chief_negotiators"],
    # The language of a confidential row's note ("en" when left out); empty on public rows.
    CHAPTER_PROGRESS: ["note_language"],
}
KINDS = list(COLUMNS)
FORMATS = ("csv", "json")

TRUE_VALUES = {"true", "1", "yes"}
FALSE_VALUES = {"false", "0", "no", ""}
LIST_SEPARATOR = ";"


def file_columns(kind: str) -> list[str]:
    """Every column of ``kind`` in the order the writer writes them."""
    return COLUMNS[kind] + OPTIONAL_COLUMNS[kind]
