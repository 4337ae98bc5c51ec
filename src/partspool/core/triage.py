"""The response level of an emergency case (响应级别), with the reasons, and what the level grants.

Five factors are each graded 1, 2 or 3 (the source's 快速评估表):

=====================  ==========================  ============================  ==============
factor                 grade 1 (一级)              grade 2 (二级)                grade 3 (三级)
=====================  ==========================  ============================  ==============
customer value (LTV)   > 100,000                   50,000 – 100,000              < 50,000
time requirement       < 24 h                      < 3 days (72 h)               longer
safety risk            high: brakes, steering,     medium: air-conditioning,     low: cosmetic
                       HV or 12 V battery          comfort
public-opinion risk    high: influencer, media,    medium: may complain          low
                       repeat complainer
business impact        severe: batch, enterprise   medium                        minor
                       fleet
=====================  ==========================  ============================  ==============

Boundaries, decided from the table's own wording: "> 100,000" is grade 1, so an LTV of exactly
100,000 is grade 2, and so is exactly 50,000 (the band is 50,000–100,000 inclusive); "< 24 h" is
grade 1, so exactly 24 h is grade 2; "< 3 days" is grade 2, so exactly 72 h is grade 3.

The rule (评分规则): any factor at grade 1 → level 1; at least two factors at grade 2 → level 2;
otherwise level 3. A factor at grade 1 also "reaches the grade-2 standard" (达到二级标准), which only
matters when the level-1 rule is switched off in the settings.

The module also holds what each level grants (time limits, cost cap, radius, means), a
cost-versus-value estimate per case, and the decision matrix customer type × situation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum, StrEnum
from types import MappingProxyType

Number = Decimal | float | int


class Level(IntEnum):
    """A response level; 1 is the most urgent."""

    ONE = 1  # red alert, 一级响应: immediate transfer
    TWO = 2  # yellow alert, 二级响应: expedited transfer
    THREE = 3  # blue alert, 三级响应: normal replenishment

    @property
    def colour(self) -> str:
        """The alert colour of the level: ``red``, ``yellow`` or ``blue``."""
        return {1: "red", 2: "yellow", 3: "blue"}[self.value]


class CustomerType(StrEnum):
    VIP = "vip"
    ENTERPRISE = "enterprise"
    INFLUENCER = "influencer"  # influencer or media
    REGULAR = "regular"
    NEW = "new"


class SafetyRisk(StrEnum):
    HIGH = "high"  # brakes, steering, high-voltage or 12 V battery
    MEDIUM = "medium"  # air-conditioning, comfort
    LOW = "low"  # cosmetic parts


class OpinionRisk(StrEnum):
    HIGH = "high"  # influencer, media, repeat complainer
    MEDIUM = "medium"  # may complain
    LOW = "low"


class BusinessImpact(StrEnum):
    SEVERE = "severe"  # batch repair, an enterprise customer's fleet
    MEDIUM = "medium"
    MINOR = "minor"


class Factor(StrEnum):
    CUSTOMER_VALUE = "customer_value"
    TIME = "time"
    SAFETY = "safety"
    OPINION = "opinion"
    IMPACT = "impact"


ANY_GRADE_1 = "any_grade_1"
TWO_GRADE_2 = "two_grade_2"  # at least ``level2_min_grade2`` factors at grade 2 (or 1); two by default
DEFAULT_LEVEL_3 = "default_level_3"


def _to_decimal(value: Number) -> Decimal:
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _num(value: Number) -> str:
    """A number as a short stable text: 100000, 24, 1.5 (no exponent, no trailing zeros)."""
    return format(_to_decimal(value).normalize(), "f")


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TriageRules:
    """Thresholds and the combination rule (settings; the SPEC's defaults).

    ``ltv_level1_above``: an LTV strictly above it is grade 1. ``ltv_level2_from``: an LTV from it up
    to ``ltv_level1_above`` inclusive is grade 2. ``time_level1_under_hours`` / ``time_level2_under_hours``:
    fewer hours than these are grade 1 / grade 2. ``level1_if_any_grade1``: one grade-1 factor sets
    level 1; when False, level 1 is never computed (only a manager's override sets it) and grade-1
    factors count towards the grade-2 rule. ``level2_min_grade2``: how many factors at grade 2 or
    better set level 2.
    """

    ltv_level1_above: Decimal | int = 100_000
    ltv_level2_from: Decimal | int = 50_000
    time_level1_under_hours: float = 24
    time_level2_under_hours: float = 72
    level1_if_any_grade1: bool = True
    level2_min_grade2: int = 2

    def __post_init__(self) -> None:
        if self.ltv_level2_from < 0:
            raise ValueError("ltv_level2_from must be 0 or more")
        if self.ltv_level1_above < self.ltv_level2_from:
            raise ValueError("ltv_level1_above must be at least ltv_level2_from")
        if not 0 < self.time_level1_under_hours <= self.time_level2_under_hours < math.inf:
            raise ValueError("need 0 < time_level1_under_hours <= time_level2_under_hours (finite)")
        if not 1 <= self.level2_min_grade2 <= len(Factor):
            raise ValueError(f"level2_min_grade2 must be between 1 and {len(Factor)}")


@dataclass(frozen=True)
class CaseFacts:
    """What the manager records about an emergency case, as far as the level depends on it.

    ``hours_to_deadline`` is the customer's deadline minus now, in hours (negative once passed;
    ``math.inf`` when the customer set none). ``vehicle_usable`` is recorded, not graded: neither
    the source's five-factor table nor its scoring rule mentions it. (The source's list of level-1
    triggers does name a customer stranded at the roadside or on the motorway, 客户滞留在路边/高速公路;
    the SPEC leaves it out of the rule, so such a case is raised by a manager's override with that
    reason.) Codes given as plain strings are turned into their enums; unknown codes are refused.
    """

    customer_type: CustomerType
    ltv: Number
    hours_to_deadline: float
    vehicle_usable: bool
    safety: SafetyRisk
    opinion: OpinionRisk
    impact: BusinessImpact

    def __post_init__(self) -> None:
        object.__setattr__(self, "customer_type", CustomerType(self.customer_type))
        object.__setattr__(self, "safety", SafetyRisk(self.safety))
        object.__setattr__(self, "opinion", OpinionRisk(self.opinion))
        object.__setattr__(self, "impact", BusinessImpact(self.impact))
        ltv = _to_decimal(self.ltv)
        if not ltv.is_finite() or ltv < 0:
            raise ValueError(f"ltv must be a finite amount of 0 or more, got {self.ltv}")
        if math.isnan(self.hours_to_deadline) or self.hours_to_deadline == -math.inf:
            raise ValueError("hours_to_deadline must be a number (math.inf for no deadline)")


@dataclass(frozen=True)
class FactorGrade:
    """One factor's grade: what was judged (``value``) and a stable reason code."""

    factor: Factor
    grade: int
    value: str
    reason: str

    def __post_init__(self) -> None:
        if self.grade not in (1, 2, 3):
            raise ValueError(f"grade must be 1, 2 or 3, got {self.grade}")


