"""Demo credits (to be filled)."""


def load_credits_demo() -> None:
    return None
