"""The named errors of the network services."""


class NetworkError(Exception):
    """Base class of the network's named errors."""


class InvalidRole(NetworkError, ValueError):
    """The role is not one of MembershipRole's values."""
