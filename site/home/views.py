"""Site search across spaces, events, pages and the member profiles the viewer may see; the
member's own data (see it, download it, erase the account)."""

import json

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from network.db_retry import db_retry
from network.pagecache.marks import public_page_cache

from .forms import AccountEraseForm
from .privacy import ErasureNotAllowed, member_data_export, member_erase, member_erase_preview
from .search import GROUPS, clean_query, site_search

RESULTS_PER_PAGE = 20
PREVIEW_PER_GROUP = 5


@public_page_cache
def search(request: HttpRequest) -> HttpResponse:
    """/search/?q=...[&type=spaces|events|members|pages][&page=N]

    Without `type`, every group shows its first results and its total; with a known `type`,
    that group alone, paginated. Bad parameters fall back to the defaults (never a 500)."""
    query = clean_query(request.GET.get("q"))
    kind = request.GET.get("type")
    if kind not in GROUPS:
        kind = None
    groups = site_search(query, request.user)
    context = {"search_query": query, "groups": groups, "kind": kind, "page_obj": None,
               "total": sum(group.count for group in groups) if query else 0}
    if kind:
        group = next(group for group in groups if group.key == kind)
        context["group"] = group
        context["page_obj"] = Paginator(group.results, RESULTS_PER_PAGE).get_page(
            request.GET.get("page"))
    else:
        context["previews"] = [(group, list(group.results[:PREVIEW_PER_GROUP]))
                               for group in groups if query and group.count]
    return render(request, "home/search.html", context)


# --- the member's own data (home.privacy) ------------------------------------------------

def _private(response: HttpResponse) -> HttpResponse:
    """Personal data: never stored by a shared cache or kept by the browser."""
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything the network holds about the member, as a readable page."""
    return _private(render(request, "home/privacy/my_data.html",
                           {"data": member_data_export(request.user)}))


@login_required
def my_data_download(request: HttpRequest) -> HttpResponse:
    """The same data as a JSON file to keep or take elsewhere."""
    data = member_data_export(request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    filename = f"espresso-my-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@login_required
@require_http_methods(["GET", "POST"])
def account_erase(request: HttpRequest) -> HttpResponse:
    """The member erases their own account after confirming (password and a tick); they are
    logged out and see a goodbye page. A replayed POST finds them logged out already."""
    form = AccountEraseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            db_retry(member_erase)(request.user, by=request.user)
        except ErasureNotAllowed as exc:  # a superuser's own account
            form.add_error(None, str(exc))
        else:
            logout(request)
            return redirect("home:account_erased")
    response = render(request, "home/privacy/erase.html", {
        "form": form, "preview": member_erase_preview(request.user)},
        status=400 if form.is_bound else 200)
    return _private(response)


def account_erased(request: HttpRequest) -> HttpResponse:
    """The goodbye page after an erasure (no personal data on it)."""
    return render(request, "home/privacy/erased.html")
