"""The JSON API: one NinjaAPI, one router per app, domain errors as 4xx JSON."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from partspool.accounts.api import router as accounts_router
from partspool.accounts.auth import TokenAuth
from partspool.emergencies.api import router as emergencies_router
from partspool.errors import DomainError
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


api.add_router("/", accounts_router)
api.add_router("/", network_router)
api.add_router("/", transfers_router)
api.add_router("/", emergencies_router)
api.add_router("/", planning_router)
