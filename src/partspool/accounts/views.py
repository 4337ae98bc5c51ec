"""The user's own page: personal API tokens."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from partspool.accounts.models import ApiToken
from partspool.accounts.services import token_create, token_revoke
from partspool.views_common import role_page


@role_page
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    created = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token_revoke(user=request.user, token_id=int(request.POST["revoke"]))  # type: ignore[arg-type]
        else:
            _token, created = token_create(user=request.user, name=request.POST.get("name", ""))  # type: ignore[arg-type]
    rows = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/tokens.html", {"tokens": rows, "created": created})