@dataclass(frozen=True)
class Triage:
    """The level of a case and why.

    ``grades`` holds all five factors in :class:`Factor` order; ``fired`` the grades that set the
    level (empty for ``default_level_3``); ``rule`` is ``any_grade_1``, ``two_grade_2`` or
    ``default_level_3``. After an override ``level`` is the manager's level, ``overridden_from`` the
    computed one and ``override_reason`` the manager's words; grades, fired and rule stay as computed.
    """

    level: Level
    grades: tuple[FactorGrade, ...]
    fired: tuple[FactorGrade, ...]
    rule: str
    overridden_from: Level | None = None
    override_reason: str = ""

    @property
    def computed_level(self) -> Level:
        """The level the rule gave, whether or not a manager overrode it."""
        return self.overridden_from if self.overridden_from is not None else self.level


def _grade_ltv(ltv: Number, rules: TriageRules) -> FactorGrade:
    amount = _to_decimal(ltv)
    top, low = _num(rules.ltv_level1_above), _num(rules.ltv_level2_from)
    if amount > rules.ltv_level1_above:
        grade, reason = 1, f"ltv_above_{top}"
    elif amount >= rules.ltv_level2_from:
        grade, reason = 2, f"ltv_{low}_to_{top}"
    else:
        grade, reason = 3, f"ltv_below_{low}"
    return FactorGrade(Factor.CUSTOMER_VALUE, grade, _num(amount), reason)


