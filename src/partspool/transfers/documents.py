"""Texts generated from a deal: the written commitment (书面承诺) and the help request (求助)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from partspool.network.models import Node, Part
    from partspool.transfers.models import TransferRequest


def _money(value: Decimal) -> str:
    return f"¥{value:,.2f}"


def commitment_letter(transfer: TransferRequest, language: str) -> str:
    """The borrower's written commitment for this deal, in ``language`` ("zh-hans" or "en")."""
    with translation.override(language):
        part = transfer.part
        value = part.unit_cost * transfer.moving_quantity
        facts = {
            "lender": f"{transfer.lender.code} {transfer.lender.name}",
            "borrower": f"{transfer.borrower.code} {transfer.borrower.name}",
            "part": f"{part.number} {part.name}",
            "quantity": transfer.moving_quantity,
            "value": _money(value),
            "number": transfer.number,
        }
        lines = [
            _("Written commitment for transfer %(number)s") % facts,
            "",
            _("Lender: %(lender)s") % facts,
            _("Borrower: %(borrower)s") % facts,
            _("Parts: %(part)s, quantity %(quantity)s, value %(value)s") % facts,
            _("Deal: %(deal)s") % {"deal": transfer.get_deal_display()},
            "",
            _("The borrower commits to the following:"),
            "1. " + _("The parts remain the property of the lender until they are returned or settled."),
        ]
        if transfer.deal in ("borrow", "swap"):
            due = date_format(transfer.due_date, "DATE_FORMAT") if transfer.due_date else _("the agreed date")
            if transfer.deal == "swap" and transfer.swap_part_id:
                lines.append("2. " + _("In exchange, %(quantity)s × %(part)s will be sent to the lender by %(due)s.")
                             % {"quantity": transfer.swap_quantity, "part": transfer.swap_part.number, "due": due})
            else:
                lines.append("2. " + _("The parts will be returned, in the same condition, by %(due)s.") % {"due": due})
            lines.append("3. " + _("If the parts are not returned, the borrower pays their full value of %(value)s.")
                         % facts)
        else:
            costs = transfer.freight + transfer.insurance + transfer.handling + transfer.thank_you
            lines.append("2. " + _("The borrower pays freight, insurance and handling, %(costs)s in total.")
                         % {"costs": _money(costs)})
            lines.append("3. " + _("The borrower pays the parts' value of %(value)s unless they are returned.")
                         % facts)
        lines += [
            "4. " + _("Loss or damage in transit is borne by the borrower; the shipment is insured for %(value)s.")
            % facts,
            "5. " + _("If the lender recalls the parts, the borrower returns them within 24 hours."),
            "",
            _("Signed for the borrower: ____________________   Date: ____________"),
            _("Acknowledged by the lender: ____________________   Date: ____________"),
        ]
        return "\n".join(lines)


def help_request_message(*, part: Part, quantity: int, why: str, deadline: datetime | None,
                         commitments: str, contact: str, borrower: Node, language: str) -> str:
    """A ready-to-post message for the managers' group chat."""
    with translation.override(language):
        when = (date_format(timezone.localtime(deadline), "DATETIME_FORMAT") if deadline
                else _("as soon as possible"))
        lines = [
            _("[Parts help request] %(center)s needs %(quantity)s × %(part)s")
            % {"center": borrower.name, "quantity": quantity, "part": f"{part.number} {part.name}"},
            _("Why it is urgent: %(why)s") % {"why": why or "—"},
            _("Needed by: %(when)s") % {"when": when},
            _("What we commit to: %(commitments)s") % {"commitments": commitments or "—"},
            _("Contact: %(contact)s") % {"contact": contact or "—"},
            _("Thank you! Reply here or accept the request in PartsPool."),
        ]
        return "\n".join(lines)
