"""API tokens move to django-rest-knox, which stores only a digest; curators get knox's and
django-axes' permissions instead of DRF's token permissions.

Existing DRF tokens keep working: each is stored in knox's table as knox stores its own (the
SHA-512 digest and the first 15 characters that knox looks tokens up by), with the configured
expiry counted from now, and its clear-text row is deleted.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q
from django.utils import timezone

CURATOR = "Curator"
OLD = Q(content_type__app_label="authtoken")
NEW = [
    ("knox", "add_authtoken"),
    ("knox", "delete_authtoken"),
    ("knox", "view_authtoken"),
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
    ("axes", "view_accessfailurelog"),
    ("axes", "view_accesslog"),
]


def _permissions(apps, pairs):
    Permission = apps.get_model("auth", "Permission")
    wanted = Q(pk__in=[])
    for app_label, codename in pairs:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(wanted)


def forward(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS, knox_settings

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    curator, _ = Group.objects.get_or_create(name=CURATOR)
    curator.permissions.remove(*Permission.objects.filter(OLD))
    curator.permissions.add(*_permissions(apps, NEW))

    DrfToken = apps.get_model("authtoken", "Token")
    KnoxToken = apps.get_model("knox", "AuthToken")
    ttl = knox_settings.TOKEN_TTL
    expiry = timezone.now() + ttl if ttl else None
    for old in DrfToken.objects.all():
        KnoxToken.objects.create(
            digest=hash_token(old.key),
            token_key=old.key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=old.user_id,
            expiry=expiry,
        )
    DrfToken.objects.all().delete()


def backward(apps, schema_editor):
    # The clear-text tokens cannot be recovered from their digests: they must be reissued.
    Group = apps.get_model("auth", "Group")
    curator = Group.objects.filter(name=CURATOR).first()
    if curator:
        curator.permissions.remove(*_permissions(apps, NEW))


class Migration(migrations.Migration):
    dependencies = [
        ("negotiations", "0013_note_language"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("knox", "0009_extend_authtoken_field"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forward, backward)]
