"""Wagtail tree hooks: a new SpacePage gets its organiser group and image collection."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import SpacePage
from .services import space_setup_permissions


@receiver(post_save, sender=SpacePage)
def space_created(sender, instance: SpacePage, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        space_setup_permissions(instance)
