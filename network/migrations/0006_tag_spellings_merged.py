"""Tags that differ only by case, hyphens, underscores or spacing become one tag (issue 10):
the event topics and member skills on the duplicates move to the first one, which takes the
normalised spelling. The rule is copied here (not imported) so this migration never changes."""

import re

from django.db import migrations

SEPARATORS = re.compile(r"[\s_\-\u2010\u2011\u2013\u2014]+")


def merge(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    through_models = [apps.get_model("events", "EventTopic"),
                      apps.get_model("network", "MemberSkill")]
    groups: dict[str, list] = {}
    for tag in Tag.objects.order_by("pk"):
        name = SEPARATORS.sub(" ", tag.name).strip()
        groups.setdefault(name.casefold(), []).append((tag, name))
    for members in groups.values():
        (kept, name), duplicates = members[0], [tag for tag, _ in members[1:]]
        for through in through_models:
            for item in through.objects.filter(tag__in=duplicates):
                if through.objects.filter(tag=kept,
                                          content_object_id=item.content_object_id).exists():
                    item.delete()
                else:
                    item.tag = kept
                    item.save(update_fields=["tag"])
        Tag.objects.filter(pk__in=[tag.pk for tag in duplicates]).delete()
        if kept.name != name:
            kept.name = name
            kept.save(update_fields=["name"])


class Migration(migrations.Migration):

    dependencies = [
        ("network", "0005_profile_language"),
        ("events", "0006_registration_cancel_reason"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
