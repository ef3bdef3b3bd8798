"""Let curators create officials' accounts, assign roles and issue API tokens."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

CURATOR = "Curator"
# As they were when this migration was written (DRF's clear-text tokens); 0014 moves curators
# to knox's hashed tokens and django-axes' lock-outs.
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


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = Q(pk__in=[])
    for app_label, codename in CURATOR_ACCOUNT_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    curator, _ = Group.objects.get_or_create(name=CURATOR)
    curator.permissions.add(*Permission.objects.filter(wanted))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    curator = Group.objects.filter(name=CURATOR).first()
    if curator:
        for app_label, codename in CURATOR_ACCOUNT_PERMISSIONS:
            curator.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("negotiations", "0003_search"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
