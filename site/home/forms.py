"""Forms of the site layer: the extra field of allauth's sign-up form, the confirmation of
an account's erasure."""

from allauth.account.adapter import get_adapter
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


class AccountEraseForm(forms.Form):
    """The member confirms the erasure of their account: their password again (checked by
    allauth's adapter like a reauthentication, so failed attempts are rate-limited like
    logins) and a tick saying they understand."""

    password = forms.CharField(
        label=_("Your password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    confirm = forms.BooleanField(
        label=_("I understand that my account and my data will be erased and that this cannot "
                "be undone."),
        required=True,
        error_messages={"required": _("Tick the box to confirm that you want your account "
                                      "erased.")},
    )

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not get_adapter().reauthenticate(self.user, password):
            raise forms.ValidationError(_("This is not your password."), code="incorrect_password")
        return password
