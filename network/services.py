"""State changes of the network that must keep groups and permissions right.

Every function here runs in one transaction and is safe to call twice (idempotent), so the
demo loader, the admin and the sign-up flow can all go through the same doors.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission
from wagtail.search import index

from .exceptions import InvalidRole, NetworkError
from .models import MemberProfile, Membership, MembershipRole, SpacePage
from .permissions import COORDINATORS_GROUP

ORGANISER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
ORGANISER_IMAGE_PERMISSIONS = ["add_image", "change_image", "choose_image"]
# Organisers manage the memberships of their own space (the admin views scope the rows).
ORGANISER_MODEL_PERMISSIONS = [
    ("network", "add_membership"), ("network", "change_membership"),
    ("network", "delete_membership"), ("network", "view_membership"),
]
COORDINATOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "delete_page",
                                "bulk_delete_page", "lock_page", "unlock_page"]
COORDINATOR_COLLECTION_PERMISSIONS = [
    ("wagtailimages", "add_image"), ("wagtailimages", "change_image"),
    ("wagtailimages", "delete_image"), ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"), ("wagtaildocs", "change_document"),
    ("wagtaildocs", "delete_document"), ("wagtaildocs", "choose_document"),
    ("wagtailcore", "add_collection"), ("wagtailcore", "change_collection"),
    ("wagtailcore", "delete_collection"),
]
COORDINATOR_MODEL_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    *[("network", f"{action}_{model}") for model in ("memberprofile", "membership")
      for action in ("add", "change", "delete", "view")],
]


def organiser_group_name(space: SpacePage) -> str:
    return f"Organisers: {space.title} (#{space.pk})"[:150]


def translation_permission(registry=global_apps):
    """The admin's "Translate" right (wagtail.contrib.simple_translation's
    `submit_translation`), created when missing: Django makes model permissions after the
    migrations, and a data migration needs it before."""
    content_type_model = registry.get_model("contenttypes", "ContentType")
    permission_model = registry.get_model("auth", "Permission")
    content_type, _created = content_type_model.objects.get_or_create(
        app_label="simple_translation", model="simpletranslation")
    permission, _created = permission_model.objects.get_or_create(
        content_type=content_type, codename="submit_translation",
        defaults={"name": "Can submit translations"})
    return permission


def _permissions(wanted: list[tuple[str, str]], registry=global_apps) -> list:
    """The permissions named by (app label, codename) pairs, in that order, in one query.
    Raises the Permission model's DoesNotExist naming the first one missing."""
    permission_model = registry.get_model("auth", "Permission")
    found = {(permission.content_type.app_label, permission.codename): permission
             for permission in permission_model.objects.select_related("content_type").filter(
                 content_type__app_label__in={app for app, _code in wanted},
                 codename__in={code for _app, code in wanted})}
    for pair in wanted:
        if pair not in found:
            raise permission_model.DoesNotExist(f"no permission {pair[0]}.{pair[1]}")
    return [found[pair] for pair in wanted]


@transaction.atomic
def space_setup_permissions(space: SpacePage) -> Group:
    """Give a space its organiser group: page rights on its subtree only, its own image
    collection, the right to manage memberships (scoped to the space by the admin views) and
    access to the admin. Idempotent.

    A translation of a space (another locale's page with the same translation key, made
    from it) gets no group of its own: the original's group gets the same page rights on the
    translation, and the translation shares the original's collection (the same organisers
    edit both). Returns the group."""
    original = (SpacePage.objects.filter(translation_key=space.translation_key, pk__lt=space.pk)
                .select_related("organiser_group", "collection").order_by("pk").first())
    page_permissions = _permissions([("wagtailcore", code) for code in ORGANISER_PAGE_PERMISSIONS])
    if original is not None and original.organiser_group_id is not None:
        group = original.organiser_group
        for permission in page_permissions:
            GroupPagePermission.objects.get_or_create(group=group, page=space,
                                                      permission=permission)
        SpacePage.objects.filter(pk=space.pk).update(collection=original.collection)
        space.collection = original.collection
        return group
    group = space.organiser_group
    if group is None:
        group, _created = Group.objects.get_or_create(name=organiser_group_name(space))
    group.permissions.add(translation_permission(), *_permissions(
        [("wagtailadmin", "access_admin"), *ORGANISER_MODEL_PERMISSIONS]))
    for permission in page_permissions:
        GroupPagePermission.objects.get_or_create(group=group, page=space,
                                                  permission=permission)
    collection = space.collection
    if collection is None:
        collection = Collection.get_first_root_node().add_child(name=space.title[:255])
    for permission in _permissions([("wagtailimages", code)
                                    for code in ORGANISER_IMAGE_PERMISSIONS]):
        GroupCollectionPermission.objects.get_or_create(group=group, collection=collection,
                                                        permission=permission)
    SpacePage.objects.filter(pk=space.pk).update(organiser_group=group, collection=collection)
    space.organiser_group, space.collection = group, collection
    return group


