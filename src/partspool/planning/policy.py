"""ABC, stock levels side by side (service level vs days of cover), replenishment and rebalancing,
computed by the pure policy core from the database's demand and stock."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from django.db.models import F, Q

from partspool.core.geo import great_circle_km
from partspool.core.policy import (
    POOL_OPTION,
    AbcClass,
    AbcItem,
    AbcResult,
    AbcRules,
    Comparison,
    Frequency,
    RebalancePlan,
    RebalanceRules,
    StockPosition,
    StockRules,
    Suggestion,
    add_class_pools,
    apply_moderation,
    classify_abc,
    compare_policies_many,
    estimate_demand_many,
    fit_moderation,
    learn_shape,
    rebalance,
    run_down_comparison,
    shape_models,
    suggest_replenishment,
    summarise_comparisons,
)
from partspool.core.policy.cadence import MAX_LEAD_DAYS, Cadence, day_months, split_models
from partspool.core.policy.supersession import Link, successor_heads, without_circles
from partspool.errors import InvalidInput, NotFound
from partspool.network.models import Node, Part, Stock
from partspool.network.rules import geo_rules
from partspool.planning import rules
from partspool.planning.selectors import (
    demand_panel,
    demand_totals,
    last_complete_month,
    month_add,
    served_panel,
    split_id,
)

HISTORY_MONTHS = 36
ABC_MONTHS = 12


def abc_rules(basis: str | None = None) -> AbcRules:
    """The saved ABC cut-offs; ``basis`` (quantity or value) overrides the saved basis when given."""
    return rules.abc_rules(rules.current(), basis or None)


def _classify(totals: dict[int, int], parts: dict[int, Part], abc: AbcRules) -> AbcResult:
    items = [AbcItem(key=parts[p].number, quantity=float(q), unit_cost=float(parts[p].unit_cost))
             for p, q in totals.items()]
    return classify_abc(items, abc)


def abc_for(nodes: list[Node], basis: str | None = None, end: date | None = None,
            served: bool = False) -> tuple[AbcResult, dict[str, Part]]:
    """ABC of the parts by their demand over the last 12 complete months at these nodes, with the
    planning settings' cut-offs (and basis, unless one is given). A part replaced by another (as the
    stock levels read supersessions) is classed under its last successor, with its demand, as the
    stock policy classes it. ``served``: a warehouse asked for by name brings the demand it serves
    (``served_nodes``), as its levels read it; otherwise (all the user manages) each node's own demand."""
    totals: dict[int, int] = {}
    for (_node, part), qty in demand_totals(served_nodes(nodes) if served else nodes, ABC_MONTHS, end).items():
        totals[part] = totals.get(part, 0) + qty
    parts = Part.objects.in_bulk(list(totals))
    heads = supersession_heads(end or last_complete_month())
    if heads:
        by_number: dict[str, int] = {}
        for pk, qty in totals.items():
            number = parts[pk].number
            head = heads[number][0] if number in heads else number
            by_number[head] = by_number.get(head, 0) + qty
        known = {p.number: p for p in Part.objects.filter(number__in=list(by_number))}
        parts = {known[n].pk: known[n] for n in by_number}
        totals = {known[n].pk: q for n, q in by_number.items()}
    return _classify(totals, parts, abc_rules(basis)), {p.number: p for p in parts.values()}


def served_nodes(nodes: list[Node]) -> list[Node]:
    """The nodes whose demand ``nodes`` serve together: a service center its own, a regional warehouse its
    region's, the central warehouse the network's (as ``served_panel`` reads a warehouse's demand), each
    node once."""
    if any(n.kind == Node.Kind.CENTRAL_WAREHOUSE for n in nodes):
        return list(Node.objects.order_by("code"))
    regions = {n.region_id for n in nodes if n.kind == Node.Kind.REGIONAL_WAREHOUSE}
    if not regions:
        return nodes
    return list(Node.objects.filter(Q(pk__in=[n.pk for n in nodes]) | Q(region_id__in=regions)).order_by("code"))


def family_classes(classes: dict[str, str], end: date) -> dict[str, str]:
    """``classes`` (part -> class) with each replaced part given its last successor's class."""
    heads = supersession_heads(end)
    return classes | {old: classes[head] for old, (head, _on) in heads.items() if head in classes}


def _abc_per_node(nodes: list[Node], frame: Any, basis: str | None, end: date) -> dict[str, dict[str, AbcClass]]:
    """Each node's own ABC classes by the demand it serves over the last 12 months (``served_panel``'s
    frame: a warehouse's is its region's), from the frame already read (not one query per node)."""
    by_node: dict[str, dict[str, int]] = {node.code: {} for node in nodes}
    if not frame.empty:
        recent = frame[frame["ds"] >= pd.Timestamp(month_add(end, 1 - ABC_MONTHS))]
        for unique_id, qty in recent.groupby("unique_id", sort=False)["y"].sum().items():
            code, number = split_id(str(unique_id))
            if qty > 0 and code in by_node:
                by_node[code][number] = int(qty)
    costs = dict(Part.objects.filter(number__in={p for totals in by_node.values() for p in totals})
                 .values_list("number", "unit_cost"))
    abc = abc_rules(basis)
    return {code: {row.key: row.abc_class for row in classify_abc(
        [AbcItem(key=number, quantity=float(q), unit_cost=float(costs.get(number, 0))) for number, q in totals.items()],
        abc).rows} for code, totals in by_node.items()}


