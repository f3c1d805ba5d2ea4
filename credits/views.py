"""HTTP views of the credits pages. They translate requests into calls of
credits.services (every movement of credits) and credits.selectors (every read).

Every view that moves credits is wrapped in `db_retry`: a deadlock or serialization failure
runs it again (the services are idempotent), so the person sees the result, not an error."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from network.access import coordinator_required, space_for_organiser
from network.db_retry import db_retry
from network.models import SpacePage
from network.permissions import spaces_organised_by, user_is_coordinator
from network.translations import page_original, titles_in_language

from . import selectors
from .clearing import Clearing
from .forms import DayPassBuyForm, DayPassValidateForm, GrantForm, PeriodForm, TopUpForm
from .models import DayPass, DayPassState
from .services import (
    CreditsError,
    IdempotencyMismatch,
    account_for_member,
    account_for_space,
    daypass_buy,
    daypass_cancel,
    daypass_validate,
    grant_create,
    topup_sell,
)
from .services.daypass import space_today

# --- member ---------------------------------------------------------------------------


@login_required
def statement(request: HttpRequest) -> HttpResponse:
    """The member's own balance, statement, holds and day passes."""
    account = account_for_member(request.user)
    page, lines = selectors.statement_page(account, request.GET.get("page"))
    upcoming, past = selectors.day_passes_of(request.user, timezone.localdate())
    past = past[:20]
    _spaces_named(day_pass.space for day_pass in [*upcoming, *past])
    return render(request, "credits/statement.html", {
        "account": account, "balance": selectors.account_balance(account), "page_obj": page,
        "lines": lines, "holds": selectors.account_holds_open(account), "upcoming_passes": upcoming,
        "past_passes": past,
        "organised_spaces": _spaces_named(spaces_organised_by(request.user)),
        "is_coordinator": user_is_coordinator(request.user)})


def _spaces_named(spaces) -> list[SpacePage]:
    """`spaces` (originals) with `display_title`, their title in the reader's language
    (`titles_in_language`, one query; a space may come more than once)."""
    spaces = list(spaces)
    titles = titles_in_language(space.pk for space in spaces)
    for space in spaces:
        space.display_title = titles.get(space.pk, space.title)
    return spaces


def _csv_safe(value) -> object:
    """Text cells that a spreadsheet would run as a formula are prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(rows: Iterator[list], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([_csv_safe(cell) for cell in row]) for row in rows),
        content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _statement_rows(account) -> Iterator[list]:
    yield ["date", "time", "type", "description", "counterparty", "credits", "balance",
           "reference", "payment_reference"]
    for line in selectors.statement_lines_oldest_first(account):
        t = line.transfer
        when = timezone.localtime(t.created_at)
        yield [when.date().isoformat(), when.strftime("%H:%M:%S"), t.code, t.memo,
               line.counterparty, line.signed, line.balance_after, t.reference,
               t.external_reference]


@login_required
def statement_csv(request: HttpRequest) -> StreamingHttpResponse:
    account = account_for_member(request.user)
    return _csv_response(_statement_rows(account), "espresso-credits-statement.csv")


def _qr_svg(data: str) -> str:
    # Only our own URL goes into the SVG (no user text), so it is safe to inline.
    return mark_safe(segno.make(data, error="m").svg_inline(  # noqa: S308
        scale=5, dark="#2b211c", title=_("Day pass QR code")))


@login_required
def daypass_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's own pass: code, QR (the validation URL) and, before its day, cancel."""
    day_pass = get_object_or_404(DayPass.objects.select_related("space"), pk=pk,
                                 user=request.user)
    validate_url = request.build_absolute_uri(
        reverse("credits:space_validate", args=[day_pass.space_id])
        + f"?code={day_pass.code}")
    today = space_today(day_pass.space)
    _spaces_named([day_pass.space])
    day_pass.expired = day_pass.state == DayPassState.VALID and day_pass.date < today
    return render(request, "credits/daypass_detail.html", {
        "day_pass": day_pass, "qr_svg": _qr_svg(validate_url),
        "is_today": day_pass.date == today, "expired": day_pass.expired,
        "can_cancel": day_pass.state == DayPassState.VALID and day_pass.date > today})


