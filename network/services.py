"""State changes of the network that must keep groups and permissions right."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from .models import SpacePage

COORDINATORS_GROUP = "Network coordinators"
ORGANISER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
ORGANISER_IMAGE_PERMISSIONS = ["add_image", "change_image", "choose_image"]


def organiser_group_name(space: SpacePage) -> str:
    return f"Organisers: {space.title} (#{space.pk})"[:150]


@transaction.atomic
def space_setup_permissions(space: SpacePage) -> Group:
    """Give a space its organiser group: page rights on its subtree only, its own image
    collection, and access to the admin. Idempotent."""
    group = space.organiser_group
    if group is None:
        group, _ = Group.objects.get_or_create(name=organiser_group_name(space))
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin",
                                                 codename="access_admin"))
    for codename in ORGANISER_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group, page=space,
            permission=Permission.objects.get(content_type__app_label="wagtailcore",
                                              codename=codename))
    collection = space.collection
    if collection is None:
        collection = Collection.get_first_root_node().add_child(name=space.title[:255])
    for codename in ORGANISER_IMAGE_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection,
            permission=Permission.objects.get(content_type__app_label="wagtailimages",
                                              codename=codename))
    SpacePage.objects.filter(pk=space.pk).update(organiser_group=group, collection=collection)
    space.organiser_group, space.collection = group, collection
    return group
