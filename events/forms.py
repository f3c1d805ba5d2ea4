"""Forms of the registration side (the listing's filters live in events.filters)."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from network.ids import IdMultipleChoiceField
from network.validators import validate_no_control_characters

from .badges import LAYOUTS, MAX_BLANKS
from .models import RegistrationRole


class GuestRegistrationForm(forms.Form):
    """Name and e-mail of someone registering without an account."""

    name = forms.CharField(label=_("Your name"), max_length=120, strip=False,
                           validators=[validate_no_control_characters])
    email = forms.EmailField(label=_("Your e-mail"), max_length=254)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not strip_tags(name).strip():
            raise forms.ValidationError(_("Please write your name as plain text."),
                                        code="html_only")
        return name

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if any(ch in email for ch in "\r\n"):
            raise forms.ValidationError(_("Enter a valid email address."), code="invalid")
        return email.lower()


class RegistrationRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=RegistrationRole.choices)


class WalkInForm(forms.Form):
    """Someone registering at the door: the e-mail of a member registers that member;
    any other address registers a guest with this name."""

    name = forms.CharField(label=_("Name"), max_length=120, required=False, strip=False,
                           validators=[validate_no_control_characters],
                           help_text=_("Not needed for members: their e-mail is enough."))
    email = forms.EmailField(label=_("E-mail"), max_length=254)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class BadgeForm(forms.Form):
    """What to print on badges: the layout, whom (everyone confirmed, a selection, or
    only blank badges) and how many blank badges for walk-ins."""

    EVERYONE, SELECTED, BLANKS = "everyone", "selected", "blanks"

    layout = forms.ChoiceField(label=_("Layout"))
    who = forms.ChoiceField(label=_("Who"), widget=forms.RadioSelect, initial=EVERYONE,
                            choices=[(EVERYONE, _("Everyone confirmed")),
                                     (SELECTED, _("Only the people selected below")),
                                     (BLANKS, _("Only blank badges"))])
    registrations = IdMultipleChoiceField(
        label=_("People"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple)
    blanks = forms.IntegerField(label=_("Blank badges for walk-ins"), min_value=0,
                                initial=0)

    def __init__(self, *args, registrations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["layout"].choices = [(key, layout.title) for key, layout in LAYOUTS.items()]
        self.fields["registrations"].queryset = registrations
        self.fields["registrations"].label_from_instance = lambda r: r.person_name
        self.fields["blanks"].max_value = MAX_BLANKS
        self.fields["blanks"].validators.append(MaxValueValidator(MAX_BLANKS))
        self.fields["blanks"].widget.attrs["max"] = MAX_BLANKS

    def clean(self) -> dict:
        data = super().clean()
        who = data.get("who")
        if who == self.SELECTED and not data.get("registrations"):
            self.add_error("registrations", _("Select at least one person."))
        if who == self.BLANKS and not data.get("blanks"):
            self.add_error("blanks", _("How many blank badges?"))
        return data
