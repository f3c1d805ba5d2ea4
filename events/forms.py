"""Forms of the registration side (the listing's filters live in events.filters)."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from network.ids import IdMultipleChoiceField
from network.validators import validate_no_control_characters

from .badges import LAYOUTS, MAX_BLANKS
from .exceptions import RegistrationAnswersInvalid
from .models import (
    LONG_TEXT_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    QuestionKind,
    RegistrationRole,
)
from .questions import NUMBER_BOUND, answers_clean


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


class RegistrationQuestionsForm(forms.Form):
    """The event's registration questions, one field per question (`q_<id>`); the rules
    are `events.questions.answers_clean`'s, which the registration service applies again."""

    def __init__(self, *args, questions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[self.field_name(question)] = self._field(question)

    @staticmethod
    def field_name(question) -> str:
        return f"q_{question.pk}"

    @staticmethod
    def _field(question) -> forms.Field:
        common = {"label": question.label, "required": question.required,
                  "help_text": question.help_text}
        kind = question.kind
        if kind == QuestionKind.SHORT_TEXT:
            return forms.CharField(max_length=SHORT_TEXT_MAX_LENGTH,
                                   widget=forms.TextInput(attrs={"dir": "auto"}), **common)
        if kind == QuestionKind.LONG_TEXT:
            return forms.CharField(max_length=LONG_TEXT_MAX_LENGTH,
                                   widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
                                   **common)
        choices = [(choice, choice) for choice in question.choice_list]
        if kind == QuestionKind.ONE_CHOICE:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        if kind == QuestionKind.SEVERAL_CHOICES:
            return forms.MultipleChoiceField(choices=choices,
                                             widget=forms.CheckboxSelectMultiple, **common)
        if kind == QuestionKind.YES_NO:
            return forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))],
                                     widget=forms.RadioSelect, **common)
        return forms.DecimalField(max_digits=19, decimal_places=6,
                                  min_value=-NUMBER_BOUND, max_value=NUMBER_BOUND, **common)

    def answers(self) -> dict[int, object]:
        """Question id -> answer, for `registration_create(answers=...)` (valid form only)."""
        return {question.pk: self.cleaned_data.get(self.field_name(question))
                for question in self.questions}

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            answers_clean(self.questions, self.answers())
        except RegistrationAnswersInvalid as exc:
            by_id = {question.pk: question for question in self.questions}
            for pk, message in exc.errors.items():
                self.add_error(self.field_name(by_id[pk]), message)
        return data
