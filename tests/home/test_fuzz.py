"""Hostile input everywhere: no address of the URL map answers a server error (issue 10).

The walk takes every route of the project (its own views and its admin viewsets), Wagtail's
live pages and the admin views organisers use, fills each path parameter with a real object
of a small network, then, for an organiser, a member, a coordinator and an anonymous visitor:

1. GETs each address;
2. puts each bad value of `fuzz_walk.HOSTILE` into every path parameter (a shorter list);
3. puts every bad value into every query parameter the page's GET forms name, plus the ones
   views read without a form (by rotation: one request tries many slots at once);
4. POSTs every form found on those pages: once with no fields at all (a tampered form), then
   every bad value in every field, by rotation. POSTs run last: they may cancel or erase
   the objects the earlier stages need.

It asserts thousands of inputs and no answer of 500 or more, in well under a minute.
"""

from __future__ import annotations

import time

import pytest
from django.test import Client
from wagtail.models import Page

from network.models import Membership
from network.services import coordinators_group_ensure
from tests.events.programme.factories import make_unconference
from tests.home.fuzz_walk import (
    HOSTILE,
    HOSTILE_PATH,
    KNOWN_QUERY_PARAMS,
    PARAMETER,
    Walk,
    fill,
    forms_of,
    postable,
    project_routes,
    rotations,
)
from tests.home.privacy_factories import member_with_everything
from tests.network.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.strictest_db]

PROJECT_MODULES = ("home.", "network.", "events.", "credits.")
#: The project's admin viewsets (their views are Wagtail's generic classes).
PROJECT_ADMIN = ("/admin/events/", "/admin/member_profiles/", "/admin/memberships/",
                 "/admin/credits", "/admin/unconferences/", "/admin/members/")
#: Logging out would end the session the rest of the walk needs.
SKIPPED = ("/accounts/logout/",)


@pytest.fixture
def network(site_tree):
    """A small network with one of everything a URL can name."""
    world = member_with_everything(site_tree)
    u = make_unconference(site_tree, space=world.space, people=2, rooms=1, slots=1)
    proposal = u.propose(u.people[0], "Open source in coworking")
    coordinator = UserFactory(username="fuzz-coordinator", email="coordinator@example.org")
    coordinator.groups.add(coordinators_group_ensure())
    return {"world": world, "u": u, "proposal": proposal, "coordinator": coordinator,
            "site_tree": site_tree}


def real_values(network) -> dict[str, list[tuple[str, str]]]:
    """For a path parameter: (a word the route must contain, a real value) pairs."""
    world, u = network["world"], network["u"]
    token = world.member.calendar_tokens.filter(revoked_at__isnull=True).get().token
    membership = Membership.objects.filter(user=world.member).get()
    return {
        "event_id": [("", str(u.event.pk))],
        "space_id": [("", str(world.space.pk))],
        "slug": [("members/", world.profile.slug), (".ics", world.space.slug)],
        "token": [("", token)],
        "code": [("", world.seat.ticket_code)],
        "secret": [("", str(world.guest.secret))],
        "pk": [("passes", str(world.day_pass.pk)), ("proposals", str(network["proposal"].pk)),
               ("sessions", str(network["proposal"].pk)), ("registrations", str(world.seat.pk)),
               ("event/", str(world.paid_event.pk)), ("memberships", str(membership.pk)),
               ("member_profiles", str(world.profile.pk)), ("erase", str(world.profile.pk)),
               ("credits", "1"), ("unconferences", str(u.programme.pk)),
               ("", str(world.seat.pk))],
    }


def all_routes() -> list[str]:
    return [route for route in project_routes((*PROJECT_MODULES, "wagtail."), SKIPPED)
            if ("/" + route).startswith(PROJECT_ADMIN)
            or not route.startswith(("admin/", "django-admin/"))]


def wagtail_urls(network) -> list[str]:
    """Wagtail's live pages and the admin views organisers use most."""
    world, tree = network["world"], network["site_tree"]
    # One page of each type: pages of a type share their view and forms.
    pages = list({type(page): page.url for page in Page.objects.live().specific()
                  if page.url}.values())
    admin = ["/admin/", "/admin/pages/", f"/admin/pages/{tree.home.pk}/",
             f"/admin/pages/{world.space.pk}/", f"/admin/pages/{world.paid_event.pk}/edit/",
             f"/admin/pages/{world.space.pk}/edit/", f"/admin/pages/{tree.home.pk}/edit/",
             f"/admin/pages/add/events/eventpage/{world.space.pk}/", "/admin/pages/search/",
             "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
    return pages + admin


def test_no_hostile_input_gets_a_server_error(network, settings):
    settings.DEBUG = False
    started, cpu_started = time.monotonic(), time.process_time()
    walk = Walk()
    clients = {role: Client(raise_request_exception=False)
               for role in ("organiser", "coordinator", "member", "anonymous")}
    clients["organiser"].force_login(network["u"].organiser)
    clients["coordinator"].force_login(network["coordinator"])
    clients["member"].force_login(network["world"].member)
    organiser = clients["organiser"]

    values = real_values(network)
    routes = all_routes()
    urls = [url for url in (fill(route, values) for route in routes) if url]
    assert len(urls) > 60
    urls = list(dict.fromkeys(urls + wagtail_urls(network)))

    # 1. Every address for every role; the pages' forms are collected on the way.
    forms: dict[tuple, dict] = {}
    query_names: dict[str, set[str]] = {}
    for url in urls:
        for role, client in clients.items():
            if role == "coordinator" and not url.startswith("/admin/"):
                continue  # outside the admin a coordinator sees what a member sees
            response = walk.send(client, "get", url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            names = query_names.setdefault(url, set(KNOWN_QUERY_PARAMS))
            for form in forms_of(response.content.decode(errors="replace")):
                if form["method"] == "get":
                    names.update(form["fields"])
                elif (action := postable(form, url)) is not None:
                    key = (action, tuple(sorted(form["fields"])))
                    forms.setdefault(key, {**form, "action": action, "role": role})

    # 2. Bad values in every path parameter.
    for route in routes:
        for name in {match.group(2) for match in PARAMETER.finditer(route)}:
            for value in HOSTILE_PATH:
                url = fill(route, values, {name: value})
                if url is not None:
                    walk.send(organiser, "get", url, inputs=1)

    # 3. Bad values in every query parameter, by rotation.
    for url, names in query_names.items():
        for data in rotations(sorted(names)):
            walk.send(organiser, "get", url.split("?")[0], data, inputs=len(data))

    # 4. Every form: without its fields, then bad values in every field, by rotation.
    for form in forms.values():
        client = clients[form["role"]]
        walk.send(client, "post", form["action"], {})
        names = sorted(name for name in form["fields"] if name != "csrfmiddlewaretoken")
        for data in rotations(names):
            if "submit" in form:
                data.setdefault(*form["submit"])
            walk.send(client, "post", form["action"], {**form["fields"], **data},
                      inputs=len(names))

    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    print(f"fuzz: {walk.requests} requests, {walk.inputs} inputs, {len(forms)} forms, "
          f"{len(urls)} addresses, {elapsed:.1f} s ({cpu:.1f} s of CPU)")
    slowest = sorted(walk.seconds.items(), key=lambda item: -item[1])[:12]
    print("\n".join(f"{seconds:6.2f} s {method} {url}" for (method, url), seconds in slowest))
    assert walk.failures == []
    assert walk.inputs > 5000
    assert len(forms) > 20
    assert len(HOSTILE) * len(forms) < walk.requests
