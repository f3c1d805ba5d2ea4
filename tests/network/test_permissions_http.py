"""The permission wall between spaces, proven through the Wagtail admin's HTTP endpoints.

The organiser of space A logs in and is refused (403, or Wagtail's redirect to the admin home
with nothing changed) every change under space B, while the same actions under A work.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from wagtail.fields import StreamField
from wagtail.models import Collection, Page
from wagtail.test.utils.form_data import querydict_from_html

from events.models import EventPage
from network.models import SpacePage
from network.services import coordinators_group_ensure, membership_set
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db

DENIED = (302, 403)


@pytest.fixture
def wall(site_tree):
    space_a = make_space(site_tree.spaces, "Cowo360", city="Roma")
    space_b = make_space(site_tree.spaces, "Toolbox", city="Torino", region="Piemonte")
    events = {}
    for space in (space_a, space_b):
        start = timezone.now() + timedelta(days=10)
        event = EventPage(title=f"Workshop at {space.title}", starts_at=start,
                          ends_at=start + timedelta(hours=2))
        space.add_child(instance=event)
        event.save_revision().publish()
        events[space.pk] = EventPage.objects.get(pk=event.pk)
    organiser = UserFactory(username="organiser-a", is_staff=False)
    membership_set(organiser, space_a, "organiser")
    client = Client()
    client.force_login(organiser)
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    admin = Client()
    admin.force_login(superuser)
    return {"a": space_a, "b": space_b, "event_a": events[space_a.pk],
            "event_b": events[space_b.pk], "client": client, "admin": admin,
            "organiser": organiser, "tree": site_tree}


def edit_form_data(admin: Client, page: Page, **changes) -> dict:
    """The page's own edit form as the browser would post it (read as a superuser)."""
    response = admin.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data = with_empty_streamfields(data.copy(), type(page.specific))
    for key, value in changes.items():
        data[key] = value
    return data


def with_empty_streamfields(data, model):
    """StreamFields are rendered by JavaScript, so the HTML form lacks their count field."""
    for field in model._meta.get_fields():
        if isinstance(field, StreamField):
            data.setdefault(f"{field.name}-count", "0")
    return data


def denied(response) -> bool:
    if response.status_code == 403:
        return True
    return response.status_code == 302 and response["Location"] in ("/admin/", "/admin")


# --- space B: every change is refused ---------------------------------------------------

@pytest.mark.parametrize("target", ["b", "event_b"])
def test_organiser_cannot_open_the_edit_form_of_another_space(wall, target):
    response = wall["client"].get(f"/admin/pages/{wall[target].pk}/edit/")
    assert denied(response)


@pytest.mark.parametrize("target", ["b", "event_b"])
def test_organiser_cannot_post_an_edit_to_another_space(wall, target):
    page = wall[target]
    data = edit_form_data(wall["admin"], page, title="Hacked")
    response = wall["client"].post(f"/admin/pages/{page.pk}/edit/", data)
    assert denied(response)
    page.refresh_from_db()
    assert page.title != "Hacked"
    assert page.get_latest_revision().content["title"] != "Hacked"


def test_organiser_cannot_publish_in_another_space(wall):
    page = wall["event_b"]
    data = edit_form_data(wall["admin"], page, title="Hacked", **{"action-publish": "publish"})
    response = wall["client"].post(f"/admin/pages/{page.pk}/edit/", data)
    assert denied(response)
    assert EventPage.objects.get(pk=page.pk).title == f"Workshop at {wall['b'].title}"


@pytest.mark.parametrize("target", ["b", "event_b"])
def test_organiser_cannot_unpublish_in_another_space(wall, target):
    page = wall[target]
    assert denied(wall["client"].get(f"/admin/pages/{page.pk}/unpublish/"))
    assert denied(wall["client"].post(f"/admin/pages/{page.pk}/unpublish/"))
    assert Page.objects.get(pk=page.pk).live


@pytest.mark.parametrize("target", ["b", "event_b"])
def test_organiser_cannot_delete_in_another_space(wall, target):
    page = wall[target]
    assert denied(wall["client"].get(f"/admin/pages/{page.pk}/delete/"))
    assert denied(wall["client"].post(f"/admin/pages/{page.pk}/delete/"))
    assert Page.objects.filter(pk=page.pk).exists()


def test_organiser_cannot_move_a_page_of_another_space_into_their_own(wall):
    page, destination = wall["event_b"], wall["a"]
    assert denied(wall["client"].get(f"/admin/pages/{page.pk}/move/"))
    response = wall["client"].post(f"/admin/pages/{page.pk}/move/{destination.pk}/confirm/")
    assert denied(response)
    assert Page.objects.get(pk=page.pk).get_parent().pk == wall["b"].pk


