"""`manage.py event_badges EVENT --layout NAME -o FILE.pdf`: the badge PDF of one event
(every confirmed participant, plus `--blanks N` blank badges) for batch jobs."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.badges import LAYOUTS, BadgeError, badges_pdf, layout_get
from events.models import EventPage


class Command(BaseCommand):
    help = "Write the badge PDF of an event (its id or slug)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("event", help="the event's page id or slug")
        parser.add_argument("--layout", default="A6",
                            help="one of: " + ", ".join(LAYOUTS))
        parser.add_argument("--blanks", type=int, default=0,
                            help="blank badges to add for walk-ins")
        parser.add_argument("-o", "--output", required=True, help="the PDF file to write")

    def handle(self, *args, event: str, layout: str, blanks: int, output: str,
               **options) -> None:
        lookup = {"pk": int(event)} if event.isdigit() else {"slug": event}
        try:
            page = EventPage.objects.select_related("space").get(**lookup)
        except (EventPage.DoesNotExist, EventPage.MultipleObjectsReturned, OverflowError):
            raise CommandError(f"No event {event!r} (or more than one with that slug).") from None
        try:
            pdf = badges_pdf(page, layout_get(layout), blanks=blanks)
        except BadgeError as exc:
            raise CommandError(str(exc)) from None
        path = Path(output)
        path.write_bytes(pdf)
        self.stdout.write(f"{path}: {len(pdf)} bytes, layout {layout_get(layout).name}")
