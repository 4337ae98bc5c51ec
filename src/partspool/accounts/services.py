"""Personal API tokens."""

from __future__ import annotations

import secrets

from django.db import transaction

from partspool.accounts.models import ApiToken, User, hash_token
from partspool.accounts.permissions import require_role
from partspool.errors import InvalidInput

TOKEN_PREFIX = "pp_"


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; the raw token is returned once and only its hash is kept."""
    require_role(user)
    name = name.strip()
    if not name:
        raise InvalidInput("invalid_input")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:10], digest=hash_token(raw))
    return token, raw


def token_revoke(*, user: User, token_id: int) -> None:
    ApiToken.objects.filter(user=user, pk=token_id).update(revoked=True)
