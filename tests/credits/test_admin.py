"""The ledger's Wagtail admin over HTTP: read-only, and scoped to what each person may see."""

import pytest
from django.urls import NoReverseMatch, reverse

from credits.models import Account, Transfer
from credits.services import account_for_space, transfer_post
from network.services import coordinators_group_ensure, membership_set
from tests.credits.ledger_factories import funded_member, new_key
from tests.network.factories import UserFactory, make_space

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(site_tree):
    """Two spaces, each selling credits to its own member; one member paying the other space."""
    roma = make_space(site_tree.spaces, title="Cowo Roma")
    milano = make_space(site_tree.spaces, title="Cowo Milano")
    roma_account, milano_account = account_for_space(roma), account_for_space(milano)
    anna, bruno = funded_member(0, username="anna"), funded_member(0, username="bruno")
    roma_sale = transfer_post(debit=roma_account, credit=anna, amount=40, code="purchase",
                              idempotency_key=new_key())
    milano_sale = transfer_post(debit=milano_account, credit=bruno, amount=30,
                                code="purchase", idempotency_key=new_key())
    between_members = transfer_post(debit=bruno, credit=anna, amount=5, code="grant",
                                    idempotency_key=new_key())
    organiser = UserFactory(username="org-roma")
    membership_set(organiser, roma, "organiser")
    return {"roma": roma_account, "milano": milano_account, "anna": anna, "bruno": bruno,
            "roma_sale": roma_sale, "milano_sale": milano_sale,
            "between_members": between_members, "organiser": organiser}


def coordinator():
    user = UserFactory(username="coordinator")
    user.groups.add(coordinators_group_ensure())
    return user


def listed(response, objects):
    body = response.content.decode()
    return {str(o.pk) for o in objects if f"/inspect/{o.pk}/" in body}


def test_coordinator_lists_and_inspects_every_account_and_transfer(client, ledger):
    client.force_login(coordinator())
    response = client.get(reverse("credits_accounts:index"))
    assert response.status_code == 200
    accounts = Account.objects.all()
    assert listed(response, accounts) == {str(a.pk) for a in accounts}
    response = client.get(reverse("credits_transfers:index"))
    assert listed(response, Transfer.objects.all()) == {str(t.pk) for t in
                                                        Transfer.objects.all()}
    inspect = client.get(reverse("credits_transfers:inspect", args=[ledger["roma_sale"].pk]))
    assert inspect.status_code == 200
    assert ledger["roma_sale"].idempotency_key in inspect.content.decode()
    assert client.get(reverse("credits_accounts:inspect",
                              args=[ledger["milano"].pk])).status_code == 200


def test_organiser_sees_only_their_space_account_and_its_transfers(client, ledger):
    client.force_login(ledger["organiser"])
    response = client.get(reverse("credits_accounts:index"))
    assert response.status_code == 200
    assert listed(response, Account.objects.all()) == {str(ledger["roma"].pk)}
    response = client.get(reverse("credits_transfers:index"))
    assert listed(response, Transfer.objects.all()) == {str(ledger["roma_sale"].pk)}
    assert client.get(reverse("credits_accounts:inspect",
                              args=[ledger["roma"].pk])).status_code == 200
    assert client.get(reverse("credits_transfers:inspect",
                              args=[ledger["roma_sale"].pk])).status_code == 200


def test_organiser_cannot_inspect_another_space_or_members_rows(client, ledger):
    client.force_login(ledger["organiser"])
    for name, obj in [("credits_accounts", ledger["milano"]),
                      ("credits_accounts", ledger["bruno"]),
                      ("credits_transfers", ledger["milano_sale"]),
                      ("credits_transfers", ledger["between_members"])]:
        assert client.get(reverse(f"{name}:inspect", args=[obj.pk])).status_code == 404


