from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from partspool.accounts.permissions import require_role

router = Router(tags=["me"])


class MeOut(Schema):
    username: str
    role: str
    home_node: str | None
    region: str | None


@router.get("/me", response=MeOut, summary="Who I am")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    require_role(user)  # type: ignore[arg-type]
    return MeOut(
        username=user.username,
        role=user.role,  # type: ignore[union-attr]
        home_node=user.home_node.code if user.home_node_id else None,  # type: ignore[union-attr]
        region=user.region.code if user.region_id else None,  # type: ignore[union-attr]
    )
