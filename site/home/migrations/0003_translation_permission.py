"""The admin's "Translate" right (wagtail.contrib.simple_translation) for the network
coordinators and every space's organisers, who edit the pages it translates
(docs/translations.md)."""

from django.db import migrations

from network.permissions import COORDINATORS_GROUP
from network.services import translation_permission


def translation_permission_grant(apps, schema_editor):
    permission = translation_permission(apps)
    Group = apps.get_model("auth", "Group")
    SpacePage = apps.get_model("network", "SpacePage")
    group_ids = set(SpacePage.objects.exclude(organiser_group=None)
                    .values_list("organiser_group_id", flat=True))
    group_ids |= set(Group.objects.filter(name=COORDINATORS_GROUP)
                     .values_list("pk", flat=True))
    for group in Group.objects.filter(pk__in=group_ids):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_locales"),
        ("network", "0002_coordinators_group"),
        ("simple_translation", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(translation_permission_grant, migrations.RunPython.noop)]
