"""Directory filters (django-filter). Every parameter arrives from a bookmarkable GET URL;
a malformed one (unknown kind, unknown space id, a huge string) fails its own field's
validation and is then simply not applied, so the list is shown unfiltered, never a 500."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .countries import country_name
from .ids import IdChoiceFilter
from .models import MemberProfile, SpaceKind, SpacePage
from .translations import choices_in_language, originals

MAX_QUERY_LENGTH = 100
SKILL_WORD_SEPARATORS = re.compile(r"[\s/-]+")


def _distinct_values(queryset: QuerySet, field: str) -> list[tuple[str, str]]:
    values = (queryset.order_by().exclude(**{field: ""})
              .values_list(field, flat=True).distinct())
    return [(value, value) for value in sorted(set(values), key=str.casefold)]


class SpaceFilter(django_filters.FilterSet):
    """Spaces directory: free text plus city, region, country (choices from the data) and kind."""

    q = django_filters.CharFilter(
        label=_("Search"), method="filter_text", max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, city…")}))
    city = django_filters.ChoiceFilter(label=_("City"), empty_label=_("Any city"))
    region = django_filters.ChoiceFilter(label=_("Region"), empty_label=_("Any region"))
    country = django_filters.ChoiceFilter(label=_("Country"), empty_label=_("Any country"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=SpaceKind.choices,
                                       empty_label=_("Any kind"))

    class Meta:
        model = SpacePage
        fields = ["q", "city", "region", "country", "kind"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("city", "region"):
            self.filters[name].extra["choices"] = _distinct_values(self.queryset, name)
        # The stored country filters; the reader sees it in their language.
        self.filters["country"].extra["choices"] = sorted(
            ((value, country_name(value)) for value, _label
             in _distinct_values(self.queryset, "country")), key=lambda c: c[1].casefold())

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(city__icontains=value)
                               | Q(tagline__icontains=value) | Q(region__icontains=value))


class MemberFilter(django_filters.FilterSet):
    """Member directory: free text, space (membership or home space), skill, city."""

    q = django_filters.CharFilter(
        label=_("Search"), method="filter_text", max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, headline…")}))
    space = IdChoiceFilter(
        label=_("Space"), method="filter_space", empty_label=_("Any space"),
        queryset=originals(SpacePage.objects.live()).order_by("title"))  # each space once
    skill = django_filters.CharFilter(label=_("Skill"), method="filter_skill",
                                      max_length=MAX_QUERY_LENGTH)
    city = django_filters.CharFilter(label=_("City"), field_name="city", lookup_expr="icontains",
                                     max_length=MAX_QUERY_LENGTH)

    class Meta:
        model = MemberProfile
        fields = ["q", "space", "skill", "city"]

    @property
    def form(self):
        form = super().form
        choices_in_language(form.fields["space"])  # each space named in the reader's language
        return form

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(display_name__icontains=value) | Q(headline__icontains=value)
                               | Q(bio__icontains=value) | Q(city__icontains=value)
                               | skill_words_match(value)).distinct()

    def filter_space(self, queryset: QuerySet, name: str, value: SpacePage | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(Q(home_space=value) | Q(user__memberships__space=value)).distinct()

    def filter_skill(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(skill_words_match(value)).distinct()


def skill_words_match(value: str) -> Q:
    """Profiles with a skill in which `value` starts a word (case-insensitive; spaces,
    hyphens and slashes all separate words): "print", "printing" and "3d printing" all find
    "3D printing" and "3d-printing"; "rinting" does not."""
    words = [re.escape(word) for word in SKILL_WORD_SEPARATORS.split(value) if word]
    if not words:
        return Q(pk__in=[])
    return Q(skills__name__iregex=r"(^|[\s/-])" + r"[\s/-]+".join(words))
