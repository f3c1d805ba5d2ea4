"""Demo credits: purchases at several spaces, network grants, rewards for hosting, and day
passes bought, used, upcoming and refunded across spaces, so that statements, space pages,
clearing and the transparency page all have something to show.

Idempotent: every step carries a fixed key and is skipped when that key is already in the
ledger, so running it twice (even on another day) creates nothing new. Every movement goes
through credits.services. Needs the demo network (network.demo): without spaces it does
nothing.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model

from network.models import Membership, MembershipRole, SpacePage
from network.permissions import space_organisers
from network.translations import originals

from .models import Transfer
from .services import (
    account_for_member,
    account_for_space,
    daypass_buy,
    daypass_cancel,
    daypass_validate,
    grant_create,
    topup_sell,
    transfer_post,
)
from .services.daypass import space_today

COORDINATOR_EMAIL = "coordinator@espresso.example"
MEMBER_EMAIL = "member@espresso.example"
PURCHASE_AMOUNTS = [40, 60, 30, 50, 25, 80, 35, 45]

# (member e-mail, space slug where they spend, days from today, what happens)
DAY_PASSES: list[tuple[str, str, int, str]] = [
    (MEMBER_EMAIL, "cowo-lambrate", 0, "use"),
    (MEMBER_EMAIL, "officina-aurora", 9, "keep"),
    (MEMBER_EMAIL, "murate-makers", 5, "refund"),
    ("sofia.marino@members.espresso.example", "cowo-lambrate", 0, "use"),
    ("giorgio.deluca@members.espresso.example", "murate-makers", 0, "use"),
    ("elena.conti@members.espresso.example", "cowo360", 0, "use"),
    ("lukasz.nowak@members.espresso.example", "cowo360", 2, "keep"),
    ("valentina.lombardi@members.espresso.example", "cowo-alessandria", 0, "use"),
    ("anamaria.gutierrez@members.espresso.example", "cowo360", 0, "use"),
    ("tommaso.costa@members.espresso.example", "cowo-lambrate", 0, "keep"),
    ("stefano.rizzo@members.espresso.example", "cowo-lambrate", 1, "keep"),
    ("zoe.martin@members.espresso.example", "cowo360", 0, "use"),
    ("ipek.yilmaz@members.espresso.example", "spazio-salento-racale", 3, "keep"),
    ("paolo.moretti@members.espresso.example", "spazio-salento-racale", 0, "use"),
    ("martina.bruno@members.espresso.example", "cowo360", 0, "use"),
    ("federico.gallo@members.espresso.example", "cowo-lambrate", 0, "use"),
]

GRANTS: list[tuple[str, int, str]] = [
    (MEMBER_EMAIL, 15, "Facilitated the opening circle of Espresso Coworking"),
    ("ngozi.okafor@members.espresso.example", 20, "Volunteered at the national non-conference"),
    ("layla.haddad@members.espresso.example", 20, "Translated the open format into Arabic"),
]

REWARDS: list[tuple[str, str, str, int, str]] = [
    ("cowo360", "paolo.moretti@members.espresso.example", "earn_host", 10,
     "Hosted the Friday coffee circle"),
    ("murate-makers", "anamaria.gutierrez@members.espresso.example", "earn_speaker", 8,
     "Talk: ceramics and 3D printing"),
    ("cowo-lambrate", "valentina.lombardi@members.espresso.example", "earn_volunteer", 6,
     "Helped at the welcome desk"),
]


def _done(idempotency_key: str) -> bool:
    return Transfer.objects.filter(idempotency_key=idempotency_key).exists()


def _seller(space: SpacePage, coordinator):
    return space_organisers(space).first() or coordinator


def _purchases(spaces: dict[str, SpacePage], coordinator) -> None:
    """Every demo member buys credits at each space they belong to."""
    memberships = (Membership.objects.filter(space__in=spaces.values())
                   .exclude(role=MembershipRole.ORGANISER)
                   .select_related("user", "space").order_by("space__slug", "user__email"))
    for n, membership in enumerate(memberships):
        space, user = membership.space, membership.user
        token = f"demo-purchase-{space.pk}-{user.pk}"
        if _done(f"credits.topup:{space.pk}:{token}"):
            continue
        seller = _seller(space, coordinator)
        if seller is None:
            continue
        topup_sell(space, user, PURCHASE_AMOUNTS[n % len(PURCHASE_AMOUNTS)],
                   f"Demo receipt {space.slug[:12]}-{100 + n}", seller, request_token=token)


def _grants(users: dict[str, object], coordinator) -> None:
    for n, (email, amount, memo) in enumerate(GRANTS):
        token = f"demo-grant-{n}"
        if email in users and coordinator is not None and not _done(f"credits.grant:{token}"):
            grant_create(users[email], amount, memo, coordinator, request_token=token)


def _rewards(spaces: dict[str, SpacePage], users: dict[str, object]) -> None:
    for slug, email, code, amount, memo in REWARDS:
        if slug not in spaces or email not in users:
            continue
        key = f"demo:reward:{slug}:{email}"
        if not _done(key):
            transfer_post(debit=account_for_space(spaces[slug]),
                          credit=account_for_member(users[email]), amount=amount, code=code,
                          idempotency_key=key, memo=memo)


def _day_passes(spaces: dict[str, SpacePage], users: dict[str, object], coordinator) -> None:
    for n, (email, slug, days, outcome) in enumerate(DAY_PASSES):
        if slug not in spaces or email not in users:
            continue
        user, space = users[email], spaces[slug]
        token = f"demo-daypass-{n}"
        if _done(f"credits.daypass.buy:{user.pk}:{token}"):
            continue
        if account_for_member(user).available < space.day_pass_price:
            continue
        date = space_today(space) + datetime.timedelta(days=days)
        day_pass = daypass_buy(user, space, date, request_token=token)
        validator = _seller(space, coordinator)
        if outcome == "use" and validator is not None:
            daypass_validate(day_pass.code, space, validator)
        elif outcome == "refund":
            daypass_cancel(day_pass, user)


def load_credits_demo() -> None:
    """Fill the ledger with the demo story (idempotent; see the module docstring)."""
    spaces = {space.slug: space  # originals: a translated space shares its slug
              for space in originals(SpacePage.objects.live()).order_by("slug")}
    if not spaces:
        return
    user_model = get_user_model()
    emails = ({e for e, *_rest in DAY_PASSES} | {e for e, *_rest in GRANTS}
              | {r[1] for r in REWARDS})
    users = {u.email: u for u in user_model.objects.filter(email__in=emails)}
    coordinator = user_model.objects.filter(email=COORDINATOR_EMAIL).first()
    _purchases(spaces, coordinator)
    _grants(users, coordinator)
    _rewards(spaces, users)
    _day_passes(spaces, users, coordinator)
