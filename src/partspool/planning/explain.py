"""Forecasting and policy decisions in words, in the user's language."""

from __future__ import annotations

from typing import Any

from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext
from django.utils.translation import gettext as _

from partspool.core.forecasting.chunk import NOTED  # a chance below this is named, as in the core's words
from partspool.core.policy.abc_analysis import share_beside

HOLDING = {"regional_warehouse": gettext_lazy("regional warehouse"), "service_center": gettext_lazy("service center"),
           "none": gettext_lazy("not stocked")}
REFILL = {"continuous": gettext_lazy("replenished continuously"),
          "safety_stock_and_transfers": gettext_lazy("local safety stock plus regional transfers"),
          "on_demand": gettext_lazy("ordered on demand")}
OPTIONS = {"service_level": gettext_lazy("by service level"), "class_pool": gettext_lazy("class target, pooled"),
           "days_15": gettext_lazy("15 days of cover"), "days_30": gettext_lazy("30 days of cover")}


def _score(value: Any) -> str:
    """An RMSSE as shown: three decimals, or "not measured" (a series without demand has no scale)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return pgettext("rmsse", "not measured")
    return f"{number:.3f}" if number == number else pgettext("rmsse", "not measured")


def method_reason(explanation: dict[str, Any], asked: str = "auto") -> str:
    """Why the series got its method: the back-test winner, the runner-up and the margin.

    ``asked`` is the method the run was asked for: a series of a run with a named method was not
    back-tested (chosen by hand), and one of an ``auto`` run without back-test origins had too
    short a history. A score that could not be measured says so rather than "None".
    """
    text = _method_reason(explanation, asked)
    family = _family(explanation)
    if family:
        text += _sep() + _("The forecast is for this part with the parts it replaces (%(parts)s): their demand "
                           "history is counted as this part's, as the stock levels count it.") % {"parts": family}
    return text


def _family(explanation: dict[str, Any] | None) -> str:
    """The parts a successor's forecast includes, with the date each was replaced ("" for none)."""
    rows = (explanation or {}).get("replaces") or []
    return ", ".join(
        _("%(part)s from %(date)s") % {"part": r.get("part"), "date": r["since"]} if r.get("since") else str(r.get("part"))
        for r in rows if isinstance(r, dict))


def _method_reason(explanation: dict[str, Any], asked: str) -> str:
    winner, runner = explanation.get("winner"), explanation.get("runner_up")
    origins = int(explanation.get("origins") or 0)
    if not winner or (origins == 0 and asked.strip().lower() != "auto"):
        return _("Method chosen by hand.")
    if origins == 0:
        return _("Not back-tested (the history is too short, or no method could be fitted): %(method)s was "
                 "used.") % {"method": winner}
    facts = {"origins": origins, "winner": winner, "score": _score(explanation.get("winner_rmsse")),
             "runner": runner, "other": _score(explanation.get("runner_up_rmsse")),
             "margin": round(100 * float(explanation.get("margin") or 0), 1)}
    if runner and _perfect(explanation):
        text = _("Back-testing on %(origins)s rolling origins: %(winner)s scored best (RMSSE %(score)s: no error "
                 "at all), ahead of %(runner)s (RMSSE %(other)s).") % facts
    elif runner:
        text = _("Back-testing on %(origins)s rolling origins: %(winner)s scored best (RMSSE %(score)s), "
                 "ahead of %(runner)s (RMSSE %(other)s, %(margin)s%% worse).") % facts
    else:
        text = _("Back-testing on %(origins)s rolling origins: %(winner)s scored best (RMSSE %(score)s).") % facts
    weights = explanation.get("weights")
    if weights and ";" in str(weights):
        shares = "; ".join(f"{name} {float(w):.0%}" if float(w) >= 0.005 else f"{name} <1%" for name, w in
                           (part.strip().rsplit(" ", 1) for part in str(weights).split(";")))
        text += _sep() + _("The forecast combines the best methods (weights: %(shares)s).") % {"shares": shares}
        mixed = _number(explanation.get("rmsse"))
        if mixed is not None:
            text += _sep() + _("The mix itself scored RMSSE %(score)s on the same back-test.") % {"score": _score(mixed)}
    if explanation.get("adjusted"):
        text += _sep() + _("Methods without a seasonal pattern of their own were run on demand adjusted for this "
                        "part's season and growth, then put back on its scale.")
    alive = _number(explanation.get("alive"))
    if alive is not None and alive < NOTED:
        text += _sep() + _("Then multiplied by %(chance)s, the chance that this part still has demand: it has been "
                        "silent for longer than its own rhythm explains, and some parts of the network stop "
                        "selling for good (obsolescence model).") % {"chance": f"{alive:.2f}"}
    return text


