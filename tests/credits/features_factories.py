"""Factories for the credits features (day passes, top-ups, pages): spaces with an
organiser, members holding credits, coordinators."""

import uuid

from django.contrib.auth.models import Group

from credits.models import Account
from credits.services import account_for_member, account_network, transfer_post
from network.models import Membership, SpacePage
from tests.network.factories import UserFactory, make_space


def token() -> str:
    return uuid.uuid4().hex


def organiser_of(space: SpacePage, **user_fields):
    """A user in the space's organiser group, with an organiser membership."""
    user = UserFactory(**user_fields)
    user.groups.add(space.organiser_group)
    Membership.objects.create(user=user, space=space, role="organiser")
    return user


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
    user = UserFactory(**user_fields)
    group, _created = Group.objects.get_or_create(name="Network coordinators")
    user.groups.add(group)
    return user


def balance(user_or_space) -> int:
    if isinstance(user_or_space, SpacePage):
        account = Account.objects.get(space=user_or_space)
    else:
        account = Account.objects.get(user=user_or_space)
    return account.balance
