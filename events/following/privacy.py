"""Following's part of a member's own data (orchestrated by `home.privacy`): what they follow,
their digest choice, the digests sent; erasing deletes all of it."""

from __future__ import annotations

from typing import Any

from network.privacy import export_datetime

from .models import Digest, DigestEvent, Follow, FollowSettings
from .selectors import digest_frequency, digest_settings, follow_list


def member_data_export(user) -> dict[str, Any]:
    """The member's follows, digest choice (frequency, weekday 0 = Monday, time zone) and
    digests (week, events told). Reads only."""
    return {
        "follows": [{"kind": follow.kind, "target": follow.target_label,
                     "since": export_datetime(follow.created_at)}
                    for follow in follow_list(user)],
        "digest": digest_frequency(user),
        "digest_weekday": digest_settings(user).digest_weekday,
        "digest_time_zone": digest_settings(user).time_zone,
        "digests": [{"week": digest.week.isoformat(), "sent_at": export_datetime(digest.sent_at),
                     "events": digest.event_count}
                    for digest in Digest.objects.filter(user=user).order_by("week")],
    }


def member_data_erase(user) -> dict[str, int]:
    """Delete everything following holds about `user`; returns the rows deleted per kind."""
    return {
        "follows": Follow.objects.filter(user=user).delete()[0],
        "digest_events": DigestEvent.objects.filter(user=user).delete()[0],
        "digests": Digest.objects.filter(user=user).delete()[0],
        "settings": FollowSettings.objects.filter(user=user).delete()[0],
    }