def _perfect(explanation: dict[str, Any]) -> bool:
    """Whether the back-test's winner made no error at all (a relative margin over 0 is not a number)."""
    try:
        return float(explanation.get("winner_rmsse")) == 0.0 and float(explanation.get("runner_up_rmsse")) > 0.0
    except (TypeError, ValueError):
        return False


def forecast_basis(explanation: dict[str, Any] | None, method: str) -> str:
    """A forecast's basis in a few words, for the review's table of next month (``method_reason`` in full)."""
    explanation = explanation or {}
    origins = int(explanation.get("origins") or 0)
    runner = explanation.get("runner_up")
    method = method.replace("|", " | ")  # a combination's members, with room to wrap between them
    if not explanation.get("winner") or origins == 0:
        text = _("%(method)s, not back-tested") % {"method": method}
    elif "[" in method:  # a mix of the best methods: the back-test ranked its members, not the mix
        facts = {"method": method, "origins": origins, "winner": explanation.get("winner"), "runner": runner,
                 "margin": round(100 * float(explanation.get("margin") or 0), 1)}
        if runner and _perfect(explanation):
            text = _("%(method)s: a mix of the best methods of the back-test over %(origins)s origins (the best "
                     "alone, %(winner)s, without error, ahead of %(runner)s)") % facts
        elif runner:
            text = _("%(method)s: a mix of the best methods of the back-test over %(origins)s origins (the best "
                     "alone, %(winner)s, %(margin)s%% ahead of %(runner)s)") % facts
        else:
            text = _("%(method)s: a mix of the best methods of the back-test over %(origins)s origins") % facts
        mixed = _number(explanation.get("rmsse"))
        if mixed is not None:
            text += _("; ") + _("the mix scored RMSSE %(score)s there") % {"score": _score(mixed)}
    elif runner and _perfect(explanation):
        text = _("%(method)s: best of the back-test over %(origins)s origins, without error, ahead of "
                 "%(runner)s") % {"method": method, "origins": origins, "runner": runner}
    elif runner:
        text = _("%(method)s: best of the back-test over %(origins)s origins, %(margin)s%% ahead of %(runner)s") % {
            "method": method, "origins": origins, "runner": runner,
            "margin": round(100 * float(explanation.get("margin") or 0), 1)}
    else:
        text = _("%(method)s: best of the back-test over %(origins)s origins") % {"method": method, "origins": origins}
    if explanation.get("adjusted"):
        text += _("; ") + _("season and growth allowed for")
    family = _family(explanation)
    if family:
        text += _("; ") + _("with the demand of %(parts)s, which it replaces") % {"parts": family}
    return text


def big_miss(forecast: float, actual: float) -> bool:
    """A miss worth a risk note: off by at least one unit and by half of the larger of the two (7 for 5
    is ordinary noise on a part selling a few a month; 2.4 for 6 is not)."""
    error = abs(float(forecast) - float(actual))
    return error >= 1 and error >= 0.5 * max(float(forecast), float(actual))


