"""The organisers' programme admin in Wagtail: settings, rooms, slots, the grid (move by
choosing a cell, pin, merge), the scheduler action; another space's organiser gets 404."""

import pytest
from django.urls import reverse

from events.programme import services
from events.programme.models import Phase, Proposal, ProposalState, Room, Session, Slot
from tests.events.programme.factories import make_unconference
from tests.events.registration_factories import make_organiser, space_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=4, phase=Phase.VOTING)


def admin_url(name, u):
    return reverse(f"programme_admin:{name}", args=[u.event.pk])


def test_the_organiser_sees_the_unconference_in_the_admin(client, u):
    client.force_login(u.organiser)
    index = client.get(reverse("programme_admin:index"))
    assert index.status_code == 200
    assert "Espresso day" in index.content.decode()
    assert client.get(admin_url("programme", u)).status_code == 200
    assert client.get(admin_url("grid", u)).status_code == 200


def test_an_organiser_of_another_space_gets_404(client, site_tree, u):
    other = make_organiser(space_in(site_tree, title="Elsewhere"))
    client.force_login(other)
    assert client.get(admin_url("programme", u)).status_code == 404
    response = client.post(admin_url("grid", u), {"action": "withdraw", "proposal": 1})
    assert response.status_code == 404


def test_rooms_and_slots_are_added_through_the_services(client, u):
    client.force_login(u.organiser)
    response = client.post(admin_url("programme", u), {
        "action": "room", "name": "Garden", "capacity": "25", "equipment": ["quiet"]})
    assert response.status_code == 302
    assert Room.objects.get(programme=u.programme, name="Garden").equipment == ["quiet"]
    day = u.event.local_starts_at.date().isoformat()
    client.post(admin_url("programme", u), {"action": "slot", "day": day,
                                            "starts": "16:00", "ends": "16:45"})
    assert Slot.objects.filter(programme=u.programme).count() == 3
    bad = client.post(admin_url("programme", u), {"action": "room", "name": "X",
                                                  "capacity": "-3"})
    assert bad.status_code == 400
    assert Room.objects.filter(programme=u.programme).count() == 3


def test_a_slot_outside_the_event_is_refused_with_a_message(client, u):
    client.force_login(u.organiser)
    day = u.event.local_starts_at.date().isoformat()
    response = client.post(admin_url("programme", u), {"action": "slot", "day": day,
                                                       "starts": "03:00", "ends": "04:00"},
                           follow=True)
    assert "Slots must lie within the event" in response.content.decode()
    assert Slot.objects.filter(programme=u.programme).count() == 2


