"""Cursor pagination: a client walking the pages sees every row once, in a fixed order,
even while rows are added (no page shifts as with page numbers), and no page costs a
COUNT over the whole table. Each view's order ends with a unique key (the id).

Cursors are signed (django.core.signing) and name the order they were made for: a forged,
truncated or foreign cursor is a 400 with a message; it never reaches a query (DRF's own
cursor carries a bare position that the database would be asked to compare with a date).
A malformed `page_size` is a 400 too.
"""

from django.core import signing
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CURSOR_MAX_LENGTH = 1000
CURSOR_SALT = "api.pagination.cursor"


class StableCursorPagination(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("pk",)

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        """The view's `pagination_ordering(request)` when it has one (the events' order
        depends on the `when` filter), else `ordering`."""
        if hasattr(view, "pagination_ordering"):
            return tuple(view.pagination_ordering(request))
        return self.ordering

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 4
                and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError({self.page_size_query_param: [
                _("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}]})
        return int(raw)

    def encode_cursor(self, cursor: Cursor) -> str:
        tokens = {"k": ",".join(self.ordering), "o": cursor.offset, "r": int(cursor.reverse),
                  "p": cursor.position}
        encoded = signing.dumps(tokens, salt=CURSOR_SALT, compress=True)
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def decode_cursor(self, request) -> Cursor | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        invalid = ValidationError({self.cursor_query_param: [
            _("Invalid cursor: use the “next” or “previous” address of a page as it is.")]})
        if len(encoded) > CURSOR_MAX_LENGTH:
            raise invalid
        try:
            tokens = signing.loads(encoded, salt=CURSOR_SALT)
            ordering, offset = tokens["k"], tokens["o"]
            reverse, position = tokens["r"], tokens["p"]
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise invalid from None
        if (ordering != ",".join(self.ordering) or type(offset) is not int
                or not 0 <= offset <= self.offset_cutoff or reverse not in (0, 1)
                or not (position is None or isinstance(position, str))):
            raise invalid
        return Cursor(offset=offset, reverse=bool(reverse), position=position)
