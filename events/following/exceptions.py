"""Errors of the following sub-app."""


class FollowTargetInvalid(ValueError):
    """The kind is unknown, or the target is not a thing of that kind."""
