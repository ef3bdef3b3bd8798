"""Business rules: every write that enforces a rule or touches several rows goes through here.

Views, forms, serializers, the admin, the importer and management commands call these functions;
they do not re-implement them. Each function takes keyword-only arguments, runs in one
transaction, and stamps the audit trail (django-simple-history) with the acting user and an
optional reason. Import them from ``negotiations.services``.
"""

from .agreements import (
    agreement_delete,
    agreement_status_recompute,
    agreement_update,
    agreement_upsert,
    status_event_delete,
    status_event_record,
    status_event_update,
)
from .common import (
    AlreadyExists,
    ConcurrencyConflict,
    citations_set,
    history_stamp,
    reason_check,
    save_checked,
    version_claim,
)
from .curation import chapters_active_set, rounds_status_set, source_merge, venue_merge
from .progress import (
    chapter_progress_create,
    chapter_progress_delete,
    chapter_progress_set,
    chapter_progress_update,
    note_add,
    note_delete,
    note_update,
    round_lock,
)
from .reference import reference_delete, reference_save
from .round_log import (
    round_delete,
    round_fields,
    round_log,
    round_next_number,
    round_snapshot,
    round_update,
    round_upsert,
)
from .rounds import venue_get_or_create, venue_resolve

__all__ = [
    "AlreadyExists",
    "ConcurrencyConflict",
    "chapter_progress_create",
    "reason_check",
    "round_fields",
    "round_lock",
    "round_snapshot",
    "save_checked",
    "venue_resolve",
    "agreement_delete",
    "agreement_status_recompute",
    "agreement_update",
    "agreement_upsert",
    "chapter_progress_delete",
    "chapters_active_set",
    "chapter_progress_set",
    "chapter_progress_update",
    "citations_set",
    "history_stamp",
    "note_add",
    "note_delete",
    "note_update",
    "reference_delete",
    "reference_save",
    "round_delete",
    "round_log",
    "round_next_number",
    "round_update",
    "round_upsert",
    "rounds_status_set",
    "source_merge",
    "status_event_delete",
    "status_event_record",
    "status_event_update",
    "venue_get_or_create",
    "venue_merge",
    "version_claim",
]
