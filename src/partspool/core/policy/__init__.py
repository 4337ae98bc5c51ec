"""Stocking policy (ABC · 安全库存): classes, stock levels, the replay, replenishment, rebalancing, KPIs.

Pure computations over plain data (no Django). The pieces:

* ``abc_analysis``: ABC by demand share or value, and the service policy of each class;
* ``demand``: demand distributions per period and over the protection interval (Poisson,
  negative binomial, empirical; seasonal indices), from a history or from a forecast;
* ``levels``: order-up-to levels by expected fill rate, by days of cover, from a quantile;
* ``allocation``: one fill-rate target for a whole set of parts at the least stock;
* ``compare``: the two side by side on capital, fill rate and turnover;
* ``frames`` / ``replay`` / ``simulation``: back-testing a policy on held-out periods;
* ``replenishment`` / ``rebalance``: order suggestions, lendable surplus, transfers between nodes;
* ``kpi``: the joint KPIs against their targets;
* ``batch``: ``estimate_demand_many`` / ``compare_policies_many``, the same for many series at once.
* ``moderation``: each dispersion moderated towards that of the parts with similar demand.
* ``shape``: each part's growth and season read against the whole set's (monthly data).
* ``first_demand``: the demand a node can expect for a part it never sold, read from the network.
* ``cadence``: levels for a review every few days (a center ordering weekly) from monthly demand.
"""

from __future__ import annotations

from partspool.core.policy.abc_analysis import (
    AbcClass,
    AbcItem,
    AbcResult,
    AbcRow,
    AbcRules,
    ClassService,
    Holding,
    Replenishment,
    ServicePolicies,
    classify_abc,
)
from partspool.core.policy.allocation import (
    Exchange,
    allocate_fill_rate,
    level_at_price,
    price_for_fill_rate,
)
from partspool.core.policy.batch import compare_policies_many, estimate_demand_many
from partspool.core.policy.compare import (
    Comparison,
    OptionTotals,
    PolicyOption,
    compare_policies,
    run_down_comparison,
    summarise_comparisons,
)
from partspool.core.policy.demand import (
    DemandModel,
    Frequency,
    ProtectionDemand,
    StockRules,
    count_pmf,
    estimate_demand,
    panel_growth,
    project_growth,
    protection_demand,
    protection_from_forecast,
)
from partspool.core.policy.frames import DemandFrameError, DemandPanel, Series, read_demand_frame
from partspool.core.policy.kpi import (
    Kpi,
    KpiTargets,
    availability,
    emergency_cost_share,
    inventory_turnover,
    overstock_share,
    service_kpis,
    stockout_rate,
    supplier_on_time,
)
from partspool.core.policy.levels import (
    LevelFigures,
    StockLevel,
    cover_units,
    curves,
    evaluate_level,
    level_fixed,
    level_for_days,
    level_for_fill_rate,
    level_from_quantile,
)
from partspool.core.policy.moderation import Moderation, apply_moderation, fit_moderation, moderate_dispersion
from partspool.core.policy.pooling import POOL_OPTION, add_class_pools
from partspool.core.policy.rebalance import (
    Move,
    PartBalance,
    RebalancePlan,
    RebalanceRules,
    rebalance,
    transport,
    transport_many,
)
from partspool.core.policy.replay import ReplayArrays, replay
from partspool.core.policy.replenishment import (
    ReplenishmentRules,
    StockPosition,
    Suggestion,
    suggest_replenishment,
)
from partspool.core.policy.shape import PanelShape, learn_shape, shape_models
from partspool.core.policy.simulation import (
    ClassPolicy,
    DaysOfCoverPolicy,
    FixedLevelPolicy,
    PeriodStep,
    Policy,
    SeriesResult,
    ServiceLevelPolicy,
    SimulationResult,
    simulate,
)

__all__ = [
    "AbcClass", "AbcItem", "AbcResult", "AbcRow", "AbcRules", "ClassPolicy", "ClassService", "Comparison",
    "DaysOfCoverPolicy", "DemandFrameError", "DemandModel", "DemandPanel", "Exchange", "allocate_fill_rate",
    "level_at_price", "price_for_fill_rate", "curves", "FixedLevelPolicy", "Frequency",
    "Holding", "Kpi", "KpiTargets", "LevelFigures", "Move", "OptionTotals", "PartBalance", "PeriodStep",
    "Policy", "PolicyOption", "ProtectionDemand", "RebalancePlan", "RebalanceRules", "Replenishment",
    "ReplenishmentRules", "ReplayArrays", "Series", "SeriesResult", "ServiceLevelPolicy", "ServicePolicies",
    "SimulationResult", "StockLevel", "StockPosition", "StockRules", "Suggestion", "availability",
    "classify_abc", "compare_policies", "compare_policies_many", "count_pmf", "cover_units", "emergency_cost_share", "estimate_demand",
    "estimate_demand_many", "panel_growth", "project_growth", "moderate_dispersion", "PanelShape", "learn_shape", "shape_models", "Moderation", "fit_moderation", "apply_moderation", "evaluate_level", "inventory_turnover", "level_fixed", "level_for_days", "level_for_fill_rate",
    "level_from_quantile", "overstock_share", "protection_demand", "protection_from_forecast",
    "read_demand_frame", "rebalance", "replay", "service_kpis", "simulate", "stockout_rate",
    "summarise_comparisons",
    "run_down_comparison", "suggest_replenishment", "POOL_OPTION", "add_class_pools", "supplier_on_time", "transport", "transport_many",
]
