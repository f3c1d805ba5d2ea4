"""Demo spaces and members (to be filled)."""

DEMO_LOGINS: list[tuple[str, str, str]] = []


def load_network_demo(spaces_index, directory) -> None:
    return None
