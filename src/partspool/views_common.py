"""What every page shares: the role check and domain errors shown in the user's language."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from partspool.accounts.permissions import require_role
from partspool.errors import DomainError, InvalidInput


def parse_int(raw: str, code: str = "quantity_not_positive") -> int:
    """A whole number typed in a form; ``code`` names the error when it is not one."""
    try:
        return int(raw.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(code, quantity=raw, value=raw) from None


def parse_money(raw: str) -> Decimal:
    """An amount typed in a form (empty: 0); not a finite number is refused."""
    try:
        value = Decimal(raw.strip() or "0")
    except InvalidOperation:
        raise InvalidInput("negative_amount") from None
    if not value.is_finite():
        raise InvalidInput("negative_amount")
    return value


def role_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with a PartsPool role; a domain error becomes an error page or htmx fragment."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            require_role(request.user)  # type: ignore[arg-type]
            return view(request, *args, **kwargs)
        except DomainError as error:
            template = "error_fragment.html" if getattr(request, "htmx", False) else "error.html"
            return render(request, template, {"error": error}, status=error.status)

    return wrapper
