"""The sentence a service refuses with: tests that kill mutants assert it exactly."""

import pytest


def refusal(exception, call, *args, **kwargs) -> str:
    """Call `call(*args, **kwargs)`, expect `exception`, return its message."""
    with pytest.raises(exception) as caught:
        call(*args, **kwargs)
    return str(caught.value)
