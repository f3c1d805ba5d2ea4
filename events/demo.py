# ruff: noqa: RUF001 — demo data: Italian typography (apostrophes, dashes) is deliberate.
"""Demo events: about sixty events across the demo spaces, past and future, and registrations.

`load_events_demo()` runs after the network demo created the spaces and members. It is
idempotent (an event is found again by its slug under its space and left as it is) and
deterministic: dates are relative to today, everything else comes from the tables below
(no randomness). Registrations go through `events.services`, inside
`events.tasks.notifications_silenced()`: demo people are not real sign-ups, so no e-mail is
enqueued for them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from wagtail.rich_text import RichText

from network.models import SpacePage
from network.translations import originals

from . import services, tasks
from .exceptions import EventError
from .models import EventFormat, EventPage, EventStatus, RegistrationState

RACALE_SLUG = "spazio-salento-racale"
ESPRESSO_2017_SLUG = "espresso-coworking-2017-racale"
COORDINATOR_EMAIL = "coordinator@espresso.example"


@dataclass(frozen=True)
class DemoEvent:
    title: str
    format: str
    language: str
    summary: str
    topics: tuple[str, ...]
    hours: float = 2
    start_hour: int = 18
    with_agenda: bool = False


CATALOGUE: list[DemoEvent] = [
    DemoEvent("Colazione del coworker", EventFormat.MEETUP, "it",
              "Caffè, cornetti e cinque minuti a testa per raccontare cosa stai facendo.",
              ("community", "networking"), hours=1.5, start_hour=9),
    DemoEvent("Rust for web developers", EventFormat.WORKSHOP, "en",
              "A hands-on afternoon: ownership, borrowing and a tiny web service.",
              ("rust", "programming"), hours=4, start_hour=14, with_agenda=True),
    DemoEvent("Fatturazione elettronica per freelance", EventFormat.SEMINAR, "it",
              "Regime forfettario, SDI e le scadenze dell’anno spiegate con calma.",
              ("freelance", "tax"), hours=2, start_hour=18),
    DemoEvent("Introduzione alla stampa 3D", EventFormat.WORKSHOP, "it",
              "Dal modello al pezzo stampato: slicer, materiali, errori comuni.",
              ("3d-printing", "maker"), hours=3, start_hour=15, with_agenda=True),
    DemoEvent("Remote teams that actually talk", EventFormat.TALK, "en",
              "What a decade of distributed work taught us about rituals and writing.",
              ("remote-work", "community"), hours=1.5, start_hour=18),
    DemoEvent("Open Space: il futuro del coworking", EventFormat.UNCONFERENCE, "it",
              "Una giornata senza relatori: l’agenda la scrivono i partecipanti.",
              ("coworking", "unconference"), hours=7, start_hour=10, with_agenda=True),
    DemoEvent("Arduino per principianti", EventFormat.WORKSHOP, "it",
              "Led, sensori e un primo progetto da portare a casa.",
              ("arduino", "maker"), hours=3, start_hour=17, with_agenda=True),
    DemoEvent("Design systems in small teams", EventFormat.TALK, "en",
              "Tokens, components and the politics of a shared UI kit.",
              ("design", "ux"), hours=1.5, start_hour=18),
    DemoEvent("Aperitivo di rete", EventFormat.MEETUP, "it",
              "Conoscere chi lavora negli altri spazi della rete, davanti a uno spritz.",
              ("networking", "community"), hours=2, start_hour=19),
    DemoEvent("Public speaking lab", EventFormat.WORKSHOP, "en",
              "Short talks, kind feedback, and a camera if you dare.",
              ("communication", "soft-skills"), hours=2.5, start_hour=18),
    DemoEvent("Crowdfunding civico", EventFormat.SEMINAR, "it",
              "Come finanziare un progetto di quartiere con la comunità.",
              ("civic-tech", "funding"), hours=2, start_hour=18),
    DemoEvent("Python data pipelines", EventFormat.WORKSHOP, "en",
              "From CSV chaos to a tidy, tested pipeline in one afternoon.",
              ("python", "data"), hours=4, start_hour=14, with_agenda=True),
    DemoEvent("Privacy e GDPR per piccoli studi", EventFormat.SEMINAR, "it",
              "Cosa serve davvero: registro, informative, fornitori.",
              ("privacy", "law"), hours=2, start_hour=17),
    DemoEvent("Repair café", EventFormat.MEETUP, "it",
              "Porta l’oggetto rotto: lo ripariamo insieme.",
              ("repair", "maker", "sustainability"), hours=3, start_hour=15),
    DemoEvent("Founders’ fireside chat", EventFormat.TALK, "en",
              "Two founders, one sofa, no slides.",
              ("startups", "entrepreneurship"), hours=1.5, start_hour=18),
    DemoEvent("Laser cutting safety induction", EventFormat.WORKSHOP, "en",
              "The induction you need before booking the laser cutter.",
              ("laser-cutting", "maker"), hours=2, start_hour=10),
    DemoEvent("Mattinata di co-design", EventFormat.OTHER, "it",
              "Un laboratorio aperto per ripensare insieme gli spazi comuni.",
              ("design", "community"), hours=3, start_hour=9, with_agenda=True),
    DemoEvent("Writing for the web", EventFormat.WORKSHOP, "en",
              "Plain language, headings that help, and links that say where they go.",
              ("writing", "communication"), hours=2.5, start_hour=17),
    DemoEvent("Smart working e benessere", EventFormat.TALK, "it",
              "Orari, pause, confini: come non lavorare sempre.",
              ("remote-work", "wellbeing"), hours=1.5, start_hour=18),
    DemoEvent("Hackathon della rete", EventFormat.UNCONFERENCE, "en",
              "A day of small projects for the network's open-source platform.",
              ("open-source", "programming", "unconference"), hours=8, start_hour=9,
              with_agenda=True),
]

# Events are spread over ~200 days, from 110 days ago to 95 days ahead, three days apart.
EVENT_COUNT = 58
FIRST_OFFSET_DAYS = -110
STEP_DAYS = 3.5


@dataclass
class EventsDemo:
    events: list[EventPage] = field(default_factory=list)
    created: int = 0
    registrations: int = 0


#: The demo agenda's heading and steps in each language (an event's own language, or the
#: language of its translation: home.demo_translations).
AGENDA_TEXTS = {
    "it": ("Programma", ("Benvenuto e presentazioni", "Parte pratica", "Domande e saluti")),
    "en": ("Agenda", ("Welcome and introductions", "Hands-on part", "Questions and wrap-up")),
}


def demo_agenda(item: DemoEvent, language: str | None = None,
                start_minutes: int | None = None) -> tuple[str, dict]:
    """The agenda block of `item` in `language` (default: the event's own language),
    starting at `start_minutes` after midnight (default: the catalogue's start hour)."""
    heading, titles = AGENDA_TEXTS[language or item.language]
    start = item.start_hour * 60 if start_minutes is None else start_minutes
    offsets = (0, 30, max(int((item.hours - 1) * 60), 60))
    items = []
    for offset, title in zip(offsets, titles, strict=True):
        minutes = start + offset
        items.append({"time": f"{minutes // 60:02d}:{minutes % 60:02d}", "title": title,
                      "description": ""})
    return ("agenda", {"heading": heading, "items": items})


def demo_agenda_translated(value, language: str) -> tuple[str, dict]:
    """A demo agenda block's value (its times kept) with its heading and steps in
    `language`; a step that is not one of AGENDA_TEXTS stays as it is."""
    words = {}
    for heading, titles in AGENDA_TEXTS.values():
        words[heading] = AGENDA_TEXTS[language][0]
        words.update(zip(titles, AGENDA_TEXTS[language][1], strict=True))
    return ("agenda", {
        "heading": words.get(value["heading"], value["heading"]),
        "items": [{"time": item["time"], "title": words.get(item["title"], item["title"]),
                   "description": item["description"]} for item in value["items"]]})


INTRO = {
    "it": ("<p>Aperto a tutti i membri della rete e a chi passa di qui per la prima volta. "
           "Porta la tua curiosità (e, se serve, il portatile): il resto lo mettiamo noi.</p>"
           "<p>Alla fine restiamo per un caffè e per decidere insieme il prossimo incontro.</p>"),
    "en": ("<p>Open to every member of the network and to first-time visitors. Bring your "
           "curiosity (and a laptop when it helps); we provide the rest.</p>"
           "<p>We stay for a coffee afterwards to choose the next topic together.</p>"),
}


def _body(item: DemoEvent, start_minutes: int) -> list:
    body = [("text", RichText(INTRO[item.language]))]
    if item.with_agenda:
        body.append(demo_agenda(item, start_minutes=start_minutes))
    return body


def _event_ensure(space: SpacePage, slug: str, *, topics: tuple[str, ...] = (),
                  **fields) -> tuple[EventPage, bool]:
    existing = EventPage.objects.child_of(space).filter(slug=slug).first()
    if existing is not None:
        return existing.specific, False
    event = EventPage(slug=slug, **fields)
    event.topics.add(*topics)
    space.add_child(instance=event)
    event.save_revision().publish()
    event.refresh_from_db()
    return event, True


def _register(event: EventPage, users: list, *, actor, past: bool) -> int:
    """Register `users` through the services; for past events the coordinator adds them
    (the service refuses self-registration outside the window) and checks them in."""
    made = 0
    for user in users:
        try:
            registration = services.registration_create(event, user=user,
                                                        actor=actor if past else None)
        except EventError:
            continue
        made += 1
        if past and registration.state == RegistrationState.CONFIRMED:
            services.registration_mark_attended(registration, actor=actor)
    return made


def _espresso_2017(racale: SpacePage) -> tuple[EventPage, bool]:
    rome = zoneinfo.ZoneInfo("Europe/Rome")
    day_one = [
        ("09:30", "Accoglienza e caffè", "Registrazione, badge e il primo espresso salentino."),
        ("10:00", "Cerchio di apertura", "Chi siamo, da dove veniamo, le regole dell’open space "
                                         "e la legge dei due piedi."),
        ("10:45", "Marketplace delle proposte", "Chi vuole proporre una sessione la scrive su un "
                                                "foglio e la presenta in trenta secondi; le "
                                                "proposte trovano una stanza e un orario."),
        ("11:30", "Sessioni, primo giro", "Quattro stanze in parallelo."),
        ("13:00", "Pranzo condiviso", ""),
        ("14:30", "Sessioni, secondo giro", ""),
        ("16:00", "Sessioni, terzo giro", ""),
        ("17:30", "Cerchio di metà percorso", "Cosa è emerso, cosa manca per domani."),
    ]
    day_two = [
        ("09:30", "Caffè e nuovo marketplace",
         "Proposte nuove e sessioni che vogliono continuare."),
        ("10:30", "Sessioni, quarto giro", ""),
        ("12:00", "Sessioni, quinto giro", ""),
        ("13:30", "Pranzo", ""),
        ("15:00", "Raccolta degli instant report", "Ogni sessione lascia una pagina di appunti "
                                                   "per chi non c’era."),
        ("16:30", "Cerchio di chiusura", "Un giro di parole, e il testimone al prossimo spazio "
                                         "che ospiterà Espresso Coworking."),
    ]

    def agenda(heading: str, rows: list) -> tuple[str, dict]:
        return ("agenda", {"heading": heading, "items": [
            {"time": time, "title": title, "description": text} for time, title, text in rows]})

    body = [
        ("text", RichText(
            "<p>La quinta edizione di <b>Espresso Coworking</b>, la non-conferenza nazionale "
            "sul coworking: niente palco e niente relatori invitati, ma un open space in cui "
            "chi gestisce, frequenta o sogna uno spazio condiviso porta le sue domande.</p>"
            "<p>Due giorni a Racale, nel Salento, ospitati dalla comunità di Spazio Salento.</p>")),
        agenda("Venerdì 22 settembre", day_one),
        agenda("Sabato 23 settembre", day_two),
        ("speaker", {"name": "Il gruppo di facilitazione di Espresso Coworking",
                     "role": "Facilitazione open space",
                     "bio": "Volontari degli spazi della rete che tengono il tempo, le stanze "
                            "e la bacheca delle sessioni.", "photo": None, "link": ""}),
    ]
    return _event_ensure(
        racale, ESPRESSO_2017_SLUG,
        title="Espresso Coworking 2017 — 5ª non-conferenza nazionale del coworking",
        format=EventFormat.UNCONFERENCE, language="it",
        summary="La non-conferenza nazionale del coworking, quinta edizione: due giorni di "
                "open space a Racale (Lecce).",
        body=body,
        starts_at=dt.datetime(2017, 9, 22, 9, 30, tzinfo=rome),
        ends_at=dt.datetime(2017, 9, 23, 18, 0, tzinfo=rome),
        capacity=120, waitlist_enabled=True, guests_allowed=True,
        topics=("coworking", "unconference", "community", "open-space"),
        registration_opens_at=dt.datetime(2017, 6, 1, 10, 0, tzinfo=rome),
    )


@transaction.atomic
def load_events_demo() -> EventsDemo:
    """Create the demo events and their registrations (idempotent, deterministic)."""
    demo = EventsDemo()
    # Originals: the Italian demo pages (home.demo_translations) translate some spaces.
    spaces = list(originals(SpacePage.objects.live().filter(active=True)).order_by("title"))
    if not spaces:
        return demo
    users = list(get_user_model().objects.filter(is_active=True, profile__isnull=False)
                 .order_by("email"))
    coordinator = (get_user_model().objects.filter(email__iexact=COORDINATOR_EMAIL).first()
                   or get_user_model().objects.filter(is_superuser=True).order_by("pk").first())
    today = timezone.localdate()
    with tasks.notifications_silenced():
        racale = next((s for s in spaces if s.slug == RACALE_SLUG), None)
        if racale is not None:
            event, created = _espresso_2017(racale)
            demo.events.append(event)
            if created:
                demo.created += 1
                if coordinator is not None:
                    demo.registrations += _register(event, users, actor=coordinator, past=True)
        for index in range(EVENT_COUNT):
            event, created = _catalogue_event(index, spaces, today)
            demo.events.append(event)
            if not created:
                continue
            demo.created += 1
            demo.registrations += _catalogue_registrations(index, event, users, coordinator)
            if index == 40:
                # One cancelled event, after people registered: SEQUENCE grows, it stays in
                # the calendars with STATUS:CANCELLED.
                event.status = EventStatus.CANCELLED
                event.status_reason = ("The space is closed for urgent repairs to the roof; "
                                       "a new date will follow.")
                event.save_revision().publish()
            elif index == 47:
                event.status = EventStatus.POSTPONED
                event.status_reason = "Il relatore è malato: nuova data in arrivo."
                event.save_revision().publish()
    return demo


def _catalogue_event(index: int, spaces: list[SpacePage], today: dt.date
                     ) -> tuple[EventPage, bool]:
    item = CATALOGUE[index % len(CATALOGUE)]
    space = spaces[(index * 3) % len(spaces)]
    tz = zoneinfo.ZoneInfo(space.time_zone)
    day = today + dt.timedelta(days=int(FIRST_OFFSET_DAYS + index * STEP_DAYS))
    start_minutes = int(item.start_hour * 60) + (30 if index % 4 == 1 else 0)
    starts = dt.datetime.combine(day, dt.time(start_minutes // 60, start_minutes % 60),
                                 tzinfo=tz)
    ends = starts + dt.timedelta(hours=item.hours)
    paid = index % 4 == 2
    capacity = None if index % 5 == 0 else (8 if index % 6 == 3 else 12 + (index % 4) * 6)
    fields = {
        "title": item.title, "format": item.format, "language": item.language,
        "summary": item.summary, "body": _body(item, start_minutes),
        "starts_at": starts, "ends_at": ends,
        "capacity": capacity, "waitlist_enabled": index % 12 != 9,
        "price_credits": 5 + (index * 7) % 16 if paid else 0,
        "guests_allowed": not paid and index % 3 == 0,
        "room": ("Sala grande", "Aula 2", "", "Lab")[index % 4],
        "online_url": f"https://meet.jit.si/espresso-demo-{index}" if index % 7 == 3 else "",
    }
    # The slug carries the catalogue index so a re-run finds the same event again.
    slug = f"{slugify(item.title)[:60]}-{index + 1}"
    return _event_ensure(space, slug, topics=item.topics, **fields)


def _catalogue_registrations(index: int, event: EventPage, users: list, coordinator) -> int:
    if not users:
        return 0
    # Capacity 8: full, three on the waiting list (or refused where there is no list).
    count = 11 if event.capacity == 8 else 3 + (index * 5) % 10
    chosen = [users[(index * 7 + k) % len(users)] for k in range(min(count, len(users)))]
    past = event.ends_at < timezone.now()
    if past and coordinator is None:
        return 0
    return _register(event, chosen, actor=coordinator, past=past)

