"""Forecasting and policy decisions in words, in the user's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HOLDING = {"regional_warehouse": gettext_lazy("regional warehouse"), "service_center": gettext_lazy("service center"),
           "none": gettext_lazy("not stocked")}
REFILL = {"continuous": gettext_lazy("replenished continuously"),
          "safety_stock_and_transfers": gettext_lazy("local safety stock plus regional transfers"),
          "on_demand": gettext_lazy("ordered on demand")}
OPTIONS = {"service_level": gettext_lazy("by service level"), "days_15": gettext_lazy("15 days of cover"),
           "days_30": gettext_lazy("30 days of cover")}


def method_reason(explanation: dict[str, Any]) -> str:
    """Why the series got its method: the back-test winner, the runner-up and the margin."""
    winner, runner = explanation.get("winner"), explanation.get("runner_up")
    if not winner:
        return _("Method chosen by hand.")
    facts = {"origins": int(explanation.get("origins") or 0), "winner": winner,
             "score": explanation.get("winner_rmsse"), "runner": runner,
             "other": explanation.get("runner_up_rmsse"),
             "margin": round(100 * float(explanation.get("margin") or 0), 1)}
    if runner:
        text = _("Back-testing on %(origins)s rolling origins: %(winner)s scored best (RMSSE %(score)s), "
                 "ahead of %(runner)s (RMSSE %(other)s, %(margin)s%% worse).") % facts
    else:
        text = _("Back-testing on %(origins)s rolling origins: %(winner)s scored best (RMSSE %(score)s).") % facts
    weights = explanation.get("weights")
    if weights and ";" in str(weights):
        shares = "; ".join(f"{name} {float(w):.0%}" for name, w in
                           (part.strip().rsplit(" ", 1) for part in str(weights).split(";")))
        text += " " + _("The forecast combines the best methods (weights: %(shares)s).") % {"shares": shares}
    return text


KPI_NAMES = {
    "availability": gettext_lazy("Parts availability"), "stockout_rate": gettext_lazy("Stockout rate"),
    "turnover": gettext_lazy("Inventory turnover per year"), "overstock": gettext_lazy("Overstock share"),
    "emergency_cost_share": gettext_lazy("Emergency cost share of budget"),
    "supplier_on_time": gettext_lazy("Supplier on-time delivery"), "satisfaction": gettext_lazy("Customer satisfaction"),
    "nps": gettext_lazy("NPS"), "first_time_fix": gettext_lazy("First-time fix rate"),
}
