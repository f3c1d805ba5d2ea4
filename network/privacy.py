"""The network's part of a member's own data: their directory profile (skills, links,
avatar) and their memberships of spaces.

`home.privacy` orchestrates every app's privacy module (export and erasure); this module
also holds the few things every app's part shares (how a date is written in an export, the
unroutable address that replaces an erased e-mail), because the network is the ground floor
that every other app may import.

Guarantees of `member_data_erase`: memberships are removed through the membership services
(so an organiser leaves the space's group), the avatar image and its file are deleted, and
the profile itself is deleted (nothing else points at it), which takes it out of the
directory and the search index; the admin history of the profile and the memberships keeps
its rows but no longer names the member.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from wagtail.models import ModelLogEntry

from .models import MemberProfile, Membership
from .services import membership_remove, profile_avatar_remove

#: RFC 2606 reserves `.invalid`: an address there can never receive mail.
ERASED_EMAIL_DOMAIN = "erased.invalid"
#: What the admin history says instead of an erased member's name.
ERASED_LABEL = "Erased member"


def erased_email(kind: str, pk: int) -> str:
    """The unroutable placeholder address of an erased person, unique per `kind` and `pk`
    (unique addresses keep the one-active-registration-per-address constraints happy)."""
    return f"erased-{kind}-{pk}@{ERASED_EMAIL_DOMAIN}"


def export_datetime(value: datetime.datetime | datetime.date | None) -> str | None:
    """A date or an aware date-time as ISO 8601 text (date-times in UTC), None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def log_entries_anonymise(model: type[Model], pks: Iterable[Any]) -> int:
    """Rewrite the admin history (Wagtail's ModelLogEntry) of these objects so it no longer
    carries the erased member's name: the label becomes ERASED_LABEL and the stored data is
    emptied. The rows themselves stay (who did what, when). Returns how many changed."""
    ids = [str(pk) for pk in pks]
    if not ids:
        return 0
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return ModelLogEntry.objects.filter(content_type=content_type, object_id__in=ids).update(
        label=ERASED_LABEL, data={})


def member_data_export(user) -> dict[str, Any]:
    """The member's profile (None if they have none) and memberships, JSON-serialisable."""
    profile = (MemberProfile.objects.filter(user=user).select_related("home_space", "avatar")
               .first())
    memberships = (Membership.objects.filter(user=user).select_related("space")
                   .order_by("space__title", "pk"))
    return {
        "profile": _profile_export(profile) if profile is not None else None,
        "memberships": [
            {"space": membership.space.title, "role": membership.role,
             "since": export_datetime(membership.since)}
            for membership in memberships
        ],
    }


def _profile_export(profile: MemberProfile) -> dict[str, Any]:
    avatar = profile.avatar
    return {
        "display_name": profile.display_name,
        "address": profile.get_absolute_url(),
        "pronouns": profile.pronouns,
        "headline": profile.headline,
        "bio": profile.bio,
        "skills": sorted(profile.skills.names(), key=str.lower),
        "city": profile.city,
        "home_space": profile.home_space.title if profile.home_space_id else None,
        "website": profile.website,
        "links": [line.strip() for line in profile.links.splitlines() if line.strip()],
        "avatar": avatar.file.url if avatar is not None else None,
        "visibility": profile.visibility,
        "show_email": profile.show_email,
        "created_at": export_datetime(profile.created_at),
        "updated_at": export_datetime(profile.updated_at),
    }


@transaction.atomic
def member_data_erase(user) -> dict[str, int]:
    """Remove the member's memberships and delete their profile and avatar (see the module's
    guarantees). Safe to run twice: the second run finds nothing. Returns what it did."""
    memberships = list(Membership.objects.filter(user=user).select_related("space"))
    for membership in memberships:
        membership_remove(user, membership.space)
    log_entries_anonymise(Membership, [membership.pk for membership in memberships])
    profile = MemberProfile.objects.filter(user=user).select_related("avatar").first()
    if profile is not None:
        profile_pk = profile.pk
        profile_avatar_remove(profile)
        profile.delete()  # its skills (MemberSkill rows) go with it
        log_entries_anonymise(MemberProfile, [profile_pk])
    return {"memberships_removed": len(memberships),
            "profiles_deleted": int(profile is not None)}