def forecast_risks(row: dict[str, Any], this_month: dict[str, Any] | None, flagged: list[dict[str, Any]]) -> str:
    """What could make next month's forecast of a node x part wrong, from what the review shows: a wide
    interval, a big miss this month (``this_month``: its forecast and actual; ``big_miss``), an emergency at
    the node blamed on a forecast miss, a chance that the part
    stops selling. "None noted" when nothing does."""
    notes = []
    if row.get("wide"):
        notes.append(_("wide range: 80%% interval %(lo)s–%(hi)s") % {"lo": f"{row['lo']:.0f}", "hi": f"{row['hi']:.0f}"})
    if this_month is not None and big_miss(this_month["forecast"], this_month["actual"]):
        notes.append(_("missed by half or more this month: forecast %(forecast)s, actual %(actual)s") % {
            "forecast": this_month["forecast"], "actual": this_month["actual"]})
    # a case on a part since replaced counts for its successor, which is forecast on the family's demand
    cases = sorted({f["case"] if f["part"] == row["part"] else f"{f['case']} ({f['part']})" for f in flagged
                    if (f.get("family") or f["part"], f["node"]) == (row["part"], row["node"])
                    or (f["part"], f["node"]) == (row["part"], row["node"])})
    if cases:
        notes.append(ngettext("an emergency blamed a forecast miss on this part (%(cases)s)",
                              "emergencies blamed forecast misses on this part (%(cases)s)", len(cases))
                     % {"cases": ", ".join(cases)})
    alive = _number((row.get("explanation") or {}).get("alive"))
    if alive is not None and alive < NOTED:
        notes.append(_("may stop selling: chance of further demand %(chance)s") % {"chance": f"{alive:.2f}"})
    return _("; ").join(notes) if notes else _("none noted")


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


KPI_NAMES = {
    "availability": gettext_lazy("Parts availability"), "stockout_rate": gettext_lazy("Stockout rate"),
    "turnover": gettext_lazy("Inventory turnover per year"), "overstock": gettext_lazy("Overstock share"),
    "emergency_cost_share": gettext_lazy("Emergency cost share of budget"),
    "supplier_on_time": gettext_lazy("Supplier on-time delivery"), "satisfaction": gettext_lazy("Customer satisfaction"),
    "nps": gettext_lazy("NPS"), "first_time_fix": gettext_lazy("First-time fix rate"),
}


def _pct(value: float, digits: int = 1) -> str:
    return f"{100 * value:.{digits}f}%"


def abc_reason(row: Any, rules: Any) -> str:
    """Why a part is in its ABC class (``AbcRow.explain`` in the user's language)."""
    if row.measure == 0:
        return _("%(part)s: class C, no demand in the period") % {"part": row.key}
    decided = getattr(row, "decided_on", None)
    facts = {"part": row.key, "klass": row.abc_class, "rank": row.rank, "share": _pct(row.share),
             "cumulative": share_beside(row.cumulative if decided is None else decided, rules), "a": _pct(rules.a_cut, 0),
             "b": _pct(rules.b_cut, 0)}
    if rules.basis == "value":
        text = _("%(part)s: class %(klass)s, rank %(rank)s, %(share)s of demand value, cumulative %(cumulative)s "
                 "(A up to %(a)s, B up to %(b)s)") % facts
    else:
        text = _("%(part)s: class %(klass)s, rank %(rank)s, %(share)s of demand units, cumulative %(cumulative)s "
                 "(A up to %(a)s, B up to %(b)s)") % facts
    tied = int(getattr(row, "tied", 1))
    if tied > 1:
        text += _("; ") + ngettext("tied with %(n)s other part of equal demand, classed together",
                                   "tied with %(n)s other parts of equal demand, classed together",
                                   tied - 1) % {"n": tied - 1}
    rule = getattr(row, "rule", "cut")
    if rule == "largest":
        text += _("; ") + _("the largest part is always A")
    elif rule == "no_skip":
        text += _("; ") + _("the first part past the A cut-off is B, since no class is skipped")
    return text


