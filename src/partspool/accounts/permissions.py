"""Who may see and do what (SPEC roles table). Every page and API call goes through here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from partspool.accounts.models import Role
from partspool.errors import NotPermitted

if TYPE_CHECKING:
    from partspool.accounts.models import User
    from partspool.network.models import Node

ROLES = {r.value for r in Role}
CENTRAL_ROLES = {Role.PLANNER.value, Role.ADMIN.value}
# What each role may import; stock-like tables are further limited to the nodes the user manages.
IMPORT_KINDS: dict[str, set[str]] = {
    "stock": ROLES,
    "demand": ROLES,
    "failures": ROLES,
    "in_transit": CENTRAL_ROLES,
    "distances": CENTRAL_ROLES,
}


def has_role(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in ROLES)


def require_role(user: User) -> None:
    """Any PartsPool role may see the network (lookup, nodes, parts)."""
    if not has_role(user):
        raise NotPermitted("no_role")


def managed_node_ids(user: User) -> set[int] | None:
    """Nodes whose stock and history the user may change and see in detail; None means all."""
    require_role(user)
    if user.role in CENTRAL_ROLES:
        return None
    from partspool.network.models import Node

    if user.role == Role.REGIONAL_COORDINATOR:
        # Asked for every row of a list (which side of a transfer may act): once per request's user.
        cached = getattr(user, "_partspool_region_nodes", None)
        if cached is None:
            cached = set(Node.objects.filter(region_id=user.region_id).values_list("id", flat=True))
            user._partspool_region_nodes = cached  # type: ignore[union-attr]
        return set(cached)
    return {user.home_node_id} if user.home_node_id else set()


def can_manage_node(user: User, node: Node) -> bool:
    managed = managed_node_ids(user)
    return managed is None or node.id in managed


def require_import(user: User, kind: str) -> None:
    require_role(user)
    if user.role not in IMPORT_KINDS.get(kind, set()):
        raise NotPermitted("import_kind", kind=kind)
