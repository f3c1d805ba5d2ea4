"""The programme pages over HTTP: the phase rules per role, dots with and without a script,
hostile text stays escaped, the board follows the grid, notes, PDF, outcomes."""

import json
import subprocess

import pytest
from django.urls import reverse

from events.programme import services
from events.programme.models import Phase, Proposal, Vote
from tests.events.programme.factories import make_unconference
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> Caffè ☕ שלום & "quotes"'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Caffè ☕ שלום &amp; &quot;quotes&quot;"


@pytest.fixture
def u(site_tree):
    return make_unconference(site_tree, people=3)


def url(name, u, *args):
    return reverse(f"programme:{name}", args=[u.event.pk, *args])


def propose_post(client, u, title="From the web"):
    return client.post(url("propose", u), {"title": title, "description": "", "kind": "talk",
                                           "length": "1", "language": "en"})


# --- Phase rules per role -----------------------------------------------------------------

@pytest.mark.parametrize(("phase", "expected"), [
    (Phase.PROPOSALS, 1), (Phase.VOTING, 1), (Phase.SCHEDULED, 0), (Phase.RUNNING, 0),
    (Phase.ARCHIVED, 0)])
def test_a_participant_proposes_only_while_proposals_or_voting_are_open(client, u, phase,
                                                                          expected):
    u.set_phase(phase)
    client.force_login(u.people[0])
    response = propose_post(client, u)
    assert response.status_code == 302
    assert Proposal.objects.count() == expected


def test_a_closed_programme_is_not_found_except_for_its_organisers(client, u):
    u.set_phase(Phase.CLOSED)
    client.force_login(u.people[0])
    assert client.get(url("home", u)).status_code == 404
    client.force_login(u.organiser)
    assert client.get(url("home", u)).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in_to_propose(client, u):
    response = propose_post(client, u)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert Proposal.objects.count() == 0


def test_a_member_not_registered_cannot_propose(client, u):
    client.force_login(UserFactory())
    response = propose_post(client, u)
    assert response.status_code == 302
    assert Proposal.objects.count() == 0


def test_a_bad_proposal_is_a_form_error_and_changes_nothing(client, u):
    client.force_login(u.people[0])
    response = client.post(url("propose", u), {"title": "", "kind": "nope", "length": "7",
                                               "language": "en"})
    assert response.status_code == 400
    assert Proposal.objects.count() == 0


def test_someone_else_cannot_edit_a_proposal(client, u):
    proposal = u.propose(u.people[0], "Mine")
    client.force_login(u.people[1])
    response = client.post(url("proposal_edit", u, proposal.pk), {
        "title": "Hijacked", "kind": "talk", "length": "1", "language": "en"})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.title == "Mine"


@pytest.mark.parametrize(("phase", "status", "dots"), [
    (Phase.PROPOSALS, 409, 0), (Phase.VOTING, 200, 1), (Phase.SCHEDULED, 409, 0)])
