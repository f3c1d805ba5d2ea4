"""The filters of the event listing, shared by the page, the .ics and the JSON feeds.

Every parameter is validated by a form: a malformed value (unknown space, a date
like 2024-13-45, a NUL byte) becomes a form error shown above the list and that
filter is ignored; it never reaches the database.
"""

import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from network.models import SpacePage
from network.translations import originals, titles_in_language

from .models import EventFormat, EventPage, EventTopic

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)

WHEN_CHOICES = [("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All dates"))]
PRICE_CHOICES = [("free", _("Free")), ("paid", _("Paid with credits"))]


def _date_field_kwargs() -> dict:
    return {
        "validators": [MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)],
        "widget": forms.DateInput(attrs={"type": "date"}),
    }


def event_filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The choices of the space, city, region and topic filters (three queries: the live
    spaces give the first three, named in the active language, the topics used by events
    the last). Callers that keep them keep them per language."""
    spaces = list(originals(SpacePage.objects.live())  # each space once
                  .values_list("pk", "slug", "city", "region"))
    titles = titles_in_language(pk for pk, _s, _c, _r in spaces)  # in the reader's language
    topics = (Tag.objects.filter(pk__in=EventTopic.objects.values("tag_id"))
              .order_by("name").values_list("slug", "name"))
    spaces = [(slug, titles[pk], city, region) for pk, slug, city, region in spaces]
    return {
        "space": sorted(((slug, title) for slug, title, _c, _r in spaces),
                        key=lambda choice: (choice[1].casefold(), choice[0])),
        "city": [(city, city) for city in sorted({c for _s, _t, c, _r in spaces if c})],
        "region": [(region, region) for region in sorted({r for _s, _t, _c, r in spaces if r})],
        "topic": list(topics),
    }


class EventFilterForm(forms.Form):
    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned


class EventFilterSet(django_filters.FilterSet):
    """Listing filters. `when` (upcoming/past/all) also decides the order."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_text", max_length=200)
    when = django_filters.ChoiceFilter(label=_("When"), choices=WHEN_CHOICES, method="filter_noop",
                                       empty_label=None)
    space = django_filters.ChoiceFilter(label=_("Space"), method="filter_space",
                                        empty_label=_("All spaces"))
    city = django_filters.ChoiceFilter(label=_("City"), method="filter_city",
                                       empty_label=_("All cities"))
    region = django_filters.ChoiceFilter(label=_("Region"), method="filter_region",
                                         empty_label=_("All regions"))
    format = django_filters.ChoiceFilter(label=_("Format"), choices=EventFormat.choices,
                                         empty_label=_("All formats"))
    topic = django_filters.ChoiceFilter(label=_("Topic"), method="filter_topic",
                                        empty_label=_("All topics"))
    language = django_filters.ChoiceFilter(label=_("Language"), choices=settings.LANGUAGES,
                                           empty_label=_("Any language"))
    date_from = django_filters.DateFilter(label=_("From"), method="filter_date_from",
                                          **_date_field_kwargs())
    date_to = django_filters.DateFilter(label=_("To"), method="filter_date_to",
                                        **_date_field_kwargs())
    price = django_filters.ChoiceFilter(label=_("Price"), choices=PRICE_CHOICES,
                                        method="filter_price", empty_label=_("Free or paid"))
    seats = django_filters.BooleanFilter(label=_("Only with seats left"), method="filter_seats",
                                         widget=forms.CheckboxInput)

    class Meta:
        model = EventPage
        fields: list[str] = []
        form = EventFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None,
                 now: dt.datetime | None = None,
                 choices: dict[str, list[tuple[str, str]]] | None = None):
        """`choices`: what `event_filter_choices()` returns, if the caller has it already
        (the listing page keeps it under the content version); read here otherwise."""
        super().__init__(data=data, queryset=queryset, request=request, prefix=prefix)
        self.now = now or timezone.now()
        for name, values in (choices or event_filter_choices()).items():
            self.filters[name].extra["choices"] = values

    # --- filter methods ---------------------------------------------------------------

    def filter_noop(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # applied in filter_queryset, also when the parameter is missing

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(summary__icontains=value)
            | Q(space__title__icontains=value) | Q(space__city__icontains=value)
            | Q(pk__in=EventTopic.objects.filter(tag__name__icontains=value)
                .values("content_object_id")))

    def filter_space(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(space__slug=value)

    def filter_city(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(space__city=value)

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(space__region=value)

    def filter_topic(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pk__in=EventTopic.objects.filter(tag__slug=value)
                               .values("content_object_id"))

    def filter_date_from(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        start = dt.datetime.combine(value, dt.time.min, tzinfo=timezone.get_default_timezone())
        return queryset.filter(ends_at__gt=start)

    def filter_date_to(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        end = dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min,
                                  tzinfo=timezone.get_default_timezone())
        return queryset.filter(starts_at__lt=end)

    def filter_price(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "free":
            return queryset.filter(price_credits=0)
        return queryset.filter(price_credits__gt=0)

    def filter_seats(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        # Needs the `seats_taken_count` annotation of events.selectors; unlimited = seats left.
        if not value:
            return queryset
        return queryset.filter(Q(capacity__isnull=True)
                               | Q(capacity__gt=F("seats_taken_count")))

    # --- the time window and the order ------------------------------------------------

    @property
    def time_window(self) -> str:
        """upcoming (the default, also for a malformed value), past or all."""
        if not self.is_bound:
            return "upcoming"
        self.form.is_valid()  # fills cleaned_data with the valid fields
        value = self.form.cleaned_data.get("when")
        return value if value in dict(WHEN_CHOICES) else "upcoming"

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        when = self.time_window
        if when == "upcoming":
            return queryset.filter(ends_at__gte=self.now).order_by("starts_at", "pk")
        if when == "past":
            return queryset.filter(ends_at__lt=self.now).order_by("-starts_at", "-pk")
        return queryset.order_by("starts_at", "pk")

    @property
    def active_filters(self) -> dict[str, str]:
        """The valid, non-empty parameters (to rebuild bookmarkable URLs and feed links)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        active = {}
        for name in self.filters:
            value = self.form.cleaned_data.get(name)
            if value in (None, "", False):
                continue
            if value is True:
                active[name] = "on"  # what the checkbox sends
            elif isinstance(value, dt.date):
                active[name] = value.isoformat()
            else:
                active[name] = str(value)
        if active.get("when") == "upcoming":
            del active["when"]
        return active

