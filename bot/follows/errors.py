"""Failures of following whose message is complete for the user (free of heavy imports)."""


class FollowLimit(ValueError):
    """A channel or a person already follows as many questions as allowed; the message says so."""


class FollowStoreError(RuntimeError):
    """The follows database cannot be opened, read or written; the message names it and why."""
