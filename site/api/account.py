"""The member's page for personal API tokens: make one (shown once), see them, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from network.ids import id_fits

from .exceptions import ApiTokenInvalid
from .tokens import TOKEN_NAME_MAX_LENGTH, api_token_create, api_token_revoke, api_tokens_of


def _page(request: HttpRequest, *, new_token: str = "", name: str = "", error: str = "",
          status: int = 200) -> HttpResponse:
    response = render(request, "api/tokens.html", {
        "tokens": api_tokens_of(request.user), "new_token": new_token, "name": name,
        "error": error, "name_max_length": TOKEN_NAME_MAX_LENGTH,
        "schema_url": reverse("api:schema"), "docs_url": reverse("api:docs"),
    }, status=status)
    add_never_cache_headers(response)  # the page may carry a token shown once
    return response


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """GET: the list. POST action=create: a new token, shown on the answer itself (never
    stored in plain, not even in the session). POST action=revoke: revoke `token`."""
    if request.method == "GET":
        return _page(request)
    action = request.POST.get("action")
    if action == "create":
        name = request.POST.get("name", "")
        try:
            new = api_token_create(request.user, name)
        except ApiTokenInvalid as error:
            return _page(request, name=name[:TOKEN_NAME_MAX_LENGTH], error=" ".join(error.messages),
                         status=400)
        return _page(request, new_token=new.plain)
    if action == "revoke":
        token_id = request.POST.get("token", "")
        if id_fits(token_id) and api_token_revoke(request.user, int(token_id)):
            messages.success(request, _("The token is revoked: it no longer works."))
        else:
            messages.error(request, _("No such active token."))
        return redirect("api_tokens")
    return _page(request, error=_("Unknown action."), status=400)
