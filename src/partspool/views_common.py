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


def _strings(value: Any) -> Iterator[str]:
    """Every key and string in a parsed JSON value, without recursion (any depth)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(str(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class RejectNul:
    """A NUL byte in the path, a query, a form or a JSON body is refused with 400 before any view sees
    it: PostgreSQL cannot store one, so letting it in gave a 500 later. (Other control characters
    are dropped where they would break a file: see ``network.exports.workbook_xlsx``.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = self._find(request)
        if bad is None:
            return self.get_response(request)
        error = InvalidInput("control_character", field=bad.replace("\x00", "\\x00")[:60])
        if request.path_info.startswith("/api/"):
            return JsonResponse(error.as_dict(), status=error.status)
        template = "error_fragment.html" if getattr(request, "htmx", False) else "error.html"
        return render(request, template, {"error": error}, status=error.status)

    @staticmethod
    def _find(request: HttpRequest) -> str | None:
        if "\x00" in request.path_info:
            return request.path_info
        for key in request.GET:
            if "\x00" in key or any("\x00" in v for v in request.GET.getlist(key)):
                return key
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key in request.POST:
                if "\x00" in key or any("\x00" in v for v in request.POST.getlist(key)):
                    return key
        elif request.path_info.startswith("/api/"):  # the API reads any other body as JSON
            with contextlib.suppress(ValueError, UnicodeDecodeError, RecursionError):  # the view says what is wrong
                return next((text for text in _strings(json.loads(request.body or b"null")) if "\x00" in text), None)
        return None
