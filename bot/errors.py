"""Failures whose message is complete for the user: shown as one line, never as a traceback."""


class UserError(Exception):
    """Bad flag, bad setting, a bot that cannot start: the message says what to do."""
