# ruff: noqa: RUF001 — demo data: Italian typography (apostrophes, dashes) is deliberate.
"""Demo content in Italian: the home, its sections, the format page and a few events get an
Italian translation (Wagtail's locales, docs/translations.md), made as the admin's
"Translate" makes it (`copy_for_translation`). Idempotent: a page that already has its
Italian translation is left as it is."""

from __future__ import annotations

from django.utils.text import slugify
from wagtail.models import Locale, Page
from wagtail.rich_text import RichText

from events.demo import CATALOGUE, FIRST_OFFSET_DAYS, INTRO, STEP_DAYS, demo_agenda_translated
from events.models import EventPage
from network.models import SpacePage

from .demo import _stream_value
from .services import SiteTree

ITALIAN = "it"

HOME_INTRO_IT = (
    "<p>Espresso è una rete di coworking, FabLab e spazi di condivisione in Italia e oltre. "
    "È nata come <b>non-conferenza nazionale sul coworking</b> ed è diventata un formato "
    "aperto: ogni spazio può ospitare workshop, meetup e giornate di non-conferenza con un "
    "formato comune e modificabile. Un solo account vale ovunque: trova gli eventi della "
    "rete, iscriviti (gratis o con i crediti) e conosci le persone che fanno vivere gli "
    "spazi.</p>"
)

SECTION_INTROS_IT = {
    "spaces": ("<p>Coworking, FabLab e spazi di condivisione che aprono le loro porte a "
               "tutte le persone della rete.</p>"),
    "members": ("<p>Le persone della rete. Ognuno sceglie chi può vedere il proprio "
                "profilo.</p>"),
    "events": "",
}

SECTION_TITLES_IT = {
    "spaces": "Spazi",
    "events": "Eventi",
    "members": "Membri",
    "format": "Il formato Espresso",
}

FORMAT_LEAD_IT = (
    "<p>Una giornata Espresso è una <i>non-conferenza</i>: il programma lo scrivono le persone "
    "presenti, la mattina stessa. Questa pagina racconta come si svolge, perché qualsiasi "
    "spazio, nella rete o fuori, possa ospitarne una. Copiala, adattala e racconta alla rete "
    "che cosa hai cambiato.</p>"
)

FORMAT_LICENCE_IT = (
    "<p>Questo testo appartiene a tutte le persone che organizzano giornate Espresso. È "
    'pubblicato con licenza <a href="https://creativecommons.org/licenses/by-sa/4.0/deed.it">'
    "Creative Commons Attribuzione - Condividi allo stesso modo 4.0 Internazionale "
    "(CC BY-SA 4.0)</a>: puoi copiarlo, adattarlo e condividerlo, anche per fini "
    "commerciali, citando la rete Espresso e condividendo la tua versione con la stessa "
    "licenza.</p>"
)