def test_organiser_cannot_move_their_event_into_another_space(wall):
    page, destination = wall["event_a"], wall["b"]
    response = wall["client"].post(f"/admin/pages/{page.pk}/move/{destination.pk}/confirm/")
    assert denied(response)
    assert Page.objects.get(pk=page.pk).get_parent().pk == wall["a"].pk


def test_organiser_cannot_add_a_child_under_another_space(wall):
    space = wall["b"]
    assert denied(wall["client"].get(f"/admin/pages/{space.pk}/add_subpage/"))
    url = f"/admin/pages/add/events/eventpage/{space.pk}/"
    assert denied(wall["client"].get(url))
    start = timezone.now() + timedelta(days=3)
    response = wall["client"].post(url, {
        "title": "Intruder", "slug": "intruder", "starts_at": start.strftime("%Y-%m-%d %H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")})
    assert denied(response)
    assert not Page.objects.filter(title="Intruder").exists()
    assert space.get_children().count() == 1


def test_organiser_cannot_add_a_new_space(wall):
    url = f"/admin/pages/add/network/spacepage/{wall['tree'].spaces.pk}/"
    assert denied(wall["client"].get(url))


# --- space A: the same actions work ------------------------------------------------------

def test_organiser_edits_and_publishes_their_own_space(wall):
    space = wall["a"]
    assert wall["client"].get(f"/admin/pages/{space.pk}/edit/").status_code == 200
    data = edit_form_data(wall["admin"], space, tagline="Coffee and code",
                          **{"action-publish": "publish"})
    response = wall["client"].post(f"/admin/pages/{space.pk}/edit/", data)
    assert response.status_code == 302
    assert SpacePage.objects.get(pk=space.pk).tagline == "Coffee and code"


def test_organiser_saves_a_draft_of_their_own_event(wall):
    page = wall["event_a"]
    data = edit_form_data(wall["admin"], page, title="Workshop, revised")
    response = wall["client"].post(f"/admin/pages/{page.pk}/edit/", data)
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.get_latest_revision().content["title"] == "Workshop, revised"
    assert page.has_unpublished_changes


def test_organiser_unpublishes_their_own_event(wall):
    page = wall["event_a"]
    assert wall["client"].get(f"/admin/pages/{page.pk}/unpublish/").status_code == 200
    response = wall["client"].post(f"/admin/pages/{page.pk}/unpublish/")
    assert response.status_code == 302
    assert not Page.objects.get(pk=page.pk).live


def test_organiser_opens_the_add_form_under_their_own_space(wall):
    space = wall["a"]
    response = wall["client"].get(f"/admin/pages/add/events/eventpage/{space.pk}/")
    assert response.status_code == 200


def test_organiser_may_delete_and_move_nothing_they_do_not_own(wall):
    # Organisers hold add/edit/publish, not delete: even under A the space page stays put.
    space = wall["a"]
    assert denied(wall["client"].post(f"/admin/pages/{space.pk}/delete/"))
    assert SpacePage.objects.filter(pk=space.pk).exists()


# --- coordinators --------------------------------------------------------------------------

def test_coordinator_creating_a_space_in_the_admin_creates_group_and_collection(wall):
    coordinator = UserFactory(username="coordinator")
    coordinator.groups.add(coordinators_group_ensure())
    client = Client()
    client.force_login(coordinator)
    parent = wall["tree"].spaces
    url = f"/admin/pages/add/network/spacepage/{parent.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    data = with_empty_streamfields(
        querydict_from_html(response.content.decode(), form_id="page-edit-form").copy(),
        SpacePage)
    data.update({"title": "Cowo Racale", "slug": "cowo-racale", "city": "Racale",
                 "region": "Puglia", "country": "Italy", "time_zone": "Europe/Rome",
                 "kind": "coworking", "day_pass_price": "8", "action-publish": "publish"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    space = SpacePage.objects.get(slug="cowo-racale")
    assert space.live
    assert space.organiser_group == Group.objects.get(name=f"Organisers: Cowo Racale (#{space.pk})")
    assert space.collection == Collection.objects.get(name="Cowo Racale")
    assert space.organiser_group.page_permissions.filter(page=space).count() == 3


def test_coordinator_may_edit_any_space(wall):
    coordinator = UserFactory(username="coordinator")
    coordinator.groups.add(coordinators_group_ensure())
    client = Client()
    client.force_login(coordinator)
    for space in (wall["a"], wall["b"]):
        assert client.get(f"/admin/pages/{space.pk}/edit/").status_code == 200