def _grade_time(hours: float, rules: TriageRules) -> FactorGrade:
    first, second = _num(rules.time_level1_under_hours), _num(rules.time_level2_under_hours)
    if hours < rules.time_level1_under_hours:
        grade, reason = 1, f"deadline_under_{first}h"
    elif hours < rules.time_level2_under_hours:
        grade, reason = 2, f"deadline_under_{second}h"
    else:
        grade, reason = 3, f"deadline_{second}h_or_more"
    value = "none" if hours == math.inf else _num(hours)
    return FactorGrade(Factor.TIME, grade, value, reason)


_SAFETY = {SafetyRisk.HIGH: 1, SafetyRisk.MEDIUM: 2, SafetyRisk.LOW: 3}
_OPINION = {OpinionRisk.HIGH: 1, OpinionRisk.MEDIUM: 2, OpinionRisk.LOW: 3}
_IMPACT = {BusinessImpact.SEVERE: 1, BusinessImpact.MEDIUM: 2, BusinessImpact.MINOR: 3}


def grade_factors(facts: CaseFacts, rules: TriageRules | None = None) -> tuple[FactorGrade, ...]:
    """Grade each of the five factors.

    Args:
        facts: the case.
        rules: thresholds; the SPEC's defaults when None.

    Returns:
        Five grades in :class:`Factor` order.
    """
    rules = rules or TriageRules()
    return (
        _grade_ltv(facts.ltv, rules),
        _grade_time(facts.hours_to_deadline, rules),
        FactorGrade(Factor.SAFETY, _SAFETY[facts.safety], facts.safety.value, f"safety_{facts.safety}"),
        FactorGrade(Factor.OPINION, _OPINION[facts.opinion], facts.opinion.value, f"opinion_{facts.opinion}"),
        FactorGrade(Factor.IMPACT, _IMPACT[facts.impact], facts.impact.value, f"impact_{facts.impact}"),
    )


def triage(facts: CaseFacts, rules: TriageRules | None = None) -> Triage:
    """The response level of a case, with the factors that set it.

    Args:
        facts: the case.
        rules: thresholds and the combination rule; the SPEC's defaults when None.

    Returns:
        Level 1 with rule ``any_grade_1`` when a factor is at grade 1 (and the rule is on); else
        level 2 with ``two_grade_2`` when at least ``level2_min_grade2`` factors are at grade 2 or
        better; else level 3 with ``default_level_3``.
    """
    rules = rules or TriageRules()
    grades = grade_factors(facts, rules)
    first = tuple(g for g in grades if g.grade == 1)
    if rules.level1_if_any_grade1 and first:
        return Triage(level=Level.ONE, grades=grades, fired=first, rule=ANY_GRADE_1)
    reached = tuple(g for g in grades if g.grade <= 2)
    if len(reached) >= rules.level2_min_grade2:
        return Triage(level=Level.TWO, grades=grades, fired=reached, rule=TWO_GRADE_2)
    return Triage(level=Level.THREE, grades=grades, fired=(), rule=DEFAULT_LEVEL_3)


def override(result: Triage, level: Level, reason: str) -> Triage:
    """A manager's override of the level, with the written reason.

    Args:
        result: the triage (possibly already overridden).
        level: the level the manager sets.
        reason: why; required.

    Returns:
        The same grades, fired factors and rule, the new level, and the computed level in
        ``overridden_from`` (the first computed level, also when overriding an override).

    Raises:
        ValueError: ``override_reason_required`` when the reason is blank.
    """
    text = reason.strip()
    if not text:
        raise ValueError("override_reason_required")
    return replace(result, level=Level(level), overridden_from=result.computed_level, override_reason=text)


# --- what a level grants ----------------------------------------------------------------------


