from __future__ import annotations

from django.http import HttpRequest

from partspool.accounts.permissions import IMPORT_KINDS, has_role


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not has_role(user):
        return {"nav_enabled": False}
    from partspool.emergencies.selectors import overdue_cases
    from partspool.transfers.models import Notification

    return {
        "nav_enabled": True,
        "nav_unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "nav_overdue": len(overdue_cases(user)),
        "nav_import_kinds": [k for k, roles in IMPORT_KINDS.items() if user.role in roles],
    }