def review_for(user: Any, month: date) -> dict[str, Any]:
    """The monthly forecast review of ``month`` with the parts classed by the planning settings' ABC of the
    whole network's demand in the 12 months to ``month``: the same classes whoever reads the review, so a
    center's accuracy per class is the same figure in its manager's review and in the planner's (classed
    over each reader's own nodes, a part could be A for one and B for the other)."""
    from partspool.planning.selectors import forecast_review

    if month > last_complete_month():
        raise InvalidInput("review_month_open", month=f"{month:%Y-%m}")
    # a replaced part's own lines (a run made before its supersession) count in its family's class
    return forecast_review(user, month, family_classes(network_classes(month), month))


def network_classes(month: date) -> dict[str, str]:
    """Part -> class by the network's demand in the 12 months to ``month`` (the settings' cut-offs). Kept for
    six hours under the network's demand fingerprint, the cut-offs and the supersessions, so that every
    reader's review does not class the whole network again."""
    import hashlib

    from django.core.cache import cache

    abc = abc_rules()
    heads = supersession_heads(month)
    key = "partspool:network_abc:" + hashlib.sha256(
        f"{_network_stamp(month)}|{abc.a_cut}|{abc.b_cut}|{abc.basis}|{sorted(heads.items())}".encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        result, _parts = abc_for(list(Node.objects.all()), end=month)
        found = {r.key: str(r.abc_class) for r in result.rows}
        cache.set(key, found, 6 * 3600)
    return dict(found)


def review_xlsx(data: dict[str, Any]) -> bytes:
    """The monthly forecast review as a workbook: the summary (accuracy overall and per class against
    the month before and the targets), accuracy per node, the 12-month trend, the misses with their
    causes, the parts flagged by emergencies and next month's forecast. Accuracy is a fraction
    (0.82 = 82%), empty where nothing was demanded."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    from partspool.network.exports import workbook_xlsx

    def share(value: Any) -> float | None:
        return None if value is None else round(float(value), 4)

    def klass(k: str) -> str:
        return _("Class %(k)s") % {"k": k}

    summary = [[_("All"), None, share(data["accuracy"]), share(data["accuracy_last"]), None, None]]
    summary += [[klass(c["abc_class"]), c["series"], share(c["accuracy"]), share(c["accuracy_last"]),
                 share(c["target"]), None if c["met"] is None else (_("met") if c["met"] else _("below target"))]
                for c in data["by_class"]]
    summary += [[], [_("Accuracy = 1 − Σ|forecast − actual| ÷ Σ actual, the measure the source uses. It favours "
                       "forecasts that are too low on intermittent parts, so methods are chosen by RMSSE instead; "
                       "read it beside the misses.")]]
    return workbook_xlsx([
        (_("Accuracy"), [f"{data['month']:%Y-%m}", _("Series"), _("This month"), _("Last month"), _("Target"), ""],
         summary),
        (_("By node"), [_("Node"), _("Series"), _("Accuracy")],
         ([r["node"], r["series"], share(r["accuracy"])] for r in data["by_node"])),
        (_("Regional observations"), [_("Region"), _("Series"), _("Accuracy"), _("Last month"), _("Weakest node"),
                                      _("Its accuracy"), _("Share of absolute error"), _("Emergencies"),
                                      _("Observation")],
         ([r["name"], r["series"], share(r["accuracy"]), share(r["accuracy_last"]), r["weakest_node"] or "",
           share(r["weakest_accuracy"]), share(r["error_share"]), r["flagged"], r["observation"]]
          for r in data["regions"])),
        (_("Accuracy per month"), [_("Month"), _("Series"), _("Demand"), _("All"), klass("A"), klass("B"), klass("C")],
         ([f"{r['month']:%Y-%m}", r["series"], r["demand"], share(r["accuracy"]), share(r["accuracy_A"]),
           share(r["accuracy_B"]), share(r["accuracy_C"])] for r in data["trend"])),
        (_("Biggest misses"), [_("Node"), _("Part"), _("Class"), _("Forecast"), _("Actual"), pgettext("forecast", "Error"),
                       _("Method"), _("Cause"), _("Improvement")],
         ([m["node"], m["part"], m["abc_class"], m["forecast"], m["actual"], m["error"], m["method"], m["cause"],
           m["action"]] for m in data["misses"])),
        (_("Flagged by emergencies"), [_("Part"), _("Node"), _("Case"), _("Note")],
         ([f["part"], f["node"], f["case"], f["note"]] for f in data["flagged"])),
        (_("Next month's forecast"), [_("Node"), _("Part"), _("Forecast"), _("Lower bound"), _("Upper bound"), _("Method"),
                                      _("Basis"), _("Risks")],
         ([r["node"], r["part"], r["forecast"], r["lo"], r["hi"], r["method"], r["basis"], r["risk"]]
          for r in data["next_month"])),
    ])


@dataclass(frozen=True)
class NodePolicy:
    node: Node
    comparisons: list[Comparison]
    classes: dict[str, AbcClass]
    totals: dict[str, Any]
    lead_time: int
    successors: dict[str, str] = field(default_factory=dict)  # every part replaced -> its last successor
    cadence: Cadence | None = None  # a review every few days (``lead_time`` is then in days), None: monthly
    review_on: date | None = None  # with a cadence: the day of the review the levels are set at


def _check_policy_inputs(lead_time: int, target: float | None) -> None:
    if isinstance(lead_time, bool) or not isinstance(lead_time, int) or not 0 <= lead_time <= 12:
        raise InvalidInput("lead_time_range", value=lead_time)
    if target is not None and not 0 < target < 1:
        raise InvalidInput("target_range", value=target)


def node_policies(nodes: list[Node], *, lead_time: int = 1, basis: str | None = None, target: float | None = None,
                  end: date | None = None, pooled: bool = True, cadence: Cadence | None = None,
                  review_on: date | None = None) -> list[NodePolicy]:
    """``node_policy`` of several nodes, every node × part of them set in one batch of the core.

    ``pooled``: also the ``class_pool`` option (each class's target reached by its parts together);
    rebalancing, which reads the service-level option only, leaves it out.

    ``cadence``: a review every ``review_days`` with ``lead_days`` of lead time, the monthly demand models
    split into days (``core.policy.cadence``); ``lead_time`` (months) is then not read. None: a review each
    month, ``lead_time`` months. The weekly levels protect the days from ``review_on`` (a day of the month
    after ``end``; default today, or that month's first day when today lies in another month), so the
    season and the growth are those of the days the next order has to cover.

    A part replaced by another (a supersession in force by the end of the month after ``end``) is run
    down, and its last successor's level is set on the family's demand (``core.policy.supersession``)."""
    if cadence is None:
        _check_policy_inputs(lead_time, target)
    else:
        _check_policy_inputs(0, target)
        lead_time = cadence.lead_days
    end = end or last_complete_month()
    if cadence is not None:
        review_on = review_day(end, review_on)
    services = rules.service_policies(rules.current())
    heads = supersession_heads(end)
    served = served_panel(nodes, months=HISTORY_MONTHS, end=end)
    frame, replaced = families(served, heads)
    per_node = _abc_per_node(nodes, frame, basis, end)
    # where one successor replaces several parts at a node, each one's own level bounds the stock of it
    # kept for the family (one's stock cannot serve another's demand): their own rows are set too
    # (a part held there without demand counts too: its stock is kept for nothing, see ``positions_for``)
    held_old = set(Stock.objects.filter(node__in=nodes, part__number__in=list(heads)).filter(
        Q(on_hand__gt=0) | Q(in_transit__gt=0)).values_list("node__code", "part__number")) if heads else set()
    by_head: dict[tuple[str, str], set[str]] = {}
    for code, old in set(replaced) | held_old:
        by_head.setdefault((code, heads[old][0]), set()).add(old)
    shared = {pair for pair, head in replaced.items() if len(by_head[(pair[0], head)]) > 1}
    if shared:
        own = served[served["unique_id"].isin({f"{code}|{old}" for code, old in shared})]
        frame = pd.concat([frame, own], ignore_index=True)
    comparisons: dict[str, list[Comparison]] = {node.code: [] for node in nodes}
    numbers = {number for _code, number in map(split_id, frame["unique_id"].unique())} | {n for _c, n in replaced}
    costs = dict(Part.objects.filter(number__in=numbers).values_list("number", "unit_cost"))
    cover = StockRules() if cadence is None else cadence.rules()
    frequency = Frequency.MONTH if cadence is None else Frequency.DAY
    names = ["service_level", *([POOL_OPTION] if pooled else []),
             *(f"days_{d:g}" for d in (cover.cover_days, cover.raised_cover_days))]
    if not frame.empty:
        wide = frame.pivot(index="unique_id", columns="ds", values="y").sort_index().fillna(0.0)
        ids = [split_id(str(u)) for u in wide.index]
        history_months = [d.month for d in wide.columns]
        # the calendar months of the periods after the review: the history's last month + 1, + 2, …
        ahead = [month_add(end, k + 1).month for k in range(len(history_months))]
        models = _demand_models(nodes, [code for code, _number in ids], wide, end,
                                fit_rows=[pair not in shared for pair in ids] if shared else None)
        if cadence is not None and review_on is not None:  # periods of a day from the review on
            models = split_models(models, Frequency.MONTH, cover, ahead=(review_on - month_add(end, 1)).days)
            ahead = day_months(review_on, cadence.periods)
        found = compare_policies_many(
            models, keys=[number for _code, number in ids], lead_time=lead_time, rules=cover,
            unit_costs=[float(costs.get(number, 0)) for _code, number in ids], frequency=frequency,
            # a part replaced beside others is set in its family's class (its own level only bounds its stock)
            abc_classes=[per_node[code].get(replaced[(code, number)] if (code, number) in shared else number,
                                            AbcClass.C) for code, number in ids], target=target,
            services=services, months=ahead)
        # the class's target reached by its parts at the node together, at the least capital
        if pooled:
            found = add_class_pools(found, groups=[code for code, _number in ids], lead_time=lead_time,
                                    target=target, services=services, months=ahead, rules=cover,
                                    members=[pair not in shared for pair in ids] if shared else None)
        names = [o.name for o in found[0].options]
        inherits: dict[tuple[str, str], list[str]] = {}
        for (code, old), head in replaced.items():
            inherits.setdefault((code, head), []).append(old)
        own_levels: dict[tuple[str, str], dict[str, int]] = {}
        for (code, number), comparison in zip(ids, found, strict=True):
            if (code, number) in shared:
                own_levels[(code, number)] = {o.name: o.level.order_up_to for o in comparison.options}
                continue
            if (code, number) in inherits:
                comparison = replace(comparison, inherits=tuple(sorted(inherits[(code, number)])))
            comparisons[code].append(comparison)
    for (code, old), head in replaced.items():
        comparisons[code].append(replace(run_down_comparison(
            old, successor=head, effective=heads[old][1], unit_cost=float(costs.get(old, 0)), lead_time=lead_time,
            option_names=names, rules=cover), keeps_at_most=own_levels.get((code, old)) if shared else None))
    out = []
    for node in nodes:
        rows = sorted(comparisons[node.code], key=lambda c: c.key)
        counted = [c for c in rows if not c.replaced_by]  # a run-down part's demand is its successor's
        by_class = summarise_comparisons(counted, group=lambda c: str(c.abc_class or "C"))
        totals = {k: by_class[k] for k in sorted(by_class)} | summarise_comparisons(counted)  # A, B, C, then all
        out.append(NodePolicy(node=node, comparisons=rows, classes=per_node[node.code], totals=totals,
                              lead_time=lead_time, successors={old: head for old, (head, _on) in heads.items()},
                              cadence=cadence, review_on=review_on))
    return out


def review_day(end: date, review_on: date | None) -> date:
    """The day a weekly review sets its levels at: ``review_on`` (a day of the month after ``end``), else
    today when it lies in that month, else that month's first day (levels set for a past history)."""
    from django.utils import timezone

    if review_on is not None:
        if not in_review_month(end, review_on):
            raise ValueError(f"a review on {review_on} does not follow a history ending in {end:%Y-%m}")
        return review_on
    today = timezone.localdate()
    return today if in_review_month(end, today) else month_add(end, 1)


def in_review_month(end: date, day: date) -> bool:
    """Whether ``day`` lies in the month after a history ending in ``end`` (the month levels are set for)."""
    return month_add(end, 1) <= day < month_add(end, 2)


def supersession_heads(end: date) -> dict[str, tuple[str, str | None]]:
    """Each replaced part's last successor and the date it was replaced (its own link's), for the
    supersessions in force by the end of the month after ``end`` (the month the levels are set for). A
    part replaced by two keeps its earliest link (undated first, then by date and entry). Links that go
    round in a circle (a data error) are left out, and logged."""
    import logging

    from partspool.network.models import Supersession

    rows = (Supersession.objects.filter(Q(effective_on__isnull=True) | Q(effective_on__lt=month_add(end, 2)))
            .order_by(F("effective_on").asc(nulls_first=True), "id")
            .values_list("old__number", "new__number", "effective_on"))
    links, circles = without_circles([Link(old, new, on) for old, new, on in rows])
    for cycle in circles:
        logging.getLogger(__name__).warning("%s: left out of the stock levels", cycle)
    heads = successor_heads(links)
    return {old: (head, None if path[0].effective is None else f"{path[0].effective:%Y-%m-%d}")
            for old, (head, path) in heads.items()}


def families(frame: pd.DataFrame, heads: dict[str, tuple[str, str | None]]
              ) -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """``frame`` (``unique_id, ds, y``) with each replaced part's demand moved onto its last successor at
    the same node (month by month; a successor with no demand of its own there gets a row), and the
    (node, replaced part) pairs moved, with their successor."""
    if frame.empty or not heads:
        return frame, {}
    pairs = frame["unique_id"].map(lambda u: split_id(str(u)))
    old = pairs.map(lambda p: p[1] in heads)
    if not old.any():
        return frame, {}
    replaced = {(code, number): heads[number][0] for code, number in pairs[old].unique()}
    moved = frame[old].assign(unique_id=[f"{code}|{heads[number][0]}" for code, number in pairs[old]])
    merged = (pd.concat([frame[~old], moved], ignore_index=True).groupby(["unique_id", "ds"], as_index=False)["y"]
              .sum().sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True))
    return merged, replaced


def _network_stamp(end: date) -> str:
    """A fingerprint of the network's demand in the ``HISTORY_MONTHS`` to ``end`` (how many records, the
    newest, their total): what the network's shape is learnt from."""
    from django.db.models import Count, Max, Sum

    from partspool.network.models import DemandRecord
    from partspool.network.selectors import months_back

    stamp = DemandRecord.objects.filter(month__gte=months_back(end, HISTORY_MONTHS - 1), month__lte=end).aggregate(
        n=Count("id"), top=Max("id"), q=Sum("quantity"))
    return f"{end:%Y-%m}:{stamp['n']}:{stamp['top']}:{stamp['q']}"


def _demand_models(nodes: list[Node], codes: list[str], wide: pd.DataFrame, end: date,
                   fit_rows: list[bool] | None = None) -> list[Any]:
    """The demand models of the rows of ``wide`` (node x part, months as columns): estimated, their
    dispersions moderated in their region, their growth and season read against the network's. Kept for
    six hours under the rows' own demand and the network's fingerprint, so the region's pages and each
    rebalancing request's check do not fit every part again."""
    import hashlib

    from django.core.cache import cache

    values = wide.to_numpy(dtype=np.float64)
    digest = hashlib.sha256()
    digest.update("\n".join(map(str, wide.index)).encode())
    digest.update(np.ascontiguousarray(values).tobytes())
    stamp = _network_stamp(end)
    key = f"partspool:models2:{stamp}:{digest.hexdigest()}"
    found = cache.get(key)
    if found is None:
        months = [d.month for d in wide.columns]
        found = _moderated(nodes, codes, estimate_demand_many(values, months), end, fit_rows)
        found = shape_models(found, list(values), [end.month] * len(found), network_shape(end, stamp))
        cache.set(key, found, 6 * 3600)
    return list(found)


def network_shape(end: date, stamp: str | None = None) -> Any:
    """The network's growth and seasonal profiles (the core's ``learn_shape``), read from every node x part
    pair with demand in the ``HISTORY_MONTHS`` to ``end``; None where too few series show a trend. Each
    part's growth and season are read against them, the same on every page and region. Kept for six hours
    under a fingerprint of the network's demand in the window (``stamp``, when the caller has read it
    already), so a page does not refit it each time."""
    from django.core.cache import cache

    key = f"partspool:shape3:{stamp or _network_stamp(end)}"
    found = cache.get(key, _UNSET)
    if found is _UNSET:
        frame = demand_panel(list(Node.objects.all()), months=HISTORY_MONTHS, end=end)
        found = None
        if not frame.empty:
            wide = frame.pivot(index="unique_id", columns="ds", values="y").fillna(0.0)
            found = learn_shape(list(wide.to_numpy(dtype=np.float64)), [end.month] * len(wide))
        cache.set(key, found, 6 * 3600)
    return found


def _moderated(nodes: list[Node], codes: list[str], models: list[Any], end: date,
               fit_rows: list[bool] | None = None) -> list[Any]:
    """The models' dispersions moderated towards those of similar parts in their node's region.

    The trend is learnt from every node × part of the region (a warehouse's demand is its region's),
    whichever of its nodes were asked for, so a node's levels are the same on its own stock-policy
    page and in its region's rebalancing plan. ``fit_rows``: the rows the trend may be learnt from
    (the others, the own rows of parts replaced beside others, repeat their family's demand)."""
    by_code = {n.code: n for n in nodes}
    out = list(models)
    for region in sorted({n.region_id for n in nodes}):
        asked = [n for n in nodes if n.region_id == region]
        population = list(Node.objects.filter(region_id=region).order_by("code"))
        rows = [i for i, code in enumerate(codes) if by_code[code].region_id == region]
        whole = {n.pk for n in population} == {n.pk for n in asked}
        fitted = [i for i in rows if fit_rows is None or fit_rows[i]]
        found = _region_fit(region, end, lambda fitted=fitted, whole=whole, population=population: (
            fit_moderation([models[i] for i in fitted]) if whole else _population_fit(population, end)))
        for i, model in zip(rows, apply_moderation([models[i] for i in rows], found), strict=True):
            out[i] = model
    return out


def _population_fit(population: list[Node], end: date) -> Any:
    """The moderation learnt from every node x part of a region (read from the database)."""
    frame, _replaced = families(served_panel(population, months=HISTORY_MONTHS, end=end), supersession_heads(end))
    if frame.empty:
        return None
    wide = frame.pivot(index="unique_id", columns="ds", values="y").fillna(0.0)
    return fit_moderation(estimate_demand_many(wide.to_numpy(dtype=np.float64), [d.month for d in wide.columns]))


_UNSET = object()


def _region_fit(region: int, end: date, fit: Any) -> Any:
    """A region's moderation, kept for six hours under a fingerprint of its demand in the window (how
    many records, the newest, their total), so a center's page does not read its whole region each time
    and any change to the demand learns again."""
    from django.core.cache import cache
    from django.db.models import Count, Max, Sum

    from partspool.network.models import DemandRecord
    from partspool.network.selectors import months_back

    stamp = DemandRecord.objects.filter(node__region_id=region, month__gte=months_back(end, HISTORY_MONTHS - 1),
                                        month__lte=end).aggregate(n=Count("id"), top=Max("id"), q=Sum("quantity"))
    key = f"partspool:moderation2:{region}:{end:%Y-%m}:{stamp['n']}:{stamp['top']}:{stamp['q']}"
    found = cache.get(key, _UNSET)
    if found is _UNSET:
        found = fit()
        cache.set(key, found, 6 * 3600)
    return found


def node_policy(node: Node, *, lead_time: int = 1, basis: str | None = None, target: float | None = None,
                end: date | None = None, cadence: Cadence | None = None, review_on: date | None = None) -> NodePolicy:
    """For each part with demand at the node: the level by service level (its class's target) and by
    15 and 30 days of cover, with capital, expected fill rate and turnover; totals per class. Reviewed
    monthly with ``lead_time`` months, or at the ``cadence`` given (days)."""
    return node_policies([node], lead_time=lead_time, basis=basis, target=target, end=end, cadence=cadence,
                         review_on=review_on)[0]


REVIEWS = ("month", "week")


def review_asked(review: str | None, lead_time: int | None, lead_days: int | None) -> tuple[int, Cadence | None]:
    """The lead time in months and the cadence a request or command asks for: ``review`` month or week
    (None: week when only ``lead_days`` is given, month when only ``lead_time`` is, else the planning
    settings' review), each with its own lead time (the settings' when not given); the other's lead time
    given too is refused (``lead_time_weekly`` / ``lead_days_monthly``), never silently ignored."""
    saved = rules.current()
    chosen = review or ("week" if lead_days is not None and lead_time is None
                        else "month" if lead_time is not None else saved.policy_review)
    if chosen == "week" and lead_time is not None:
        raise InvalidInput("lead_time_weekly")
    if chosen == "month" and lead_days is not None:
        raise InvalidInput("lead_days_monthly")
    return (saved.policy_lead_months if lead_time is None else lead_time), cadence_for(chosen, lead_days)


def cadence_for(review: str | None, lead_days: int | None) -> Cadence | None:
    """The review asked for: None for a monthly review (lead time in months), else a weekly one with
    ``lead_days`` of lead time (default: the planning settings' days)."""
    from django.utils.translation import gettext

    review = review or "month"
    if review not in REVIEWS:
        raise InvalidInput("invalid_choice", field=gettext("review (month or week)"), value=review)
    if review == "month":
        return None
    days = rules.current().policy_lead_days if lead_days is None else lead_days
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_LEAD_DAYS:
        raise InvalidInput("lead_days_range", value=days, most=MAX_LEAD_DAYS)
    return Cadence(review_days=7, lead_days=days)


OPTION_NAMES = ("service_level", POOL_OPTION, "days_15", "days_30")


def check_option(option: str) -> str:
    """One of the stock-policy options by which orders and surplus are worked out (``invalid_choice``)."""
    if option not in OPTION_NAMES:
        from django.utils.translation import gettext

        raise InvalidInput("invalid_choice", field=gettext("the option orders follow (%(options)s)") % {
            "options": ", ".join(OPTION_NAMES)}, value=option, parameter="option")
    return option


def positions_for(node: Node, policy: NodePolicy, option: str = "service_level") -> list[StockPosition]:
    """The node's stock against its levels. A part being run down is never ordered: what it holds serves
    its family's demand, kept up to the successor's level (the family's) and the successor ordered for the
    rest; what it holds beyond that can be lent. Where one successor replaces several parts, each keeps at
    most its own level (one's stock cannot serve another's demand)."""
    levels = {c.key: c.option(option).level.order_up_to for c in policy.comparisons}
    rows = Stock.objects.filter(node=node).select_related("part").only(
        "on_hand", "reserved", "in_transit", "part__number", "part__unit_cost")
    held = {s.part.number: s for s in rows}
    caps = {c.key: c.keeps_at_most for c in policy.comparisons if c.keeps_at_most is not None}
    run_down = (set(levels) | set(held)) & set(policy.successors)
    siblings: dict[str, int] = {}
    for old in run_down:
        siblings[policy.successors[old]] = siblings.get(policy.successors[old], 0) + 1
    for old in run_down:  # beside others, a part with no demand here keeps none of its stock for the family
        if siblings[policy.successors[old]] > 1 and old not in caps:
            caps[old] = {}
    netted: dict[str, int] = {}  # per successor: the replaced parts' units kept for its family
    for old in sorted(run_down):
        # the old stock serves the family's demand until it is used up: it is kept up to the family's level,
        # the successor ordered for the rest; old stock beyond the family's level can be lent
        s = held.get(old)
        left = max(s.on_hand + s.in_transit - s.reserved, 0) if s else 0
        head = policy.successors[old]
        kept = min(left, levels.get(head, 0))
        bound = caps.get(old)
        if bound is not None:
            kept = min(kept, bound.get(option, 0))
        levels[old] = kept
        levels[head] = levels.get(head, 0) - kept
        netted[head] = netted.get(head, 0) + kept
    out = []
    for number in sorted(set(levels) | {n for n, s in held.items() if s.on_hand or s.in_transit}):
        s = held.get(number)
        out.append(StockPosition(node=node.code, part=number, on_hand=s.on_hand if s else 0,
                                 order_up_to=levels.get(number, 0), in_transit=s.in_transit if s else 0,
                                 reserved=s.reserved if s else 0,
                                 unit_cost=float(s.part.unit_cost) if s else 0.0, run_down=number in run_down,
                                 old_stock_kept=netted.get(number, 0)))
    return out


def replenishment(node: Node, policy: NodePolicy, option: str = "service_level") -> list[Suggestion]:
    """Order-up-to suggestions per part at the node, and the surplus that could be lent instead. Transfers
    asked for and not yet shipped count (``rebalance_positions``): units asked of another node are not
    ordered again, and units promised to another are not offered twice."""
    positions = rebalance_positions([node], [policy], option=option)[node.code]
    return suggest_replenishment(positions, rules.replenishment_rules(rules.current()))


def region_rebalance(nodes: list[Node], *, lead_time: int = 1, max_km: float | None = 600,
                     end: date | None = None, cadence: Cadence | None = None,
                     review_on: date | None = None) -> RebalancePlan:
    """Move surplus to the nodes below their level, part by part, at the least km (HiGHS).

    Positions count the transfers already asked for (``rebalance_positions``), so a move requested
    is not proposed again. ``max_km`` (None: no limit) must be a finite number, 0 or more
    (``max_km_range`` otherwise). ``cadence`` / ``review_on``: the levels of a weekly review (see
    ``node_policies``).
    """
    if max_km is not None and (not isinstance(max_km, int | float) or not np.isfinite(max_km) or max_km < 0):
        raise InvalidInput("max_km_range", value=str(max_km))  # as typed: NaN and ∞ are not JSON
    policies = node_policies(nodes, lead_time=lead_time, end=end, pooled=False, cadence=cadence,
                             review_on=review_on)
    positions = [p for rows in rebalance_positions(nodes, policies).values() for p in rows]
    coords = {n.code: (n.latitude, n.longitude) for n in nodes}
    factor = geo_rules().road_factor

    def km(a: str, b: str) -> float | None:
        if a == b:
            return None
        return round(great_circle_km(*coords[a], *coords[b]) * factor, 1)

    return rebalance(positions, km, RebalanceRules(max_km=max_km), rules.replenishment_rules(rules.current()),
                     route_cap=trust_caps(nodes))


def rebalance_positions(nodes: list[Node], policies: list[NodePolicy], parts: set[str] | None = None,
                        option: str = "service_level") -> dict[str, list[StockPosition]]:
    """Each node's positions against its levels (``policies``, in the order of ``nodes``; ``option``'s
    levels), counting the transfers asked for and not yet shipped: a lender's requested units are held
    for the borrower (an accepted one is reserved in the stock already), a borrower's requested units
    and the accepted part of an accepted transfer are on their way. ``parts``: only those part numbers."""
    from partspool.transfers.models import Status as TransferStatus
    from partspool.transfers.models import TransferRequest

    out: dict[str, list[StockPosition]] = {}
    waiting = TransferRequest.objects.filter(status__in=[TransferStatus.REQUESTED, TransferStatus.ACCEPTED]).filter(
        Q(lender__in=nodes) | Q(borrower__in=nodes))
    if parts is not None:
        waiting = waiting.filter(part__number__in=parts)
    held: dict[tuple[str, str], int] = {}
    coming: dict[tuple[str, str], int] = {}
    for lender, borrower, number, quantity, accepted, status in waiting.values_list(
            "lender__code", "borrower__code", "part__number", "quantity", "accepted_quantity", "status"):
        if status == TransferStatus.REQUESTED:
            held[(lender, number)] = held.get((lender, number), 0) + quantity
        units = quantity if status == TransferStatus.REQUESTED else (accepted or 0)
        coming[(borrower, number)] = coming.get((borrower, number), 0) + units
    for node, policy in zip(nodes, policies, strict=True):
        rows = positions_for(node, policy, option)
        out[node.code] = [
            replace(p, reserved=min(p.reserved + held.get((p.node, p.part), 0), p.on_hand + p.in_transit
                                    + coming.get((p.node, p.part), 0)),
                    in_transit=p.in_transit + coming.get((p.node, p.part), 0),
                    requested_in=coming.get((p.node, p.part), 0), promised_out=held.get((p.node, p.part), 0))
            for p in rows if parts is None or p.part in parts]
    return out


def move_levels(user: Any, lender: Node, borrower: Node, lead_time: int = 1, cadence: Cadence | None = None,
                review_on: date | None = None) -> tuple[list[Node], list[NodePolicy]]:
    """The region's nodes and their levels, as the rebalancing plan set them, for checking a move
    between ``lender`` and ``borrower`` (worked out before any lock: levels depend on demand only).
    Both nodes must be in one region the user plans (``rebalance_other_region`` / ``unknown_region``)."""
    from partspool.planning.selectors import region_nodes

    if lender.pk == borrower.pk:
        raise InvalidInput("same_node", node=lender.code)
    if lender.region_id != borrower.region_id:
        raise InvalidInput("rebalance_other_region", lender=lender.code, borrower=borrower.code)
    nodes = region_nodes(user, lender.region.code)
    codes = {n.code for n in nodes}
    if lender.code not in codes or borrower.code not in codes:
        raise InvalidInput("unknown_region", region=lender.region.code)
    # the month has turned since the plan was made: its weekly levels are gone
    if review_on is not None and cadence is not None and not in_review_month(last_complete_month(), review_on):
        raise InvalidInput("rebalance_plan_stale", day=f"{review_on:%Y-%m-%d}")
    return nodes, node_policies(nodes, lead_time=lead_time, pooled=False, cadence=cadence, review_on=review_on)


def check_move(nodes: list[Node], policies: list[NodePolicy], lender: Node, borrower: Node, part: Part,
               units: int) -> None:
    """Refuse a rebalancing move that the stock no longer supports, before it becomes a request (run
    it under the lock that orders the requests of the part): the lender's surplus and the borrower's
    shortfall from the stock as it is now, counting what is already asked for
    (``rebalance_positions``; ``rebalance_no_surplus`` / ``rebalance_no_shortfall`` otherwise)."""
    pair = [(n, p) for n, p in zip(nodes, policies, strict=True) if n.code in (lender.code, borrower.code)]
    positions = rebalance_positions([n for n, _p in pair], [p for _n, p in pair], parts={part.number})
    plain = {s.node: s for s in suggest_replenishment(positions[lender.code] + positions[borrower.code],
                                                      rules.replenishment_rules(rules.current()))}
    free = plain.get(lender.code)
    if free is None or units > free.surplus:
        raise InvalidInput("rebalance_no_surplus", node=lender.code, part=part.number, units=units,
                           surplus=free.surplus if free else 0, position=free.position if free else 0,
                           level=free.order_up_to if free else 0, margin=free.margin if free else 0)
    need = plain.get(borrower.code)
    if need is None or units > need.shortfall:
        raise InvalidInput("rebalance_no_shortfall", node=borrower.code, part=part.number, units=units,
                           short=need.shortfall if need else 0, position=need.position if need else 0,
                           level=need.order_up_to if need else 0)


def trust_caps(nodes: list[Node]) -> Any:
    """The most units a move from one of ``nodes`` to another may carry: a service center lends under
    the alliance's trust rule (a first loan between two centers is small, ``first_deal_cap``), which a
    transfer request made from the move must pass; the warehouses lend without a cap. Each borrower's
    record with the region's centers is read once (one query per borrower, not per route)."""
    from partspool.core.reliability import first_deal_cap
    from partspool.transfers.services import loans_to

    by_code = {n.code: n for n in nodes}
    centers = {n.id for n in nodes if n.kind == Node.Kind.SERVICE_CENTER}
    records: dict[int, list[Any]] = {}

    def cap(source: str, destination: str) -> int | None:
        lender, borrower = by_code[source], by_code[destination]
        if lender.kind != Node.Kind.SERVICE_CENTER:
            return None
        if borrower.id not in records:
            records[borrower.id] = loans_to(borrower.id, centers)
        return first_deal_cap(lender.id, borrower.id, records[borrower.id])

    return cap


def free_elsewhere(node: Node) -> dict[str, int]:
    """Free units of each part held elsewhere in the node's region (a quick hint beside an order)."""
    rows = (Stock.objects.filter(node__region_id=node.region_id, on_hand__gt=F("reserved")).exclude(node=node)
            .values_list("part__number", F("on_hand") - F("reserved")))
    out: dict[str, int] = {}
    for number, free in rows:
        out[number] = out.get(number, 0) + int(free)
    return out


def plan_for(nodes: list[Node], scenario: Any, end: date | None = None) -> list[Any]:
    """Next year's demand per part at these nodes (summed), under the scenario.

    Every recalled part must exist (``unknown_part`` otherwise); one without demand in the last
    24 months still gets its line, with the recall's units alone. A part replaced by another (as the
    stock levels read supersessions) is planned under its last successor, with its demand.
    """
    from partspool.core.annual_plan import PartHistory, annual_plan

    recalled = sorted(scenario.recall_parts)
    known = dict(Part.objects.filter(number__in=recalled).values_list("number", "category")) if recalled else {}
    missing = [number for number in recalled if number not in known]
    if missing:
        raise NotFound("unknown_part", part=", ".join(missing))
    end = end or last_complete_month()
    heads = supersession_heads(end)
    # a recalled part since replaced: the recall falls on its successor, which carries its demand
    asked = set(recalled)
    recall_of: dict[str, list[str]] = {}
    for number in recalled:
        if number in heads:
            recall_of.setdefault(heads[number][0], []).append(number)
    if recall_of:
        recalled = sorted({heads[n][0] if n in heads else n for n in recalled})
        known |= dict(Part.objects.filter(number__in=list(recall_of)).values_list("number", "category"))
        scenario = replace(scenario, recall_parts=frozenset(recalled))
    frame = demand_panel(nodes, months=24, end=end)
    histories = []
    replaces: dict[str, list[str]] = {}
    if not frame.empty:
        # a part replaced by another: its demand is planned under its last successor
        frame = frame.assign(part=frame["unique_id"].map(lambda u: heads.get(split_id(u)[1], (split_id(u)[1],))[0]))
        for number in sorted({split_id(u)[1] for u in frame["unique_id"].unique()} & set(heads)):
            replaces.setdefault(heads[number][0], []).append(number)
        # month for month over the whole window: the plan reads two years (a month no node had records of
        # yet counts as none, as the plan always read it; a forecast run leaves such months out)
        calendar = pd.date_range(pd.Timestamp(month_add(end, -23)), pd.Timestamp(end), freq="MS")
        totals = (frame.groupby(["part", "ds"], sort=True)["y"].sum().unstack(fill_value=0.0)
                  .reindex(columns=calendar, fill_value=0.0).stack().rename("y").reset_index())
        totals.columns = ["part", "ds", "y"]
        categories = dict(Part.objects.filter(number__in=set(totals["part"])).values_list("number", "category"))
        histories = [PartHistory(part=str(part), category=categories.get(str(part), ""),
                                 months=[d.month for d in group["ds"]], demand=list(group["y"].astype(float)))
                     for part, group in totals.groupby("part", sort=True)]
    seen = {h.part for h in histories}
    histories += [PartHistory(part=number, category=known[number], months=list(range(1, 13)), demand=[0.0] * 12)
                  for number in recalled if number not in seen]
    lines = [replace(line, replaces=tuple(replaces.get(line.part, ())), recall_of=tuple(recall_of.get(line.part, ())))
             if line.part in replaces or line.part in recall_of else line for line in annual_plan(histories, scenario)]
    # the recall's units are per part recalled: a successor carrying several recalled parts (its own number too)
    # carries the units of each
    for i, line in enumerate(lines):
        carried = len(recall_of.get(line.part, ())) + (line.part in asked)
        if line.recall and carried > 1:
            extra = (carried - 1) * line.recall
            lines[i] = replace(line, recall=carried * line.recall,
                               months=tuple(round(v + extra / 12, 3) for v in line.months))
    return sorted(lines, key=lambda line: -line.total)