class Means(StrEnum):
    """The ways of getting a part that a level allows."""

    ANY_CENTER_500KM = "any_center_500km"  # 跨区域调货 (500 公里内)
    SAME_DAY_COURIER = "same_day_courier"  # 顺丰即日/次日达
    SOMEONE_DRIVES = "someone_drives"  # 专人驾车取件
    DEMO_CAR = "demo_car"  # 从展车/试驾车拆件
    SPECIAL_APPROVAL = "special_approval"  # 向供应链申请特批
    CENTERS_200KM = "centers_200km"  # 区域内调货 (200 公里内)
    STANDARD_EXPRESS = "standard_express"  # 顺丰标快
    BORROW_CENTER = "borrow_center"  # 向其他服务中心借件 (事后归还)
    SUPPLY_CHAIN_ORDER = "supply_chain_order"  # 正常供应链订货
    REGIONAL_WAREHOUSE = "regional_warehouse"  # 区域中心库调拨


@dataclass(frozen=True)
class LevelGrant:
    """What a level allows: time limits in hours from opening, the extra-cost cap per case, the
    search radius (None: no limit), the means, and whether unusual sources (demo car, third-party
    equivalent, broker) may be used. ``find_source_hours`` is None when there is no search deadline.
    """

    find_source_hours: float | None
    arrive_hours: float
    extra_cost_cap: Decimal
    report_afterwards: bool
    radius_km: float | None
    means: tuple[str, ...]
    unusual_sources_allowed: bool

    def __post_init__(self) -> None:
        if not 0 < self.arrive_hours < math.inf:
            raise ValueError("arrive_hours must be a finite number above 0")
        if self.find_source_hours is not None and not 0 < self.find_source_hours <= self.arrive_hours:
            raise ValueError("find_source_hours must be above 0 and at most arrive_hours")
        if self.extra_cost_cap < 0:
            raise ValueError("extra_cost_cap must be 0 or more")
        if self.radius_km is not None and self.radius_km <= 0:
            raise ValueError("radius_km must be above 0 (None for no limit)")


def default_grants() -> dict[Level, LevelGrant]:
    """The SPEC's grants per level (source: 三级响应机制).

    Returns:
        Level 1: source within 2 h, arrival within 24 h, up to 5,000 extra (reported afterwards),
        500 km, unusual sources allowed. Level 2: 24 h, 72 h, 1,500, 200 km. Level 3: no search
        deadline, 7 days (168 h), no extra cost, no radius.
    """
    return {
        Level.ONE: LevelGrant(
            find_source_hours=2, arrive_hours=24, extra_cost_cap=Decimal(5000), report_afterwards=True,
            radius_km=500, unusual_sources_allowed=True,
            means=(Means.ANY_CENTER_500KM, Means.SAME_DAY_COURIER, Means.SOMEONE_DRIVES, Means.DEMO_CAR,
                   Means.SPECIAL_APPROVAL),
        ),
        Level.TWO: LevelGrant(
            find_source_hours=24, arrive_hours=72, extra_cost_cap=Decimal(1500), report_afterwards=False,
            radius_km=200, unusual_sources_allowed=False,
            means=(Means.CENTERS_200KM, Means.STANDARD_EXPRESS, Means.BORROW_CENTER),
        ),
        Level.THREE: LevelGrant(
            find_source_hours=None, arrive_hours=168, extra_cost_cap=Decimal(0), report_afterwards=False,
            radius_km=None, unusual_sources_allowed=False,
            means=(Means.SUPPLY_CHAIN_ORDER, Means.REGIONAL_WAREHOUSE),
        ),
    }


# --- is it worth it? --------------------------------------------------------------------------


def _default_churn_avoided() -> Mapping[tuple[CustomerType, Level], Decimal]:
    # Level 1: the source's worked case (an influencer): the emergency transfer cut churn from 80 %
    # to 5 %, so 0.75 avoided; the source gives no other type, so 0.75 for every type (a setting).
    # Level 2: a setting chosen here: 0.75 scaled by how much sooner the part comes than the normal
    # 7 days, relative to level 1 — 0.75 × (7 − 3) / (7 − 1) = 0.50.
    # Level 3: the normal process is the baseline, so it avoids nothing by definition.
    per_level = {Level.ONE: Decimal("0.75"), Level.TWO: Decimal("0.50"), Level.THREE: Decimal(0)}
    return MappingProxyType({(ct, lv): per_level[lv] for ct in CustomerType for lv in Level})