@login_required
@require_POST
@db_retry
def daypass_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    day_pass = get_object_or_404(DayPass.objects.select_related("space"), pk=pk,
                                 user=request.user)
    try:
        daypass_cancel(day_pass, request.user)
    except CreditsError as exc:
        messages.error(request, str(exc))
        return redirect("credits:daypass_detail", pk=day_pass.pk)
    messages.success(request, _("Your day pass was cancelled and %(n)s credits refunded.")
                     % {"n": day_pass.price})
    return redirect("credits:statement")


def _daypass_confirmed(request: HttpRequest, space: SpacePage) -> bool:
    """The POST comes from the confirmation page and the price it showed is still the
    price (a changed price shows the page again)."""
    return (request.POST.get("confirm") == "1"
            and request.POST.get("price") == str(space.day_pass_price))


@require_http_methods(["GET", "POST"])
@db_retry
def daypass_buy_view(request: HttpRequest, space_id: int) -> HttpResponse:
    """Buy a day pass at a space in two steps: the form (the SpacePage's, or GET here) posts
    the day; the answer is a confirmation page (price, balance after, cancellation terms)
    that changes nothing; its POST (`confirm=1`, the price shown and the form's request
    token) buys. A replayed confirmation returns the pass bought the first time."""
    # A translated space sells its passes through the original (its account and passes).
    space = page_original(get_object_or_404(SpacePage.objects.live(), pk=space_id))
    _spaces_named([space])
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = DayPassBuyForm(request.POST or None, space=space)
    status = 200
    account = account_for_member(request.user)
    if request.method == "POST":
        status = 400
        if form.is_valid() and not _daypass_confirmed(request, space):
            if request.POST.get("confirm") == "1":
                messages.warning(request, _("The price of the day pass changed. Please "
                                            "check it again before you confirm."))
            balance = selectors.account_balance(account)
            return render(request, "credits/daypass_confirm.html", {
                "space": space, "form": form, "balance": balance,
                "price": space.day_pass_price,
                "available_after": balance.available - space.day_pass_price,
                "short_by": max(space.day_pass_price - balance.available, 0),
                "refundable": form.cleaned_data["date"] > space_today(space),
                "refund_until": form.cleaned_data["date"] - datetime.timedelta(days=1)})
        if form.is_valid():
            try:
                day_pass = daypass_buy(request.user, space, form.cleaned_data["date"],
                                       request_token=form.cleaned_data["token"])
            except CreditsError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your day pass at %(space)s is ready.")
                                 % {"space": space.display_title})
                return redirect("credits:daypass_detail", pk=day_pass.pk)
    return render(request, "credits/daypass_buy.html", {
        "space": space, "form": form, "balance": selectors.account_balance(account)},
        status=status)


# --- space organisers ----------------------------------------------------------------------


@login_required
def space_credits(request: HttpRequest, space_id: int) -> HttpResponse:
    """A space's account, the transfers touching it and the passes it sold (organisers)."""
    space = _spaces_named([space_for_organiser(request, space_id)])[0]
    account = account_for_space(space)
    page, lines = selectors.statement_page(account, request.GET.get("page"))
    passes = Paginator(selectors.day_passes_sold(space), 25).get_page(request.GET.get("passes"))
    passes.object_list = list(passes.object_list)
    for day_pass in passes.object_list:
        day_pass.holder = selectors.member_label(day_pass.user)
    return render(request, "credits/space_credits.html", {
        "space": space, "account": account, "balance": selectors.account_balance(account),
        "page_obj": page, "lines": lines, "passes": passes,
        "pass_counts": selectors.day_pass_counts(space), "today": space_today(space),
        "validate_form": DayPassValidateForm(), "topup_form": TopUpForm(space=space)})


