"""The JSON API: one NinjaAPI, one router per app, domain errors as 4xx JSON."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.security import django_auth

from partspool.accounts.api import router as accounts_router
from partspool.accounts.auth import TokenAuth
from partspool.emergencies.api import router as emergencies_router
from partspool.errors import DomainError, InvalidInput
from partspool.network.api import router as network_router
from partspool.planning.api import router as planning_router
from partspool.transfers.api import router as transfers_router

api = NinjaAPI(
    title="PartsPool API",
    version="1",
    description="The spare-parts network: stock, lookup, imports and exports. "
    "Authenticate with the browser session or `Authorization: Bearer <personal token>`.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def parameter_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A parameter of the wrong kind (lead_days=abc) named in the user's language, in the shape of every
    other refusal (code, message, details), instead of the framework's own English."""
    from django.utils.translation import gettext as _

    problems = {"int_parsing": _("a whole number is needed"), "int_from_float": _("a whole number is needed"),
                "float_parsing": _("a number is needed"), "bool_parsing": _("true or false is needed"),
                "missing": _("it is needed"), "string_type": _("text is needed")}
    first = exc.errors[0] if exc.errors else {}
    where = [str(part) for part in first.get("loc", ()) if part not in ("query", "body", "path", "form")]
    field = ".".join(where) or "?"
    value = first.get("input", request.GET.get(field, "") if "query" in first.get("loc", ()) else "")
    error = InvalidInput("invalid_parameter", field=field,
                         problem=problems.get(first.get("type", ""), first.get("msg", "")),
                         value=value if value not in ("", None) else '""', errors=[{"field": ".".join(str(p) for p in e.get("loc", ())),
                                                                "type": e.get("type")} for e in exc.errors])
    return api.create_response(request, error.as_dict(), status=400)


api.add_router("/", accounts_router)
api.add_router("/", network_router)
api.add_router("/", transfers_router)
api.add_router("/", emergencies_router)
api.add_router("/", planning_router)
