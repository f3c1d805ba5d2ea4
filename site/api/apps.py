from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The read API (/api/v1/): what other sites and members' own tools read."""

    name = "api"
    verbose_name = _("Read API")
    default_auto_field = "django.db.models.BigAutoField"
