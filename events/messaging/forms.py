"""The organiser's form for a message (its rules are `services.message_clean`'s)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import RegistrationRole

from .exceptions import MessageInvalid
from .models import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH, Audience
from .services import message_clean


class MessageForm(forms.Form):
    audience = forms.ChoiceField(label=_("To"), choices=Audience.choices,
                                 initial=Audience.CONFIRMED, widget=forms.RadioSelect)
    role = forms.ChoiceField(label=_("Role"), required=False,
                             choices=[("", "—"), *RegistrationRole.choices],
                             help_text=_("Only when writing to everyone with one role."))
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH, strip=False)
    body = forms.CharField(label=_("Message"), max_length=BODY_MAX_LENGTH, strip=False,
                           widget=forms.Textarea(attrs={"rows": 12, "dir": "auto"}),
                           help_text=_("Plain text; leave an empty line between paragraphs. "
                                       "Each person gets their own e-mail; replies come to "
                                       "your address."))

    def clean(self) -> dict:
        data = super().clean()
        if {"audience", "subject", "body"} - data.keys():
            return data
        try:
            data["subject"], data["body"], data["role"] = message_clean(
                data["subject"], data["body"], data["audience"], data.get("role", ""))
        except MessageInvalid as exc:
            raise forms.ValidationError(exc.message, code="invalid") from exc
        return data
