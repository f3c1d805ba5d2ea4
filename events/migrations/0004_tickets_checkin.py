"""Tickets and check-in at the door (issue 9): a ticket code per registration (backfilled
for existing rows with fresh random codes), revoked codes, who checked in and walk-ins,
and the per-event opening of the check-in window."""

import secrets

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import events.models


def backfill_ticket_codes(apps, schema_editor):
    Registration = apps.get_model("events", "Registration")
    pending = Registration.objects.filter(ticket_code__isnull=True).only("pk")
    for registration in pending.iterator(chunk_size=1000):
        # 18 random bytes each: a collision is not a practical concern, and the unique
        # index added next would refuse one anyway.
        Registration.objects.filter(pk=registration.pk).update(
            ticket_code=secrets.token_urlsafe(events.models.TICKET_CODE_BYTES))


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0003_calendar_token"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="eventpage",
            name="checkin_opens_hours_before",
            field=models.PositiveIntegerField(
                default=2,
                help_text="Check-in at the door is open from this many hours before the start until the end.",
                validators=[django.core.validators.MaxValueValidator(168)],
                verbose_name="check-in opens (hours before start)"),
        ),
        migrations.AddField(
            model_name="registration",
            name="attended_by",
            field=models.ForeignKey(blank=True, editable=False, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="registration",
            name="walk_in",
            field=models.BooleanField(default=False, editable=False, verbose_name="walk-in"),
        ),
        migrations.AddField(
            model_name="registration",
            name="ticket_code",
            field=models.CharField(editable=False, max_length=32, null=True,
                                   verbose_name="ticket code"),
        ),
        migrations.RunPython(backfill_ticket_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="registration",
            name="ticket_code",
            field=models.CharField(default=events.models.ticket_code_new, editable=False,
                                   max_length=32, unique=True, verbose_name="ticket code"),
        ),
        migrations.CreateModel(
            name="RevokedTicket",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("code", models.CharField(editable=False, max_length=32, unique=True)),
                ("revoked_at", models.DateTimeField(default=django.utils.timezone.now,
                                                    editable=False)),
                ("registration", models.ForeignKey(
                    editable=False, on_delete=django.db.models.deletion.CASCADE,
                    related_name="revoked_tickets", to="events.registration")),
                ("revoked_by", models.ForeignKey(
                    blank=True, editable=False, null=True,
                    on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                    to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "revoked ticket",
                "verbose_name_plural": "revoked tickets",
                "ordering": ["-revoked_at", "-id"],
            },
        ),
    ]
