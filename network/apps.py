from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Network")

    def ready(self) -> None:
        from django.urls import register_converter

        from . import signals  # noqa: F401  (SpacePage creation sets up its group)
        from .dates import month_abbreviation_keep_case
        from .ids import IdConverter
        from .models import MemberDirectoryPage, SpaceIndexPage, SpacePage
        from .pagecache.marks import register_public_page_types

        # Anonymous views of these pages are served from the page cache (network.pagecache).
        register_public_page_types(SpaceIndexPage, SpacePage, MemberDirectoryPage)

        # `<id:pk>` in every app's URLs: ids beyond 64 bits are a 404, not a 500.
        register_converter(IdConverter, "id")

        # "3 dic 2026" in Italian, not "3 Dic 2026" (issue 10; network.dates says why).
        month_abbreviation_keep_case()
