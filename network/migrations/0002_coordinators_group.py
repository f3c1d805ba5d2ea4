"""Data migration: the "Network coordinators" group with every right (see
network.services.coordinators_group_ensure, which runs the same builder at any time)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSION_APPS = ["network", "wagtailcore", "wagtailimages", "wagtaildocs", "wagtailadmin"]


def create_coordinators_group(apps, schema_editor):
    from network.services import coordinators_group_build

    # Permissions are normally created after all migrations (post_migrate); make sure the
    # ones we grant exist already on a fresh database.
    for label in PERMISSION_APPS:
        app_config = apps.get_app_config(label)
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
    coordinators_group_build(apps)


def remove_coordinators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Network coordinators").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("network", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0006_formstate"),
    ]

    operations = [
        migrations.RunPython(create_coordinators_group, remove_coordinators_group),
    ]
