"""Template tags through which lower layers (network pages) show credits features."""

from django import template

from credits.forms import DayPassBuyForm
from credits.memos import memo_display
from credits.models import Account, Transfer

register = template.Library()


@register.inclusion_tag("credits/includes/space_day_pass.html", takes_context=True)
def space_day_pass(context, space) -> dict:
    """The day-pass offer on a SpacePage: the price; for a logged-in member a date picker
    and a buy button (posting to credits:daypass_buy) with their available balance; for
    anyone else a log-in link. Nothing shows for inactive spaces or a price of 0."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    data = {"space": space, "request": request, "user": user}
    if user is not None and user.is_authenticated and space.day_pass_price and space.active:
        account = Account.objects.filter(user=user).first()
        data["available"] = account.available if account else 0
        data["form"] = DayPassBuyForm(space=space)
    return data


@register.filter
def transfer_memo(transfer: Transfer) -> str:
    """The transfer's memo in the reader's language (`credits.memos`)."""
    return memo_display(transfer.memo, transfer.code)