FAMILIES = {"poisson": gettext_lazy("Poisson"), "negative_binomial": gettext_lazy("negative binomial"),
            "empirical": gettext_lazy("its own history's frequencies"), "none": gettext_lazy("no demand")}


def pool_sizes(comparisons: Any) -> dict[str | None, int]:
    """How many parts share each pool of a node's ``class_pool`` option (by class; None: one pool of all)."""
    sizes: dict[str | None, int] = {}
    for c in comparisons:
        level = c.option("class_pool").level
        if level.method == "pooled_fill_rate":
            sizes[level.label] = sizes.get(level.label, 0) + 1
    return sizes


def pool_reason(comparison: Any, sizes: dict[str | None, int]) -> str:
    """How the ``class_pool`` option set the part's level: the class's target reached by its parts at the
    node together at the least capital, and the part's level beside its own per-part target's ("" where
    the option is the per-part level: a class kept without stock, a part run down)."""
    option = comparison.option("class_pool")
    level = option.level
    if level.method != "pooled_fill_rate":
        return ""
    target = level.target or 0.0
    facts = {"n": sizes.get(level.label, 1), "klass": level.label,
             "target": _pct(target, 0 if round(target * 100, 6).is_integer() else 1),
             "level": level.order_up_to, "fill": _pct(option.fill_rate),
             "own": comparison.option("service_level").level.order_up_to}
    if level.label is None:
        text = ngettext("Pooled: the node's %(n)s part reaches %(target)s at the least capital.",
                        "Pooled: the node's %(n)s parts reach %(target)s together at the least capital.",
                        facts["n"]) % facts
    else:
        text = ngettext("Pooled: the node's %(n)s part of class %(klass)s reaches %(target)s at the least capital.",
                        "Pooled: the node's %(n)s parts of class %(klass)s reach %(target)s together at the least "
                        "capital.", facts["n"]) % facts
    return text + _sep() + _("This part gets %(level)s (expected fill rate %(fill)s; %(own)s on its own target): "
                             "stock goes first where a yuan held serves the most demand by value.") % facts


