"""What every page shares: the role check and domain errors shown in the user's language."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from partspool.accounts.permissions import require_role
from partspool.errors import DomainError


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
