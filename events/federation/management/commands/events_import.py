"""`manage.py events_import URL --space SLUG`: import a calendar into a space once.

The same code as the periodic sync (events.federation.services.subscription_sync): the space
keeps a subscription to URL (inactive unless it was already subscribed, so the periodic task
does not pick it up), which remembers the UIDs, so running it again updates, never
duplicates. Exits non-zero with one line saying why when the feed is refused.
"""

from django.core.management.base import BaseCommand, CommandError

from network.models import SpacePage
from network.translations import originals

from ...exceptions import ImportRefused
from ...services import subscription_get_or_create, subscription_sync


class Command(BaseCommand):
    help = "Import the events of an iCalendar URL or an Espresso JSON feed into a space."

    def add_arguments(self, parser) -> None:
        parser.add_argument("url", help="an http(s) address of an .ics file or a feed.json")
        parser.add_argument("--space", required=True, help="the slug of the importing space")
        parser.add_argument("--name", default="", help="the origin's name shown on events")

    def handle(self, *args, url: str, space: str, name: str, **options) -> None:
        space_page = originals(SpacePage.objects.filter(slug=space)).first()
        if space_page is None:
            raise CommandError(f"No space with the slug {space!r}.")
        try:
            subscription = subscription_get_or_create(space_page, url, name=name, active=False)
        except ImportRefused as exc:
            raise CommandError(str(exc.message)) from exc
        report = subscription_sync(subscription)
        if not report.ok:
            raise CommandError(report.error)
        if report.not_modified:
            self.stdout.write("Not modified since the last import.")
            return
        self.stdout.write(
            f"{report.created} created, {report.updated} updated, {report.unchanged} "
            f"unchanged, {report.stale} older copies ignored, {report.cancelled_gone} "
            f"cancelled (gone upstream), {len(report.skipped)} skipped (imported by the "
            f"publishing site itself); series: {report.series_created} created, "
            f"{report.series_updated} updated, {report.series_cancelled} cancelled.")
