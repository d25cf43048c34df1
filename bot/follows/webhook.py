"""Sending recorded changes to `FACTDESK_FOLLOW_WEBHOOK`: one JSON POST per change, for other tools.

The request goes through the fetcher's guarded transport (`index.feeds.netguard`): no loopback,
private or otherwise non-public address unless `FACTDESK_FOLLOW_WEBHOOK_ALLOW_PRIVATE=true`, no
proxy from the environment, no redirect followed. A delivery is marked sent only after a 2xx
answer; anything else leaves it for the next update (a 4xx other than 408 and 429 will not get
better, so it is given up at once). Each POST carries the change's id in the body and in an
`Idempotency-Key` header: a crash after the receiver answered and before the delivery was marked
sends it again, and the receiver drops the repeat by that key.

The body: the `RecordedChange` JSON (`id`, `follow_id`, `question`, `channel`, `recorded_at`,
`change`) and `text`, the update in plain words.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import httpx

from bot.follows.config import FollowConfig
from bot.follows.models import Delivery
from bot.follows.notice import WEBHOOK_TARGET
from bot.follows.store import FollowStore
from bot.follows.wording import change_text
from index.feeds.netguard import GuardedTransport

log = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Answers that a later try may not get (the receiver is busy or down for a moment).
_RETRY = frozenset({408, 429})


@dataclass(frozen=True)
class WebhookReport:
    sent: int = 0
    problems: tuple[str, ...] = ()


def payload(delivery: Delivery) -> bytes:
    recorded = delivery.recorded
    body = {**recorded.model_dump(mode="json"), "text": change_text(recorded.change)}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def idempotency_key(delivery: Delivery) -> str:
    return f"factdesk-change-{delivery.recorded.id}"


def deliver_webhooks(
    store: FollowStore, config: FollowConfig, *, transport: httpx.BaseTransport | None = None
) -> WebhookReport:
    """POST every pending webhook delivery, oldest first; stop at the first one that cannot connect."""
    if not config.webhook:
        return WebhookReport()
    pending = store.pending(WEBHOOK_TARGET)
    if not pending:
        return WebhookReport()
    sent = 0
    problems: list[str] = []
    with httpx.Client(
        transport=transport or GuardedTransport(allow_private=config.webhook_allow_private),
        timeout=httpx.Timeout(config.webhook_timeout_s),
        headers={"User-Agent": config.user_agent, "Content-Type": "application/json"},
        follow_redirects=False,
        trust_env=False,
    ) as client:
        for delivery in pending:
            try:
                response = client.post(
                    config.webhook, content=payload(delivery), headers={IDEMPOTENCY_HEADER: idempotency_key(delivery)}
                )
            except httpx.HTTPError as error:
                reason = f"webhook: cannot deliver change {delivery.recorded.id}: {error or type(error).__name__}"
                store.mark_failed(delivery.id, reason)
                problems.append(reason)
                break  # the others would meet the same network
            if response.is_success:
                store.mark_sent(delivery.id)
                sent += 1
                continue
            reason = f"webhook: change {delivery.recorded.id} refused with HTTP {response.status_code}"
            give_up = response.is_client_error and response.status_code not in _RETRY
            store.mark_failed(delivery.id, reason, give_up=give_up)
            problems.append(reason)
    for problem in problems:
        log.warning("%s", problem)
    return WebhookReport(sent=sent, problems=tuple(problems))