FORMAT_BODY_IT: list[tuple[str, str | dict]] = [
    ("heading", "Perché una non-conferenza"),
    ("paragraph",
     "<p>La maggior parte delle conferenze decide mesi prima chi parla e chi ascolta. Una "
     "giornata Espresso rovescia lo schema: chiunque partecipi può proporre una sessione, e "
     "l’agenda nasce nella prima ora da ciò che le persone vogliono davvero condividere, "
     "chiedere o costruire. Il formato prende da Open Space Technology e dai BarCamp ed è "
     "stato provato in coworking, FabLab e biblioteche fin dalla prima <i>non-conferenza</i> "
     "nazionale sul coworking.</p>"
     "<p>Funziona con dodici persone o con duecento. Servono uno spazio che ospiti, un tema "
     "abbastanza ampio da invitare contributi molto diversi, chi facilita e una parete.</p>"),
    ("heading", "Prima della giornata"),
    ("paragraph",
     "<ul>"
     "<li><b>Un tema in forma di domanda.</b> «Come lavoriamo insieme quando non lavoriamo "
     "per la stessa azienda?» invita più di «Coworking 2026».</li>"
     "<li><b>Stanze e fasce orarie.</b> Conta i luoghi dove un gruppo da cinque a venti "
     "persone può parlare senza disturbare gli altri; prevedi fasce di 45 minuti con 15 "
     "minuti di pausa.</li>"
     "<li><b>La parete.</b> Disegna la griglia: stanze in colonna, fasce orarie in riga. "
     "Prepara fogli A4, pennarelli, nastro adesivo e bollini colorati per votare.</li>"
     "<li><b>Le iscrizioni.</b> Pubblica l’evento su Espresso con la sua capienza: lista "
     "d’attesa e calendari funzionano da soli.</li>"
     "<li><b>I ruoli.</b> Chi facilita e tiene il tempo, chi accoglie all’ingresso, e "
     "volontari che prendono appunti.</li>"
     "</ul>"),
    ("heading", "Il cerchio di apertura"),
    ("paragraph",
     "<p>Sedie in cerchio, niente palco, niente slide. Chi facilita dà il benvenuto, "
     "presenta il tema e spiega la giornata in dieci minuti; ognuno dice il proprio nome e "
     "una frase sul perché è venuto. Poi si leggono i quattro principi:</p>"
     "<ol>"
     "<li>Chi c’è sono le persone giuste.</li>"
     "<li>Quello che succede è l’unica cosa che poteva succedere.</li>"
     "<li>Quando si comincia è il momento giusto.</li>"
     "<li>Quando è finita, è finita.</li>"
     "</ol>"),
    ("heading", "Il mercato delle proposte"),
    ("paragraph",
     "<p>Chi ha qualcosa da offrire va al centro, scrive la proposta su un foglio, la "
     "presenta in trenta secondi e la attacca in una casella libera della griglia. Una "
     "domanda vale quanto una risposta. Poi ognuno mette i suoi bollini sulle sessioni che "
     "vuole seguire, e la parete diventa il programma, copiato sulla bacheca dell’evento su "
     "Espresso.</p>"),
    ("heading", "Le sessioni"),
    ("paragraph",
     "<p>Chi ha proposto una sessione la conduce: la apre, la tiene sul tema e la chiude in "
     "orario, senza l’obbligo di fare lezione. Le sessioni migliori sono conversazioni. Le "
     "pause fanno parte del programma: molte delle conversazioni più utili nascono alla "
     "macchinetta del caffè.</p>"),
    ("heading", "La legge dei due piedi"),
    ("quote", {
        "text": "Se a un certo punto ti accorgi che non stai né imparando né contribuendo, "
                "usa i tuoi due piedi: vai altrove.",
        "author": "Harrison Owen, Open Space Technology",
    }),
    ("heading", "Il cerchio di chiusura e gli appunti"),
    ("paragraph",
     "<p>A fine giornata si torna in cerchio: ognuno dice una cosa che porta a casa. Gli "
     "appunti di ogni sessione (punti chiave, domande aperte, prossimi passi) si pubblicano "
     "sulla pagina dell’evento entro una settimana; chi conduce, chi prende appunti e chi "
     "fa volontariato guadagna crediti da spendere in tutta la rete.</p>"),
    ("heading", "Condividi e adatta"),
    ("paragraph",
     "<p>Questo formato è fatto per essere modificato: mezza giornata, due lingue, "
     "all’aperto, una serie di incontri serali. Quando lo cambi, pubblica la tua versione e "
     "fallo sapere alla rete.</p>"),
]