def coordinators_group_build(registry=global_apps):
    """The body of `coordinators_group_ensure`, written against an app registry so the data
    migration can run it with historical models. Returns the group (of that registry)."""
    group_model = registry.get_model("auth", "Group")
    page_model = registry.get_model("wagtailcore", "Page")
    collection_model = registry.get_model("wagtailcore", "Collection")
    page_permission_model = registry.get_model("wagtailcore", "GroupPagePermission")
    collection_permission_model = registry.get_model("wagtailcore", "GroupCollectionPermission")

    group, _created = group_model.objects.get_or_create(name=COORDINATORS_GROUP)
    group.permissions.add(*_permissions(list(COORDINATOR_MODEL_PERMISSIONS), registry))
    root_page = page_model.objects.filter(depth=1).order_by("path").first()
    if root_page is not None:
        for permission in _permissions([("wagtailcore", code)
                                        for code in COORDINATOR_PAGE_PERMISSIONS], registry):
            page_permission_model.objects.get_or_create(group=group, page=root_page,
                                                        permission=permission)
    root_collection = collection_model.objects.filter(depth=1).order_by("path").first()
    if root_collection is not None:
        for permission in _permissions(list(COORDINATOR_COLLECTION_PERMISSIONS), registry):
            collection_permission_model.objects.get_or_create(
                group=group, collection=root_collection, permission=permission)
    return group


@transaction.atomic
def coordinators_group_ensure() -> Group:
    """Make sure the "Network coordinators" group exists with every right: all page
    permissions on the tree's root, all image/document/collection permissions on the root
    collection, admin access, and full rights on member profiles and memberships.
    Idempotent; also run by the data migration `0002_coordinators_group`. Coordinators
    also translate pages (the admin's "Translate": home migration 0003)."""
    group = coordinators_group_build(global_apps)
    group.permissions.add(translation_permission())
    return group


def _organiser_group_sync(user, space: SpacePage) -> None:
    """The user is in the space's organiser group iff they hold an organiser membership of it."""
    if space.organiser_group_id is None:
        space_setup_permissions(space)
    is_organiser = Membership.objects.filter(user=user, space=space,
                                             role=MembershipRole.ORGANISER).exists()
    if is_organiser:
        user.groups.add(space.organiser_group)
    else:
        user.groups.remove(space.organiser_group)


@transaction.atomic
def membership_set(user, space: SpacePage, role: str = MembershipRole.MEMBER) -> Membership:
    """Give `user` exactly one membership of `space` with `role` (created or updated).

    Guarantees: an organiser is in the space's organiser group; any other role is not (the
    group follows the stored memberships). Raises InvalidRole for an unknown role."""
    if role not in MembershipRole.values:
        raise InvalidRole(_("Unknown role “%(role)s”.") % {"role": role})
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=user, space=space, defaults={"role": role})
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    _organiser_group_sync(user, space)
    return membership


@transaction.atomic
def membership_remove(user, space: SpacePage) -> None:
    """Remove the user's membership of `space` (no-op if there is none) and take them out of
    the space's organiser group."""
    Membership.objects.filter(user=user, space=space).delete()
    _organiser_group_sync(user, space)


def _default_display_name(user) -> str:
    full_name = (user.get_full_name() or "").strip()
    if full_name:
        return full_name[:120]
    email = (getattr(user, "email", "") or "").strip()
    if email:
        return email.split("@", 1)[0][:120]
    return (user.get_username() or "member")[:120]


