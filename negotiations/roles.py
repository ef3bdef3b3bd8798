"""The tracker's roles, as Django groups. Created by migration 0002 and kept in step by it."""

from django.utils.translation import gettext_lazy as _

CURATOR = "Curator"
OFFICIAL = "Official"

ROLE_DESCRIPTIONS = {
    CURATOR: _("Edits everything, on the site and in the admin; sees confidential notes."),
    OFFICIAL: _("Edits only the agreements they are assigned to; sees their confidential notes."),
}

# Model permissions per role; an official's rights are further limited to assigned agreements.
CURATOR_MODELS = [
    "agreement",
    "agreementparty",
    "agreementsource",
    "blocmembership",
    "chapter",
    "chapterprogress",
    "party",
    "progressnote",
    "round",
    "roundsource",
    "source",
    "statusevent",
    "statuseventsource",
    "venue",
]
OFFICIAL_MODELS = [
    "chapterprogress",
    "progressnote",
    "round",
    "roundsource",
    "source",
    "statusevent",
    "statuseventsource",
    "venue",
]

# Curators manage accounts (create officials, assign roles) and API tokens, but cannot grant
# superuser status or raw permissions: the admin keeps those fields read-only for them.
CURATOR_ACCOUNT_PERMISSIONS = [
    ("auth", "add_user"),
    ("auth", "change_user"),
    ("auth", "view_user"),
    ("auth", "view_group"),
    ("authtoken", "add_token"),
    ("authtoken", "change_token"),
    ("authtoken", "delete_token"),
    ("authtoken", "view_token"),
    ("authtoken", "add_tokenproxy"),
    ("authtoken", "change_tokenproxy"),
    ("authtoken", "delete_tokenproxy"),
    ("authtoken", "view_tokenproxy"),
]
