"""Demo events (to be filled)."""


def load_events_demo() -> None:
    return None
