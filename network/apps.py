from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Network")

    def ready(self) -> None:
        from django.urls import register_converter

        from . import signals  # noqa: F401  (SpacePage creation sets up its group)
        from .ids import IdConverter

        # `<id:pk>` in every app's URLs: ids beyond 64 bits are a 404, not a 500.
        register_converter(IdConverter, "id")
