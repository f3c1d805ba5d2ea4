"""`manage.py network_report --period 2026 -o FILE.pdf [--format pdf|csv|xlsx]`: the
network report (the same code as the coordinators' page) for batch jobs."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from network.exporters import exporter_get, exporters_for
from reports.network_report import network_report
from reports.periods import PeriodError, period_parse


class Command(BaseCommand):
    help = "Write the network report of a period (a year, a quarter or a month)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", required=True,
                            help="a year (2026), a quarter (2026-Q2) or a month (2026-03)")
        parser.add_argument("--format", default=None,
                            choices=[e.identifier for e in exporters_for("network")],
                            help="pdf, csv or xlsx (default: from the file's extension)")
        parser.add_argument("-o", "--output", required=True, help="the file to write")

    def handle(self, *args, period: str, format: str | None, output: str, **options) -> None:
        try:
            chosen = period_parse(period)
        except PeriodError as exc:
            raise CommandError(str(exc)) from None
        path = Path(output)
        identifier = format or path.suffix.lstrip(".").lower()
        try:
            exporter = exporter_get("network", identifier)
        except LookupError:
            raise CommandError(f"Unknown format {identifier!r}: use --format pdf, csv or xlsx."
                               ) from None
        if not path.parent.is_dir():
            raise CommandError(f"No folder {str(path.parent)!r} to write {path.name!r} in.")
        data = exporter.render(network_report(chosen))
        path.write_bytes(data)
        self.stdout.write(f"{path}: {len(data)} bytes, {exporter.identifier}, "
                          f"period {chosen.label} ({chosen.start} to {chosen.end})")
