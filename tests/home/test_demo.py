"""The demo network (`manage.py load_demo`): content, logins, and idempotency."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from wagtail.models import Page, Revision

from home.services import site_tree_ensure
from network.demo import DEMO_LOGINS, DEMO_MEMBERS, DEMO_SPACES, load_network_demo
from network.models import MemberProfile, Membership, SpacePage
from network.permissions import COORDINATORS_GROUP, spaces_organised_by, user_is_coordinator

pytestmark = [pytest.mark.django_db, pytest.mark.strictest_db]


def _counts() -> dict[str, int]:
    user_model = get_user_model()
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "users": user_model.objects.count(),
        "profiles": MemberProfile.objects.count(),
        "memberships": Membership.objects.count(),
        "emails": EmailAddress.objects.count(),
        "groups": user_model.groups.through.objects.count(),
    }


@pytest.fixture(scope="class")
def whole_demo(class_transaction):
    """`manage.py load_demo`, once for the class, its e-mails and on-commit work run."""
    out = io.StringIO()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("load_demo", stdout=out)
    return {"output": out.getvalue(), "outbox": list(mail.outbox), "counts": _counts()}


class TestTheWholeDemo:
    def test_loading_it_sends_no_email_and_prints_the_logins(self, whole_demo):
        assert whole_demo["outbox"] == []
        assert whole_demo["counts"]["profiles"] == len(DEMO_MEMBERS)
        assert "coordinator@espresso.example" in whole_demo["output"]

    def test_loading_it_again_changes_nothing(self, whole_demo):
        call_command("load_demo", stdout=io.StringIO())
        assert _counts() == whole_demo["counts"]


@pytest.fixture(scope="class")
def demo(class_transaction):
    """The network demo, loaded once for the class (each test runs in a savepoint)."""
    tree = site_tree_ensure()
    return load_network_demo(tree.spaces, tree.members)


class TestTheLoadedNetworkDemo:
    """Tests that read the network demo."""

    def test_demo_network_has_the_spaces_of_the_origins(self, demo):
        assert len(demo.spaces) == len(DEMO_SPACES) == 8
        cic = SpacePage.objects.get(slug="cambridge-innovation-center")
        assert cic.time_zone == "America/New_York"
        assert cic.country == "United States"
        racale = SpacePage.objects.get(slug="spazio-salento-racale")
        assert (racale.city, racale.region) == ("Racale", "Puglia")
        assert all(space.live and space.organiser_group_id for space in demo.spaces.values())


    def test_demo_members_have_mixed_visibility_and_international_names(self, demo):
        visibilities = set(MemberProfile.objects.values_list("visibility", flat=True))
        assert visibilities == {"public", "network", "hidden"}
        names = set(MemberProfile.objects.values_list("display_name", flat=True))
        assert {"Niccolò Ferri", "Zoë Martin", "François Lefèvre", "Łukasz Nowak",
                "Ana María Gutiérrez", "ليلى حداد"} <= names
        assert MemberProfile.objects.get(display_name="Niccolò Ferri").slug == "niccolo-ferri"
        assert 38 <= len(names) <= 45


    def test_demo_logins_work_with_mandatory_verification(self, demo, client, settings):
        settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
        for _role, email, password in DEMO_LOGINS:
            assert EmailAddress.objects.get(email=email).verified
            response = client.post("/accounts/login/", {"login": email, "password": password})
            assert response.status_code == 302, email
            assert response["Location"] == "/"
            client.logout()


    def test_demo_roles(self, demo):
        coordinator = demo.users["coordinator@espresso.example"]
        assert coordinator.is_staff
        assert coordinator.groups.filter(name=COORDINATORS_GROUP).exists()
        assert user_is_coordinator(coordinator)
        rome = demo.users["organiser.rome@espresso.example"]
        assert list(spaces_organised_by(rome).values_list("slug", flat=True)) == ["cowo360"]
        milan = demo.users["organiser.milan@espresso.example"]
        assert list(spaces_organised_by(milan).values_list("slug", flat=True)) == ["cowo-lambrate"]
        member = demo.users["member@espresso.example"]
        assert not spaces_organised_by(member).exists()
        assert not member.is_staff


    def test_demo_coordinator_can_open_the_wagtail_admin(self, demo, client):
        client.login(username="coordinator@espresso.example", password=DEMO_LOGINS[0][2])
        assert client.get("/admin/").status_code == 200


    def test_demo_members_without_login_cannot_log_in(self, demo):
        assert not demo.users["zoe.martin@members.espresso.example"].has_usable_password()