EVENT_TEXTS_IT = {
    "Rust for web developers": (
        "Rust per sviluppatori web",
        "Un pomeriggio pratico: ownership, borrowing e un piccolo servizio web."),
    "Remote teams that actually talk": (
        "Team remoti che si parlano davvero",
        "Che cosa ci hanno insegnato dieci anni di lavoro distribuito su rituali e scrittura."),
    "Design systems in small teams": (
        "Design system nei piccoli team",
        "Token, componenti e la politica di un kit di interfaccia condiviso."),
    "Public speaking lab": (
        "Laboratorio di public speaking",
        "Brevi interventi, commenti gentili e una videocamera per chi se la sente."),
    "Python data pipelines": (
        "Pipeline di dati in Python",
        "Dal caos dei CSV a una pipeline ordinata e testata in un pomeriggio."),
}
#: The Italian texts of the demo spaces (network.demo), by slug: tagline, opening hours,
#: description. Every demo space is translated (the Italian home lists them all).
SPACE_TEXTS_IT = {
    "cowo360": (
        "Il coworking di San Lorenzo, a Roma, dove è nato Espresso",
        "Lunedì–venerdì 9:00–19:30\nSabato 10:00–14:00",
        "<p>Cowo360 è un coworking su due piani nel quartiere di San Lorenzo, a pochi passi "
        "dall’università e dalla stazione Termini. Freelance, piccoli studi e ricercatori "
        "condividono quarantadue postazioni, due sale riunioni e una cucina in cui è stata "
        "progettata la prima non-conferenza Espresso.</p><p>Ogni giovedì sera lo spazio "
        "ospita un meetup aperto; la sala eventi ha sessanta posti.</p>"),
    "officina-aurora": (
        "Un’ex fabbrica di bulloni nel quartiere Aurora di Torino",
        "Lunedì–venerdì 8:30–20:00",
        "<p>Officina Aurora ha trasformato una fabbrica di bulloni degli anni Venti, sulle "
        "rive della Dora, in sessanta postazioni, un laboratorio di falegnameria e un "
        "cortile. Tra i membri ci sono designer, sviluppatori e cooperative sociali; ogni "
        "mese lo spazio organizza una giornata Espresso sulla rigenerazione urbana.</p>"),
    "cowo-lambrate": (
        "Postazioni, uno studio per podcast e un giardino accanto alla stazione di Milano "
        "Lambrate",
        "Lunedì–venerdì 8:00–21:00\nSabato 9:00–18:00",
        "<p>Nel distretto del design di via Ventura, Cowo Lambrate offre ottantacinque "
        "postazioni, uno studio per podcast e un piccolo giardino. Durante la Milano Design "
        "Week lo spazio apre le sue porte a tutta la rete.</p>"),
    "murate-makers": (
        "Taglio laser e stampanti 3D nell’ex carcere di Firenze",
        "Martedì–sabato 10:00–19:00",
        "<p>Un makerspace con una macchina per il taglio laser, tre stampanti 3D, un banco "
        "di elettronica e ventiquattro postazioni nelle celle ristrutturate delle Murate. "
        "Gli artigiani delle botteghe dell’Oltrarno tengono corsi serali.</p>"),
    "comptoir-collaboratif": (
        "Coworking e caffè associativo a Belleville",
        "Lunedì–venerdì 9:00–19:00",
        "<p>Un coworking cooperativo sopra un caffè di quartiere nell’XI arrondissement. "
        "Qui si è svolta la prima giornata Espresso fuori dall’Italia, in tre lingue, con "
        "la legge dei due piedi tradotta in <i>la loi des deux pieds</i>.</p>"),
    "cowo-alessandria": (
        "Un coworking tranquillo tra la Cittadella e la stazione",
        "Lunedì–venerdì 9:00–18:30",
        "<p>Diciotto postazioni in un palazzo dell’Ottocento. Chi fa il pendolare verso "
        "Milano e Genova ci lavora nei giorni in cui non va in ufficio; il sabato diventa "
        "un repair café.</p>"),
    "spazio-salento-racale": (
        "Coworking e residenze a Racale, sul tacco d’Italia",
        "Lunedì–sabato 9:00–13:00 e 16:00–20:00",
        "<p>Uno spazio di condivisione in una masseria restaurata in provincia di Lecce: "
        "quattordici postazioni, due camere per chi lavora da remoto e un uliveto che ospita "
        "la giornata Espresso estiva della rete.</p>"),
    "cambridge-innovation-center": (
        "Il primo spazio partner fuori dall’Europa",
        "Lunedì–venerdì 8:00–18:00",
        "<p>Accanto al MIT, a Kendall Square, il Cambridge Innovation Center ospita "
        "centinaia di start-up su più piani. I membri della rete in visita a Boston possono "
        "prenotare una postazione per la giornata con i crediti Espresso.</p>"),
}
#: How many upcoming demo events get an Italian translation.
TRANSLATED_EVENTS = 3


