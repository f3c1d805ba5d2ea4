"""Numeric ids that arrive from outside (URL paths, form fields, query strings).

Every primary key here is a signed 64-bit integer. A larger number cannot name a row, and
SQLite refuses even to compare one (OverflowError, an HTTP 500): Django guards plain integer
columns, but not foreign keys nor the `page_ptr` key of a Wagtail page type. So ids are
checked here, once, before they reach a query:

- in URL paths, the `<id:name>` converter (registered by `NetworkConfig.ready`) matches only
  ids that fit, so a larger one is a plain 404;
- in forms and filters, `IdChoiceField` / `IdChoiceFilter` answer a form error instead.
"""

from __future__ import annotations

import django_filters
from django import forms

MAX_ID = 2**63 - 1


def id_fits(text: str) -> bool:
    """True when `text` is ASCII digits naming a number in 1..MAX_ID (a possible row id)."""
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


class IdConverter:
    """Path converter `<id:...>`: 1 to 19 ASCII digits within a signed 64-bit integer.

    Django reads a ValueError from `to_python` as "this pattern does not match", so an id
    that cannot exist falls through to a 404 instead of reaching the database."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        if not id_fits(value):
            raise ValueError(value)
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(int(value))


class IdChoiceField(forms.ModelChoiceField):
    """A model choice by numeric id that refuses non-numbers and ids beyond a 64-bit integer
    with the field's "invalid choice" error, before they reach the database."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            return super().to_python(value)
        text = str(value).strip()
        if not id_fits(text):
            raise forms.ValidationError(self.error_messages["invalid_choice"],
                                        code="invalid_choice")
        return super().to_python(text)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple model choice by numeric ids: any value that is not a possible row id is
    the field's "invalid pk value" error, before the list reaches the database."""

    def _check_values(self, value):
        for pk in value:
            if not id_fits(str(pk).strip()):
                raise forms.ValidationError(self.error_messages["invalid_pk_value"],
                                            code="invalid_pk_value", params={"pk": pk})
        return super()._check_values(value)


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ModelChoiceFilter through `IdChoiceField`."""

    field_class = IdChoiceField
