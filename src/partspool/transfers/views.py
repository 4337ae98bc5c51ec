"""Pages of transfers: inbox, request form, a transfer with its steps, letters, alliances, notifications."""

from __future__ import annotations

from datetime import date, datetime

import plotly.graph_objects as go
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from partspool.core.transfer_flow import Action, Deal
from partspool.errors import DomainError, InvalidInput, NotFound
from partspool.network.selectors import node_get, part_get
from partspool.transfers import documents, selectors, services
from partspool.transfers.api import ActionIn, run_action
from partspool.transfers.models import Notification, TransferPhoto, TransferRequest
from partspool.views_common import parse_int, parse_money, role_page

PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
MAX_PHOTO_BYTES = 5 * 1024 * 1024


@role_page
def inbox(request: HttpRequest) -> HttpResponse:
    boxes = selectors.inbox(user=request.user)  # type: ignore[arg-type]
    recent = selectors.visible_transfers(request.user)[:30]  # type: ignore[arg-type]
    return render(request, "transfers/inbox.html", {"boxes": boxes, "recent": recent,
                                                     "today": timezone.localdate()})


def _parse_date(raw: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("due_date_required") from None



@role_page
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Ask one or several nodes for parts (from a lookup row, or typed in)."""
    source = request.POST if request.method == "POST" else request.GET
    deal_field = TransferRequest._meta.get_field("deal")
    context: dict[str, object] = {"q": source, "deals": deal_field.choices,
                                  "lines": _lines(source), "error": None}
    if request.method == "POST":
        try:
            part = part_get(number=source.get("part", ""))
            terms = services.Terms(
                deal=Deal(source.get("deal", "borrow")), due_date=_parse_date(source.get("due_date", "")),
                swap_part=part_get(number=source["swap_part"]) if source.get("swap_part") else None,
                swap_quantity=parse_int(source["swap_quantity"]) if source.get("swap_quantity") else None,
                freight=parse_money(source.get("freight", "")), insurance=parse_money(source.get("insurance", "")),
                handling=parse_money(source.get("handling", "")), thank_you=parse_money(source.get("thank_you", "")),
                reason=source.get("reason", ""), p0=source.get("p0") == "1",
            )
            borrower = request.user.home_node if request.user.home_node_id else node_get(  # type: ignore[union-attr]
                code=source.get("borrower", ""))
            lines = [(node_get(code=code), parse_int(qty)) for code, qty in context["lines"] if code]  # type: ignore[attr-defined]
            made = services.transfer_request_split(user=request.user, borrower=borrower, part=part,  # type: ignore[arg-type]
                                                   lines=lines, terms=terms)
            return redirect("transfer", transfer_id=made[0].pk) if len(made) == 1 else redirect("transfers")
        except DomainError as error:
            context["error"] = error
            return render(request, "transfers/new.html", context, status=error.status)
    return render(request, "transfers/new.html", context)


def _lines(source: object) -> list[tuple[str, str]]:
    lenders = source.getlist("lender") or [""]  # type: ignore[attr-defined]
    quantities = source.getlist("quantity") or [""]  # type: ignore[attr-defined]
    lines = list(zip(lenders, quantities + [""] * (len(lenders) - len(quantities)), strict=False))
    return lines + [("", "")] * max(0, 3 - len(lines))


@role_page
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = selectors.transfer_get(user=request.user, transfer_id=transfer_id)  # type: ignore[arg-type]
    actions = selectors.actions_for(request.user, transfer)
    events = list(transfer.events.select_related("by").prefetch_related("photos"))
    labels = services.action_labels()
    return render(request, "transfers/detail.html", {
        "t": transfer, "events": events, "actions": [(a, labels[a]) for a in actions],
        "claims": list(transfer.claims.all()), "ladder": list(transfer.ladder.all()),
        "can_forward": "accept" in actions,
    })


@role_page
@require_POST
def transfer_act(request: HttpRequest, transfer_id: int, action: str) -> HttpResponse:
    try:
        step = Action(action)
    except ValueError:
        raise NotFound("not_found") from None
    photos = request.FILES.getlist("photos")
    checked = [_check_photo(p) for p in photos]
    data = ActionIn(
        quantity=parse_int(request.POST["quantity"]) if request.POST.get("quantity") else None,
        reason=request.POST.get("reason", ""), note=request.POST.get("note", ""),
        carrier=request.POST.get("carrier", ""), tracking_no=request.POST.get("tracking_no", ""),
        inspection_ok=request.POST.get("inspection_ok", "1") == "1",
        amount=parse_money(request.POST["amount"]) if request.POST.get("amount") else None,
    )
    transfer = run_action(request.user, transfer_id, step, data)
    if checked:
        event = transfer.events.order_by("-id").first()
        for upload, content_type in checked:
            TransferPhoto.objects.create(event=event, image=upload, content_type=content_type)
    return redirect("transfer", transfer_id=transfer.pk)


@role_page
@require_POST
def transfer_forward(request: HttpRequest, transfer_id: int) -> HttpResponse:
    selectors.transfer_get(user=request.user, transfer_id=transfer_id)  # type: ignore[arg-type]
    made = services.transfer_forward(transfer_id=transfer_id, user=request.user,  # type: ignore[arg-type]
                                     to_lender=node_get(code=request.POST.get("lender", "")),
                                     note=request.POST.get("note", ""))
    return redirect("transfer", transfer_id=made.pk)


def _check_photo(upload: object) -> tuple[object, str]:
    """Only JPEG or PNG, at most 5 MB: the first bytes decide, not the name."""
    if upload.size > MAX_PHOTO_BYTES:  # type: ignore[attr-defined]
        raise InvalidInput("photo_invalid")
    head = upload.read(8)  # type: ignore[attr-defined]
    upload.seek(0)  # type: ignore[attr-defined]
    for magic, content_type in PHOTO_TYPES.items():
        if head.startswith(magic):
            return upload, content_type
    raise InvalidInput("photo_invalid")


@role_page
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    row = TransferPhoto.objects.select_related("event").filter(pk=photo_id).first()
    if row is None:
        raise NotFound("not_found")
    selectors.transfer_get(user=request.user, transfer_id=row.event.transfer_id)  # type: ignore[arg-type]
    return FileResponse(row.image.open("rb"), content_type=row.content_type)


@role_page
def commitment(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = selectors.transfer_get(user=request.user, transfer_id=transfer_id)  # type: ignore[arg-type]
    language = "en" if request.GET.get("lang", "").startswith("en") else "zh-hans"
    text = (transfer.commitment_en if language == "en" else transfer.commitment_zh) or \
        documents.commitment_letter(transfer, language)
    if request.GET.get("download") == "1":
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{transfer.number}-commitment-{language}.txt"'
        return response
    return render(request, "transfers/commitment.html", {"t": transfer, "text": text, "language": language})


@role_page
@require_http_methods(["GET", "POST"])
def help_request(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"q": request.POST or request.GET}
    if request.method == "POST":
        try:
            quantity = parse_int(request.POST.get("quantity", ""))
            if quantity <= 0:
                raise InvalidInput("quantity_not_positive", quantity=quantity)
            deadline_raw = request.POST.get("deadline", "").strip()
            deadline = timezone.make_aware(datetime.fromisoformat(deadline_raw)) if deadline_raw else None
            borrower = request.user.home_node or node_get(code=request.POST.get("borrower", ""))  # type: ignore[union-attr]
            context["message"] = documents.help_request_message(
                part=part_get(number=request.POST.get("part", "")), quantity=quantity,
                why=request.POST.get("why", ""), deadline=deadline, commitments=request.POST.get("commitments", ""),
                contact=request.POST.get("contact", ""), borrower=borrower,
                language="en" if request.POST.get("lang") == "en" else "zh-hans")
        except (DomainError, ValueError) as error:
            context["error"] = error if isinstance(error, DomainError) else InvalidInput("invalid_input")
            return render(request, "transfers/help.html", context, status=400)
    return render(request, "transfers/help.html", context)


@role_page
def alliances(request: HttpRequest) -> HttpResponse:
    mine = selectors.alliances_of(request.user)  # type: ignore[arg-type]
    if len(mine) == 1:
        return redirect("alliance", alliance_id=mine[0].pk)
    return render(request, "transfers/alliances.html", {"alliances": mine})


@role_page
def alliance(request: HttpRequest, alliance_id: int) -> HttpResponse:
    item = selectors.alliance_get(user=request.user, alliance_id=alliance_id)  # type: ignore[arg-type]
    board = selectors.alliance_board(alliance=item)
    nodes = board["nodes"]
    ranking = board["ranking"]
    figure = go.Figure(go.Bar(
        x=[nodes[m].name for m, _l, _n in ranking], y=[lends for _m, lends, _n in ranking],  # type: ignore[index]
        marker_color="#2f6fae"))
    figure.update_layout(height=280, margin={"l": 40, "r": 10, "t": 30, "b": 60},
                         title=_("Loans given this year"), yaxis={"rangemode": "tozero"})
    return render(request, "transfers/alliance.html", {
        "a": item, **board,
        "chart": figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}),
        "ranking_rows": [(nodes[m], lends, net) for m, lends, net in ranking],  # type: ignore[index]
        "settlement_rows": [(nodes.get(q.member_id), q) for q in board["settlement"]],  # type: ignore[attr-defined]
    })


@role_page
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(user=request.user).select_related("transfer")
    if request.method == "POST":
        rows.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications")
    return render(request, "transfers/notifications.html", {"rows": rows[:200]})

