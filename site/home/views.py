"""Site search across spaces, events, pages and the member profiles the viewer may see."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .search import GROUPS, clean_query, site_search

RESULTS_PER_PAGE = 20
PREVIEW_PER_GROUP = 5


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
