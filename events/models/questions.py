"""Registration questions an event asks, and the answers people gave.

An answer keeps the question as it was answered (its text, kind, choices and sensitivity),
so editing or deleting a question later never makes an answer unreadable or changes who
may see it. Answers are written only through `events.services.registration_create`, in
the registration's transaction; `events.questions` decides who sees them and erases them.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable

from network.validators import validate_no_control_characters

QUESTION_LABEL_MAX_LENGTH = 200
CHOICE_MAX_LENGTH = 200
MAX_CHOICES = 50
#: the longest answer kept for a long-text question (short text: 200)
LONG_TEXT_MAX_LENGTH = 5_000
SHORT_TEXT_MAX_LENGTH = 200


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    ONE_CHOICE = "one_choice", _("One choice")
    SEVERAL_CHOICES = "several_choices", _("Several choices")
    YES_NO = "yes_no", _("Yes or no")
    NUMBER = "number", _("Number")


CHOICE_KINDS = (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES)


def choice_lines(text: str) -> list[str]:
    """The choices of a question, one per line, blank lines and repeats left out."""
    seen: list[str] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line and line not in seen:
            seen.append(line)
    return seen


class RegistrationQuestion(Orderable):
    """One question of an event's registration form (edited in the event's page editor)."""

    event = ParentalKey("events.EventPage", on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=QUESTION_LABEL_MAX_LENGTH,
                             validators=[validate_no_control_characters])
    kind = models.CharField(_("kind of answer"), max_length=20, choices=QuestionKind.choices,
                            default=QuestionKind.SHORT_TEXT)
    help_text = models.CharField(_("help text"), max_length=300, blank=True,
                                 validators=[validate_no_control_characters])
    choices = models.TextField(_("choices"), blank=True,
                               help_text=_("One per line; for “one choice” and “several "
                                           "choices” only."))
    required = models.BooleanField(_("required"), default=False)
    sensitive = models.BooleanField(
        _("sensitive (health, access needs)"), default=False,
        help_text=_("Only this space's organisers see the answers, and they are erased a "
                    "while after the event."))
    coordinators_may_see = models.BooleanField(
        _("network coordinators may see sensitive answers"), default=False)

    panels = [
        FieldRowPanel([FieldPanel("label"), FieldPanel("kind")]),
        FieldPanel("help_text"),
        FieldPanel("choices"),
        FieldRowPanel([FieldPanel("required"), FieldPanel("sensitive"),
                       FieldPanel("coordinators_may_see")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return choice_lines(self.choices)

    def clean(self) -> None:
        super().clean()
        choices = self.choice_list
        if self.kind in CHOICE_KINDS:
            if len(choices) < 2:
                raise ValidationError({"choices": _("Give at least two choices, one per line.")})
            if len(choices) > MAX_CHOICES or any(len(c) > CHOICE_MAX_LENGTH for c in choices):
                raise ValidationError({"choices": _(
                    "At most %(n)s choices of up to %(length)s characters each.")
                    % {"n": MAX_CHOICES, "length": CHOICE_MAX_LENGTH}})
        elif choices:
            raise ValidationError({"choices": _("Only choice questions have choices.")})
        if self.coordinators_may_see and not self.sensitive:
            self.coordinators_may_see = False


class RegistrationAnswer(models.Model):
    """One person's answer to one question, with the question as it was answered."""

    registration = models.ForeignKey("events.Registration", on_delete=models.CASCADE,
                                     related_name="answers", editable=False)
    question = models.ForeignKey(RegistrationQuestion, null=True, on_delete=models.SET_NULL,
                                 related_name="answers", editable=False)
    label = models.CharField(max_length=QUESTION_LABEL_MAX_LENGTH, editable=False)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices, editable=False)
    choices = models.JSONField(default=list, blank=True, editable=False)
    sensitive = models.BooleanField(default=False, editable=False)
    coordinators_may_see = models.BooleanField(default=False, editable=False)
    #: str (texts, one choice), list[str] (several choices), bool (yes/no), number as str
    value = models.JSONField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("registration answer")
        verbose_name_plural = _("registration answers")
        ordering = ["registration", "pk"]
        constraints = [models.UniqueConstraint(fields=["registration", "question"],
                                               name="answer_once_per_question")]

    def __str__(self) -> str:
        return f"{self.label}: {self.text}"

    @property
    def text(self) -> str:
        """The answer as one piece of text (for the admin and the exports)."""
        if self.kind == QuestionKind.YES_NO:
            return str(_("Yes") if self.value else _("No"))
        if isinstance(self.value, list):
            return ", ".join(str(item) for item in self.value)
        return str(self.value)
