"""The JSON API: one NinjaAPI, one router per app, domain errors as 4xx JSON."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
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


def _echo(request: HttpRequest, loc: list[str]) -> str:
    """The value a parameter was given, as the request carried it (ninja leaves it out of its errors), cut to
    80 characters; "" where none was given."""
    import json

    value: object = ""
    if loc[:1] == ["query"] and len(loc) > 1:
        value = request.GET.get(loc[1], "")
    elif loc[:1] == ["form"] and len(loc) > 1:
        value = request.POST.get(loc[-1], "")
    elif loc[:1] == ["body"]:
        try:
            value = json.loads(request.body or b"null")
            for key in loc[2:]:
                value = value[int(key)] if isinstance(value, list) else value[key]  # type: ignore[index]
        except (ValueError, KeyError, IndexError, TypeError, RawPostDataException):  # not JSON, or read as a form
            value = ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return '""' if text in ("", "null") else text[:80]


@api.exception_handler(ValidationError)
def parameter_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A parameter of the wrong kind (lead_days=abc) named in the user's language, in the shape of every
    other refusal (code, message, details), instead of the framework's own English."""
    from django.utils.translation import gettext as _

    number, whole = _("a number is needed"), _("a whole number is needed")
    problems = {"int_parsing": whole, "int_from_float": whole, "int_type": whole, "float_parsing": number,
                "float_type": number, "decimal_parsing": number, "decimal_type": number,
                "bool_parsing": _("true or false is needed"), "bool_type": _("true or false is needed"),
                "missing": _("it is needed"), "string_type": _("text is needed"),
                "date_from_datetime_parsing": _("a date is needed, like 2026-11-30"),
                "date_parsing": _("a date is needed, like 2026-11-30"),
                "datetime_from_date_parsing": _("a date and time is needed, like 2026-11-30T09:00"),
                "datetime_parsing": _("a date and time is needed, like 2026-11-30T09:00"),
                "dict_type": _("an object is needed"), "list_type": _("a list is needed"),
                "literal_error": _("it is not one of the values allowed"), "enum": _("it is not one of the values allowed")}
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", ())]
    where = loc[2:] if loc[:1] == ["body"] else loc[1:]  # a body's errors name the handler's parameter next
    field = ".".join(where) or (loc[-1] if loc else "?")
    error = InvalidInput("invalid_parameter", field=field,
                         problem=problems.get(first.get("type", ""), _("it is not valid")),
                         value=_echo(request, loc), errors=[{"field": ".".join(str(p) for p in e.get("loc", ())),
                                                                "type": e.get("type")} for e in exc.errors])
    return api.create_response(request, error.as_dict(), status=400)


api.add_router("/", accounts_router)
api.add_router("/", network_router)
api.add_router("/", transfers_router)
api.add_router("/", emergencies_router)
api.add_router("/", planning_router)
