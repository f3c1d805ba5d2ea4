"""Registration questions: checking answers, saving them, who may read them, erasing them.

- `answers_clean(questions, raw)` checks raw answers (a form's cleaned data, or any dict
  keyed by question id) against the questions and returns what to store; a wrong answer
  raises `RegistrationAnswersInvalid` with one message per question, so nothing is registered.
- `answers_save` is called by `events.services.registration_create` inside the
  registration's transaction, for a new registration only.
- Sensitive answers (health, access needs) are read only by the organisers of the event's
  own space (`network.permissions.space_organisers`), and by network coordinators only when
  the question allowed it; not by other spaces' organisers, whatever their other rights.
- `sensitive_answers_erase` deletes the sensitive answers of events that ended more than
  `EVENTS_SENSITIVE_ANSWERS_KEEP_DAYS` days ago (a periodic task runs it);
  `events.privacy` deletes all of a member's answers with the rest of their data.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from network.permissions import space_organisers, user_is_coordinator, user_organises_space

from .exceptions import RegistrationAnswersInvalid
from .models import (
    CHOICE_KINDS,
    LONG_TEXT_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    EventPage,
    QuestionKind,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
)

#: numbers people may give: whole or decimal, within +/- this bound
NUMBER_BOUND = Decimal(1_000_000_000)


@dataclass
class CleanAnswer:
    question: RegistrationQuestion
    value: object = field(default=None)


def event_questions(event: EventPage) -> list[RegistrationQuestion]:
    """The questions the event asks, in their order."""
    return list(RegistrationQuestion.objects.filter(event_id=event.pk).order_by("sort_order",
                                                                              "pk"))


def _is_blank(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str)
                                                           and not value.strip())


def _has_control_characters(text: str, *, multiline: bool) -> bool:
    allowed = "\n\t" if multiline else ""
    return any((ord(ch) < 32 and ch not in allowed) or ord(ch) == 127 for ch in text)


def _clean_one(question: RegistrationQuestion, value):
    """The value to store, or raise ValueError with the message for people."""
    kind = question.kind
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        multiline = kind == QuestionKind.LONG_TEXT
        text = str(value).replace("\r\n", "\n").strip()
        limit = LONG_TEXT_MAX_LENGTH if multiline else SHORT_TEXT_MAX_LENGTH
        if len(text) > limit:
            raise ValueError(_("At most %(n)s characters.") % {"n": limit})
        if _has_control_characters(text, multiline=multiline):
            raise ValueError(_("Use a single line without control characters.") if not multiline
                             else _("The answer contains control characters."))
        return text
    if kind == QuestionKind.ONE_CHOICE:
        if not isinstance(value, str) or value not in question.choice_list:
            raise ValueError(_("Choose one of the choices offered."))
        return value
    if kind == QuestionKind.SEVERAL_CHOICES:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            raise ValueError(_("Choose among the choices offered."))
        values = list(value)
        if any(item not in question.choice_list for item in values):
            raise ValueError(_("Choose among the choices offered."))
        return [choice for choice in question.choice_list if choice in values]
    if kind == QuestionKind.YES_NO:
        if isinstance(value, bool):
            return value
        if value in ("yes", "no"):
            return value == "yes"
        raise ValueError(_("Answer yes or no."))
    if kind == QuestionKind.NUMBER:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(_("Enter a number.")) from exc
        if not number.is_finite() or abs(number) > NUMBER_BOUND:
            raise ValueError(_("Enter a number between -1,000,000,000 and 1,000,000,000."))
        return format(number.normalize(), "f") if number != number.to_integral() else str(
            int(number))
    raise ValueError(_("Unknown kind of question."))


def answers_clean(questions: list[RegistrationQuestion], raw: dict) -> list[CleanAnswer]:
    """Check `raw` (question id -> answer) against `questions`. An unanswered optional
    question stores nothing; ids that are not among the questions are ignored.
    Raises RegistrationAnswersInvalid naming every question answered wrongly, or left out
    while required."""
    errors: dict[int, str] = {}
    cleaned: list[CleanAnswer] = []
    for question in questions:
        value = raw.get(question.pk)
        if question.kind == QuestionKind.YES_NO and value is False:
            pass  # "no" is an answer, not a blank
        elif _is_blank(value):
            if question.required:
                errors[question.pk] = str(_("This question needs an answer."))
            continue
        try:
            cleaned.append(CleanAnswer(question, _clean_one(question, value)))
        except ValueError as exc:
            errors[question.pk] = str(exc)
    if errors:
        raise RegistrationAnswersInvalid(errors)
    return cleaned


def answers_save(registration: Registration, answers: list[CleanAnswer]) -> None:
    """Store the answers of a new registration with the questions as answered (inside the
    caller's transaction)."""
    RegistrationAnswer.objects.bulk_create(
        RegistrationAnswer(registration=registration, question=answer.question,
                           label=answer.question.label, kind=answer.question.kind,
                           choices=answer.question.choice_list if answer.question.kind
                           in CHOICE_KINDS else [],
                           sensitive=answer.question.sensitive,
                           coordinators_may_see=answer.question.sensitive
                           and answer.question.coordinators_may_see,
                           value=answer.value)
        for answer in answers)


def _access(user, event: EventPage) -> tuple[bool, bool]:
    """(may read ordinary answers, may read every sensitive answer) of `event`; cached on
    the user object for the request, so an export of many rows asks once per event."""
    cache = user.__dict__.setdefault("_events_answer_access", {})
    if event.pk not in cache:
        ordinary = user_organises_space(user, event.space_id)
        own_space = (ordinary and event.space_id is not None
                     and space_organisers(event.space).filter(pk=user.pk).exists())
        cache[event.pk] = (ordinary, own_space)
    return cache[event.pk]


def answers_visible_to(user, registration: Registration) -> list[RegistrationAnswer]:
    """The answers of `registration` that `user` may read, in the form's order: nothing
    for someone who does not organise the event's space; sensitive ones only for the
    organisers of that space, or coordinators when the question allowed it."""
    if not getattr(user, "is_authenticated", False):
        return []
    ordinary, own_space = _access(user, registration.event)
    if not ordinary:
        return []
    coordinator = user_is_coordinator(user)
    return [answer for answer in registration.answers.all()
            if not answer.sensitive or own_space
            or (coordinator and answer.coordinators_may_see)]


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text: a leading =, +, -, @ (a formula) gets a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def answers_text(answers: list[RegistrationAnswer]) -> str:
    """The answers as one line of text: "Question: answer; Question: answer"."""
    return "; ".join(f"{answer.label}: {answer.text}" for answer in answers)


def sensitive_answers_keep_days() -> int:
    return int(getattr(settings, "EVENTS_SENSITIVE_ANSWERS_KEEP_DAYS", 30))


def sensitive_answers_due(now=None) -> QuerySet[RegistrationAnswer]:
    """Sensitive answers of events that ended more than the kept number of days ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=sensitive_answers_keep_days())
    return RegistrationAnswer.objects.filter(sensitive=True,
                                             registration__event__ends_at__lt=cutoff)


def sensitive_answers_erase(now=None) -> int:
    """Delete the sensitive answers that are due (see `sensitive_answers_due`). Idempotent.
    Returns how many were deleted."""
    deleted, _per_model = RegistrationAnswer.objects.filter(
        pk__in=list(sensitive_answers_due(now).values_list("pk", flat=True))).delete()
    return deleted


@task()
def sensitive_answers_erase_periodic() -> int:
    """The periodic job (see `manage.py enqueue_periodic_tasks`)."""
    return sensitive_answers_erase()