def test_a_session_moves_by_choosing_its_cell_and_its_sequence_grows(client, u):
    proposal = u.propose(u.people[0], "Move me")
    session = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                     actor=u.organiser)
    client.force_login(u.organiser)
    response = client.post(admin_url("grid", u), {
        "action": "move", "proposal": proposal.pk,
        "cell": f"{u.rooms[1].pk}:{u.slots[1].pk}"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.room, session.first_slot, session.sequence) == (u.rooms[1], u.slots[1], 1)
    client.post(admin_url("grid", u), {"action": "pin", "session": session.pk})
    session.refresh_from_db()
    assert session.pinned is True


def test_moving_into_a_taken_cell_is_refused(client, u):
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[1], "B")
    services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    services.session_place(b, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    client.force_login(u.organiser)
    response = client.post(admin_url("grid", u), {
        "action": "move", "proposal": b.pk, "cell": f"{u.rooms[0].pk}:{u.slots[0].pk}"},
        follow=True)
    assert "Another session is already in this room" in response.content.decode()
    assert Session.objects.get(proposal=b).room == u.rooms[1]


def test_merging_duplicates_in_the_admin(client, u):
    a, b = u.propose(u.people[0], "A"), u.propose(u.people[1], "A again")
    client.force_login(u.organiser)
    client.post(admin_url("grid", u), {"action": "merge", "proposal": b.pk, "into": a.pk})
    b.refresh_from_db()
    assert (b.state, b.merged_into_id) == (ProposalState.MERGED, a.pk)


def test_the_scheduler_action_fills_the_grid_and_shows_its_report(
        client, u, settings, django_capture_on_commit_callbacks):
    settings.PROGRAMME_SCHEDULER_SECONDS = 5
    for i in range(3):
        proposal = u.propose(u.people[i], f"Session {i}")
        services.vote_cast(proposal, actor=u.people[3])
    client.force_login(u.organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(admin_url("programme", u), {"action": "schedule"})
    response = client.get(admin_url("programme", u))
    assert Session.objects.filter(programme=u.programme).count() == 3
    html = response.content.decode()
    assert "OPTIMAL" in html
    # 3 people served, 3 sessions placed, one pair of them in the same slot: 300 + 3 - 100
    assert "203 / 203" in html


def test_participants_cannot_open_the_programme_admin(client, u):
    client.force_login(u.people[0])
    response = client.get(admin_url("programme", u))
    assert response.status_code == 403  # the site's "no access to the admin" page
    assert "No access to the admin" in response.content.decode()
    assert Proposal.objects.count() == 0


# --- the grid's drag and drop: every cell names itself, a pinned session stays ---------------

def test_every_grid_cell_names_itself_and_every_title_can_be_dragged(client, u):
    a, b = u.propose(u.people[0], "A <i>one</i>"), u.propose(u.people[1], "B")
    session = services.session_place(a, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    client.force_login(u.organiser)
    html = client.get(admin_url("grid", u)).content.decode()
    for room in u.rooms:
        for slot in u.slots:
            assert html.count(f'data-cell="{room.pk}:{slot.pk}"') == 1
    assert (f'<td class="cell-session" id="session-{session.pk}" '
            f'data-cell="{u.rooms[1].pk}:{u.slots[0].pk}">') in html
    assert (f'draggable="true" data-drag-proposal="{a.pk}" data-drag-action="move">'
            "A &lt;i&gt;one&lt;/i&gt;</span>") in html
    assert f'data-drag-proposal="{b.pk}" data-drag-action="place">B</strong>' in html
    assert 'src="/static/js/programme-grid.js"' in html
    assert '<form method="post" id="grid-dnd-form" hidden>' in html


def test_a_pinned_session_is_not_moved_and_the_page_says_why(client, u):
    proposal = u.propose(u.people[0], "Pinned talk")
    session = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                     actor=u.organiser, pinned=True)
    client.force_login(u.organiser)
    response = client.post(admin_url("grid", u), {
        "action": "move", "proposal": proposal.pk,
        "cell": f"{u.rooms[1].pk}:{u.slots[1].pk}"}, follow=True)
    assert "This session is pinned: unpin it before moving it." in response.content.decode()
    session.refresh_from_db()
    assert (session.room, session.first_slot, session.sequence) == (u.rooms[0], u.slots[0], 0)

    client.post(admin_url("grid", u), {"action": "unpin", "session": session.pk})
    client.post(admin_url("grid", u), {
        "action": "move", "proposal": proposal.pk, "cell": f"{u.rooms[1].pk}:{u.slots[1].pk}"})
    session.refresh_from_db()
    assert (session.room, session.first_slot, session.pinned, session.sequence) == (
        u.rooms[1], u.slots[1], False, 1)


def test_a_pinned_session_may_be_placed_again_where_it_is(u):
    proposal = u.propose(u.people[0], "Pinned talk")
    services.session_place(proposal, room=u.rooms[0], slot=u.slots[0], actor=u.organiser,
                           pinned=True)
    again = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                   actor=u.organiser)
    assert (again.room, again.pinned) == (u.rooms[0], True)


def test_a_drop_that_puts_a_host_in_two_places_is_refused_with_a_message(client, u):
    a = u.propose(u.people[0], "A")
    b = u.propose(u.people[0], "B")
    services.session_place(a, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    services.session_place(b, room=u.rooms[1], slot=u.slots[1], actor=u.organiser)
    client.force_login(u.organiser)
    response = client.post(admin_url("grid", u), {
        "action": "move", "proposal": b.pk, "cell": f"{u.rooms[1].pk}:{u.slots[0].pk}"},
        follow=True)
    assert "A host of this session is in another session at the same time." in \
        response.content.decode()
    assert Session.objects.get(proposal=b).first_slot == u.slots[1]
