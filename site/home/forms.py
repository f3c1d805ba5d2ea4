"""Forms of the site layer: the extra field of allauth's sign-up form."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from network.services import profile_ensure
from network.validators import validate_no_control_characters


class SignupForm(forms.Form):
    """Added to allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS): the name other members
    will see. The new member's profile is created with it (visible to the network only)."""

    display_name = forms.CharField(
        label=_("Your name"), max_length=120, strip=True,
        validators=[validate_no_control_characters, MaxLengthValidator(120)],
        help_text=_("As other members will see it; you can change it later."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request, user) -> None:
        """Called by allauth once the user exists: give them their profile."""
        profile_ensure(user, display_name=self.cleaned_data["display_name"])
