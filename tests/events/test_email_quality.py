"""Every e-mail the product sends: text and HTML, Date and Message-ID right, the reader's
language, List-Unsubscribe exactly on list-like mail, no remote images (tracking pixels)."""

import datetime as dt
import re
from email.utils import parsedate_to_datetime

import pytest
from django.core import mail
from django.utils import timezone

from network.mail import mail_build, mail_language
from network.services import profile_ensure
from tests.events.email_samples import NASTY_NAME, NASTY_TITLE, every_email
from tests.network.factories import UserFactory

pytestmark = pytest.mark.django_db

LISTS = {"reminder": "reminders", "guest_reminder": "reminders", "digest": "digest"}


@pytest.fixture
def emails(site_tree, client):
    return every_email(site_tree, client)


def test_every_email_has_text_and_html(emails):
    assert len(emails) == 14
    for name, message in emails.items():
        assert message.body.strip(), name
        (html, mimetype), *_rest = message.alternatives
        assert mimetype == "text/html", name
        assert html.lstrip().lower().startswith("<!doctype html>"), name
        assert f'<html lang="{message.extra_headers["Content-Language"]}"' in html, name


def test_every_email_has_a_utc_date_and_a_message_id_of_the_site(emails):
    for name, message in emails.items():
        built = message.message()
        date = parsedate_to_datetime(built["Date"])
        assert date.utcoffset() == dt.timedelta(0), name
        assert abs(timezone.now() - date) < dt.timedelta(minutes=5), name
        message_id = built["Message-ID"]
        assert re.fullmatch(r"<[^@<>\s]+@testserver>", message_id), (name, message_id)
        assert built["Auto-Submitted"] == "auto-generated", name
    ids = {message.message()["Message-ID"] for message in emails.values()}
    assert len(ids) == len(emails)


def test_only_list_like_mail_carries_one_click_unsubscribe(emails):
    for name, message in emails.items():
        built = message.message()
        if name in LISTS:
            assert re.fullmatch(rf"<http://testserver/unsubscribe/{LISTS[name]}/[^>\s]+/>",
                                built["List-Unsubscribe"]), name
            assert built["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", name
        else:
            assert built["List-Unsubscribe"] is None, name


def test_no_email_loads_a_remote_image_or_carries_a_pixel(emails):
    for name, message in emails.items():
        html = message.alternatives[0][0]
        assert "<img" not in html.lower(), name
        assert "url(" not in html.lower(), name


def test_nasty_names_and_titles_are_escaped_in_html_and_subjects_are_one_line(emails):
    for name, message in emails.items():
        html = message.alternatives[0][0]
        assert "<script>" not in html, name
        assert "\n" not in message.subject and "\r" not in message.subject, name
    reminder = emails["reminder"]
    assert "Zoë O&#x27;Brien &lt;script&gt;alert(1)&lt;/script&gt; محمد" in \
        reminder.alternatives[0][0]
    assert NASTY_NAME in reminder.body
    assert "&lt;b&gt;“Caffè &amp; código”&lt;/b&gt; 🎉 שלום עולם" in reminder.alternatives[0][0]
    assert NASTY_TITLE in reminder.body


def test_the_readers_profile_language_wins_then_the_fallback():
    user = UserFactory()
    assert mail_language(user, "it") == "it"
    assert mail_language(None, "") == "en"
    assert mail_language(None, "xx") == "en"
    profile_ensure(user, language="it")
    user.refresh_from_db()
    assert mail_language(user, "en") == "it"


def test_a_mail_without_html_or_recipient_cannot_be_built():
    with pytest.raises(ValueError):
        mail_build(subject="s", text="t", html="", to=["a@example.org"])
    with pytest.raises(ValueError):
        mail_build(subject="s", text="t", html="<p>h</p>", to=[])
    assert mail.outbox == []


def test_a_subject_with_line_breaks_becomes_one_line():
    message = mail_build(subject="Evil\r\nBcc: victim@example.org", text="t", html="<p>h</p>",
                         to=["a@example.org"])
    assert message.subject == "Evil Bcc: victim@example.org"
    assert message.message()["Bcc"] is None