def _translate(page: Page, locale: Locale, **fields) -> Page:
    """The Italian translation of `page` (made and published with `fields` when missing)."""
    existing = Page.objects.filter(translation_key=page.translation_key, locale=locale).first()
    if existing is not None:
        return existing.specific
    # From the database: the tree's objects may predate the other demos' edits (intros).
    copy = Page.objects.get(pk=page.pk).specific.copy_for_translation(locale).specific
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save_revision().publish()
    return type(copy).objects.get(pk=copy.pk)


def demo_event_slugs() -> list[tuple[str, str]]:
    """(slug, title) of the first upcoming catalogue events that have Italian texts
    (events.demo's slugs: the title and the catalogue index)."""
    slugs = []
    for index in range(len(CATALOGUE) * 6):
        if FIRST_OFFSET_DAYS + index * STEP_DAYS < 1:
            continue
        item = CATALOGUE[index % len(CATALOGUE)]
        if item.title in EVENT_TEXTS_IT:
            slugs.append((f"{slugify(item.title)[:60]}-{index + 1}", item.title))
        if len(slugs) == TRANSLATED_EVENTS:
            break
    return slugs


def load_translations_demo(tree: SiteTree) -> list[Page]:
    """Translate the home, its four sections, the format page's text and a few upcoming
    events (with their spaces) into Italian. Returns the Italian pages."""
    locale, _created = Locale.objects.get_or_create(language_code=ITALIAN)
    made = [_translate(tree.home, locale, intro=HOME_INTRO_IT)]
    for key, section in (("spaces", tree.spaces), ("events", tree.events),
                         ("members", tree.members)):
        texts = {"title": SECTION_TITLES_IT[key]}
        if SECTION_INTROS_IT[key]:
            texts["intro"] = SECTION_INTROS_IT[key]
        made.append(_translate(section, locale, **texts))
    made.append(_translate(tree.format, locale, title=SECTION_TITLES_IT["format"],
                           lead=FORMAT_LEAD_IT, body=_stream_value(FORMAT_BODY_IT),
                           licence=FORMAT_LICENCE_IT))
    for space in (SpacePage.objects.child_of(tree.spaces).filter(slug__in=SPACE_TEXTS_IT)
                  .order_by("pk")):
        made.append(_translate(space, locale, **_space_texts_it(space)))
    for slug, _title in demo_event_slugs():
        event = EventPage.objects.filter(slug=slug, locale__language_code="en").first()
        if event is None:
            continue
        space = event.get_parent().specific
        made.append(_translate(space, locale, **_space_texts_it(space)))  # made above if ours
        title, summary = EVENT_TEXTS_IT[event.title]
        made.append(_translate(event, locale, title=title, summary=summary,
                               body=_event_body_it(event)))
    return made


def _space_texts_it(space: SpacePage) -> dict:
    """The Italian tagline, opening hours and description of a demo space (none for a
    space that is not one of network.demo's)."""
    if space.slug not in SPACE_TEXTS_IT:
        return {}
    tagline, opening_hours, description = SPACE_TEXTS_IT[space.slug]
    return {"tagline": tagline, "opening_hours": opening_hours,
            "description": _stream_value([("paragraph", description)])}


def _event_body_it(event: EventPage) -> list:
    """The body of a demo event in Italian: the introduction, and the agenda (same times)
    with its heading and steps in Italian; any other block as it is."""
    body = []
    for block in event.body:
        if block.block_type == "text":
            body.append(("text", RichText(INTRO["it"])))
        elif block.block_type == "agenda":
            body.append(demo_agenda_translated(block.value, "it"))
        else:
            body.append((block.block_type, block.value))
    if not any(kind == "text" for kind, _value in body):
        body.insert(0, ("text", RichText(INTRO["it"])))
    return body
