from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from api.account import api_tokens
from home import views as home_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("search/", home_views.search, name="search"),
    path("api/v1/", include("api.urls")),
    path("me/api-tokens/", api_tokens, name="api_tokens"),
    path("", include("home.urls")),
    path("", include("network.urls")),
    path("", include("events.urls")),
    path("", include("events.programme.urls")),
    path("", include("events.badge_runs.urls")),
    path("", include("events.following.urls")),
    path("", include("events.messaging.urls")),
    path("", include("credits.urls")),
    path("", include("reports.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Pages under their language (/en/..., /it/...); an address without one is redirected to the
# visitor's language by LocaleMiddleware. Everything above keeps its unprefixed address.
urlpatterns += i18n_patterns(path("", include(wagtail_urls)), prefix_default_language=True)
