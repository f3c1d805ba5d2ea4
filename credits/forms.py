"""Forms of the credits pages. They check what a person typed; the services check the
rules again (and are the only place where credits move)."""

from __future__ import annotations

import datetime
import secrets

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from network.models import SpacePage
from network.validators import validate_no_control_characters

from .services.daypass import MAX_DAYS_AHEAD, space_today
from .services.topup import MAX_TOPUP, TOKEN_PATTERN


def new_request_token() -> str:
    """A one-off token rendered into a form, so that submitting it twice acts once."""
    return secrets.token_urlsafe(16)


class RequestTokenMixin(forms.Form):
    token = forms.RegexField(regex=TOKEN_PATTERN, widget=forms.HiddenInput,
                             error_messages={"invalid": _("The form is malformed; reload the "
                                                          "page and try again."),
                                             "required": _("The form is malformed; reload "
                                                           "the page and try again.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", new_request_token())


class CreditsAmountField(forms.IntegerField):
    """A whole, positive number of credits, at most MAX_TOPUP."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_TOPUP)
        kwargs.setdefault("label", _("Credits"))
        kwargs.setdefault("error_messages", {"invalid": _("Enter a whole number of credits.")})
        super().__init__(**kwargs)


class DayPassBuyForm(RequestTokenMixin):
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, space: SpacePage, **kwargs):
        super().__init__(*args, **kwargs)
        self.space = space
        today = space_today(space)
        self.fields["date"].widget.attrs.update({
            "min": today.isoformat(),
            "max": (today + datetime.timedelta(days=MAX_DAYS_AHEAD)).isoformat()})
        if not self.is_bound:
            self.initial.setdefault("date", today)

    def clean_date(self) -> datetime.date:
        date = self.cleaned_data["date"]
        today = space_today(self.space)
        if date < today:
            raise ValidationError(_("Choose today or a later day."), code="past")
        if date > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
            raise ValidationError(_("Choose a day at most one year ahead."), code="too_far")
        return date


class DayPassValidateForm(forms.Form):
    code = forms.CharField(label=_("Pass code"), max_length=40,
                           help_text=_("As printed under the QR code, e.g. ABCD-EFGH-JKMN."),
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "autocapitalize": "characters"}))


def _user_by_email(email: str, queryset) -> object:
    matches = list(queryset.filter(email__iexact=email.strip())[:2])
    if len(matches) != 1:
        return None
    return matches[0]


class TopUpForm(RequestTokenMixin):
    email = forms.EmailField(label=_("Member's e-mail"))
    amount = CreditsAmountField()
    external_reference = forms.CharField(
        label=_("Payment reference"), max_length=200,
        validators=[validate_no_control_characters],
        help_text=_("The receipt number, bank transfer or cash book line of the payment."))

    field_order = ["email", "amount", "external_reference", "token"]

    def __init__(self, *args, space: SpacePage, **kwargs):
        super().__init__(*args, **kwargs)
        self.space = space
        self.member = None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        members = get_user_model().objects.filter(memberships__space=self.space).distinct()
        self.member = _user_by_email(email, members)
        if self.member is None:
            raise ValidationError(_("No member of %(space)s has this e-mail address."),
                                  params={"space": self.space.title}, code="unknown_member")
        return email


class GrantForm(RequestTokenMixin):
    email = forms.EmailField(label=_("Member's e-mail"))
    amount = CreditsAmountField()
    memo = forms.CharField(label=_("Reason"), max_length=300,
                           validators=[validate_no_control_characters],
                           help_text=_("Why the network grants these credits (shown to the "
                                       "member on their statement)."))

    field_order = ["email", "amount", "memo", "token"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        self.member = _user_by_email(email, get_user_model().objects.filter(is_active=True))
        if self.member is None:
            raise ValidationError(_("No member has this e-mail address."),
                                  code="unknown_member")
        return email


class PeriodForm(forms.Form):
    """A period of days for clearing (GET). Both ends inclusive; empty = that side open."""

    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise ValidationError(_("The period must start before it ends."), code="reversed")
        return cleaned