@login_required
@require_http_methods(["GET", "POST"])
@db_retry
def space_validate(request: HttpRequest, space_id: int) -> HttpResponse:
    """Validate a pass by its code: GET shows it (e.g. from the QR), POST marks it used."""
    space = _spaces_named([space_for_organiser(request, space_id)])[0]
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = DayPassValidateForm(data)
    validated, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                validated = daypass_validate(form.cleaned_data["code"], space, request.user)
            except CreditsError as exc:
                form.add_error("code", str(exc))
            else:
                status = 200
                form = DayPassValidateForm()
    return render(request, "credits/space_validate.html", {
        "space": space, "form": form, "validated": validated,
        "holder": selectors.member_label(validated.user) if validated else ""}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@db_retry
def space_topup(request: HttpRequest, space_id: int) -> HttpResponse:
    """An organiser sells credits to a member of the space."""
    space = _spaces_named([space_for_organiser(request, space_id)])[0]
    form = TopUpForm(request.POST or None, space=space)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                topup_sell(space, form.member, form.cleaned_data["amount"],
                           form.cleaned_data["external_reference"], request.user,
                           request_token=form.cleaned_data["token"])
            except IdempotencyMismatch:
                form.add_error(None, _("This form was already submitted with other values; "
                                       "reload the page to sell again."))
            except CreditsError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("%(n)s credits sold to %(member)s.") % {
                    "n": form.cleaned_data["amount"],
                    "member": selectors.member_label(form.member)})
                return redirect("credits:space", space_id=space.pk)
    return render(request, "credits/space_topup.html", {"space": space, "form": form},
                  status=status)


# --- network coordinators -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@db_retry
def grant(request: HttpRequest) -> HttpResponse:
    """A coordinator grants credits to any member from the network's issuance account."""
    coordinator_required(request)
    form = GrantForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                grant_create(form.member, form.cleaned_data["amount"],
                                   form.cleaned_data["memo"], request.user,
                                   request_token=form.cleaned_data["token"])
            except IdempotencyMismatch:
                form.add_error(None, _("This form was already submitted with other values; "
                                       "reload the page to grant again."))
            except CreditsError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("%(n)s credits granted to %(member)s.") % {
                    "n": form.cleaned_data["amount"],
                    "member": selectors.member_label(form.member)})
                return redirect("credits:grant")
    return render(request, "credits/grant.html", {"form": form}, status=status)


def _period(request: HttpRequest) -> tuple[PeriodForm, object]:
    today = timezone.localdate()
    data = request.GET if ("start" in request.GET or "end" in request.GET) else {
        "start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    form = PeriodForm(data)
    return form, form.is_valid()


@login_required
def clearing(request: HttpRequest) -> HttpResponse:
    """Clearing between spaces for a period: matrix, net positions, settlement payments."""
    coordinator_required(request)
    form, valid = _period(request)
    result = None
    if valid:
        result = selectors.clearing_for_period(form.cleaned_data["start"],
                                             form.cleaned_data["end"])
    return render(request, "credits/clearing.html", {"form": form, "clearing": result,
                                                     "query": request.GET.urlencode()},
                  status=200 if valid else 400)


def _clearing_rows(result: Clearing) -> Iterator[list]:
    names = [result.names[p] for p in result.parties]
    yield [_("Period"), result.start.isoformat() if result.start else "",
           result.end.isoformat() if result.end else ""]
    yield []
    yield [_("Issued by \\ redeemed at"), *names, _("Total")]
    for row in result.rows():
        yield [row["name"], *row["cells"], row["total"]]
    yield [_("Total"), *result.column_totals(), sum(result.column_totals())]
    yield []
    yield [_("Party"), _("Issued in period"), _("Net position")]
    for row in result.rows():
        yield [row["name"], row["issued"], row["net"]]
    yield []
    yield [_("Payer"), _("Payee"), _("Credits")]
    for payment in result.named_payments():
        yield [payment["debtor"], payment["creditor"], payment["amount"]]


@login_required
def clearing_csv(request: HttpRequest) -> HttpResponse:
    coordinator_required(request)
    form, valid = _period(request)
    if not valid:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    result = selectors.clearing_for_period(start, end)
    label = f"{start or 'start'}_{end or 'today'}"
    return _csv_response(_clearing_rows(result), f"espresso-clearing-{label}.csv")


# --- public -----------------------------------------------------------------------------------


def transparency(request: HttpRequest) -> HttpResponse:
    """Public: per space credits issued, redeemed and outstanding; network totals."""
    return render(request, "credits/transparency.html", selectors.transparency_figures())
