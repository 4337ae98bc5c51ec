"""Reason codes from the core, phrased for people in their language."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FACTORS = {
    "customer_value": gettext_lazy("Customer value (LTV)"), "time": gettext_lazy("Time to the deadline"),
    "safety": gettext_lazy("Safety"), "opinion": gettext_lazy("Public-opinion risk"),
    "impact": gettext_lazy("Business impact"),
}
RULES = {
    "any_grade_1": gettext_lazy("Level 1: at least one factor is at grade 1."),
    "two_grade_2": gettext_lazy("Level 2: two or more factors are at grade 2."),
    "default_level_3": gettext_lazy("Level 3: no factor calls for more."),
}
CLOCKS = {
    "assess": gettext_lazy("Assess the case"), "start_sourcing": gettext_lazy("Start sourcing"),
    "source_found": gettext_lazy("Find a source"), "arrival": gettext_lazy("Part arrives"),
    "customer_update": gettext_lazy("Update the customer"),
}
CLOCK_STATES = {
    "done": gettext_lazy("done"), "done_late": gettext_lazy("done late"), "running": gettext_lazy("running"),
    "overdue": gettext_lazy("overdue"), "not_applicable": gettext_lazy("no limit at this level"),
}
MEANS = {
    "any_center_500km": gettext_lazy("any center within 500 km"),
    "same_day_courier": gettext_lazy("same-day courier"), "someone_drives": gettext_lazy("someone drives"),
    "demo_car": gettext_lazy("part from a demo car"), "special_approval": gettext_lazy("special approval"),
    "centers_200km": gettext_lazy("centers within 200 km"), "standard_express": gettext_lazy("standard express"),
    "borrow_center": gettext_lazy("borrow from another center"),
    "supply_chain_order": gettext_lazy("normal supply-chain order"),
    "regional_warehouse": gettext_lazy("regional warehouse transfer"),
}
KINDS = {
    "stock": gettext_lazy("network stock"), "inbound": gettext_lazy("in transit to you"),
    "demo_car": gettext_lazy("demo / test-drive car"), "third_party": gettext_lazy("third-party equivalent"),
    "broker": gettext_lazy("broker"),
}
MODES = {
    "courier": gettext_lazy("same-day courier"), "drive": gettext_lazy("someone drives"),
    "express": gettext_lazy("express"), "local": gettext_lazy("local"), "matrix": gettext_lazy("measured route"),
    "in_transit": gettext_lazy("already shipped"), "arranged": gettext_lazy("arranged by the source"),
}
FIXED = {
    "arrives_in_time": gettext_lazy("arrives before the deadline"), "too_late": gettext_lazy("arrives too late"),
    "within_radius": gettext_lazy("within the level's radius"), "beyond_radius": gettext_lazy("beyond the level's radius"),
    "within_cap": gettext_lazy("within the extra-cost cap"), "over_cap": gettext_lazy("above the extra-cost cap"),
    "none_available": gettext_lazy("nothing available"), "other_part": gettext_lazy("another part"),
    "in_transit": gettext_lazy("a shipment already on its way"),
    "level1_only": gettext_lazy("only at level 1"), "unusual_not_allowed": gettext_lazy("not allowed for this case"),
    "spec_match": gettext_lazy("full specification match"), "spec_mismatch": gettext_lazy("specification differs"),
    "single_source": gettext_lazy("one source covers it"), "nothing_needed": gettext_lazy("nothing needed"),
    "no_usable_source": gettext_lazy("no usable source"),
    "no_extra_cost": gettext_lazy("no extra cost"),
    # risk notes
    "check_alternative_conditions": gettext_lazy("check the alternative's conditions (fitment, model year)"),
    "demo_car_out_of_service": gettext_lazy("the demo car is out of service until the part is put back"),
    "demo_car_incomplete_if_restock_late": gettext_lazy("the demo car stays incomplete if the restock is late"),
    "warranty_risk": gettext_lazy("warranty questions on a non-original part"),
    "brand_image": gettext_lazy("brand image: a non-original part"),
    "offer_free_swap_to_original": gettext_lazy("offer a free swap to the original part later"),
    "authenticity_risk": gettext_lazy("authenticity must be checked"),
    "broker_markup": gettext_lazy("broker's mark-up"),
    "procurement_policy": gettext_lazy("outside the procurement policy"),
    "cost_borne_by_center": gettext_lazy("the center bears the cost"),
    # approvals
    "sales_manager": gettext_lazy("sales manager releases the demo car"),
    "customer_consent": gettext_lazy("customer consents to a third-party part"),
    "verified": gettext_lazy("broker and part verified"),
    "budget": gettext_lazy("supply chain approves the extra cost"),
}
RISK = {"high": gettext_lazy("high"), "medium": gettext_lazy("medium"), "low": gettext_lazy("low"),
        "severe": gettext_lazy("severe"), "minor": gettext_lazy("minor")}


def _risk(word: str) -> str:
    return str(RISK.get(word, word))


PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"ltv_above_(.+)"), lambda m: _("LTV above %s") % m[1]),
    (re.compile(r"ltv_(.+)_to_(.+)"), lambda m: _("LTV from %(low)s to %(top)s") % {"low": m[1], "top": m[2]}),
    (re.compile(r"ltv_below_(.+)"), lambda m: _("LTV below %s") % m[1]),
    (re.compile(r"deadline_under_(.+)h"), lambda m: _("deadline in under %s hours") % m[1]),
    (re.compile(r"deadline_(.+)h_or_more"), lambda m: _("deadline %s hours or more away") % m[1]),
    (re.compile(r"safety_(.+)"), lambda m: _("safety risk: %s") % _risk(m[1])),
    (re.compile(r"opinion_(.+)"), lambda m: _("public-opinion risk: %s") % _risk(m[1])),
    (re.compile(r"impact_(.+)"), lambda m: _("business impact: %s") % _risk(m[1])),
    (re.compile(r"alternative:(.+)"), lambda m: _("alternative part (%s)") % {
        "full": _("fully interchangeable"), "conditional": _("under conditions"),
        "third_party": _("third party")}.get(m[1], m[1])),
    (re.compile(r"needs_approval:(.+)"), lambda m: _("needs approval: %s") % explain(m[1])),
    (re.compile(r"restore_within_(\d+)_days"), lambda m: _("the part goes back into the car within %s days") % m[1]),
    (re.compile(r"part_value_under_(.+)"), lambda m: _("part value under %s") % m[1]),
    (re.compile(r"part_value_over_(.+)"), lambda m: _("part value over %s (brokers only below)") % m[1]),
    (re.compile(r"fewest_sources:(\d+)"), lambda m: _("fewest sources that cover it: %s") % m[1]),
    (re.compile(r"earliest_arrival:(.+)"), lambda m: _("earliest arrival of such a plan: %s") % m[1]),
    (re.compile(r"cost:(.+)"), lambda m: _("extra cost %s") % m[1]),
    (re.compile(r"over_cap:(.+)"), lambda m: _("%s above the cap: needs the supply chain's approval") % m[1]),
    (re.compile(r"shortfall:(\d+)"), lambda m: _("%s units still missing") % m[1]),
    (re.compile(r"churn_avoided:(.+)"), lambda m: _("churn avoided by responding: %s") % m[1]),
    (re.compile(r"exposure:(.+)"), lambda m: _("exposure at %s public-opinion risk") % _risk(m[1])),
    (re.compile(r"ratio_at_least:(.+)"), lambda m: _("value covers the cost at least %s times") % m[1]),
    (re.compile(r"ratio_below:(.+)"), lambda m: _("value covers the cost less than %s times") % m[1]),
]


def explain(code: str) -> str:
    """A reason code in words (the code itself when it is unknown)."""
    if code in FIXED:
        return str(FIXED[code])
    for pattern, phrase in PATTERNS:
        match = pattern.fullmatch(code)
        if match:
            return phrase(match)
    return code
