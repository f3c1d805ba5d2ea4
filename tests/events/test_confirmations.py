"""Issue 10, "Money without confirmation": a paid registration shows the price, the balance
after and the cancellation terms before anything is charged; "Cancel" asks first; joining
a paid waiting list without the credits warns; a failed promotion says why."""

import datetime as dt
import re
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from credits import services as credits
from credits.models import Transfer
from credits.selectors import account_balance
from events import services
from events.models import Registration, RegistrationState
from tests.events.registration_factories import publish_event, space_in
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

PRICE = 10


@pytest.fixture
def space(site_tree):
    return space_in(site_tree)


def member_with(amount: int):
    user = UserFactory()
    if amount:
        credits.transfer_post(debit=credits.account_network("issuance"),
                              credit=credits.account_for_member(user), amount=amount,
                              code="grant", idempotency_key=f"test-grant-{uuid.uuid4()}")
    return user


def available(user) -> int:
    return account_balance(credits.account_for_member(user)).available


def definitions(html: str) -> list[tuple[str, str]]:
    """The (term, definition) pairs of a page's <dl>, as plain text on one line."""
    def text(fragment: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())
    return [(text(term), text(value)) for term, value in
            re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, re.S)]


def signed_offer(html: str) -> str:
    return re.search(r'name="offer" value="([^"]+)"', html).group(1)


