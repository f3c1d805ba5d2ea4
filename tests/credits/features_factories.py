"""Factories for the credits features (day passes, top-ups, pages): spaces with an
organiser, members holding credits, coordinators."""

import uuid

from credits.models import Account
from credits.services import account_for_member, account_network, transfer_post
from network.models import Membership, SpacePage
from tests.network.factories import UserFactory, make_coordinator, make_organiser, make_space


def token() -> str:
    return uuid.uuid4().hex


def organiser_of(space: SpacePage, **user_fields):
    """A user who organises `space` (through the membership service)."""
    return make_organiser(space, **user_fields)


def space_with_organiser(parent, title: str = "Cowo Roma", **fields) -> tuple[SpacePage, object]:
    space = make_space(parent, title=title, **fields)
    return space, organiser_of(space)


def member_with_credits(amount: int = 0, *, space: SpacePage | None = None, **user_fields):
    """A user whose account holds `amount` credits (a network grant); optionally a member
    of `space`."""
    user = UserFactory(**user_fields)
    account = account_for_member(user)
    if amount:
        transfer_post(debit=account_network("issuance"), credit=account, amount=amount,
                      code="grant", idempotency_key=f"test-grant:{uuid.uuid4()}")
    if space is not None:
        Membership.objects.create(user=user, space=space, role="member")
    return user


def coordinator(**user_fields):
    return make_coordinator(**user_fields)


def balance(user_or_space) -> int:
    if isinstance(user_or_space, SpacePage):
        account = Account.objects.get(space=user_or_space)
    else:
        account = Account.objects.get(user=user_or_space)
    return account.balance
