"""Domain errors: a stable code, data, an HTTP status and a message in the user's language."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _


class DomainError(Exception):
    status = 400
    code = "error"

    def __init__(self, code: str | None = None, **data: Any) -> None:
        self.code = code or self.code
        self.data = data
        super().__init__(self.code)

    def message(self) -> str:
        """The message in the active language (evaluated when shown, not when raised)."""
        template = MESSAGES.get(self.code)
        text = template() if template else self.code
        try:
            return text % self.data
        except (KeyError, TypeError, ValueError):
            return text

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message(), "details": self.data}


class NotPermitted(DomainError):
    status = 403
    code = "not_permitted"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"


class InsufficientStock(DomainError):
    status = 409
    code = "insufficient_stock"


class ImportRejected(DomainError):
    """A file with problems; ``data["problems"]`` lists them all."""

    status = 422
    code = "import_rejected"


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # C0 controls but tab, line feed and carriage return


def control_character(text: str) -> bool:
    """Whether ``text`` holds a control character no field may keep (NUL and the like)."""
    return CONTROL.search(text) is not None


MESSAGES = {
    "not_permitted": lambda: _("You are not allowed to do this."),
    "no_role": lambda: _("Your account has no PartsPool role; ask an administrator."),
    "import_kind": lambda: _("Your role may not import %(kind)s files."),
    "node_not_managed": lambda: _("You do not manage node %(node)s."),
    "job_failed": lambda: _("The forecast stopped on an unexpected error (it is in the server's log): ask for it "
                            "again, or tell an administrator if it happens again."),
    "job_running": lambda: _("You already have a forecast in progress (%(job)s): wait for it to finish."),
    "job_run_deleted": lambda: _("The run this forecast made has been deleted since."),
    "job_interrupted": lambda: _("The forecast was cut short (the server stopped while it ran): ask for it again."),
    "rebalance_whole_region": lambda: _("Rebalancing plans a whole region's moves: the region's coordinator and the "
                                        "supply chain run it. Your center's orders and the surplus it could lend are "
                                        "on its stock policy page."),
    "not_found": lambda: _("Not found."),
    "unknown_part": lambda: _("Unknown part: %(part)s."),
    "unknown_node": lambda: _("Unknown node: %(node)s."),
    "unknown_region": lambda: _("Unknown region: %(region)s."),
    "unknown_kind": lambda: _("Unknown import kind: %(kind)s."),
    "unknown_format": lambda: _("Unknown file format %(format)s: choose xlsx or csv."),
    "invalid_input": lambda: _("Invalid input."),
    "invalid_parameter": lambda: _("%(field)s: %(problem)s (got %(value)s)."),
    "quantity_not_positive": lambda: _("The quantity must be a whole number above zero (got %(quantity)s)."),
    "insufficient_stock": lambda: _(
        "Not enough stock of %(part)s at %(node)s: %(available)s available, %(requested)s asked."
    ),
    "import_rejected": lambda: _("The file was rejected: %(count)s problem(s). Nothing was imported."),
    "no_home_node": lambda: _("Your account has no home node; choose the node to search from."),
    "due_date_required": lambda: _("A borrow or swap needs a return date after today."),
    "swap_terms_required": lambda: _("A swap needs the part and the quantity given in exchange."),
    "swap_same_part": lambda: _("A swap gives back a different part number."),
    "negative_amount": lambda: _("Amounts cannot be negative."),
    "same_node": lambda: _("A node cannot borrow from itself."),
    "first_deal_cap": lambda: _(
        "No loan history with %(lender)s yet: a first loan is limited to %(cap)s unit(s) until one comes back on time."
    ),
    "below_floor": lambda: _(
        "Your alliance points are %(points)s: lend to a member before borrowing again (P0 crises excepted)."
    ),
    "invalid_transition": lambda: _("Cannot %(action)s a transfer that is %(status)s; possible now: %(allowed)s."),
    "accept_quantity": lambda: _("Accept between 1 and %(asked)s units (got %(quantity)s)."),
    "ship_quantity": lambda: _("Ship between 1 and the %(accepted)s accepted units (got %(quantity)s)."),
    "reason_required": lambda: _("Please give a reason."),
    "carrier_required": lambda: _("Carrier and tracking number are required."),
    "inspection_note_required": lambda: _("Describe what is wrong when the inspection fails."),
    "already_recalled": lambda: _("%(number)s has already been recalled."),
    "not_a_party": lambda: _("You act for neither side of %(transfer)s."),
    "joint_needs_warehouse": lambda: _("A joint escalation goes to the supply chain: name a warehouse as lender."),
    "joint_only": lambda: _("Other centers can join only a joint escalation."),
    "customer_required": lambda: _("Name the customer."),
    "invalid_choice": lambda: _("%(value)s is not a valid choice for %(field)s."),
    "deadline_needs_time_zone": lambda: _("Give the deadline with its time zone."),
    "deadline_in_past": lambda: _("The customer's deadline is already past."),
    "override_reason_required": lambda: _("Overriding the level needs a written reason."),
    "step_already_done": lambda: _("This step (%(step)s) is already recorded."),
    "photo_invalid": lambda: _("Photos must be JPEG or PNG images of at most 5 MB."),
    "budget_approval_role": lambda: _("Only the supply chain (a planner) may approve extra cost."),
    "budget_grant_role": lambda: _("Only the supply chain (a planner) may grant emergency budgets."),
    "budget_for_centers": lambda: _("Emergency budgets are granted to service centers."),
    "invalid_quarter": lambda: _("%(quarter)s is not a quarter; write it like 2026Q4."),
    "budget_approval_needed": lambda: _(
        "An extra cost of %(amount)s is above the level's cap (%(cap)s) or beyond the remaining budget "
        "(%(remaining)s): the supply chain must approve it first."),
    "approver_required": lambda: _("Name the person who gave this approval."),
    "approval_exists": lambda: _("This approval (%(approval)s) is already recorded."),
    "invalid_month": lambda: _("%(month)s is not a month; write it like 2026-11."),
    "invalid_date": lambda: _("%(value)s is not a date; write it like 2026-11-30."),
    "forecast_horizon": lambda: _("The horizon is a whole number of months from 1 to %(most)s (got %(horizon)s)."),
    "history_end_future": lambda: _("History can end at the last complete month at the latest, not %(month)s."),
    "no_history": lambda: _("There is no demand history to forecast for these nodes."),
    "forecast_input": lambda: _("The demand history cannot be forecast: %(detail)s"),
    "lead_time_range": lambda: _("The lead time is a whole number of months from 0 to 12 (got %(value)s)."),
    "lead_time_weekly": lambda: _("A weekly review takes its lead time in days (lead days), not in months."),
    "lead_days_monthly": lambda: _("A monthly review takes its lead time in months (lead time), not in days."),
    "rebalance_plan_stale": lambda: _("This plan's weekly levels were set for a review on %(day)s, in a month "
                                      "that is over: plan the moves again."),
    "lead_days_range": lambda: _("With a weekly review the lead time is a whole number of days from 0 to %(most)s "
                                 "(got %(value)s)."),
    "target_range": lambda: _("The target fill rate must lie between 0 and 1 (got %(value)s)."),
    "scenario_invalid": lambda: _("The scenario cannot be used: %(detail)s"),
    "months_range": lambda: _("Give 1 to %(most)s months (got %(value)s)."),
    "recall_needs_units": lambda: _("A recall of %(parts)s needs the number of units recalled (recall_units)."),
    "recall_needs_parts": lambda: _("A recall of %(units)s units needs the parts recalled (recall_parts)."),
    "scenario_field": lambda: _("%(field)s must be %(whole)s from %(low)s to %(high)s (got %(value)s)."),
    "export_too_large": lambda: _("This download would have %(rows)s rows, more than %(most)s: choose a node "
                                  "or a part to narrow it."),
    "page_number": lambda: _("The page number must be a whole number, 1 or more (got %(value)s)."),
    "series_number": lambda: _("The series to show is given by its number (got %(value)s)."),
    "rebalance_no_surplus": lambda: _(
        "%(node)s no longer has %(units)s × %(part)s above its level to lend: position %(position)s against level "
        "%(level)s plus a margin of %(margin)s, counting what is already asked of it and only what is free on "
        "the shelf, so %(surplus)s could go. Show the plan again."),
    "rebalance_no_shortfall": lambda: _(
        "%(node)s no longer needs %(units)s × %(part)s: position %(position)s against level %(level)s, counting "
        "what is on its way or asked for, so it is %(short)s short. Show the plan again."),
    "rebalance_other_region": lambda: _("%(lender)s and %(borrower)s are not in the same region; rebalancing "
                                        "moves stock within a region."),
    "max_km_range": lambda: _("The distance limit must be a number of kilometres, 0 or more (got %(value)s)."),
    "case_closed": lambda: _("The case is closed or cancelled."),
    "no_source": lambda: _("No usable source: nothing to request."),
    "unknown_source": lambda: _("%(source)s is not one of this case's sources."),
    "duplicate_source": lambda: _("%(source)s is picked twice."),
    "source_not_usable": lambda: _("%(source)s cannot be used (%(reasons)s)."),
    "source_short": lambda: _("%(source)s has only %(available)s available, not %(quantity)s."),
    "plan_too_large": lambda: _("The picked lines add up to more than the %(quantity)s units the case needs."),
    "plan_already_committed": lambda: _("This case's plan has already been turned into requests."),
    "satisfaction_range": lambda: _("Satisfaction is a whole number from 0 to 10 (got %(value)s)."),
    "root_cause_note_required": lambda: _("Describe the root cause when it is 'other'."),
    "cancel_reason_required": lambda: _("Say why the case is cancelled."),
    "planning_settings_role": lambda: _("Only the supply chain (a planner) may change the planning settings."),
    "unknown_setting": lambda: _("There is no planning setting called %(field)s."),
    "setting_not_number": lambda: _("%(field)s needs a number (got %(value)s)."),
    "setting_not_whole": lambda: _("%(field)s needs a whole number (got %(value)s)."),
    "setting_invalid": lambda: _("%(value)s cannot be used for %(field)s: %(detail)s"),
    "abc_cuts": lambda: _("The ABC cut-offs must satisfy 0 < A cut-off ≤ B cut-off ≤ 1 (got %(a)s and %(b)s)."),
    "run_too_large": lambda: _(
        "These nodes have %(series)s parts with demand; a page or API request forecasts at most %(most)s. Choose "
        "fewer nodes, or run it as a batch job: partspool forecast-run --engine dask."),
    "review_month_open": lambda: _("%(month)s is not over yet: only months that are over can be reviewed."),
    "settings_changed_since": lambda: _(
        "%(field)s is now %(value)s, not the %(shown)s this page showed: it has been changed since (the last save "
        "was by %(who)s). Look at the settings as they are now before changing it."),
    "review_note_replaced": lambda: _(
        "%(part)s has been replaced by %(successor)s, and its demand at %(node)s is reviewed under %(successor)s: "
        "write the note there."),
    "review_note_no_forecast": lambda: _(
        "No forecast of %(part)s at %(node)s was made before %(month)s: there is no miss to explain."),
    "text_too_long": lambda: _("%(field)s is longer than %(most)s characters."),
    "page_out_of_range": lambda: _("There is no page %(page)s: pages run from 1 to %(pages)s."),
    "offset_negative": lambda: _("The offset must be 0 or more (got %(offset)s)."),
    "month_range": lambda: _("The first month %(first)s is after the last month %(last)s."),
    "dask_central_only": lambda: _("Only the supply chain may run forecasts on the Dask cluster; use this machine."),
    "control_character": lambda: _(
        "%(field)s contains a control character (such as a NUL byte) that text may not hold."),
    "idempotency_conflict": lambda: _("This Idempotency-Key was already used for another request."),
}