def test_registering_for_a_paid_event_shows_the_price_and_charges_nothing(client, space):
    event = publish_event(space, price_credits=PRICE, cancellation_deadline_hours=48)
    user = member_with(25)
    client.force_login(user)
    transfers = Transfer.objects.count()
    response = client.post(reverse("events:register", args=[event.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    figures = definitions(html)
    assert figures[:3] == [("Price", "10 credits"), ("Available now", "25 credits"),
                           ("Available after", "15 credits")]
    assert figures[3][0] == "Cancellation"
    assert figures[3][1].startswith("Free until ")
    assert "Pay 10 credits and register" in html
    assert not Registration.objects.filter(event=event).exists()
    assert (Transfer.objects.count(), available(user)) == (transfers, 25)


def test_the_event_panel_links_to_the_confirmation_page(client, space):
    event = publish_event(space, price_credits=PRICE)
    client.force_login(member_with(25))
    html = client.get(event.url).content.decode()
    url = reverse("events:register", args=[event.pk])
    assert f'href="{url}?next=' in html
    assert f'action="{url}"' not in html
    page = client.get(url)
    assert page.status_code == 200
    assert ("Price", "10 credits") in definitions(page.content.decode())


def test_the_confirmation_registers_and_a_replay_changes_nothing(client, space):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(25)
    client.force_login(user)
    url = reverse("events:register", args=[event.pk])
    offer = signed_offer(client.get(url).content.decode())
    data = {"confirm": "1", "offer": offer}
    first = client.post(url, data)
    assert (first.status_code, first["Location"]) == (302, event.url)
    registration = Registration.objects.get(event=event, user=user)
    assert registration.state == RegistrationState.CONFIRMED
    transfers = Transfer.objects.count()
    second = client.post(url, data)
    assert (second.status_code, second["Location"]) == (302, event.url)
    assert list(Registration.objects.filter(event=event, user=user)) == [registration]
    assert (Transfer.objects.count(), available(user)) == (transfers, 15)


@pytest.mark.parametrize("offer", ["", "garbage", "1:2:3", "<script>", "é" * 500])
def test_a_confirmation_without_a_valid_offer_shows_the_page_again(client, space, offer):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(25)
    client.force_login(user)
    response = client.post(reverse("events:register", args=[event.pk]),
                           {"confirm": "1", "offer": offer})
    assert response.status_code == 200
    assert "Pay 10 credits and register" in response.content.decode()
    assert not Registration.objects.filter(event=event).exists()
    assert available(user) == 25


def test_a_price_changed_after_the_page_was_shown_charges_nothing(client, space):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(25)
    client.force_login(user)
    url = reverse("events:register", args=[event.pk])
    offer = signed_offer(client.get(url).content.decode())
    type(event).objects.filter(pk=event.pk).update(price_credits=20)
    response = client.post(url, {"confirm": "1", "offer": offer})
    assert response.status_code == 200
    assert ("Price", "20 credits") in definitions(response.content.decode())
    assert not Registration.objects.filter(event=event).exists()
    assert available(user) == 25


def test_someone_elses_offer_does_not_confirm(client, space):
    event = publish_event(space, price_credits=PRICE)
    other = member_with(25)
    client.force_login(other)
    offer = signed_offer(client.get(reverse("events:register", args=[event.pk])).content
                         .decode())
    user = member_with(25)
    client.force_login(user)
    response = client.post(reverse("events:register", args=[event.pk]),
                           {"confirm": "1", "offer": offer})
    assert response.status_code == 200
    assert not Registration.objects.filter(event=event).exists()


def test_too_few_credits_the_page_says_so_and_offers_no_button(client, space):
    event = publish_event(space, price_credits=PRICE)
    user = member_with(4)
    client.force_login(user)
    html = client.get(reverse("events:register", args=[event.pk])).content.decode()
    assert "You do not have enough credits: 6 more are needed." in html
    assert 'name="confirm"' not in html


def test_joining_a_paid_waiting_list_short_of_credits_warns_twice(client, space):
    event = publish_event(space, price_credits=PRICE, capacity=1)
    services.registration_create(event, user=member_with(PRICE))
    user = member_with(3)
    client.force_login(user)
    url = reverse("events:register", args=[event.pk])
    page = client.get(url).content.decode()
    assert ("You will need 10 credits when a place frees up; you are 7 short now. Without "
            "them your place on the waiting list is cancelled.") in " ".join(page.split())
    assert "Nothing is charged now" in page
    response = client.post(url, {"confirm": "1", "offer": signed_offer(page)}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert messages[-1] == ("You will need 10 credits when a place frees up; you are 7 short "
                            "now. Without them your place on the waiting list is cancelled.")
    registration = Registration.objects.get(event=event, user=user)
    assert registration.state == RegistrationState.WAITLISTED
    assert available(user) == 3


def test_a_free_event_stays_one_click(client, space):
    event = publish_event(space)
    user = member_with(0)
    client.force_login(user)
    response = client.post(reverse("events:register", args=[event.pk]))
    assert (response.status_code, response["Location"]) == (302, event.url)
    assert Registration.objects.get(event=event, user=user).state == "confirmed"


def test_cancel_in_my_events_asks_first(client, space):
    event = publish_event(space, price_credits=PRICE, starts_in_days=7,
                          cancellation_deadline_hours=24)
    user = member_with(25)
    registration = services.registration_create(event, user=user)
    client.force_login(user)
    url = reverse("events:registration_cancel", args=[registration.pk])
    my_events = client.get(reverse("events:my_events")).content.decode()
    assert f'href="{url}"' in my_events
    assert f'action="{url}"' not in my_events
    page = client.get(url)
    assert page.status_code == 200
    assert "Your 10 credits come back to your account." in page.content.decode()
    registration.refresh_from_db()
    assert (registration.state, available(user)) == (RegistrationState.CONFIRMED, 15)
    response = client.post(url)
    assert (response.status_code, response["Location"]) == (302, reverse("events:my_events"))
    registration.refresh_from_db()
    assert (registration.state, available(user)) == (RegistrationState.CANCELLED, 25)


def test_cancel_after_the_deadline_says_the_credits_are_not_refunded(client, space):
    event = publish_event(space, price_credits=PRICE, starts_in_days=0.5,
                          cancellation_deadline_hours=24)
    user = member_with(25)
    registration = services.registration_create(event, user=user)
    client.force_login(user)
    html = client.get(reverse("events:registration_cancel", args=[registration.pk]))
    assert ("The free cancellation period has ended: the 10 credits are not refunded."
            in html.content.decode())


def test_the_cancel_page_of_someone_elses_registration_is_404(client, space):
    event = publish_event(space)
    registration = services.registration_create(event, user=member_with(0))
    client.force_login(member_with(0))
    url = reverse("events:registration_cancel", args=[registration.pk])
    assert client.get(url).status_code == 404


def test_a_failed_promotion_email_says_why(space, django_capture_on_commit_callbacks):
    event = publish_event(space, price_credits=PRICE, capacity=1,
                          registration_closes_at=timezone.now() + dt.timedelta(days=1))
    seated = services.registration_create(event, user=member_with(PRICE))
    broke = services.registration_create(event, user=member_with(2))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(seated, actor=seated.user)
    (message,) = [m for m in mail.outbox if m.to == [broke.user.email]]
    body = " ".join(message.body.split())
    assert "does not have the 10 credits the event costs" in body
    assert "your registration was cancelled" in body


def test_a_failed_promotion_shows_its_reason_in_the_admin_and_csv(client, space):
    """Issue 10: the entry turned "Cancelled" with no reason while the admin and CSV still
    said "waitlist position 1"."""
    import csv
    import io

    from tests.events.registration_factories import make_organiser

    event = publish_event(space, price_credits=PRICE, capacity=1)
    seated = services.registration_create(event, user=member_with(PRICE))
    broke = services.registration_create(event, user=member_with(2))
    waiting = services.registration_create(event, user=member_with(0))
    services.registration_cancel(seated, actor=seated.user)
    broke.refresh_from_db()
    seated.refresh_from_db()
    assert (broke.state, broke.cancel_reason) == ("cancelled", "payment_failed")
    assert seated.cancel_reason == "person"
    client.force_login(make_organiser(space))
    index = reverse("event_registrations:index")
    response = client.get(index, {"export": "csv", "event": event.pk})
    body = (b"".join(response.streaming_content) if response.streaming
            else response.content).decode("utf-8-sig")
    rows = {row["E-mail"]: row for row in csv.DictReader(io.StringIO(body))}
    assert rows[broke.user.email]["Cancel reason"] == "Not enough credits when a place freed up"
    assert rows[broke.user.email]["Waiting list"] == ""
    assert rows[seated.user.email]["Cancel reason"] == "Cancelled by the person"
    waiting.refresh_from_db()
    # The last one could not pay either; nobody is left waiting with a stale number.
    assert rows[waiting.user.email]["Cancel reason"] == "Not enough credits when a place freed up"
    html = client.get(index, {"event": event.pk}).content.decode()
    assert "Not enough credits when a place freed up" in html


def test_the_waiting_list_place_shows_only_while_waiting(client, space):
    event = publish_event(space, capacity=1)
    services.registration_create(event, user=member_with(0))
    waiting = services.registration_create(event, user=member_with(0))
    assert waiting.waiting_list_place() == waiting.waitlist_position == 1
    services.registration_leave_waitlist(waiting, actor=waiting.user)
    waiting.refresh_from_db()
    assert (waiting.waiting_list_place(), waiting.waitlist_position) == (None, 1)
    assert waiting.get_cancel_reason_display() == "Cancelled by the person"


def test_an_organiser_cancelling_is_recorded_as_such(space):
    from tests.events.registration_factories import make_organiser

    event = publish_event(space)
    registration = services.registration_create(event, user=member_with(0))
    services.registration_cancel(registration, actor=make_organiser(space))
    registration.refresh_from_db()
    assert registration.cancel_reason == "organiser"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_replayed_confirmation_after_cancelling_registers_nobody(client, space):
    event = publish_event(space, price_credits=PRICE, cancellation_deadline_hours=1)
    user = member_with(25)
    client.force_login(user)
    url = reverse("events:register", args=[event.pk])
    data = {"confirm": "1", "offer": signed_offer(client.get(url).content.decode())}
    client.post(url, data)
    registration = Registration.objects.get(event=event, user=user)
    services.registration_cancel(registration, actor=user)
    assert available(user) == 25
    transfers = Transfer.objects.count()
    replay = client.post(url, data, follow=True)
    assert replay.redirect_chain == [(event.url, 302)]
    assert _messages(replay)[-1] == ("This confirmation was already used. To register again, "
                                     "open the confirmation page once more.")
    assert list(Registration.objects.filter(event=event, user=user)) == [registration]
    assert Registration.objects.get(pk=registration.pk).state == RegistrationState.CANCELLED
    assert (Transfer.objects.count(), available(user)) == (transfers, 25)
    # A fresh confirmation page still registers them again.
    fresh = {"confirm": "1", "offer": signed_offer(client.get(url).content.decode())}
    client.post(url, fresh)
    assert Registration.objects.get(event=event, user=user,
                                    state=RegistrationState.CONFIRMED).pk > registration.pk
    assert available(user) == 15


def test_a_replayed_waiting_list_offer_after_leaving_does_not_rejoin(client, space):
    event = publish_event(space, price_credits=PRICE, capacity=1)
    services.registration_create(event, user=member_with(PRICE))
    user = member_with(25)
    client.force_login(user)
    url = reverse("events:register", args=[event.pk])
    data = {"confirm": "1", "offer": signed_offer(client.get(url).content.decode())}
    client.post(url, data)
    entry = Registration.objects.get(event=event, user=user)
    assert entry.state == RegistrationState.WAITLISTED
    client.post(reverse("events:registration_leave_waitlist", args=[entry.pk]))
    assert Registration.objects.get(pk=entry.pk).state == RegistrationState.CANCELLED
    replay = client.post(url, data, follow=True)
    assert _messages(replay)[-1].startswith("This confirmation was already used.")
    assert list(Registration.objects.filter(event=event, user=user)
                .values_list("pk", "state")) == [(entry.pk, RegistrationState.CANCELLED)]
    assert available(user) == 25
