"""Benchmark: 500 badges on A6 and on a label sheet (Avery L7160), through
`events.badges.badges_pdf` (queries, QR codes, HTML, WeasyPrint) against bare WeasyPrint
rendering the very same HTML. Goal of issue 9: at most 1.3x bare WeasyPrint.

Peak memory for 2,000 badges is not measured here (it needs a separate process).
"""

from __future__ import annotations

import time

from bench.bench_listing import ensure_bench_events

BADGES = 500
#: names of every script the fonts must cover, so the bench renders what a real run does
NAMES = ["Giulia Rossi", "نور الهدى", "אבי כהן", "Zoë Café", "Ἀριστοτέλης Παππάς",
         "Анна Каренина", "山田 太郎", "Maria Antonietta dei Conti di Castelfranco"]


def _event_with_people(count: int, slug: str = "bench-badges"):
    from django.db import transaction

    from events.models import EventPage, Registration, RegistrationState

    space, _created = ensure_bench_events(slug, 1)
    event = EventPage.objects.select_related("space").get(space=space)
    have = Registration.objects.filter(event=event, state=RegistrationState.CONFIRMED).count()
    if have < count:
        with transaction.atomic():
            Registration.objects.bulk_create(
                Registration(event=event, guest_name=f"{NAMES[i % len(NAMES)]} {i}",
                             guest_email=f"badge{i}@example.org",
                             state=RegistrationState.CONFIRMED)
                for i in range(have, count))
    return event


def run() -> list[dict]:
    import weasyprint

    from events import badges

    event = _event_with_people(BADGES)
    # Warm up (fontconfig, WeasyPrint's caches) so neither side pays it in the measure.
    badges.badges_pdf(event, "A7", everyone=False, blanks=1)
    rows = []
    for name in ("A6", "L7160"):
        layout = badges.LAYOUTS[name]
        started = time.perf_counter()
        pdf = badges.badges_pdf(event, layout)
        ours = time.perf_counter() - started

        registrations = list(badges.badge_registrations(event))
        html = badges.badges_html(event, layout,
                                  badges.badges_for(event, layout, registrations))
        started = time.perf_counter()
        bare_pdf = weasyprint.HTML(string=html).write_pdf()
        bare = time.perf_counter() - started
        rows.append({"name": f"badges: {BADGES} on {name}", "badges": len(registrations),
                     "seconds": round(ours, 2), "bare_weasyprint_s": round(bare, 2),
                     "ratio": round(ours / bare, 2), "pdf_kb": len(pdf) // 1024,
                     "bare_pdf_kb": len(bare_pdf) // 1024, "note": "goal ratio <= 1.3"})
    return rows
