"""django-allauth's e-mails (address confirmation, password reset...) held to the same rules
as the product's own (`network.mail`): text AND HTML, Date, Message-ID under the site's
host name, Content-Language, Auto-Submitted. allauth ships text templates only, so the HTML
is the text laid out in the project's e-mail layout (links made clickable, no images)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from network.mail import mail_headers


class AccountAdapter(DefaultAccountAdapter):
    def render_mail(self, template_prefix: str, email: str | list[str],
                    context: dict[str, Any], headers: dict[str, str] | None = None
                    ) -> EmailMessage:
        """allauth's message with our headers and, when it has none, an HTML alternative."""
        merged = {**mail_headers(language=translation.get_language() or ""), **(headers or {})}
        message = super().render_mail(template_prefix, email, context, headers=merged)
        if isinstance(message, EmailMultiAlternatives) and not message.alternatives:
            html = render_to_string("network/email/layout.html",
                                    {"text": message.body, "subject": message.subject})
            message.attach_alternative(html, "text/html")
        return message