def _default_exposure() -> Mapping[OpinionRisk, Decimal]:
    # High: the source values the influencer's 28,000 reposts at 50,000–100,000 of advertising and
    # uses 50,000 in its calculation. Medium and low are settings chosen here (a tenth of high; none).
    return MappingProxyType({OpinionRisk.HIGH: Decimal(50_000), OpinionRisk.MEDIUM: Decimal(5_000),
                             OpinionRisk.LOW: Decimal(0)})


@dataclass(frozen=True)
class ValueRules:
    """Settings of the cost-versus-value estimate.

    ``churn_avoided``: the share of customers kept by responding at a level instead of the normal
    process, per customer type and level. ``ltv_lost_on_churn``: the share of the LTV lost when a
    customer leaves (the source: 100 %). ``exposure``: the public-opinion amount at stake per
    opinion risk. ``min_ratio``: value at stake ÷ extra cost at or above which spending is worth it
    (1: the value covers the cost; the source's matrix rates ROI under 100 % as not worth it).
    """

    churn_avoided: Mapping[tuple[CustomerType, Level], Decimal] = field(default_factory=_default_churn_avoided)
    ltv_lost_on_churn: Decimal = Decimal(1)
    exposure: Mapping[OpinionRisk, Decimal] = field(default_factory=_default_exposure)
    min_ratio: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if any(not 0 <= share <= 1 for share in self.churn_avoided.values()):
            raise ValueError("churn_avoided shares must be between 0 and 1")
        if not 0 <= self.ltv_lost_on_churn <= 1:
            raise ValueError("ltv_lost_on_churn must be between 0 and 1")
        if any(amount < 0 for amount in self.exposure.values()):
            raise ValueError("exposure amounts must be 0 or more")
        if self.min_ratio < 0:
            raise ValueError("min_ratio must be 0 or more")


@dataclass(frozen=True)
class ValueEstimate:
    """Value at stake (churn value + exposure value) against the extra cost, with reason codes.

    ``ratio`` is value at stake ÷ extra cost (two decimals), None when nothing extra is spent.
    """

    value_at_stake: Decimal
    churn_value: Decimal
    exposure_value: Decimal
    extra_cost: Decimal
    ratio: Decimal | None
    worth_it: bool
    reasons: tuple[str, ...]


def value_estimate(
    facts: CaseFacts, extra_cost: Number, level: Level, rules: ValueRules | None = None
) -> ValueEstimate:
    """Whether the extra cost of a response is worth it (source: ROI计算框架).

    Args:
        facts: the case (customer type, LTV, opinion risk).
        extra_cost: the extra cost of the response (freight, overtime, …), 0 or more.
        level: the level responded at.
        rules: the estimate's settings; the defaults of :class:`ValueRules` when None.

    Returns:
        churn value = LTV × ltv_lost_on_churn × churn avoided; exposure value from the opinion risk;
        worth it when nothing extra is spent or the ratio is at least ``min_ratio``. Reasons:
        ``churn_avoided:<share>``, ``exposure:<risk>``, then ``no_extra_cost``,
        ``ratio_at_least:<min>`` or ``ratio_below:<min>``.
    """
    rules = rules or ValueRules()
    cost = _to_decimal(extra_cost)
    if not cost.is_finite() or cost < 0:
        raise ValueError(f"extra_cost must be a finite amount of 0 or more, got {extra_cost}")
    key = (facts.customer_type, Level(level))
    if key not in rules.churn_avoided:
        raise ValueError(f"no churn_avoided setting for {key[0]} at level {int(key[1])}")
    share = rules.churn_avoided[key]
    churn_value = _money(_to_decimal(facts.ltv) * rules.ltv_lost_on_churn * share)
    exposure_value = _money(rules.exposure.get(facts.opinion, Decimal(0)))
    at_stake = churn_value + exposure_value
    reasons = [f"churn_avoided:{_num(share)}", f"exposure:{facts.opinion}"]
    if cost == 0:
        ratio, worth = None, True
        reasons.append("no_extra_cost")
    else:
        ratio = _money(at_stake / cost)
        worth = at_stake >= cost * rules.min_ratio
        reasons.append(f"ratio_{'at_least' if worth else 'below'}:{_num(rules.min_ratio)}")
    return ValueEstimate(value_at_stake=at_stake, churn_value=churn_value, exposure_value=exposure_value,
                         extra_cost=_money(cost), ratio=ratio, worth_it=worth, reasons=tuple(reasons))


