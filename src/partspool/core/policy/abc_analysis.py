"""ABC classification by share of demand, and the service policy of each class.

Parts are ranked by demand (units, or units x unit cost when ``basis`` is ``value``), largest
first; ties are ranked by key so the order is stable. The cumulative share **including** a part
decides its class: A while it is at or below ``a_cut`` (70%), B while at or below ``b_cut`` (95%),
C beyond. Three guards keep the classes sensible where the plain rule would not:

* a part with no demand is C;
* the part ranked first is never below A, and a part is never more than one class below the
  class the parts ranked above it reached (a large part crossing 70% is B, not C);
* parts with the same demand are classified together, by the cumulative share after the last of
  them (their order among themselves is arbitrary, so none may be favoured).

The default service policy per class is the source's (differentiated service, 分级服务):
A — availability above 95%, delivered within 3 days, held at the regional warehouse and
replenished continuously; B — above 85%, 5 days, safety stock at each center plus regional
transfers; C — above 70%, 10 days, no stock, ordered on demand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Literal


class AbcClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"


_ORDER = (AbcClass.A, AbcClass.B, AbcClass.C)


@dataclass(frozen=True)
class AbcRules:
    """Cut-offs on the cumulative share of demand, and what is measured."""

    a_cut: float = 0.70
    b_cut: float = 0.95
    basis: Literal["quantity", "value"] = "quantity"

    def __post_init__(self) -> None:
        if not 0 < self.a_cut <= self.b_cut <= 1:
            raise ValueError("cut-offs must satisfy 0 < a_cut <= b_cut <= 1")
        if self.basis not in ("quantity", "value"):
            raise ValueError("basis must be 'quantity' or 'value'")


@dataclass(frozen=True)
class AbcItem:
    """One part (or node x part) with its demand over the period classified."""

    key: str
    quantity: float
    unit_cost: float | None = None

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise ValueError(f"{self.key}: demand must be 0 or more")
        if self.unit_cost is not None and self.unit_cost < 0:
            raise ValueError(f"{self.key}: unit cost must be 0 or more")


@dataclass(frozen=True)
class AbcRow:
    """A part's class and its place on the Pareto chart.

    ``measure``: the demand counted (units or value). ``share``: of the total. ``cumulative``:
    the share of this part and all ranked above it. ``rank``: 1 for the largest.
    """

    key: str
    abc_class: AbcClass
    measure: float
    share: float
    cumulative: float
    rank: int
    # how the class was decided: on the cumulative share at the end of the part's group of equal demand
    # (``decided_on``; parts with equal demand share one class), ``tied``: the group's size; ``rule``:
    # "cut" (the cut-offs), "largest" (the first part is always A), "no_skip" (B although past the B
    # cut-off, since no part was B yet: no class is skipped)
    decided_on: float | None = None
    tied: int = 1
    rule: str = "cut"

    def explain(self, rules: AbcRules) -> str:
        """Why the part is in its class, in one sentence."""
        if self.measure == 0:
            return f"{self.key}: class C, no demand in the period"
        cumulative = self.cumulative if self.decided_on is None else self.decided_on
        text = (
            f"{self.key}: class {self.abc_class}, rank {self.rank}, {self.share:.1%} of demand "
            f"{'value' if rules.basis == 'value' else 'units'}, cumulative {share_beside(cumulative, rules)} "
            f"(A up to {rules.a_cut:.0%}, B up to {rules.b_cut:.0%})"
        )
        if self.tied > 1:
            text += f"; tied with {self.tied - 1} other part(s) of equal demand, classed together"
        if self.rule == "largest":
            text += "; the largest part is always A"
        elif self.rule == "no_skip":
            text += "; the first part past the A cut-off is B, since no class is skipped"
        return text


def share_beside(value: float, rules: AbcRules) -> str:
    """``value`` as a percentage with one decimal, or more where one decimal would round it onto a
    cut-off it is not on (70.004% shown as 70.0% beside "A up to 70%" would contradict class B)."""
    for digits in range(1, 8):
        shown = f"{100 * value:.{digits}f}"
        if all((float(shown) == round(100 * cut, digits)) == (abs(value - cut) <= 1e-12)
               for cut in (rules.a_cut, rules.b_cut)):
            return f"{shown}%"
    return f"{100 * value!r}%"


@dataclass(frozen=True)
class AbcResult:
    """Every part's row in rank order, with the totals per class."""

    rows: tuple[AbcRow, ...]
    total: float
    rules: AbcRules

    def by_key(self) -> Mapping[str, AbcRow]:
        """The rows by part key."""
        return MappingProxyType({row.key: row for row in self.rows})

    def class_counts(self) -> dict[AbcClass, int]:
        """Parts per class."""
        return {c: sum(1 for r in self.rows if r.abc_class == c) for c in _ORDER}

    def class_shares(self) -> dict[AbcClass, float]:
        """Share of demand per class."""
        return {c: sum(r.share for r in self.rows if r.abc_class == c) for c in _ORDER}


