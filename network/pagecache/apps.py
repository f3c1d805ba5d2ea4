from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class PageCacheConfig(AppConfig):
    name = "network.pagecache"
    label = "pagecache"
    verbose_name = _("Page cache")

    def ready(self) -> None:
        from .triggers import triggers_install_after_migrate, triggers_uninstall_before_migrate

        # After every migrate (and every flush, which emits post_migrate): each table that
        # pages may show gets its trigger, and the version row exists.
        post_migrate.connect(triggers_install_after_migrate, sender=self,
                             dispatch_uid="pagecache_triggers")
        pre_migrate.connect(triggers_uninstall_before_migrate, sender=self,
                            dispatch_uid="pagecache_triggers_off")
