"""Notifications: in the app, by e-mail, and to the alliance's group-chat webhook (after commit)."""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q

from partspool.accounts.models import Role, User
from partspool.transfers.models import Notification, TransferRequest

if TYPE_CHECKING:
    from partspool.network.models import Node

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_SECONDS = 5


def node_people(node: Node, *, superiors: bool = False) -> list[User]:
    """Who answers for a node: its center managers; with ``superiors``, its region's coordinators."""
    who = Q(role=Role.CENTER_MANAGER, home_node=node)
    if superiors:
        who = Q(role=Role.REGIONAL_COORDINATOR, region_id=node.region_id)
    return list(User.objects.filter(who, is_active=True))


def notify(*, users: Iterable[User], kind: str, title: str, body: str,
           transfer: TransferRequest | None = None) -> list[Notification]:
    """Record the notification for each user; mail and webhook go out only if the transaction commits."""
    users = list({u.pk: u for u in users}.values())
    rows = Notification.objects.bulk_create(
        [Notification(user=u, transfer=transfer, kind=kind, title=title[:200], body=body) for u in users]
    )
    emails = [u.email for u in users if u.email]
    if emails:
        transaction.on_commit(lambda: _mail(emails, title, body))
    hook = transfer.alliance.webhook_url if transfer is not None and transfer.alliance_id else ""
    if hook:
        payload = {"kind": kind, "title": title, "text": body,
                   "transfer": transfer.number if transfer else None}
        transaction.on_commit(lambda: post_webhook(hook, payload))
    return rows


def _mail(recipients: list[str], title: str, body: str) -> None:
    try:
        send_mail(f"[PartsPool] {title}", body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # a mail outage must not undo the step that was already committed
        log.exception("notification e-mail failed")


def post_webhook(url: str, payload: dict[str, object]) -> bool:
    """POST the JSON to a group-chat bot; failures are logged, never raised."""
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            return 200 <= response.status < 300
    except Exception:
        log.warning("webhook %s failed", url, exc_info=True)
        return False
