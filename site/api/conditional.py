"""Conditional GET for every API answer: a strong ETag from the body, a 304 when the
client's If-None-Match still matches.

The ETag is the hash of the bytes sent, so it is right by construction for every endpoint
(personal ones included); the saving is the transfer and the client's work, not the
queries. Answers vary with the token and the language: `Vary: Authorization,
Accept-Language` keeps shared caches from mixing them, and answers to a token are private.
"""

import hashlib

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import quote_etag

PUBLIC_MAX_AGE = 60


def conditional_response(request: HttpRequest, response: HttpResponse, *,
                         private: bool) -> HttpResponse:
    """Add ETag, Vary and Cache-Control to a rendered 200 answer to GET/HEAD; a 304 instead
    when If-None-Match matches. Other answers pass through untouched."""
    patch_vary_headers(response, ("Authorization", "Accept-Language"))
    if private:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    response.headers["ETag"] = etag
    not_modified = get_conditional_response(request, etag=etag, response=response)
    return not_modified if not_modified is not None else response
