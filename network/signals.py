"""Signal receivers of the network app.

- A new SpacePage (admin or code) gets its organiser group and image collection.
- A new member who signs up through allauth gets a profile at once.

Why a signal for sign-up: allauth owns the sign-up view and `user_signed_up` is its documented
extension point, so the profile exists before the member first sees the directory. (The site's
sign-up form, home.forms.SignupForm, already creates it with the chosen name; this receiver
then finds it and changes nothing, and covers any other allauth sign-up path.) Users made
any other way (createsuperuser, the Django admin, the demo loader) get their profile lazily:
the own-profile view calls `profile_ensure` too, and the demo calls it explicitly.
"""

from allauth.account.signals import user_signed_up
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import SpacePage
from .services import profile_ensure, space_setup_permissions


@receiver(post_save, sender=SpacePage)
def space_created(sender, instance: SpacePage, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        space_setup_permissions(instance)


@receiver(user_signed_up)
def member_signed_up(sender, request, user, **kwargs) -> None:
    profile_ensure(user)
