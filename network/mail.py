"""One way to build every e-mail the product sends, so each one carries the same headers.

Guarantees of `mail_build`: a plain-text body AND an HTML alternative; a `Date` in UTC at
build time and a `Message-ID` under the public site's host name (not the machine's, which
Django would use); `Content-Language` when the language is known; `Auto-Submitted:
auto-generated` (RFC 3834: out-of-office robots do not answer); for list-like mail (digests,
reminders) `List-Unsubscribe` with an https (or the site's) URL and `List-Unsubscribe-Post`
(RFC 8058 one-click). Subjects are one line. The HTML is the project's own template: no
remote images, no tracking pixels (the tests check every kind of e-mail for that).

`mail_language(user, *fallbacks)` is the one rule for "the reader's language": the member's
profile language when set, else the fallbacks in order (the registration's language, the
event's).
"""

from __future__ import annotations

from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

ONE_CLICK = "List-Unsubscribe=One-Click"


def mail_one_line(text: str) -> str:
    """`text` as one header line: any run of white space (newlines included) becomes a space."""
    return " ".join(str(text).split())


def mail_domain() -> str:
    """The public site's host name, the right-hand side of every Message-ID."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def mail_headers(*, language: str = "", unsubscribe_url: str = "") -> dict[str, str]:
    """The headers `mail_build` sets: Date, Message-ID, Auto-Submitted, and when given,
    Content-Language and the two List-Unsubscribe headers."""
    headers = {
        "Date": formatdate(usegmt=True),
        "Message-ID": make_msgid(domain=mail_domain()),
        "Auto-Submitted": "auto-generated",
    }
    if language:
        headers["Content-Language"] = language
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = ONE_CLICK
    return headers


def mail_build(*, subject: str, text: str, html: str, to: list[str], language: str = "",
               unsubscribe_url: str = "", reply_to: list[str] | None = None,
               from_email: str | None = None) -> EmailMultiAlternatives:
    """Build (not send) one e-mail with the headers described above. Raises ValueError
    when there is no recipient or no HTML body (every message has both forms)."""
    if not to or not all(to):
        raise ValueError("an e-mail needs at least one recipient")
    if not html.strip() or not text.strip():
        raise ValueError("an e-mail needs a text and an HTML body")
    message = EmailMultiAlternatives(
        subject=mail_one_line(subject), body=text, to=list(to),
        from_email=from_email or settings.DEFAULT_FROM_EMAIL, reply_to=reply_to,
        headers=mail_headers(language=language, unsubscribe_url=unsubscribe_url))
    message.attach_alternative(html, "text/html")
    return message


def mail_language(user, *fallbacks: str) -> str:
    """The language to write to `user` in: their profile's language when they chose one,
    else the first known of `fallbacks` (e.g. the registration's, then the event's), else
    the site's default. `user` may be None (a guest)."""
    profile = getattr(user, "profile", None) if user is not None else None
    chosen = getattr(profile, "language", "") if profile is not None else ""
    known = {code for code, _name in settings.LANGUAGES}
    for candidate in (chosen, *fallbacks):
        if candidate in known:
            return candidate
    return settings.LANGUAGE_CODE
