"""Create the Curator and Official groups with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from negotiations.roles import CURATOR, CURATOR_MODELS, OFFICIAL, OFFICIAL_MODELS


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(models, actions):
        codenames = [f"{action}_{model}" for model in models for action in actions]
        return Permission.objects.filter(content_type__app_label="negotiations", codename__in=codenames)

    curator, _ = Group.objects.get_or_create(name=CURATOR)
    curator.permissions.add(*perms(CURATOR_MODELS, ["add", "change", "delete", "view"]))
    official, _ = Group.objects.get_or_create(name=OFFICIAL)
    official.permissions.add(*perms(OFFICIAL_MODELS, ["add", "change", "delete", "view"]))
    official.permissions.add(*perms(["agreement", "chapter", "party"], ["view"]))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[CURATOR, OFFICIAL]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("negotiations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
