from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Home")

    def ready(self) -> None:
        from network.pagecache.marks import register_public_page_types

        from .models import FormatPage, HomePage

        # Anonymous views of these pages are served from the page cache (network.pagecache).
        register_public_page_types(HomePage, FormatPage)
