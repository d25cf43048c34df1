"""Failures of answering whose message is complete for the user (free of heavy imports)."""


class QuestionError(ValueError):
    """The question cannot be asked as given; the message tells the user why."""


class LLMUnavailable(RuntimeError):
    """The configured generating backend cannot be built (missing extra, model file, key)."""
