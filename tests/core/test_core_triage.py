"""Triage of an emergency case (partspool.core.triage): level, reasons, grants, worth and matrix."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError, replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partspool.core.triage import (
    BusinessImpact,
    CaseFacts,
    CustomerType,
    Factor,
    FactorGrade,
    Level,
    LevelGrant,
    Means,
    OpinionRisk,
    Recommendation,
    SafetyRisk,
    Situation,
    TriageRules,
    ValueRules,
    default_grants,
    default_matrix,
    grade_factors,
    override,
    recommend,
    triage,
    value_estimate,
)

# A case with every factor at grade 3: the level-3 baseline that each test raises.
CALM = CaseFacts(
    customer_type=CustomerType.REGULAR,
    ltv=20_000,
    hours_to_deadline=240,
    vehicle_usable=True,
    safety=SafetyRisk.LOW,
    opinion=OpinionRisk.LOW,
    impact=BusinessImpact.MINOR,
)


def case(**changes: object) -> CaseFacts:
    return replace(CALM, **changes)


def grade_of(facts: CaseFacts, factor: Factor, rules: TriageRules | None = None) -> FactorGrade:
    return {g.factor: g for g in grade_factors(facts, rules)}[factor]


# --- the level table, row by row ---------------------------------------------------------------


@pytest.mark.parametrize(("ltv", "grade", "reason"), [
    (150_000, 1, "ltv_above_100000"),
    (100_000.01, 1, "ltv_above_100000"),
    (100_000, 2, "ltv_50000_to_100000"),  # "> 100,000" is grade 1: exactly 100,000 is not
    (Decimal("100000.00"), 2, "ltv_50000_to_100000"),
    (75_000, 2, "ltv_50000_to_100000"),
    (50_000, 2, "ltv_50000_to_100000"),  # the 50,000–100,000 band includes 50,000
    (49_999.99, 3, "ltv_below_50000"),
    (0, 3, "ltv_below_50000"),
])
def test_customer_value_grades_follow_the_table_and_its_boundaries(ltv, grade, reason):
    g = grade_of(case(ltv=ltv), Factor.CUSTOMER_VALUE)
    assert (g.grade, g.reason) == (grade, reason)


@pytest.mark.parametrize(("hours", "grade", "reason"), [
    (-5, 1, "deadline_under_24h"),  # the deadline has passed: as urgent as it gets
    (0, 1, "deadline_under_24h"),
    (23.99, 1, "deadline_under_24h"),
    (24, 2, "deadline_under_72h"),  # "< 24 h" is grade 1: exactly 24 h is not
    (71.99, 2, "deadline_under_72h"),
    (72, 3, "deadline_72h_or_more"),  # "< 3 days" is grade 2: exactly 3 days is not
    (168, 3, "deadline_72h_or_more"),
    (math.inf, 3, "deadline_72h_or_more"),  # no deadline
])
def test_time_grades_follow_the_table_and_its_boundaries(hours, grade, reason):
    g = grade_of(case(hours_to_deadline=hours), Factor.TIME)
    assert (g.grade, g.reason) == (grade, reason)


def test_time_value_records_the_hours_or_none():
    assert grade_of(case(hours_to_deadline=20.5), Factor.TIME).value == "20.5"
    assert grade_of(case(hours_to_deadline=math.inf), Factor.TIME).value == "none"
    assert grade_of(case(ltv=Decimal("150000.50")), Factor.CUSTOMER_VALUE).value == "150000.5"


@pytest.mark.parametrize(("field", "value", "factor", "grade", "reason"), [
    ("safety", SafetyRisk.HIGH, Factor.SAFETY, 1, "safety_high"),
    ("safety", SafetyRisk.MEDIUM, Factor.SAFETY, 2, "safety_medium"),
    ("safety", SafetyRisk.LOW, Factor.SAFETY, 3, "safety_low"),
    ("opinion", OpinionRisk.HIGH, Factor.OPINION, 1, "opinion_high"),
    ("opinion", OpinionRisk.MEDIUM, Factor.OPINION, 2, "opinion_medium"),
    ("opinion", OpinionRisk.LOW, Factor.OPINION, 3, "opinion_low"),
    ("impact", BusinessImpact.SEVERE, Factor.IMPACT, 1, "impact_severe"),
    ("impact", BusinessImpact.MEDIUM, Factor.IMPACT, 2, "impact_medium"),
    ("impact", BusinessImpact.MINOR, Factor.IMPACT, 3, "impact_minor"),
])
def test_safety_opinion_and_impact_grades(field, value, factor, grade, reason):
    g = grade_of(case(**{field: value}), factor)
    assert (g.grade, g.value, g.reason) == (grade, str(value), reason)


def test_all_five_factors_are_graded_in_order():
    assert [g.factor for g in triage(CALM).grades] == list(Factor)


# --- the combination rule --------------------------------------------------------------------


@pytest.mark.parametrize("changes", [
    {"ltv": 150_000},
    {"hours_to_deadline": 10},
    {"safety": SafetyRisk.HIGH},
    {"opinion": OpinionRisk.HIGH},
    {"impact": BusinessImpact.SEVERE},
])
def test_any_single_grade_1_factor_gives_level_1(changes):
    result = triage(case(**changes))
    assert result.level == Level.ONE and result.rule == "any_grade_1"
    assert len(result.fired) == 1 and result.fired[0].grade == 1


def test_level_1_lists_every_grade_1_factor_that_fired():
    result = triage(case(safety=SafetyRisk.HIGH, opinion=OpinionRisk.HIGH, ltv=60_000))
    assert [g.factor for g in result.fired] == [Factor.SAFETY, Factor.OPINION]


def test_one_grade_2_factor_alone_stays_level_3():
    result = triage(case(safety=SafetyRisk.MEDIUM))
    assert result.level == Level.THREE and result.rule == "default_level_3" and result.fired == ()


def test_two_grade_2_factors_give_level_2_with_both_fired():
    result = triage(case(ltv=60_000, hours_to_deadline=48))
    assert result.level == Level.TWO and result.rule == "two_grade_2"
    assert [(g.factor, g.reason) for g in result.fired] == [
        (Factor.CUSTOMER_VALUE, "ltv_50000_to_100000"), (Factor.TIME, "deadline_under_72h")]


def test_exactly_100000_and_exactly_24h_together_are_level_2_not_1():
    result = triage(case(ltv=100_000, hours_to_deadline=24))
    assert result.level == Level.TWO and {g.grade for g in result.fired} == {2}


def test_exactly_72h_does_not_count_as_grade_2():
    assert triage(case(ltv=60_000, hours_to_deadline=72)).level == Level.THREE
    assert triage(case(ltv=60_000, hours_to_deadline=71.9)).level == Level.TWO


def test_all_grade_3_is_level_3():
    result = triage(CALM)
    assert (result.level, result.rule, result.fired) == (Level.THREE, "default_level_3", ())
    assert result.overridden_from is None and result.override_reason == ""


def test_the_sources_opening_cases():
    # Customer A: LTV 150,000, air-conditioning, wants it today → level 1 on customer value and time.
    a = triage(CaseFacts(CustomerType.VIP, 150_000, 16, True, SafetyRisk.MEDIUM, OpinionRisk.MEDIUM,
                         BusinessImpact.MINOR))
    assert a.level == Level.ONE and {g.factor for g in a.fired} == {Factor.CUSTOMER_VALUE, Factor.TIME}
    # Customer B: an enterprise's three cars need brake pads → safety and business impact.
    b = triage(CaseFacts(CustomerType.ENTERPRISE, 90_000, 60, True, SafetyRisk.HIGH, OpinionRisk.LOW,
                         BusinessImpact.SEVERE))
    assert b.level == Level.ONE and {g.factor for g in b.fired} == {Factor.SAFETY, Factor.IMPACT}
    # Customer C: an influencer's battery module, live stream tomorrow.
    c = triage(CaseFacts(CustomerType.INFLUENCER, 80_000, 20, True, SafetyRisk.HIGH, OpinionRisk.HIGH,
                         BusinessImpact.MINOR))
    assert c.level == Level.ONE and {g.factor for g in c.fired} == {Factor.TIME, Factor.SAFETY, Factor.OPINION}


def test_vehicle_usable_is_recorded_but_not_graded():
    assert triage(case(vehicle_usable=False)) == triage(case(vehicle_usable=True))


def test_customer_type_alone_does_not_set_the_level():
    # The customer-value factor is graded on LTV: a "VIP" label with a low LTV is not grade 1.
    assert triage(case(customer_type=CustomerType.VIP)).level == Level.THREE


# --- settings --------------------------------------------------------------------------------


def test_a_lower_ltv_threshold_changes_the_level():
    facts = case(ltv=80_000)
    assert triage(facts).level == Level.THREE
    result = triage(facts, TriageRules(ltv_level1_above=75_000, ltv_level2_from=30_000))
    assert result.level == Level.ONE and result.fired[0].reason == "ltv_above_75000"


def test_custom_time_thresholds_show_in_the_reason():
    rules = TriageRules(time_level1_under_hours=12, time_level2_under_hours=48)
    assert grade_of(case(hours_to_deadline=12), Factor.TIME, rules).reason == "deadline_under_48h"
    assert grade_of(case(hours_to_deadline=48), Factor.TIME, rules).reason == "deadline_48h_or_more"
    assert grade_of(case(hours_to_deadline=11), Factor.TIME, rules).reason == "deadline_under_12h"


def test_level2_min_grade2_of_one_follows_the_sources_decision_tree():
    # The source's decision tree sends a customer with a deadline under 3 days to level 2 alone.
    facts = case(hours_to_deadline=48)
    assert triage(facts).level == Level.THREE
    assert triage(facts, TriageRules(level2_min_grade2=1)).level == Level.TWO


def test_level2_min_grade2_of_three_needs_three():
    rules = TriageRules(level2_min_grade2=3)
    assert triage(case(ltv=60_000, hours_to_deadline=48), rules).level == Level.THREE
    assert triage(case(ltv=60_000, hours_to_deadline=48, safety=SafetyRisk.MEDIUM), rules).level == Level.TWO


def test_level1_rule_switched_off_counts_grade_1_towards_level_2():
    rules = TriageRules(level1_if_any_grade1=False)
    assert triage(case(safety=SafetyRisk.HIGH), rules).level == Level.THREE
    result = triage(case(safety=SafetyRisk.HIGH, opinion=OpinionRisk.MEDIUM), rules)
    assert result.level == Level.TWO and [g.grade for g in result.fired] == [1, 2]


@pytest.mark.parametrize("kwargs", [
    {"ltv_level2_from": -1},
    {"ltv_level1_above": 40_000},  # below ltv_level2_from
    {"time_level1_under_hours": 0},
    {"time_level1_under_hours": 80},  # above time_level2_under_hours
    {"time_level2_under_hours": math.inf},
    {"level2_min_grade2": 0},
    {"level2_min_grade2": 6},
])
def test_nonsense_rules_are_refused(kwargs):
    with pytest.raises(ValueError):
        TriageRules(**kwargs)


def test_equal_thresholds_are_allowed():
    rules = TriageRules(ltv_level1_above=50_000, ltv_level2_from=50_000,
                        time_level1_under_hours=24, time_level2_under_hours=24)
    assert grade_of(case(ltv=50_000), Factor.CUSTOMER_VALUE, rules).grade == 2
    assert grade_of(case(hours_to_deadline=24), Factor.TIME, rules).grade == 3


# --- facts -----------------------------------------------------------------------------------


def test_codes_as_strings_become_enums():
    facts = CaseFacts("vip", 1, 1.0, True, "high", "medium", "minor")  # type: ignore[arg-type]
    assert facts.customer_type is CustomerType.VIP and facts.safety is SafetyRisk.HIGH
    assert facts.opinion is OpinionRisk.MEDIUM and facts.impact is BusinessImpact.MINOR


@pytest.mark.parametrize("changes", [
    {"ltv": -1}, {"ltv": math.nan}, {"ltv": math.inf}, {"ltv": Decimal("NaN")},
    {"hours_to_deadline": math.nan}, {"hours_to_deadline": -math.inf},
    {"safety": "critical"}, {"customer_type": "celebrity"},
])
def test_bad_facts_are_refused(changes):
    with pytest.raises(ValueError):
        case(**changes)


def test_results_are_frozen():
    with pytest.raises(FrozenInstanceError):
        triage(CALM).level = Level.ONE  # type: ignore[misc]


def test_bad_grade_is_refused():
    with pytest.raises(ValueError):
        FactorGrade(Factor.SAFETY, 4, "x", "y")


# --- overrides -------------------------------------------------------------------------------


def test_override_requires_a_reason():
    for blank in ("", "   ", "\n\t"):
        with pytest.raises(ValueError, match="override_reason_required"):
            override(triage(CALM), Level.ONE, blank)


def test_override_keeps_the_computed_level_and_factors():
    computed = triage(case(ltv=60_000, hours_to_deadline=48))
    result = override(computed, Level.ONE, "  customer stranded on the motorway  ")
    assert result.level == Level.ONE
    assert result.overridden_from == Level.TWO == result.computed_level
    assert result.override_reason == "customer stranded on the motorway"
    assert (result.grades, result.fired, result.rule) == (computed.grades, computed.fired, computed.rule)
    assert computed.level == Level.TWO and computed.overridden_from is None  # the input is unchanged


def test_override_of_an_override_keeps_the_first_computed_level():
    first = override(triage(CALM), Level.ONE, "stranded")
    second = override(first, Level.TWO, "a courier found a closer source")
    assert (second.level, second.overridden_from, second.override_reason) == (
        Level.TWO, Level.THREE, "a courier found a closer source")


def test_override_may_lower_the_level():
    result = override(triage(case(safety=SafetyRisk.HIGH)), Level.THREE, "customer prefers to wait")
    assert (result.level, result.overridden_from) == (Level.THREE, Level.ONE)


def test_level_colours():
    assert [lv.colour for lv in Level] == ["red", "yellow", "blue"]


# --- properties ------------------------------------------------------------------------------

SAFETY_ORDER = [SafetyRisk.LOW, SafetyRisk.MEDIUM, SafetyRisk.HIGH]
OPINION_ORDER = [OpinionRisk.LOW, OpinionRisk.MEDIUM, OpinionRisk.HIGH]
IMPACT_ORDER = [BusinessImpact.MINOR, BusinessImpact.MEDIUM, BusinessImpact.SEVERE]

facts_st = st.builds(
    CaseFacts,
    customer_type=st.sampled_from(CustomerType),
    ltv=st.one_of(st.integers(0, 300_000), st.sampled_from([50_000, 100_000]),
                  st.decimals(0, 300_000, places=2)),
    hours_to_deadline=st.one_of(st.floats(-48, 400, allow_nan=False), st.sampled_from([24.0, 72.0])),
    vehicle_usable=st.booleans(),
    safety=st.sampled_from(SafetyRisk),
    opinion=st.sampled_from(OpinionRisk),
    impact=st.sampled_from(BusinessImpact),
)


@given(facts_st)
def test_level_is_1_exactly_when_some_grade_is_1(facts):
    result = triage(facts)
    assert (result.level == Level.ONE) == any(g.grade == 1 for g in result.grades)
    assert (result.level == Level.TWO) == (
        result.level != Level.ONE and sum(g.grade == 2 for g in result.grades) >= 2)


@given(facts_st)
def test_fired_factors_are_among_the_grades_and_match_the_rule(facts):
    result = triage(facts)
    assert set(result.fired) <= set(result.grades)
    assert all(g.grade <= int(result.level) for g in result.fired)


def _raise_one(facts: CaseFacts, which: int) -> CaseFacts:
    """The same case with one factor made more severe (or left as it is at the top)."""
    if which == 0:
        return replace(facts, ltv=Decimal(str(facts.ltv)) + 60_000)
    if which == 1:
        return replace(facts, hours_to_deadline=facts.hours_to_deadline - 50)
    if which == 2:
        return replace(facts, safety=SAFETY_ORDER[min(2, SAFETY_ORDER.index(facts.safety) + 1)])
    if which == 3:
        return replace(facts, opinion=OPINION_ORDER[min(2, OPINION_ORDER.index(facts.opinion) + 1)])
    return replace(facts, impact=IMPACT_ORDER[min(2, IMPACT_ORDER.index(facts.impact) + 1)])


rules_st = st.builds(TriageRules, level1_if_any_grade1=st.booleans(), level2_min_grade2=st.integers(1, 5))


@given(facts_st, st.integers(0, 4), rules_st)
def test_raising_a_factor_never_lowers_the_level(facts, which, rules):
    before, after = triage(facts, rules), triage(_raise_one(facts, which), rules)
    assert after.level <= before.level  # a smaller number is a more urgent level


@given(facts_st, st.sampled_from(Level), st.text(min_size=1).filter(str.strip))
def test_override_always_keeps_the_computation(facts, level, reason):
    computed = triage(facts)
    result = override(computed, level, reason)
    assert result.level == level and result.computed_level == computed.level
    assert result.grades == computed.grades and result.override_reason == reason.strip()


# --- grants ----------------------------------------------------------------------------------


def test_default_grants_follow_the_spec():
    grants = default_grants()
    one, two, three = grants[Level.ONE], grants[Level.TWO], grants[Level.THREE]
    assert (one.find_source_hours, one.arrive_hours, one.extra_cost_cap, one.report_afterwards,
            one.radius_km, one.unusual_sources_allowed) == (2, 24, Decimal(5000), True, 500, True)
    assert one.means == ("any_center_500km", "same_day_courier", "someone_drives", "demo_car",
                         "special_approval")
    assert (two.find_source_hours, two.arrive_hours, two.extra_cost_cap, two.report_afterwards,
            two.radius_km, two.unusual_sources_allowed) == (24, 72, Decimal(1500), False, 200, False)
    assert two.means == ("centers_200km", "standard_express", "borrow_center")
    assert (three.find_source_hours, three.arrive_hours, three.extra_cost_cap, three.radius_km,
            three.unusual_sources_allowed) == (None, 168, Decimal(0), None, False)
    assert three.means == (Means.SUPPLY_CHAIN_ORDER, Means.REGIONAL_WAREHOUSE)


def test_only_level_1_allows_unusual_sources_and_the_demo_car():
    grants = default_grants()
    assert [lv for lv, g in grants.items() if g.unusual_sources_allowed] == [Level.ONE]
    assert [lv for lv, g in grants.items() if Means.DEMO_CAR in g.means] == [Level.ONE]


def test_grants_get_looser_with_urgency():
    g = default_grants()
    assert g[Level.ONE].arrive_hours < g[Level.TWO].arrive_hours < g[Level.THREE].arrive_hours
    assert g[Level.ONE].extra_cost_cap > g[Level.TWO].extra_cost_cap > g[Level.THREE].extra_cost_cap


@pytest.mark.parametrize("kwargs", [
    {"arrive_hours": 0},
    {"find_source_hours": 30},  # after arrival is due
    {"find_source_hours": 0},
    {"extra_cost_cap": Decimal(-1)},
    {"radius_km": 0},
])
def test_nonsense_grants_are_refused(kwargs):
    base = {"find_source_hours": 2, "arrive_hours": 24, "extra_cost_cap": Decimal(5000),
            "report_afterwards": True, "radius_km": 500, "means": (), "unusual_sources_allowed": True}
    with pytest.raises(ValueError):
        LevelGrant(**{**base, **kwargs})


# --- is it worth it? -------------------------------------------------------------------------

INFLUENCER = CaseFacts(CustomerType.INFLUENCER, 80_000, 20, True, SafetyRisk.HIGH, OpinionRisk.HIGH,
                       BusinessImpact.MINOR)


def test_the_sources_influencer_case_is_worth_it():
    # Source: LTV 80,000 × 75 % churn avoided = 60,000; exposure 50,000; cost 980.
    est = value_estimate(INFLUENCER, 980, Level.ONE)
    assert (est.churn_value, est.exposure_value, est.value_at_stake) == (
        Decimal(60_000), Decimal(50_000), Decimal(110_000))
    assert est.extra_cost == Decimal(980) and est.ratio == Decimal("112.24") and est.worth_it
    assert est.reasons == ("churn_avoided:0.75", "exposure:high", "ratio_at_least:1")


def test_level_3_avoids_no_churn():
    est = value_estimate(replace(INFLUENCER, opinion=OpinionRisk.LOW), 0, Level.THREE)
    assert est.value_at_stake == 0 and est.ratio is None and est.worth_it
    assert est.reasons[-1] == "no_extra_cost"


def test_level_2_default_churn_share_is_half():
    est = value_estimate(replace(INFLUENCER, opinion=OpinionRisk.MEDIUM), 1000, Level.TWO)
    assert (est.churn_value, est.exposure_value) == (Decimal(40_000), Decimal(5_000))


def test_a_cheap_customer_is_not_worth_an_expensive_response():
    new = CaseFacts(CustomerType.NEW, 2_000, 20, True, SafetyRisk.MEDIUM, OpinionRisk.LOW,
                    BusinessImpact.MINOR)
    est = value_estimate(new, 4_000, Level.ONE)
    assert est.value_at_stake == Decimal(1_500) and est.ratio == Decimal("0.38")
    assert not est.worth_it and est.reasons[-1] == "ratio_below:1"


def test_value_exactly_equal_to_cost_is_worth_it():
    facts = replace(INFLUENCER, ltv=4_000, opinion=OpinionRisk.LOW)  # 4,000 × 0.75 = 3,000
    est = value_estimate(facts, 3_000, Level.ONE)
    assert est.ratio == 1 and est.worth_it


def test_value_settings_change_the_estimate():
    rules = ValueRules(churn_avoided={(CustomerType.INFLUENCER, Level.ONE): Decimal("0.5")},
                       exposure={OpinionRisk.HIGH: Decimal(100_000)}, min_ratio=Decimal(200))
    est = value_estimate(INFLUENCER, 980, Level.ONE, rules)
    assert est.value_at_stake == Decimal(140_000) and not est.worth_it
    assert est.reasons[-1] == "ratio_below:200"
    with pytest.raises(ValueError):
        value_estimate(INFLUENCER, 980, Level.TWO, rules)  # no setting for that cell


def test_ltv_lost_on_churn_scales_the_churn_value():
    est = value_estimate(INFLUENCER, 980, Level.ONE, ValueRules(ltv_lost_on_churn=Decimal("0.5")))
    assert est.churn_value == Decimal(30_000)


@pytest.mark.parametrize("kwargs", [
    {"churn_avoided": {(CustomerType.VIP, Level.ONE): Decimal("1.2")}},
    {"ltv_lost_on_churn": Decimal(2)},
    {"exposure": {OpinionRisk.HIGH: Decimal(-1)}},
    {"min_ratio": Decimal(-1)},
])
def test_nonsense_value_rules_are_refused(kwargs):
    with pytest.raises(ValueError):
        ValueRules(**kwargs)


@pytest.mark.parametrize("cost", [-1, math.nan, math.inf])
def test_bad_extra_cost_is_refused(cost):
    with pytest.raises(ValueError):
        value_estimate(INFLUENCER, cost, Level.ONE)


def test_default_churn_table_covers_every_type_and_level():
    table = ValueRules().churn_avoided
    assert set(table) == {(ct, lv) for ct in CustomerType for lv in Level}


@given(st.decimals(0, 10_000, places=2), st.decimals(0, 10_000, places=2))
def test_spending_more_never_makes_it_more_worth_it(a, b):
    low, high = sorted([a, b])
    assert value_estimate(INFLUENCER, high, Level.ONE).worth_it <= value_estimate(INFLUENCER, low, Level.ONE).worth_it


# --- the decision matrix ---------------------------------------------------------------------


@pytest.mark.parametrize(("customer", "situation", "level", "cap", "reason"), [
    # the source's rows
    (CustomerType.VIP, Situation.SAFETY_ISSUE, Level.ONE, 5000, "vip_safety_or_urgent"),
    (CustomerType.VIP, Situation.VEHICLE_DOWN, Level.ONE, 5000, "vip_safety_or_urgent"),
    (CustomerType.VIP, Situation.USABLE_WAITING, Level.TWO, 1500, "vip_comfort"),
    (CustomerType.REGULAR, Situation.SAFETY_ISSUE, Level.TWO, 1000, "regular_safety_or_urgent"),
    (CustomerType.REGULAR, Situation.VEHICLE_DOWN, Level.TWO, 1000, "regular_safety_or_urgent"),
    (CustomerType.REGULAR, Situation.USABLE_WAITING, Level.THREE, 0, "regular_comfort"),
    (CustomerType.NEW, Situation.SAFETY_ISSUE, Level.THREE, 0, "new_any"),
    (CustomerType.NEW, Situation.USABLE_WAITING, Level.THREE, 0, "new_any"),
    # rows chosen from the source's principles
    (CustomerType.INFLUENCER, Situation.SAFETY_ISSUE, Level.ONE, 5000, "influencer_safety_or_urgent"),
    (CustomerType.INFLUENCER, Situation.USABLE_WAITING, Level.TWO, 1500, "influencer_comfort"),
    (CustomerType.ENTERPRISE, Situation.VEHICLE_DOWN, Level.TWO, 1500, "enterprise_safety_or_urgent"),
    (CustomerType.ENTERPRISE, Situation.COSMETIC, Level.THREE, 0, "enterprise_comfort"),
    (CustomerType.VIP, Situation.COSMETIC, Level.TWO, 1500, "vip_comfort"),
])
def test_decision_matrix_rows(customer, situation, level, cap, reason):
    rec = recommend(customer, situation)
    assert (rec.level, rec.cost_cap, rec.reason) == (level, Decimal(cap), reason)


def test_matrix_keeps_the_sources_roi_expectations():
    assert recommend(CustomerType.VIP, Situation.SAFETY_ISSUE).expected_roi == ">500%"
    assert recommend(CustomerType.NEW, Situation.VEHICLE_DOWN).expected_roi == "<100%"


def test_default_matrix_covers_every_customer_type_and_situation():
    assert set(default_matrix()) == {(ct, s) for ct in CustomerType for s in Situation}


def test_matrix_caps_never_exceed_the_level_grant():
    grants = default_grants()
    assert all(rec.cost_cap <= grants[rec.level].extra_cost_cap for rec in default_matrix().values())


def test_a_custom_matrix_is_used_and_a_missing_row_is_refused():
    matrix = {(CustomerType.NEW, Situation.SAFETY_ISSUE): Recommendation(Level.TWO, Decimal(300), "new_safety")}
    assert recommend("new", "safety_issue", matrix).reason == "new_safety"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no_matrix_row"):
        recommend(CustomerType.VIP, Situation.SAFETY_ISSUE, matrix)
