"""Rate limits: per token for authenticated requests, per client address otherwise.

DRF's throttles keep their counters in Django's default cache, so with a shared cache
(CACHE_URL, e.g. Redis or Memcached) every node counts against the same limit. Client
addresses come from REMOTE_ADDR, or X-Forwarded-For behind API_TRUSTED_PROXIES proxies
(DRF's NUM_PROXIES), so a client cannot pick its own address with a forged header.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class _LiveRate:
    """Read the rate from the settings at each request (DRF reads them once, at import)."""

    scope: str

    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class ApiAnonThrottle(_LiveRate, AnonRateThrottle):
    scope = "api_anon"


class ApiTokenThrottle(_LiveRate, SimpleRateThrottle):
    """Counts per token (two tokens of one member have separate budgets)."""

    scope = "api_token"

    def get_cache_key(self, request, view) -> str | None:
        token = getattr(request, "auth", None)
        if token is None or not getattr(request.user, "is_authenticated", False):
            return None  # anonymous: ApiAnonThrottle counts it
        return self.cache_format % {"scope": self.scope, "ident": f"token-{token.pk}"}
