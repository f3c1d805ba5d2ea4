"""Named errors of the API's services."""

from django.core.exceptions import ValidationError


class ApiTokenInvalid(ValidationError):
    """A token cannot be made as asked (a bad name, or too many active tokens)."""
