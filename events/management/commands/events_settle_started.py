"""Post the credit holds of paid events that have started (run it every few minutes)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from events.services import event_settle_started
from network.db_retry import db_retry


class Command(BaseCommand):
    help = "Post the credit holds of confirmed registrations of paid events that started."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=30,
                            help="Look back this many days for started events (default 30).")

    @db_retry
    def handle(self, *args, days: int, **options) -> None:
        if days < 1 or days > 3650:
            raise CommandError("--days must be between 1 and 3650.")
        posted = event_settle_started(window=timedelta(days=days))
        self.stdout.write(f"Posted {posted} hold(s).")