# --- the decision matrix ----------------------------------------------------------------------


class Situation(StrEnum):
    """What the shortage means for the customer (the source's 缺货场景)."""

    SAFETY_ISSUE = "safety_issue"  # 安全: brakes, steering, battery
    VEHICLE_DOWN = "vehicle_down"  # 紧急: the vehicle cannot be used / a hard deadline
    USABLE_WAITING = "usable_waiting"  # 舒适性: usable, a comfort part, the customer can wait
    COSMETIC = "cosmetic"  # 美容件: the source has no own row; treated like comfort


@dataclass(frozen=True)
class Recommendation:
    """A matrix cell: recommended level, extra-cost cap, the row's reason code and expected ROI."""

    level: Level
    cost_cap: Decimal
    reason: str
    expected_roi: str = ""


def default_matrix() -> dict[tuple[CustomerType, Situation], Recommendation]:
    """The decision matrix (source: 决策矩阵:什么时候值得"不惜代价"?).

    The source's rows: VIP × safety/urgent → 1, < 5,000 (ROI > 500 %); VIP × comfort → 2, < 1,500
    (> 200 %); regular × safety/urgent → 2, < 1,000 (> 150 %); regular × comfort → 3, no extra cost;
    new × any → 3, control the cost (< 100 %). Rows chosen here, as settings: influencer/media one
    level above regular (the source: "有舆情风险的场景(网红/媒体),适当提升响应级别", and its
    influencer case was level 1) with that level's grant cap; enterprise × safety/urgent → 2, 1,500
    (the source's level-2 trigger "批量维修需求(如企业客户)" and its ledger row: an enterprise's brake
    pads at level 2), enterprise × comfort → 3. Cosmetic is read as comfort.

    Returns:
        One recommendation for every customer type × situation.
    """
    urgent = (Situation.SAFETY_ISSUE, Situation.VEHICLE_DOWN)
    calm = (Situation.USABLE_WAITING, Situation.COSMETIC)
    rows: dict[CustomerType, tuple[Recommendation, Recommendation]] = {
        CustomerType.VIP: (Recommendation(Level.ONE, Decimal(5000), "vip_safety_or_urgent", ">500%"),
                           Recommendation(Level.TWO, Decimal(1500), "vip_comfort", ">200%")),
        CustomerType.INFLUENCER: (Recommendation(Level.ONE, Decimal(5000), "influencer_safety_or_urgent"),
                                  Recommendation(Level.TWO, Decimal(1500), "influencer_comfort")),
        CustomerType.ENTERPRISE: (Recommendation(Level.TWO, Decimal(1500), "enterprise_safety_or_urgent"),
                                  Recommendation(Level.THREE, Decimal(0), "enterprise_comfort")),
        CustomerType.REGULAR: (Recommendation(Level.TWO, Decimal(1000), "regular_safety_or_urgent", ">150%"),
                               Recommendation(Level.THREE, Decimal(0), "regular_comfort", "n/a")),
        CustomerType.NEW: (Recommendation(Level.THREE, Decimal(0), "new_any", "<100%"),
                           Recommendation(Level.THREE, Decimal(0), "new_any", "<100%")),
    }
    matrix: dict[tuple[CustomerType, Situation], Recommendation] = {}
    for customer_type, (hot, cold) in rows.items():
        matrix.update({(customer_type, s): hot for s in urgent})
        matrix.update({(customer_type, s): cold for s in calm})
    return matrix


def recommend(
    customer_type: CustomerType,
    situation: Situation,
    matrix: Mapping[tuple[CustomerType, Situation], Recommendation] | None = None,
) -> Recommendation:
    """The recommended level and extra-cost cap for a customer type in a situation.

    Args:
        customer_type: the customer's type (a code string is accepted).
        situation: the situation (a code string is accepted).
        matrix: the decision matrix; :func:`default_matrix` when None.

    Returns:
        The matrix cell.

    Raises:
        ValueError: ``no_matrix_row`` when the matrix has no cell for the pair.
    """
    table = default_matrix() if matrix is None else matrix
    key = (CustomerType(customer_type), Situation(situation))
    if key not in table:
        raise ValueError("no_matrix_row")
    return table[key]