def test_member_without_a_space_sees_no_ledger_admin(client, ledger):
    client.force_login(ledger["anna"].user)
    response = client.get(reverse("credits_accounts:index"))
    assert response.status_code in (302, 403)
    assert response.status_code != 200


@pytest.mark.parametrize("name", ["credits_accounts", "credits_transfers"])
@pytest.mark.parametrize("view", ["add", "edit", "delete", "copy", "history", "usage"])
def test_no_write_view_is_routed(name, view):
    with pytest.raises(NoReverseMatch):
        reverse(f"{name}:{view}", args=[] if view == "add" else [1])


def test_posting_to_edit_or_delete_urls_is_impossible_even_for_a_superuser(client, ledger):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    transfer, account = ledger["roma_sale"], ledger["anna"]
    for url in [f"/admin/credits_transfers/edit/{transfer.pk}/",
                f"/admin/credits_transfers/delete/{transfer.pk}/",
                "/admin/credits_transfers/new/",
                f"/admin/credits_accounts/edit/{account.pk}/",
                f"/admin/credits_accounts/delete/{account.pk}/",
                "/admin/credits_accounts/new/"]:
        response = client.post(url, {"amount": 1_000_000, "credits_posted": 1_000_000})
        assert response.status_code == 404, url
    assert Transfer.objects.get(pk=transfer.pk).amount == 40
    account.refresh_from_db()
    assert account.credits_posted == 40 + 5


def test_list_pages_offer_no_write_buttons(client, ledger):
    client.force_login(coordinator())
    body = client.get(reverse("credits_transfers:index")).content.decode()
    assert "/admin/credits_transfers/new/" not in body
    assert "/admin/credits_transfers/edit/" not in body
    assert "/admin/credits_transfers/delete/" not in body


def test_credits_menu_is_shown_to_an_organiser(client, ledger):
    client.force_login(ledger["organiser"])
    assert reverse("credits_accounts:index") in client.get("/admin/").content.decode()


# --- reversal through the service ---------------------------------------------------------


def test_coordinator_reverses_a_transfer_once_through_the_service(client, ledger):
    user = coordinator()
    client.force_login(user)
    sale = ledger["roma_sale"]
    inspect = client.get(reverse("credits_transfers:inspect", args=[sale.pk])).content.decode()
    url = reverse("credits_transfers:reverse", args=[sale.pk])
    assert url in inspect
    assert client.get(url).status_code == 200
    first = client.post(url, {"memo": "sold twice by mistake"})
    second = client.post(url, {"memo": "sold twice by mistake"})
    reversal = Transfer.objects.get(reverses=sale)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("credits_transfers:inspect", args=[reversal.pk])
    assert (reversal.code, reversal.amount, reversal.created_by, reversal.memo) == (
        "reversal", 40, user, "sold twice by mistake")
    assert Transfer.objects.filter(code="reversal").count() == 1
    ledger["anna"].refresh_from_db()
    assert ledger["anna"].balance == 5


def test_refused_reversal_is_reported_and_changes_nothing(client, ledger):
    client.force_login(coordinator())
    sale = ledger["milano_sale"]  # bruno gave 5 of his 30 away; 30 cannot come back
    transfer_post(debit=ledger["bruno"], credit=ledger["anna"], amount=25, code="grant",
                  idempotency_key=new_key())
    response = client.post(reverse("credits_transfers:reverse", args=[sale.pk]), follow=True)
    assert "Not enough credits" in response.content.decode()
    assert not Transfer.objects.filter(reverses=sale).exists()


def test_organiser_cannot_reverse(client, ledger):
    client.force_login(ledger["organiser"])
    sale = ledger["roma_sale"]
    inspect = client.get(reverse("credits_transfers:inspect", args=[sale.pk])).content.decode()
    assert "/reverse/" not in inspect
    response = client.post(reverse("credits_transfers:reverse", args=[sale.pk]))
    assert response.status_code in (302, 403) and response.status_code != 200
    assert not Transfer.objects.filter(reverses=sale).exists()
