"""What an imported event adds to the feeds through events.extensions: the keys of its
origin's item that higher-floor apps of the origin added (e.g. an unconference's
`sessions`), published back as received so a JSON round trip loses nothing."""

from events.feeds import ORIGIN_KEYS

#: Keys of `EventPage.origin["data"]` that events.feeds already publishes, or that are ours.
HANDLED_KEYS = {*ORIGIN_KEYS, "all_day"}


class FederationExtension:
    def event_ical_components(self, event, url: str) -> list[bytes]:
        return []

    def feed_items_extra(self, events: list) -> dict[int, dict]:
        extra: dict[int, dict] = {}
        for event in events:
            data = (event.origin or {}).get("data") or {}
            keys = {key: value for key, value in data.items() if key not in HANDLED_KEYS}
            if keys:
                extra[event.pk] = keys
        return extra

    def version_aggregates(self) -> dict:
        # An import's change rewrites its EventPage row (last_published_at): the feeds'
        # existing ETag aggregates already see it.
        return {}