def profile_slug_unique(name: str, exclude_pk: int | None = None) -> str:
    """An ASCII slug made from `name`, not yet used by another profile (suffix -2, -3...)."""
    base = slugify(name)[:70].strip("-") or "member"
    taken = MemberProfile.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    taken_slugs = set(taken.values_list("slug", flat=True))
    if base not in taken_slugs:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken_slugs:
        suffix += 1
    return f"{base}-{suffix}"


PROFILE_FIELDS = {"display_name", "pronouns", "headline", "bio", "city", "home_space",
                  "website", "links", "avatar", "visibility", "show_email", "language"}


def profile_ensure(user, **fields) -> MemberProfile:
    """Return the user's profile, creating it if missing (with a unique ASCII slug made from
    the display name: "Niccolò Rossi" → "niccolo-rossi", then "niccolo-rossi-2"...).

    Given fields (any of PROFILE_FIELDS, plus `skills` as a list of names) are applied to the
    profile, new or existing, so calling it twice with the same fields changes nothing. The
    slug never changes once set, so profile URLs stay stable.
    Raises ValidationError for invalid values (nothing is saved) and TypeError for unknown
    field names."""
    unknown = set(fields) - PROFILE_FIELDS - {"skills"}
    if unknown:
        raise TypeError(f"profile_ensure() got unknown fields: {sorted(unknown)}")
    skills = fields.pop("skills", None)
    for attempt in range(5):
        try:
            with transaction.atomic():
                return _profile_ensure_once(user, fields, skills)
        except IntegrityError:
            # Two requests raced for the same new slug (or profile): try again.
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _profile_ensure_once(user, fields: dict, skills: list[str] | None) -> MemberProfile:
    profile = MemberProfile.objects.filter(user=user).first()
    if profile is None:
        profile = MemberProfile(user=user, display_name=_default_display_name(user))
    changed = profile.pk is None
    for name, value in fields.items():
        if getattr(profile, name) != value:
            setattr(profile, name, value)
            changed = True
    if skills is not None:
        wanted = sorted({s.strip() for s in skills if s.strip()}, key=str.lower)
        current = sorted(profile.skills.names(), key=str.lower) if profile.pk else []
        if [s.lower() for s in wanted] != [s.lower() for s in current]:
            profile.skills.set(wanted)
            changed = True
    if not profile.slug:
        profile.slug = profile_slug_unique(profile.display_name)
    if changed:
        profile.full_clean(exclude=["slug"])
        profile.save()
        if skills is not None:
            # The search index is written on save, before the skills (child rows) are:
            # index again so site search finds the member by their new skills.
            index.insert_or_update_object(profile)
    return profile


AVATAR_COLLECTION = "Member avatars"


@transaction.atomic
def profile_avatar_set(profile: MemberProfile, upload) -> MemberProfile:
    """Store an uploaded (already validated) image as the member's avatar, in the shared
    "Member avatars" collection, and point the profile at it. The previous avatar image is
    deleted so no orphan photos of a member stay behind."""
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=AVATAR_COLLECTION).first()
    if collection is None:
        collection = root.add_child(name=AVATAR_COLLECTION)
    image = get_image_model().objects.create(
        title=profile.display_name[:255], file=upload, collection=collection,
        uploaded_by_user=profile.user)
    previous = profile.avatar
    profile.avatar = image
    profile.save(update_fields=["avatar", "updated_at"])
    if previous is not None:
        previous.delete()
    return profile


@transaction.atomic
def profile_avatar_remove(profile: MemberProfile) -> MemberProfile:
    """Drop the member's avatar (and its image file)."""
    previous = profile.avatar
    if previous is not None:
        profile.avatar = None
        profile.save(update_fields=["avatar", "updated_at"])
        previous.delete()
    return profile


__all__ = [
    "COORDINATORS_GROUP", "InvalidRole", "NetworkError",
    "coordinators_group_ensure", "membership_remove", "membership_set", "profile_avatar_remove",
    "profile_avatar_set", "profile_ensure", "profile_slug_unique",
    "space_setup_permissions",
]