def test_dots_are_accepted_only_while_voting(client, u, phase, status, dots):
    proposal = u.propose(u.people[0], "P")
    u.set_phase(phase)
    client.force_login(u.people[1])
    response = client.post(url("vote", u, proposal.pk), {"action": "add"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == status
    assert Vote.objects.count() == dots


def test_a_dot_through_the_script_answers_the_new_counts(client, u):
    proposal = u.propose(u.people[0], "P")
    u.set_phase(Phase.VOTING)
    client.force_login(u.people[1])
    response = client.post(url("vote", u, proposal.pk), {"action": "add"},
                           HTTP_ACCEPT="application/json")
    assert json.loads(response.content) == {"proposal": proposal.pk, "mine": 1, "dots": 1,
                                            "dots_left": 2}
    again = client.post(url("vote", u, proposal.pk), {"action": "add"},
                        HTTP_ACCEPT="application/json")
    assert again.status_code == 409
    assert "already" in json.loads(again.content)["error"]


def test_a_dot_without_a_script_redirects_to_the_proposal(client, u):
    proposal = u.propose(u.people[0], "P")
    u.set_phase(Phase.VOTING)
    client.force_login(u.people[1])
    response = client.post(url("vote", u, proposal.pk), {"action": "add"})
    assert response.status_code == 302
    assert response["Location"] == url("home", u) + f"#proposal-{proposal.pk}"
    page = client.get(url("home", u))
    assert b"You have <strong class=\"dots-left-count\">2</strong> dots left." in page.content


def test_outsiders_get_403_for_a_dot(client, u):
    proposal = u.propose(u.people[0], "P")
    u.set_phase(Phase.VOTING)
    client.force_login(UserFactory())
    response = client.post(url("vote", u, proposal.pk), {"action": "add"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert Vote.objects.count() == 0


# --- Hostile text, the board, the PDF ---------------------------------------------------------

def _published_with_hostile_title(u):
    proposal = u.propose(u.people[0], HOSTILE)
    session = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                     actor=u.organiser)
    u.set_phase(Phase.SCHEDULED)
    return proposal, session


def test_hostile_titles_stay_escaped_on_every_page(client, u):
    _proposal, session = _published_with_hostile_title(u)
    client.force_login(u.people[1])
    for name, args in (("home", ()), ("board", ()), ("board_fragment", ()),
                       ("session", (session.pk,)), ("mine", ())):
        html = client.get(url(name, u, *args)).content.decode()
        assert '<script>alert("x")' not in html, name
    home = client.get(url("home", u)).content.decode()
    assert ESCAPED in home


def test_the_board_shows_a_move_at_the_next_refresh(client, u):
    proposal = u.propose(u.people[0], "Moving session")
    services.session_place(proposal, room=u.rooms[0], slot=u.slots[0], actor=u.organiser)
    u.set_phase(Phase.SCHEDULED)

    def column_of_title() -> int:
        html = client.get(url("board_fragment", u)).content.decode()
        row = next(r for r in html.split("<tr")[2:] if "Moving session" in r)
        cells = row.split("<td")[1:]
        return next(i for i, c in enumerate(cells) if "Moving session" in c)

    assert column_of_title() == 0
    services.session_place(proposal, room=u.rooms[1], slot=u.slots[0], actor=u.organiser)
    assert column_of_title() == 1


def test_the_board_is_not_public_before_the_grid_is_published(client, u):
    assert client.get(url("board", u)).status_code == 404
    u.set_phase(Phase.SCHEDULED)
    assert client.get(url("board", u)).status_code == 200


def test_the_grid_pdf_renders_hostile_titles_as_text(client, u):
    _published_with_hostile_title(u)
    response = client.get(url("grid_pdf", u) + "?size=a4")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(["/usr/bin/pdftotext", "-", "-"], input=response.content,
                          capture_output=True, check=True).stdout.decode()
    assert '<script>alert("x")</script>' in text
    assert client.get(url("grid_pdf", u) + "?size=a0").status_code == 400


# --- Notes and outcomes -------------------------------------------------------------------------

def test_notes_are_markdown_rendered_without_scripts_or_javascript_links(client, u):
    proposal = u.propose(u.people[0], "Notes")
    session = services.session_place(proposal, room=u.rooms[0], slot=u.slots[0],
                                     actor=u.organiser)
    u.set_phase(Phase.RUNNING)
    client.force_login(u.people[1])
    body = ("# Key points\n\n- **one**\n\n<script>alert(1)</script>\n\n"
            "[bad](javascript:alert(1)) [good](https://example.org)\n\n"
            "<img src=x onerror=alert(1)>")
    response = client.post(url("session", u, session.pk), {"body": body})
    assert response.status_code == 302
    html = client.get(url("session", u, session.pk)).content.decode()
    notes = html.split('class="prose notes">')[1].split("</div>")[0]
    assert "<h1>Key points</h1>" in notes
    assert "<strong>one</strong>" in notes
    assert "<script" not in notes and "onerror" not in notes and "<img" not in notes
    assert "javascript:" not in notes
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">good</a>' in notes


def test_outcomes_are_not_found_until_published(client, u):
    u.set_phase(Phase.ARCHIVED)
    assert client.get(url("outcomes", u)).status_code == 404
    client.force_login(u.organiser)
    assert b"Draft" in client.get(url("outcomes", u)).content
    services.outcomes_publish(u.programme, actor=u.organiser)
    client.logout()
    assert client.get(url("outcomes", u)).status_code == 200


def test_the_event_page_shows_the_programme_panel(client, u):
    u.set_phase(Phase.VOTING)
    html = client.get(u.event.url).content.decode()
    assert "Unconference programme" in html
    assert url("home", u) in html