def classify_abc(items: Iterable[AbcItem], rules: AbcRules | None = None) -> AbcResult:
    """Rank parts by demand (or demand value) and give each its ABC class.

    Args:
        items: the parts with their demand; keys must be unique.
        rules: the cut-offs and the basis.

    Returns:
        The rows in rank order (the Pareto chart's data) and the total.
    """
    rules = rules or AbcRules()
    parts = list(items)
    keys = [p.key for p in parts]
    if len(set(keys)) != len(keys):
        raise ValueError("each part may appear only once")
    measures = {p.key: _measure(p, rules) for p in parts}
    ordered = sorted(parts, key=lambda p: (-measures[p.key], p.key))
    total = float(sum(measures.values()))
    rows: list[AbcRow] = []
    running = 0.0
    reached = 0  # index in _ORDER of the lowest class given so far to a part with demand
    start = 0
    while start < len(ordered):
        value = measures[ordered[start].key]
        end = start
        while end < len(ordered) and measures[ordered[end].key] == value:
            end += 1
        share = value / total if total > 0 else 0.0
        group_end = min(running + share * (end - start), 1.0)
        plain = 0 if group_end <= rules.a_cut + 1e-12 else 1 if group_end <= rules.b_cut + 1e-12 else 2
        rule = "cut"
        if value == 0:
            cls = AbcClass.C
        elif start == 0:
            cls = AbcClass.A
            rule = "cut" if plain == 0 else "largest"
        else:
            cls = _ORDER[min(plain, reached + 1)]
            rule = "cut" if _ORDER.index(cls) == plain else "no_skip"
            reached = max(reached, _ORDER.index(cls))
        for rank in range(start, end):
            running = min(running + share, 1.0)
            rows.append(AbcRow(ordered[rank].key, cls, value, share, running, rank + 1, group_end, end - start, rule))
        start = end
    return AbcResult(tuple(rows), total, rules)


def _measure(item: AbcItem, rules: AbcRules) -> float:
    if rules.basis == "quantity":
        return float(item.quantity)
    if item.unit_cost is None:
        raise ValueError(f"{item.key}: a unit cost is needed to classify by demand value")
    return float(item.quantity) * float(item.unit_cost)


class Holding(StrEnum):
    """Where a class's stock is held."""

    REGIONAL_WAREHOUSE = "regional_warehouse"
    SERVICE_CENTER = "service_center"
    NONE = "none"


class Replenishment(StrEnum):
    """How a class is replenished."""

    CONTINUOUS = "continuous"
    SAFETY_STOCK_AND_TRANSFERS = "safety_stock_and_transfers"
    ON_DEMAND = "on_demand"


@dataclass(frozen=True)
class ClassService:
    """The service a class is promised: availability above ``target_availability``, delivered
    within ``delivery_days``, held at ``held_at``, replenished by ``replenishment``; ``stocked``
    False means no stock is kept (order-up-to 0)."""

    abc_class: AbcClass
    target_availability: float
    delivery_days: int
    held_at: Holding
    replenishment: Replenishment
    stocked: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.target_availability <= 1:
            raise ValueError("target availability must lie in (0, 1]")
        if self.delivery_days < 0:
            raise ValueError("delivery days must be 0 or more")

    def explain(self) -> str:
        """The promise in one sentence."""
        stock = "no stock, ordered on demand" if not self.stocked else (
            f"held at {self.held_at.value.replace('_', ' ')}, {self.replenishment.value.replace('_', ' ')}")
        return (f"class {self.abc_class}: availability above {self.target_availability:.0%}, "
                f"delivered within {self.delivery_days} days, {stock}")


def _default_services() -> Mapping[AbcClass, ClassService]:
    return MappingProxyType({
        AbcClass.A: ClassService(AbcClass.A, 0.95, 3, Holding.REGIONAL_WAREHOUSE, Replenishment.CONTINUOUS),
        AbcClass.B: ClassService(AbcClass.B, 0.85, 5, Holding.SERVICE_CENTER,
                                 Replenishment.SAFETY_STOCK_AND_TRANSFERS),
        AbcClass.C: ClassService(AbcClass.C, 0.70, 10, Holding.NONE, Replenishment.ON_DEMAND, stocked=False),
    })


@dataclass(frozen=True)
class ServicePolicies:
    """The service policy of each class (the source's defaults)."""

    classes: Mapping[AbcClass, ClassService] = field(default_factory=_default_services)

    def __post_init__(self) -> None:
        missing = [c for c in _ORDER if c not in self.classes]
        if missing:
            raise ValueError(f"a service policy is needed for class {', '.join(missing)}")
        for cls, service in self.classes.items():
            if service.abc_class != cls:
                raise ValueError(f"the policy filed under {cls} is for class {service.abc_class}")

    def for_class(self, abc_class: AbcClass | str) -> ClassService:
        """The policy of one class."""
        return self.classes[AbcClass(abc_class)]