def level_reason(comparison: Any) -> str:
    """How the service-level option of a ``Comparison`` set its level: the rule, the demand model
    (with the dispersion of the part's own history beside that of parts with similar demand) and
    what the level is expected to give."""
    option = comparison.option("service_level")
    level = option.level
    facts: dict[str, Any] = {"part": comparison.key, "klass": comparison.abc_class or "-", "level": level.order_up_to}
    if level.method == "no_stock":
        return _("%(part)s: class %(klass)s is kept without stock (ordered on demand) → level %(level)s") % facts
    if level.method == "run_down":
        facts |= {"successor": comparison.replaced_by, "date": comparison.effective or _("now")}
        text = _("%(part)s: replaced by %(successor)s from %(date)s → no more is ordered; what is on the shelf is used "
                 "up, then %(successor)s serves its demand (counted in %(successor)s's level).") % facts
        kept = getattr(comparison, "keeps_at_most", None)
        if kept:
            text += _sep() + _("%(successor)s replaces other parts too, whose demand this part's stock cannot serve: at "
                               "most %(own)s of it (its own level) is kept, and what lies beyond that and the margin "
                               "can be lent.") % {
                "successor": comparison.replaced_by, "own": kept.get("service_level", 0)}
        return text
    facts |= {"target": _pct(level.target or 0.0, 0 if round((level.target or 0) * 100, 6).is_integer() else 1)}
    sentences = [_("%(part)s: class %(klass)s, fill-rate target %(target)s.") % facts]
    if getattr(comparison, "inherits", ()):
        sentences.append(_("It replaces %(parts)s: its level is set on their demand and its own together, and its "
                           "order is net of their stock still to be used up.") % {
            "parts": ("、" if _sep() == "" else ", ").join(comparison.inherits)})
    model = getattr(comparison, "model", None)
    if model is not None and model.family != "none":
        about = {"mean": f"{model.flat_mean * getattr(model, 'split', 1.0):.2f}", "family": FAMILIES.get(model.family, model.family),
                 "dispersion": f"{model.dispersion:.2f}", "periods": model.periods}
        sentences.append(_("Demand %(mean)s a month over %(periods)s months, %(family)s, dispersion (variance / mean) "
                           "%(dispersion)s.") % about)
        if model.own_dispersion is not None and model.prior_dispersion is not None:
            sentences.append(_("Its own history alone gives a dispersion of %(own)s, parts with similar demand "
                               "%(prior)s; the figure used weighs the two by how reliable each is.") % {
                "own": f"{model.own_dispersion:.2f}", "prior": f"{model.prior_dispersion:.2f}"})
        if getattr(model, "started", 0):
            sentences.append(ngettext("It started selling partway through: the %(n)s month with no demand before its "
                                      "first is left out.",
                                      "It started selling partway through: the %(n)s months with no demand before its "
                                      "first are left out.", model.started) % {"n": model.started})
        if abs(getattr(model, "growth", 1.0) - 1.0) >= 0.005 and getattr(model, "panel_growth", None) is not None:
            sentences.append(_("Its demand is taken to change ×%(growth)s a year: the network's ×%(network)s, weighed "
                               "against the part's own trend by how clearly each shows; the mean is carried forward at "
                               "that rate from the middle of the history to the months ahead.") % {
                "growth": f"{model.growth:.2f}", "network": f"{model.panel_growth:.2f}"})
        if model.seasonal_index is not None and getattr(model, "season_source", None) == "profile":
            sentences.append(_("Seasonal: too few sales to show a season alone, it follows one of the network's "
                               "seasonal profiles (%(likely)s likely); the months ahead are scaled by their monthly "
                               "index (%(low)s to %(high)s).") % {
                "likely": _pct(model.profile_mass, 0), "low": f"{min(model.seasonal_index):.2f}",
                "high": f"{max(model.seasonal_index):.2f}"})
        elif model.seasonal_index is not None:
            sentences.append(_("Seasonal: the months ahead are scaled by their monthly index (%(low)s to %(high)s).") % {
                "low": f"{min(model.seasonal_index):.2f}", "high": f"{max(model.seasonal_index):.2f}"})
    figures = {"mean": f"{level.protection_mean:.1f}", "sd": f"{level.protection_sd:.1f}", "level": level.order_up_to,
               "safety": f"{level.safety_stock:.1f}", "fill": _pct(level.expected_fill_rate),
               "lead": level.lead_time, "review": level.review}
    if model is not None and getattr(model, "split", 1.0) != 1.0 and level.basis == "lost_sales":
        sentences.append(ngettext(  # a weekly review, the order arriving before the next: figures exact
            "Over the %(lead)s day of lead time and the %(review)s days to the next review, demand averages %(mean)s "
            "(sd %(sd)s) → order-up-to %(level)s, safety stock %(safety)s, expected fill rate %(fill)s (unmet "
            "demand lost, reckoned review by review).",
            "Over the %(lead)s days of lead time and the %(review)s days to the next review, demand averages %(mean)s "
            "(sd %(sd)s) → order-up-to %(level)s, safety stock %(safety)s, expected fill rate %(fill)s (unmet "
            "demand lost, reckoned review by review).",
            level.lead_time) % figures)
    elif model is not None and getattr(model, "split", 1.0) != 1.0:  # periods of a day (a weekly review)
        sentences.append(ngettext(
            "Over the %(lead)s day of lead time and the %(review)s days to the next review, demand averages %(mean)s "
            "(sd %(sd)s) → order-up-to %(level)s, safety stock %(safety)s, expected fill rate at least %(fill)s.",
            "Over the %(lead)s days of lead time and the %(review)s days to the next review, demand averages %(mean)s "
            "(sd %(sd)s) → order-up-to %(level)s, safety stock %(safety)s, expected fill rate at least %(fill)s.",
            level.lead_time) % figures)
    else:
        sentences.append(_("Over the lead time and the review month demand averages %(mean)s (sd %(sd)s) → order-up-to "
                           "%(level)s, safety stock %(safety)s, expected fill rate %(fill)s.") % figures)
    if level.target is not None and level.expected_fill_rate < level.target - 1e-9:
        sentences.append(_("The target is not reached: %(level)s is the top of the demand as read from the history, "
                           "and no level fills more under it.") % {"level": level.order_up_to})
    elif level.safety_stock < 0:
        sentences.append(_("The safety stock is negative: the level is below the mean demand of the lead time and "
                           "review, yet reaches the target, because that demand is skewed: most periods see less "
                           "than its mean."))
    if level.capped and level.order_up_to >= level.cap:  # the cap held the level down (not merely cut a far tail)
        sentences.append(_("Demand above %(cap)s units (the history's most over that span, times the cap factor) "
                           "was counted as %(cap)s.") % {"cap": level.cap})
    return _sep().join(sentences)


