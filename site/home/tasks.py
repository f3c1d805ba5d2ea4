"""Background work of the site: the one e-mail that tells a member their account was erased
(see home.privacy). A django-tasks task, enqueued when the erasure commits."""

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from network.mail import mail_build

logger = logging.getLogger(__name__)


@task()
def member_erased_notify(address: str, language: str) -> None:
    """Tell `address` (the one the member had) that their account was erased, in `language`.
    The address travels only in the task's arguments: nothing in the database keeps it. A
    mail-server error fails the task (the erasure it reports is committed)."""
    with translation.override(language):
        context = {"site_name": getattr(settings, "WAGTAIL_SITE_NAME", "Espresso")}
        subject = render_to_string("home/privacy/erased_email_subject.txt", context)
        context["subject"] = subject
        body = render_to_string("home/privacy/erased_email.txt", context)
        html = render_to_string("home/privacy/erased_email.html", context)
    mail_build(subject=subject, text=body, html=html, to=[address], language=language).send()
