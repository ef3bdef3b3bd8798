"""The tracker's roles, as Django groups. Created by migration 0002 and kept in step by it."""

CURATOR = "Curator"
OFFICIAL = "Official"

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

# Curators manage accounts (create officials, assign roles), issue and revoke API tokens (never
# read them: only their digest is stored) and unlock sign-ins locked after too many failures,
# but cannot grant superuser status or raw permissions: the admin keeps those fields read-only.
CURATOR_ACCOUNT_PERMISSIONS = [
    ("auth", "add_user"),
    ("auth", "change_user"),
    ("auth", "view_user"),
    ("auth", "view_group"),
    ("knox", "add_authtoken"),
    ("knox", "delete_authtoken"),
    ("knox", "view_authtoken"),
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
    ("axes", "view_accessfailurelog"),
    ("axes", "view_accesslog"),
]


def roles_ensure() -> None:
    """Create the role groups with their permissions if they are missing (idempotent).

    Migrations 0002 and 0004 create them; this restores them where a database was emptied
    without re-running migrations (e.g. after tests that flush tables).
    """
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    def negotiations_perms(models, actions):
        codenames = [f"{action}_{model}" for model in models for action in actions]
        return Permission.objects.filter(content_type__app_label="negotiations", codename__in=codenames)

    account = Q(pk__in=[])
    for app_label, codename in CURATOR_ACCOUNT_PERMISSIONS:
        account |= Q(content_type__app_label=app_label, codename=codename)

    curator, _ = Group.objects.get_or_create(name=CURATOR)
    curator.permissions.add(*negotiations_perms(CURATOR_MODELS, ["add", "change", "delete", "view"]))
    curator.permissions.add(*Permission.objects.filter(account))
    official, _ = Group.objects.get_or_create(name=OFFICIAL)
    official.permissions.add(*negotiations_perms(OFFICIAL_MODELS, ["add", "change", "delete", "view"]))
    official.permissions.add(*negotiations_perms(["agreement", "chapter", "party"], ["view"]))