def move_reason(move: Any) -> str:
    """Why a rebalancing move (``Move.explain`` in the user's language)."""
    return _("move %(units)s %(part)s from %(source)s to %(destination)s (%(km)s km): %(source)s has %(surplus)s "
             "above its level (with margin), %(destination)s is %(short)s below its level") % {
        "units": move.units, "part": move.part, "source": move.source, "destination": move.destination,
        "km": f"{move.km:g}", "surplus": move.source_surplus, "short": move.destination_shortfall} + (
        _("; ") + _("at most %(cap)s per move on this route: a first loan between two service centers is kept "
                    "small until the borrower has returned loans on time") % {"cap": move.capped_at}
        if getattr(move, "capped_at", None) is not None else "")


def suggestion_reason(s: Any) -> str:
    """Why a replenishment suggestion (``Suggestion.explain`` in the user's language)."""
    facts = {"node": s.node, "part": s.part, "position": s.position, "level": s.order_up_to,
             "order": s.order_quantity, "margin": s.margin, "surplus": s.surplus}
    if s.order_quantity:
        text = _("%(node)s %(part)s: position %(position)s against level %(level)s → order %(order)s") % facts
    elif s.surplus:
        text = _("%(node)s %(part)s: position %(position)s against level %(level)s (+%(margin)s margin) → "
                 "%(surplus)s could be lent") % facts
    else:
        text = _("%(node)s %(part)s: position %(position)s against level %(level)s → nothing to do") % facts
    asked, promised = getattr(s, "requested_in", 0), getattr(s, "promised_out", 0)
    if asked or promised:
        notes = []
        if asked:
            notes.append(ngettext("the position counts %(units)s unit asked of other nodes by transfers not yet "
                                  "shipped", "the position counts %(units)s units asked of other nodes by transfers "
                                  "not yet shipped", asked) % {"units": asked})
        if promised:
            notes.append(ngettext("%(units)s unit promised to other nodes is held back",
                                  "%(units)s units promised to other nodes are held back", promised) % {"units": promised})
        text += ("。" if _sep() == "" else ". ") + capfirst(_("; ").join(notes)) + ("。" if _sep() == "" else ".")
    kept = getattr(s, "old_stock_kept", 0)
    if kept:
        text += ("。" if _sep() == "" else ". ") + _("The level is the family's %(family)s less %(kept)s units of the parts it replaces, kept "
                           "on the shelf until they are used up.") % {"family": s.order_up_to + kept, "kept": kept}
    return text


def kpi_reason(kpi: Any) -> str:
    """A KPI against its target in words (``Kpi.explain`` in the user's language)."""
    facts = {"name": KPI_NAMES.get(kpi.name, kpi.name),
             "value": _("not measured") if kpi.value is None else f"{kpi.value:.4g}",
             "target": _("none") if kpi.target is None else f"{kpi.comparison} {kpi.target:g}",
             "verdict": {True: _("met"), False: _("missed"), None: _("not judged")}[kpi.met]}
    return _("%(name)s %(value)s (target %(target)s): %(verdict)s") % facts


