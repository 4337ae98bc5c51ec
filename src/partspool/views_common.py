"""What every page shares: the role check and domain errors shown in the user's language."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from partspool.accounts.permissions import require_role
from partspool.errors import DomainError, InvalidInput, control_character


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


def _strings(value: Any, name: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key), str(key)
            yield from _strings(item, str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, name)


class RejectControlCharacters:
    """A query, form or JSON value with a control character (a NUL byte, say) is refused with 400 and
    the field's name before any view sees it: PostgreSQL cannot store a NUL, and Excel cannot hold the
    others, so letting them in gave a 500 later, or a file nobody could download."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = self._find(request)
        if bad is None:
            return self.get_response(request)
        error = InvalidInput("control_character", field=bad.encode("unicode_escape").decode("ascii")[:60])
        if request.path.startswith("/api/"):
            return JsonResponse(error.as_dict(), status=error.status)
        return render(request, "error.html", {"error": error}, status=error.status)

    @staticmethod
    def _find(request: HttpRequest) -> str | None:
        pairs = [(k, k) for k in request.GET] + [(k, v) for k in request.GET for v in request.GET.getlist(k)]
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                  "multipart/form-data"):
            pairs += [(k, k) for k in request.POST] + [(k, v) for k in request.POST for v in request.POST.getlist(k)]
        elif request.content_type == "application/json" and request.method in ("POST", "PUT", "PATCH"):
            with contextlib.suppress(ValueError, UnicodeDecodeError):  # not JSON: the view says so
                pairs += list(_strings(json.loads(request.body or b"null")))
        return next((name or "?" for name, text in pairs if control_character(text)), None)
