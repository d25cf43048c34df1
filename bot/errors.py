"""The one table of known failures and what people are told about them, shared by every view.

A known failure becomes one line (CLI), one reply (Discord) or one JSON error (HTTP), never a traceback. `message` is
for whoever runs factdesk (it may name a server or a folder); `public` is what a chat user sees,
who needs to know what happened, not where the store lives. Anything not in the table is an
internal error: the view logs it with an incident id and shows the id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.answering.errors import LLMUnavailable, QuestionError
from index.errors import EmbedModelError, IndexEmpty, IndexerBusy, StoreUnavailable
from index.feeds.state import StateError
from index.feeds.subscriptions import FeedListError


class UserError(Exception):
    """Bad flag, bad setting, a bot that cannot start: the message says what to do."""


@dataclass(frozen=True)
class KnownError:
    kinds: tuple[type[BaseException], ...]
    # What the operator (the CLI) is told; by default the exception's own message.
    message: Callable[[BaseException], str] = str
    # What a chat user is told; None: the same as `message`.
    public: Callable[[BaseException], str] | None = None
    # Also logged with an incident id (the operator may need the details).
    incident: bool = False
    # The service's state, not the request, is at fault: the same request may succeed later
    # (HTTP answers 503, not 400).
    service_side: bool = False


KNOWN_ERRORS: tuple[KnownError, ...] = (
    KnownError((QuestionError,)),
    KnownError(
        (IndexEmpty,),
        public=lambda _: "Nothing is indexed yet, so I cannot answer. An administrator can run `/reindex`.",
        service_side=True,
    ),
    KnownError(
        (StoreUnavailable,),
        public=lambda _: "The article index cannot be reached right now.",
        incident=True,
        service_side=True,
    ),
    KnownError(
        (IndexerBusy,),
        public=lambda _: "Another re-index is running; try again when it has finished.",
        service_side=True,
    ),
    KnownError(
        (EmbedModelError,), public=lambda _: "The embedding model is not available.", incident=True, service_side=True
    ),
    KnownError(
        (LLMUnavailable,),
        public=lambda _: "The configured language model is not available.",
        incident=True,
        service_side=True,
    ),
    KnownError((UserError,)),
    # A feed address or outlet name that cannot be followed (`factdesk feeds add`).
    KnownError((FeedListError,)),
    # feeds.json cannot be read or written: the message names the file and what to do.
    KnownError((StateError,), service_side=True),
)


def known(error: BaseException) -> KnownError | None:
    """The table's entry for an error, or None for an internal error."""
    return next((entry for entry in KNOWN_ERRORS if isinstance(error, entry.kinds)), None)


def operator_message(error: BaseException) -> str | None:
    entry = known(error)
    return None if entry is None else entry.message(error)


def public_message(error: BaseException) -> str | None:
    entry = known(error)
    if entry is None:
        return None
    return (entry.public or entry.message)(error)
