"""Event URLs: registration (events.urls_registration) and discovery/calendars
(events.urls_discovery) are kept in two lists owned by their own view modules."""

from .urls_discovery import urlpatterns as discovery_urlpatterns
from .urls_registration import urlpatterns as registration_urlpatterns

app_name = "events"

urlpatterns = [*registration_urlpatterns, *discovery_urlpatterns]
