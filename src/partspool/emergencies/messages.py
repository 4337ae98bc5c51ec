"""Drafts of messages to the customer (客户沟通话术), filled with the case's facts, in the language
asked for. The manager edits and copies them; nothing is sent from here."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partspool.emergencies.models import EmergencyCase
from partspool.errors import InvalidInput

SITUATIONS = {
    "found": gettext_lazy("A source is found"),
    "wait": gettext_lazy("The part must be waited for"),
    "vip_today": gettext_lazy("A VIP is served today"),
}
COMPENSATIONS = {
    "labor_waived": gettext_lazy("labour charge waived"),
    "loaner_car": gettext_lazy("loaner car"),
    "extended_warranty": gettext_lazy("extended warranty on the part"),
}
LANGUAGES = ("zh-hans", "en")


def expected_arrival(case: EmergencyCase) -> datetime | None:
    """When the part should be at the center: the committed plan's last line, else None."""
    plan = case.plan or {}
    if not plan.get("committed_at") or not plan.get("lines"):
        return None
    start = datetime.fromisoformat(plan["committed_at"])
    return start + timedelta(hours=max(float(line.get("eta_hours") or 0) for line in plan["lines"]))


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _compensation_sentences(chosen: list[str]) -> list[str]:
    sentences = {
        "labor_waived": _("We will waive the labour charge for this repair."),
        "loaner_car": _("A loaner car is ready for you until your own car is back on the road."),
        "extended_warranty": _("As an apology for the trouble, we extend the warranty on this part."),
    }
    return [sentences[code] for code in chosen]


def draft(case: EmergencyCase, situation: str, compensation: list[str] | None = None,
          language: str = "zh-hans", arrival: datetime | None = None) -> str:
    """The draft for one situation: found, wait or vip_today."""
    if situation not in SITUATIONS:
        raise InvalidInput("invalid_choice", field="situation", value=situation)
    chosen = list(dict.fromkeys(compensation or []))
    for code in chosen:
        if code not in COMPENSATIONS:
            raise InvalidInput("invalid_choice", field="compensation", value=code)
    if language not in LANGUAGES:
        raise InvalidInput("invalid_choice", field="language", value=language)
    with translation.override(language):
        contact = case.center.contacts.order_by("id").first()
        eta = arrival or expected_arrival(case)
        facts = {
            "customer": case.customer_name, "part": case.part.name, "number": case.part.number,
            "quantity": case.quantity, "center": case.center.name,
            "phone": contact.phone if contact else "", "eta": _when(eta) if eta else _("as soon as possible"),
            "deadline": _when(case.deadline),
        }
        if situation == "found":
            body = [_("Dear %(customer)s, good news: we have found the %(part)s (%(number)s, %(quantity)s "
                      "pcs) your car needs. It will reach %(center)s by %(eta)s, and we will call you "
                      "right away to book the repair.") % facts]
        elif situation == "wait":
            body = [_("Dear %(customer)s, we are sorry: the %(part)s (%(number)s) your car needs is not "
                      "in stock anywhere near us today. We have asked the whole network and the "
                      "supply chain for it; our best estimate for its arrival is %(eta)s. We will "
                      "tell you of any change at once.") % facts]
        else:
            body = [_("Dear %(customer)s, we have arranged the %(part)s (%(number)s) for you today: "
                      "our team at %(center)s will have your car ready before %(deadline)s. Thank you "
                      "for your patience.") % facts]
        body += _compensation_sentences(chosen)
        if facts["phone"]:
            body.append(_("For anything at all, call us at %(phone)s.") % facts)
        body.append(_("%(center)s service team") % facts)
        return "\n".join(body)


def drafts(case: EmergencyCase, compensation: list[str] | None = None) -> dict[str, dict[str, str]]:
    """All three situations in both languages."""
    return {situation: {language: draft(case, situation, compensation, language) for language in LANGUAGES}
            for situation in SITUATIONS}