def plan_reason(line: Any) -> str:
    """The factors of an annual-plan line (``PlanLine.explain`` in the user's language)."""
    return _("%(part)s: %(factors)s → %(total)s next year") % {
        "part": line.part, "factors": plan_factors(line), "total": f"{line.total:.0f}"}


def plan_factors(line: Any) -> str:
    """The factors of an annual-plan line, as the page's column and ``plan_reason`` give them."""
    parts = [_("last 12 months %(n)s") % {"n": f"{line.last_year:g}"}, _("growth ×%(g)s") % {"g": f"{line.growth:.3f}"}]
    measured = getattr(line, "growth_measured", None)
    if measured is not None:
        parts[-1] += " " + _("(the history's ×%(m)s, held within the plan's limits)") % {"m": f"{measured:.3f}"}
    recalled_as = getattr(line, "recall_of", ())
    if line.cohort:
        parts.append(_("out-of-warranty cohort +%(c)s") % {"c": _pct(line.cohort)})
    shift = int(getattr(line, "summer_shift", 0) or 0)
    if shift:
        parts.append(ngettext("summer %(n)s month earlier", "summer %(n)s months earlier", shift) % {"n": shift})
    if line.heat:
        parts.append(_("heat waves in the hot months"))
    if line.recall and recalled_as:
        parts.append(_("recall +%(r)s, that of %(parts)s included") % {
            "r": line.recall, "parts": ("、" if _sep() == "" else ", ").join(recalled_as)})
    elif line.recall:
        parts.append(_("recall +%(r)s") % {"r": line.recall})
    if getattr(line, "replaces", ()):
        parts.append(_("with the demand of %(parts)s, which it replaces") % {
            "parts": ("、" if _sep() == "" else ", ").join(line.replaces)})
    return _(", ").join(parts)


def region_observation(row: dict[str, Any]) -> str:
    """A region's line of the monthly review's observations, from ``selectors.regional_observations``:
    whole sentences (each with its own end punctuation) joined as the language joins them."""
    facts = {"region": row["name"], "series": row["series"],
             "accuracy": _pct(row["accuracy"]) if row["accuracy"] is not None else "—"}
    change = (None if row["accuracy"] is None or row["accuracy_last"] is None
              else 100 * (row["accuracy"] - row["accuracy_last"]))
    if change is None:
        first = _("%(region)s: accuracy %(accuracy)s over %(series)s series.")
    elif change >= 0.05:
        first = _("%(region)s: accuracy %(accuracy)s over %(series)s series, up %(points)s points on last month.")
    elif change <= -0.05:
        first = _("%(region)s: accuracy %(accuracy)s over %(series)s series, down %(points)s points on last month.")
    else:
        first = _("%(region)s: accuracy %(accuracy)s over %(series)s series, as last month.")
    sentences = [first % {**facts, "points": f"{abs(change or 0):.1f}"}]
    if row["weakest_node"]:
        sentences.append(_("Weakest node: %(node)s at %(accuracy)s.") % {
            "node": row["weakest_node"], "accuracy": _pct(row["weakest_accuracy"])})
    if row["error_share"] is not None:
        sentences.append(_("%(share)s of the month's absolute error.") % {"share": _pct(row["error_share"], 0)})
    if row["flagged"]:
        sentences.append(ngettext("%(n)s emergency this month blamed on a forecast miss.",
                                  "%(n)s emergencies this month blamed on forecast misses.",
                                  row["flagged"]) % {"n": row["flagged"]})
    miss = row.get("biggest_miss")
    if miss:
        sentences.append(_("Biggest miss: %(part)s at %(node)s (forecast %(forecast)s, actual %(actual)s).") % miss)
    return _sep().join(sentences)


def _sep() -> str:
    """Between two sentences: nothing in Chinese (a full stop ends each), a space in English."""
    return "" if (get_language() or "").lower().startswith("zh") else " "
