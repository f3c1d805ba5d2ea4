# ruff: noqa: RUF001 — demo data: en dashes and non-Latin letters are deliberate.
"""The demo network: the spaces of the project's origins and about forty members.

`load_network_demo` is idempotent: a space, user, profile or membership that exists is
found again by its slug or e-mail and left as it is, so running it twice changes nothing.
Every write goes through `network.services` (profiles, memberships, the coordinators group).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from wagtail.rich_text import RichText

from .models import MemberDirectoryPage, MembershipRole, SpaceIndexPage, SpacePage, Visibility
from .services import coordinators_group_ensure, membership_set, profile_ensure

DEMO_PASSWORD = "espresso-demo-2026"  # noqa: S105 — printed by load_demo, demo data only

DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("Network coordinator", "coordinator@espresso.example", DEMO_PASSWORD),
    ("Organiser of Cowo360 (Rome)", "organiser.rome@espresso.example", DEMO_PASSWORD),
    ("Organiser of Cowo Lambrate (Milan)", "organiser.milan@espresso.example", DEMO_PASSWORD),
    ("Member", "member@espresso.example", DEMO_PASSWORD),
]


@dataclass(frozen=True)
class DemoSpace:
    slug: str
    title: str
    kind: str
    tagline: str
    address: str
    city: str
    region: str
    country: str
    latitude: str
    longitude: str
    seats: int
    day_pass_price: int
    opening_hours: str
    description: str
    website: str = ""
    email: str = ""
    phone: str = ""
    time_zone: str = "Europe/Rome"


DEMO_SPACES: list[DemoSpace] = [
    DemoSpace(
        slug="cowo360", title="Cowo360", kind="coworking",
        tagline="The coworking of Rome's San Lorenzo, where Espresso began",
        address="Via dei Volsci 22, 00185 Roma RM", city="Roma", region="Lazio",
        country="Italy", latitude="41.897700", longitude="12.515500", seats=42,
        day_pass_price=10, opening_hours="Monday–Friday 9:00–19:30\nSaturday 10:00–14:00",
        website="https://cowo360.example", email="ciao@cowo360.example",
        phone="+39 06 4470 1234",
        description=(
            "<p>Cowo360 is a two-floor coworking in the San Lorenzo district, a short walk "
            "from the university and Termini station. Freelancers, small studios and "
            "researchers share forty-two desks, two meeting rooms and a kitchen where the "
            "first Espresso non-conference was planned.</p><p>Every Thursday evening the "
            "space hosts an open meetup; the event room seats sixty.</p>"),
    ),
    DemoSpace(
        slug="officina-aurora", title="Officina Aurora", kind="coworking",
        tagline="A former bolt factory in Turin's Aurora district",
        address="Corso Giulio Cesare 14, 10152 Torino TO", city="Torino", region="Piemonte",
        country="Italy", latitude="45.078600", longitude="7.685800", seats=60,
        day_pass_price=12, opening_hours="Monday–Friday 8:30–20:00",
        website="https://officina-aurora.example", email="info@officina-aurora.example",
        phone="+39 011 1982 0042",
        description=(
            "<p>Officina Aurora turned a 1920s bolt factory on the Dora river into sixty "
            "desks, a wood workshop and a courtyard. Its members are designers, developers "
            "and social cooperatives; the space runs a monthly Espresso day on urban "
            "regeneration.</p>"),
    ),
    DemoSpace(
        slug="cowo-lambrate", title="Cowo Lambrate", kind="coworking",
        tagline="Desks, a podcast studio and a garden next to Milan Lambrate station",
        address="Via Ventura 3, 20134 Milano MI", city="Milano", region="Lombardia",
        country="Italy", latitude="45.484300", longitude="9.238600", seats=85,
        day_pass_price=15, opening_hours="Monday–Friday 8:00–21:00\nSaturday 9:00–18:00",
        website="https://cowo-lambrate.example", email="hello@cowo-lambrate.example",
        phone="+39 02 3652 7788",
        description=(
            "<p>In the Ventura design district, Cowo Lambrate hosts eighty-five desks, a "
            "podcast studio and a small garden. During the Milan Design Week the space "
            "opens its doors to the whole network.</p>"),
    ),
    DemoSpace(
        slug="murate-makers", title="Murate Makers", kind="makerspace",
        tagline="Laser cutters and 3D printers in Florence's old prison",
        address="Piazza delle Murate 4, 50122 Firenze FI", city="Firenze", region="Toscana",
        country="Italy", latitude="43.771300", longitude="11.264400", seats=24,
        day_pass_price=8, opening_hours="Tuesday–Saturday 10:00–19:00",
        website="https://murate-makers.example", email="lab@murate-makers.example",
        phone="+39 055 247 3310",
        description=(
            "<p>A makerspace with a laser cutter, three 3D printers, an electronics bench "
            "and twenty-four desks in the renovated cells of Le Murate. Craftspeople from "
            "the Oltrarno workshops teach evening classes.</p>"),
    ),
    DemoSpace(
        slug="comptoir-collaboratif", title="Le Comptoir Collaboratif", kind="coworking",
        tagline="Coworking et café associatif à Belleville",
        address="12 Rue de la Fontaine au Roi, 75011 Paris", city="Paris",
        region="Île-de-France", country="France", latitude="48.868700",
        longitude="2.371300", seats=50, day_pass_price=18,
        opening_hours="Lundi–vendredi 9:00–19:00", time_zone="Europe/Paris",
        website="https://comptoir-collaboratif.example",
        email="bonjour@comptoir-collaboratif.example", phone="+33 1 43 57 00 00",
        description=(
            "<p>A cooperative coworking above a community café in the 11th arrondissement. "
            "The first Espresso day outside Italy took place here, in three languages, "
            "with the law of two feet translated as <i>la loi des deux pieds</i>.</p>"),
    ),
    DemoSpace(
        slug="cowo-alessandria", title="Cowo Alessandria Cittadella", kind="coworking",
        tagline="A quiet coworking between the Cittadella and the station",
        address="Via Dante 87, 15121 Alessandria AL", city="Alessandria", region="Piemonte",
        country="Italy", latitude="44.913000", longitude="8.615000", seats=18,
        day_pass_price=6, opening_hours="Monday–Friday 9:00–18:30",
        website="https://cowo-alessandria.example", email="info@cowo-alessandria.example",
        description=(
            "<p>Eighteen desks in a nineteenth-century palazzo. Commuters to Milan and "
            "Genoa use it on their home days; on Saturdays it becomes a repair café.</p>"),
    ),
    DemoSpace(
        slug="spazio-salento-racale", title="Spazio Salento", kind="other",
        tagline="Coworking and residencies in Racale, at the heel of Italy",
        address="Via Fiume 12, 73055 Racale LE", city="Racale", region="Puglia",
        country="Italy", latitude="39.961300", longitude="18.092000", seats=14,
        day_pass_price=5, opening_hours="Monday–Saturday 9:00–13:00 and 16:00–20:00",
        website="https://spazio-salento.example", email="ciao@spazio-salento.example",
        phone="+39 0833 902 118",
        description=(
            "<p>A sharing space in a restored masseria in the province of Lecce: fourteen "
            "desks, two guest rooms for remote workers and an olive grove that hosts the "
            "network's summer Espresso day.</p>"),
    ),
    DemoSpace(
        slug="cambridge-innovation-center", title="Cambridge Innovation Center", kind="coworking",
        tagline="The first partner space outside Europe",
        address="One Broadway, Cambridge, MA 02142", city="Cambridge", region="Massachusetts",
        country="United States", latitude="42.362900", longitude="-71.083400", seats=500,
        day_pass_price=25, opening_hours="Monday–Friday 8:00–18:00",
        time_zone="America/New_York", website="https://cic.example",
        email="visit@cic.example", phone="+1 617 555 0142",
        description=(
            "<p>Next to MIT in Kendall Square, the Cambridge Innovation Center houses "
            "hundreds of start-ups across several floors. Network members visiting Boston "
            "can book a day desk with their Espresso credits.</p>"),
    ),
]


@dataclass(frozen=True)
class DemoMember:
    name: str
    email: str
    city: str
    home: str  # a DemoSpace slug
    visibility: str
    headline: str
    skills: tuple[str, ...]
    role: str = MembershipRole.MEMBER
    also: tuple[str, ...] = ()  # other spaces the member belongs to
    bio: str = ""
    staff: bool = False
    coordinator: bool = False
    login: bool = False
    show_email: bool = False


PUBLIC, NETWORK, HIDDEN = Visibility.PUBLIC, Visibility.NETWORK, Visibility.HIDDEN
ORGANISER, HOST = MembershipRole.ORGANISER, MembershipRole.HOST

DEMO_MEMBERS: list[DemoMember] = [
    # The four demo logins.
    DemoMember("Giulia Bianchi", "coordinator@espresso.example", "Roma", "cowo360", PUBLIC,
               "Coordinates the Espresso network", ("facilitation", "community", "open space"),
               bio="Started Espresso as a non-conference on coworking; now looks after the "
                   "format and the credits clearing between spaces.",
               staff=True, coordinator=True, login=True, show_email=True,
               also=("officina-aurora", "cowo-lambrate")),
    DemoMember("Niccolò Ferri", "organiser.rome@espresso.example", "Roma", "cowo360", PUBLIC,
               "Host of Cowo360", ("community", "events", "coffee"), role=ORGANISER,
               bio="Runs Cowo360 and its Thursday meetups. Ask him about the espresso machine.",
               login=True),
    DemoMember("Chiara Colombo", "organiser.milan@espresso.example", "Milano", "cowo-lambrate",
               PUBLIC, "Organiser at Cowo Lambrate", ("podcasting", "events", "design"),
               role=ORGANISER, login=True),
    DemoMember("Matteo Russo", "member@espresso.example", "Roma", "cowo360", NETWORK,
               "Freelance backend developer", ("python", "django", "postgresql"), login=True),
    # Members of the network.
    DemoMember("Zoë Martin", "zoe.martin@members.espresso.example", "Paris",
               "comptoir-collaboratif", PUBLIC, "Service designer", ("service design",
               "workshops", "facilitation"), role=HOST),
    DemoMember("François Lefèvre", "francois.lefevre@members.espresso.example", "Paris",
               "comptoir-collaboratif", PUBLIC, "Organiser of Le Comptoir",
               ("cooperatives", "community"), role=ORGANISER),
    DemoMember("Łukasz Nowak", "lukasz.nowak@members.espresso.example", "Milano",
               "cowo-lambrate", PUBLIC, "Embedded engineer", ("electronics", "rust", "iot")),
    DemoMember("Ana María Gutiérrez", "anamaria.gutierrez@members.espresso.example", "Firenze",
               "murate-makers", PUBLIC, "Ceramicist and 3D-printing teacher",
               ("ceramics", "3d printing", "teaching"), role=HOST),
    DemoMember("ليلى حداد", "layla.haddad@members.espresso.example", "Torino",
               "officina-aurora", PUBLIC, "Urban researcher — باحثة في التخطيط الحضري",
               ("urban planning", "research", "arabic")),
    DemoMember("Alessandro Ricci", "alessandro.ricci@members.espresso.example", "Torino",
               "officina-aurora", PUBLIC, "Organiser of Officina Aurora",
               ("woodworking", "community"), role=ORGANISER),
    DemoMember("Sofia Marino", "sofia.marino@members.espresso.example", "Roma", "cowo360",
               NETWORK, "Copywriter", ("writing", "branding")),
    DemoMember("Davide Greco", "davide.greco@members.espresso.example", "Lecce",
               "spazio-salento-racale", PUBLIC, "Organiser of Spazio Salento",
               ("hospitality", "agriculture", "events"), role=ORGANISER),
    DemoMember("Martina Bruno", "martina.bruno@members.espresso.example", "Racale",
               "spazio-salento-racale", NETWORK, "Remote product manager",
               ("product management", "remote work")),
    DemoMember("Federico Gallo", "federico.gallo@members.espresso.example", "Alessandria",
               "cowo-alessandria", PUBLIC, "Organiser of Cowo Alessandria",
               ("repair café", "accounting"), role=ORGANISER),
    DemoMember("Elena Conti", "elena.conti@members.espresso.example", "Milano",
               "cowo-lambrate", HIDDEN, "Lawyer for start-ups", ("law", "contracts")),
    DemoMember("Giorgio De Luca", "giorgio.deluca@members.espresso.example", "Roma", "cowo360",
               NETWORK, "Photographer", ("photography", "video"), also=("murate-makers",)),
    DemoMember("Beatrice Mancini", "beatrice.mancini@members.espresso.example", "Firenze",
               "murate-makers", PUBLIC, "Organiser of Murate Makers",
               ("laser cutting", "fablab", "education"), role=ORGANISER),
    DemoMember("Tommaso Costa", "tommaso.costa@members.espresso.example", "Torino",
               "officina-aurora", NETWORK, "Front-end developer",
               ("javascript", "accessibility", "css")),
    DemoMember("Ilaria Giordano", "ilaria.giordano@members.espresso.example", "Roma",
               "cowo360", HIDDEN, "Psychologist", ("wellbeing",)),
    DemoMember("Stefano Rizzo", "stefano.rizzo@members.espresso.example", "Alessandria",
               "cowo-alessandria", NETWORK, "Logistics consultant", ("logistics", "excel")),
    DemoMember("Valentina Lombardi", "valentina.lombardi@members.espresso.example", "Milano",
               "cowo-lambrate", PUBLIC, "Illustrator", ("illustration", "comics"),
               show_email=True),
    DemoMember("Paolo Moretti", "paolo.moretti@members.espresso.example", "Roma", "cowo360",
               PUBLIC, "Facilitator of Espresso days", ("facilitation", "open space"),
               role=HOST, also=("spazio-salento-racale",)),
    DemoMember("Søren Østergaard", "soren.ostergaard@members.espresso.example", "Paris",
               "comptoir-collaboratif", NETWORK, "Data journalist",
               ("data", "journalism", "python")),
    DemoMember("Chloé Dubois", "chloe.dubois@members.espresso.example", "Paris",
               "comptoir-collaboratif", PUBLIC, "UX researcher", ("ux research", "interviews")),
    DemoMember("Jürgen Müller", "juergen.mueller@members.espresso.example", "Milano",
               "cowo-lambrate", HIDDEN, "Industrial designer", ("industrial design",)),
    DemoMember("Siobhán O'Connor", "siobhan.oconnor@members.espresso.example", "Cambridge",
               "cambridge-innovation-center", PUBLIC, "Biotech founder",
               ("biotech", "fundraising")),
    DemoMember("José Álvarez", "jose.alvarez@members.espresso.example", "Firenze",
               "murate-makers", NETWORK, "Bookbinder", ("bookbinding", "crafts")),
    DemoMember("João Gonçalves", "joao.goncalves@members.espresso.example", "Torino",
               "officina-aurora", PUBLIC, "Architect", ("architecture", "bim")),
    DemoMember("Tomáš Dvořák", "tomas.dvorak@members.espresso.example", "Milano",
               "cowo-lambrate", NETWORK, "Sound engineer", ("audio", "podcasting")),
    DemoMember("İpek Yılmaz", "ipek.yilmaz@members.espresso.example", "Roma", "cowo360",
               PUBLIC, "Translator EN–IT–TR", ("translation", "localisation")),
    DemoMember("Nguyễn Thị Lan", "lan.nguyen@members.espresso.example", "Cambridge",
               "cambridge-innovation-center", NETWORK, "Machine-learning researcher",
               ("machine learning", "python")),
    DemoMember("Aoife Murphy", "aoife.murphy@members.espresso.example", "Cambridge",
               "cambridge-innovation-center", PUBLIC, "Community manager at CIC",
               ("community", "events"), role=ORGANISER),
    DemoMember("Priya Raman", "priya.raman@members.espresso.example", "Cambridge",
               "cambridge-innovation-center", HIDDEN, "Patent attorney", ("law", "patents")),
    DemoMember("Kwame Mensah", "kwame.mensah@members.espresso.example", "Milano",
               "cowo-lambrate", PUBLIC, "Fintech developer", ("python", "payments")),
    DemoMember("Anaïs Petit", "anais.petit@members.espresso.example", "Paris",
               "comptoir-collaboratif", HIDDEN, "Pastry chef", ("food",)),
    DemoMember("Gianluca D'Amico", "gianluca.damico@members.espresso.example", "Lecce",
               "spazio-salento-racale", PUBLIC, "Olive-oil producer going digital",
               ("agriculture", "e-commerce")),
    DemoMember("Maëlle Le Goff", "maelle.legoff@members.espresso.example", "Paris",
               "comptoir-collaboratif", NETWORK, "Community organiser",
               ("community", "facilitation")),
    DemoMember("Ngozi Okafor", "ngozi.okafor@members.espresso.example", "Torino",
               "officina-aurora", PUBLIC, "Social entrepreneur", ("impact", "fundraising")),
    DemoMember("נועה לוי", "noa.levi@members.espresso.example", "Firenze", "murate-makers",
               NETWORK, "Jewellery maker — צורפת", ("jewellery", "laser cutting")),
    DemoMember("Björn Andersson", "bjorn.andersson@members.espresso.example", "Alessandria",
               "cowo-alessandria", PUBLIC, "Remote DevOps engineer",
               ("devops", "kubernetes", "linux")),
    DemoMember("Emily Chen", "emily.chen@members.espresso.example", "Cambridge",
               "cambridge-innovation-center", NETWORK, "Hardware start-up founder",
               ("hardware", "electronics"), also=("murate-makers",)),
    DemoMember("Lorenzo Romano", "lorenzo.romano@members.espresso.example", "Roma",
               "cowo360", PUBLIC, "Sustainability consultant", ("sustainability", "esg")),
]


@dataclass
class NetworkDemo:
    spaces: dict[str, SpacePage] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)  # by e-mail


def _space_ensure(index: SpaceIndexPage, data: DemoSpace) -> SpacePage:
    existing = SpacePage.objects.child_of(index).filter(slug=data.slug).first()
    if existing is not None:
        return existing.specific
    space = SpacePage(
        title=data.title, slug=data.slug, kind=data.kind, tagline=data.tagline,
        address=data.address, city=data.city, region=data.region, country=data.country,
        latitude=Decimal(data.latitude), longitude=Decimal(data.longitude),
        website=data.website, email=data.email, phone=data.phone, seats=data.seats,
        opening_hours=data.opening_hours, day_pass_price=data.day_pass_price,
        time_zone=data.time_zone, description=[("paragraph", RichText(data.description))],
    )
    index.add_child(instance=space)
    space.save_revision().publish()
    space.refresh_from_db()
    return space


def _user_ensure(member: DemoMember):
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=member.email).first()
    if user is None:
        first, _sep, last = member.name.partition(" ")
        user = user_model(username=member.email, email=member.email,
                          first_name=first[:150], last_name=last[:150])
        if member.login:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.is_staff = member.staff
        user.save()
    elif member.staff and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    address = EmailAddress.objects.filter(user=user, email__iexact=member.email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=member.email, verified=True, primary=True)
    elif not (address.verified and address.primary):
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])
    return user


@transaction.atomic
def load_network_demo(spaces_index: SpaceIndexPage,
                      directory: MemberDirectoryPage | None = None) -> NetworkDemo:
    """Create the demo spaces under `spaces_index` and the demo members with their profiles,
    memberships and verified e-mail addresses; the coordinator joins "Network coordinators".
    Idempotent. `directory` is the member directory page (its intro is filled if empty)."""
    demo = NetworkDemo()
    if spaces_index is not None and not spaces_index.intro:
        spaces_index.intro = ("<p>Coworkings, FabLabs and sharing spaces that open their doors "
                              "to every member of the network.</p>")
        spaces_index.save_revision().publish()
    if directory is not None and not directory.intro:
        directory.intro = ("<p>The people of the network. Each member chooses who can see "
                           "their profile.</p>")
        directory.save_revision().publish()
    for data in DEMO_SPACES:
        demo.spaces[data.slug] = _space_ensure(spaces_index, data)
    coordinators = coordinators_group_ensure()
    for member in DEMO_MEMBERS:
        user = _user_ensure(member)
        demo.users[member.email] = user
        home = demo.spaces[member.home]
        profile_ensure(user, display_name=member.name, headline=member.headline,
                       bio=member.bio, city=member.city, home_space=home,
                       visibility=member.visibility, show_email=member.show_email,
                       skills=list(member.skills))
        membership_set(user, home, member.role)
        for slug in member.also:
            membership_set(user, demo.spaces[slug], MembershipRole.MEMBER)
        if member.coordinator and not user.groups.filter(pk=coordinators.pk).exists():
            user.groups.add(coordinators)
    return demo
