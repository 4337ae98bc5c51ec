"""Network rebalancing: move surplus to the nodes below their level, as a transport problem.

For each part, the supplies are the nodes' surplus (stock above the level plus the margin, free on
the shelf; see ``replenishment``) and the demands their shortfall (level - inventory position).
A move from i to j of x units costs ``x * km(i, j) * cost_per_unit_km`` plus ``fixed_cost_per_move``
when x > 0. Routes missing from the distance table, or longer than ``max_km``, are not used; a
route may also carry a most units per move (``route_cap``: between two service centers the
alliance's trust rule limits a first loan), and its move is then capped and says so.

The plan is lexicographic: first as many units moved as the routes allow (a unit moved is a unit
neither ordered nor lying idle), then the cheapest way to move that many. Both steps are solved
exactly with scipy's HiGHS: the first as a linear programme (a transport problem; its optimum is a
whole number of units), the second as an integer programme with the total fixed. Without a fixed
cost per move, a few hundred parts are solved in one programme (``transport_many``): they share no
constraint, so each gets its own optimum, and a region's 20,000 parts take seconds, not minutes. Each move says
why: how far above its level the source is, how far below the destination is, and the distance.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp  # type: ignore[import-untyped, unused-ignore]
from scipy.sparse import (  # type: ignore[import-untyped, unused-ignore]
    coo_array,
    csr_array,
    eye_array,
    hstack,
)

from partspool.core.policy.replenishment import (
    ReplenishmentRules,
    StockPosition,
    Suggestion,
    suggest_replenishment,
)

MAX_ROUTE_KM = 100_000.0  # more than twice round the earth: a distance beyond it is a data error, not a route
Distance = Mapping[tuple[str, str], float] | Callable[[str, str], float | None]


@dataclass(frozen=True)
class RebalanceRules:
    """Which moves are allowed and what they cost."""

    max_km: float | None = None
    cost_per_unit_km: float = 1.0
    fixed_cost_per_move: float = 0.0

    def __post_init__(self) -> None:
        if self.max_km is not None and self.max_km < 0:
            raise ValueError("max_km must be 0 or more")
        if self.cost_per_unit_km < 0 or self.fixed_cost_per_move < 0:
            raise ValueError("costs must be 0 or more")


@dataclass(frozen=True)
class Move:
    """Units of a part to send from one node to another, and why."""

    part: str
    source: str
    destination: str
    units: int
    km: float
    cost: float
    source_surplus: int
    destination_shortfall: int
    capped_at: int | None = None  # the route's most units per move, when it held the move below both

    def explain(self) -> str:
        """One sentence, e.g. ``move 4 P1 from X to Y (120 km): X has 6 above its level (with
        margin), Y is 4 below its level``."""
        return (f"move {self.units} {self.part} from {self.source} to {self.destination} ({self.km:g} km): "
                f"{self.source} has {self.source_surplus} above its level (with margin), "
                f"{self.destination} is {self.destination_shortfall} below its level"
                + (f"; at most {self.capped_at} per move on this route" if self.capped_at is not None else ""))


@dataclass(frozen=True)
class PartBalance:
    """One part's balance before and after the moves."""

    part: str
    surplus: int
    shortfall: int
    moved: int
    cost: float

    @property
    def still_short(self) -> int:
        """Shortfall left to order after the moves."""
        return self.shortfall - self.moved


@dataclass(frozen=True)
class RebalancePlan:
    """The moves, each part's balance, and the orders left after the moves per node x part."""

    moves: tuple[Move, ...]
    parts: tuple[PartBalance, ...]
    suggestions: tuple[Suggestion, ...]

    def orders_after_moves(self) -> dict[tuple[str, str], int]:
        """(node, part) -> units still to order once the moves arrive."""
        incoming: dict[tuple[str, str], int] = {}
        for move in self.moves:
            key = (move.destination, move.part)
            incoming[key] = incoming.get(key, 0) + move.units
        return {(s.node, s.part): s.order_quantity - incoming.get((s.node, s.part), 0)
                for s in self.suggestions if s.order_quantity}


def _km(distance: Distance, source: str, destination: str) -> float | None:
    if callable(distance):
        return distance(source, destination)
    return distance.get((source, destination))


def rebalance(
    positions: Iterable[StockPosition],
    distance: Distance,
    rules: RebalanceRules | None = None,
    replenishment: ReplenishmentRules | None = None,
    route_cap: Callable[[str, str], int | None] | None = None,
) -> RebalancePlan:
    """Plan transfers of surplus stock to nodes below their level, part by part.

    Args:
        positions: stock and level per node x part.
        distance: km from one node to another, as a mapping ``(from, to) -> km`` or a function
            returning None where there is no route.
        rules: allowed distance and costs.
        replenishment: the surplus margin.
        route_cap: the most units one move from a node to another may carry (None: no limit).

    Returns:
        The plan: moves with reasons, balances per part, and the suggestions it started from.
    """
    rules = rules or RebalanceRules()
    suggestions = suggest_replenishment(positions, replenishment)
    by_part: dict[str, list[Suggestion]] = {}
    for s in suggestions:
        by_part.setdefault(s.part, []).append(s)
    problems = []
    for part, rows in by_part.items():
        sources = [s for s in rows if s.surplus > 0]
        sinks = [s for s in rows if s.shortfall > 0]
        arcs = _arcs(sources, sinks, distance, rules)
        caps = [_cap(route_cap, sources[i].node, sinks[j].node) for i, j, _km in arcs]
        kept = [k for k, cap in enumerate(caps) if cap is None or cap > 0]
        problems.append((part, sources, sinks, [arcs[k] for k in kept], [caps[k] for k in kept]))
    solvable = [(np.array([s.surplus for s in src], dtype=float), np.array([s.shortfall for s in dst], dtype=float),
                 arcs) for _part, src, dst, arcs, _caps in problems if arcs]
    limits = [[math.inf if c is None else float(c) for c in caps] for *_rest, arcs, caps in problems if arcs]
    if rules.fixed_cost_per_move > 0:  # a fixed charge per move: one integer programme per part
        solved = iter([transport(supply, demand, arcs, rules.cost_per_unit_km, rules.fixed_cost_per_move, limit)
                       for (supply, demand, arcs), limit in zip(solvable, limits, strict=True)])
    else:
        solved = iter(transport_many(solvable, rules.cost_per_unit_km, limits))
    moves: list[Move] = []
    balances: list[PartBalance] = []
    for part, sources, sinks, arcs, caps in problems:
        part_moves = _moves(part, sources, sinks, arcs, next(solved), rules, caps) if arcs else []
        moves.extend(part_moves)
        balances.append(PartBalance(part, sum(s.surplus for s in sources), sum(s.shortfall for s in sinks),
                                    sum(m.units for m in part_moves), sum(m.cost for m in part_moves)))
    return RebalancePlan(tuple(moves), tuple(balances), tuple(suggestions))


def _cap(route_cap: Callable[[str, str], int | None] | None, source: str, destination: str) -> int | None:
    return None if route_cap is None else route_cap(source, destination)


def _arcs(sources: Sequence[Suggestion], sinks: Sequence[Suggestion], distance: Distance, rules: RebalanceRules
          ) -> list[tuple[int, int, float]]:
    """The allowed routes (source index, sink index, km) of one part."""
    arcs: list[tuple[int, int, float]] = []
    for i, src in enumerate(sources):
        for j, dst in enumerate(sinks):
            if src.node == dst.node:
                continue
            km = _km(distance, src.node, dst.node)
            if (km is None or not math.isfinite(km) or not 0 <= km <= MAX_ROUTE_KM
                    or (rules.max_km is not None and km > rules.max_km)):
                continue  # no route: a distance unknown, not a number, or beyond any road is none
            arcs.append((i, j, float(km)))
    return arcs


def _moves(part: str, sources: Sequence[Suggestion], sinks: Sequence[Suggestion],
           arcs: Sequence[tuple[int, int, float]], units: Sequence[int], rules: RebalanceRules,
           caps: Sequence[int | None]) -> list[Move]:
    out = []
    for (i, j, km), x, cap in zip(arcs, units, caps, strict=True):
        if x > 0:
            cost = x * km * rules.cost_per_unit_km + rules.fixed_cost_per_move
            capped = cap if cap is not None and x >= cap and cap < min(sources[i].surplus, sinks[j].shortfall) else None
            out.append(Move(part, sources[i].node, sinks[j].node, int(x), km, cost,
                            sources[i].surplus, sinks[j].shortfall, capped))
    return out


def transport(
    supply: np.ndarray, demand: np.ndarray, arcs: Sequence[tuple[int, int, float]],
    cost_per_unit_km: float = 1.0, fixed_cost_per_move: float = 0.0, limits: Sequence[float] | None = None,
) -> list[int]:
    """Units on each arc: the most units first, then the least cost (HiGHS, exact).

    Args:
        supply: units available at each source.
        demand: units wanted at each sink.
        arcs: allowed (source index, sink index, km).
        cost_per_unit_km: cost of one unit over one km.
        fixed_cost_per_move: cost of using an arc at all.
        limits: the most units on each arc (None: only the supply and demand limit them).

    Returns:
        Units per arc, in the order of ``arcs``.
    """
    n = len(arcs)
    src = np.array([a[0] for a in arcs], dtype=int)
    dst = np.array([a[1] for a in arcs], dtype=int)
    km = np.array([a[2] for a in arcs], dtype=float)
    cols = np.arange(n)
    rows = np.concatenate([src, len(supply) + dst])
    matrix = coo_array((np.ones(2 * n), (rows, np.concatenate([cols, cols]))),
                       shape=(len(supply) + len(demand), n)).tocsr()
    caps = np.concatenate([supply, demand])
    upper = np.minimum(supply[src], demand[dst])
    if limits is not None:
        upper = np.minimum(upper, np.asarray(limits, dtype=float))
    most = linprog(-np.ones(n), A_ub=matrix, b_ub=caps, bounds=list(zip(np.zeros(n), upper, strict=True)),
                   method="highs")
    if most.status != 0:
        raise RuntimeError(f"rebalancing solver stopped: {most.message}")
    total = float(np.rint(-most.fun))
    if total <= 0:
        return [0] * n
    unit_cost = km * cost_per_unit_km
    fixed = fixed_cost_per_move > 0
    caps_rows = hstack([matrix, csr_array((len(caps), n))]).tocsr() if fixed else matrix
    width = 2 * n if fixed else n
    objective = np.concatenate([unit_cost, np.full(n, fixed_cost_per_move)]) if fixed else unit_cost
    total_row = np.concatenate([np.ones(n), np.zeros(width - n)])[None, :]
    constraints = [LinearConstraint(caps_rows, -np.inf, caps), LinearConstraint(total_row, total, total)]
    if fixed:  # a move's units only where the move is made: x_k <= upper_k * y_k
        link = hstack([eye_array(n), -coo_array((upper, (cols, cols)), shape=(n, n))]).tocsr()
        constraints.append(LinearConstraint(link, -np.inf, 0.0))
    bounds = Bounds(np.zeros(width), np.concatenate([upper, np.ones(n)]) if fixed else upper)
    cheapest = milp(objective, integrality=np.ones(width), bounds=bounds, constraints=constraints,
                    options={"mip_rel_gap": 0.0})
    if cheapest.status != 0:
        raise RuntimeError(f"rebalancing solver stopped: {cheapest.message}")
    return [int(v) for v in np.rint(np.asarray(cheapest.x, dtype=float)[:n])]


TRANSPORT_CHUNK = 500  # parts solved in one programme (their constraints do not touch)


def transport_many(
    problems: Sequence[tuple[np.ndarray, np.ndarray, Sequence[tuple[int, int, float]]]],
    cost_per_unit_km: float = 1.0,
    limits: Sequence[Sequence[float]] | None = None,
) -> list[list[int]]:
    """``transport`` (without a fixed cost per move) for many independent parts, a few hundred per solve.

    The parts share no constraint, so the most units overall is the most units of each part, and
    the least cost with each part's total fixed is the least cost of each: every part gets the
    same units moved and the same cost as alone (where routes tie, possibly another of the
    equally cheap plans). One programme per part costs more in set-up than in solving.

    Args:
        problems: (supply per source, demand per sink, allowed arcs) of each part.
        cost_per_unit_km: cost of one unit over one km.
        limits: the most units on each arc of each part (None: no limit beyond supply and demand).

    Returns:
        Units per arc of each part, in the order of its arcs.
    """
    out: list[list[int]] = []
    for start in range(0, len(problems), TRANSPORT_CHUNK):
        chunk = problems[start:start + TRANSPORT_CHUNK]
        out.extend(_transport_chunk(chunk, cost_per_unit_km,
                                    None if limits is None else limits[start:start + TRANSPORT_CHUNK]))
    return out


def _transport_chunk(problems: Sequence[tuple[np.ndarray, np.ndarray, Sequence[tuple[int, int, float]]]],
                     cost_per_unit_km: float, limits: Sequence[Sequence[float]] | None = None) -> list[list[int]]:
    if not problems:
        return []
    widths = [len(arcs) for _s, _d, arcs in problems]
    heights = [len(supply) + len(demand) for supply, demand, _a in problems]
    col_start = np.concatenate([[0], np.cumsum(widths)]).astype(int)
    row_start = np.concatenate([[0], np.cumsum(heights)]).astype(int)
    src = np.concatenate([np.array([a[0] for a in arcs], dtype=int) + row_start[p]
                          for p, (_s, _d, arcs) in enumerate(problems)])
    dst = np.concatenate([np.array([a[1] for a in arcs], dtype=int) + row_start[p] + len(problems[p][0])
                          for p, (_s, _d, arcs) in enumerate(problems)])
    km = np.concatenate([np.array([a[2] for a in arcs], dtype=float) for _s, _d, arcs in problems])
    caps = np.concatenate([np.concatenate([supply, demand]) for supply, demand, _a in problems])
    n = len(km)
    cols = np.arange(n)
    matrix = coo_array((np.ones(2 * n), (np.concatenate([src, dst]), np.concatenate([cols, cols]))),
                       shape=(int(row_start[-1]), n)).tocsr()
    upper = np.minimum(caps[src], caps[dst])
    if limits is not None:
        upper = np.minimum(upper, np.concatenate([np.asarray(limit, dtype=float) for limit in limits]))
    most = linprog(-np.ones(n), A_ub=matrix, b_ub=caps, bounds=np.column_stack([np.zeros(n), upper]),
                   method="highs")
    if most.status != 0:
        raise RuntimeError(f"rebalancing solver stopped: {most.message}")
    part = np.repeat(np.arange(len(problems)), widths)
    totals = np.rint(np.bincount(part, weights=np.asarray(most.x, dtype=float), minlength=len(problems)))
    if not totals.any():
        return [[0] * w for w in widths]
    per_part = coo_array((np.ones(n), (part, cols)), shape=(len(problems), n)).tocsr()
    cheapest = milp(km * cost_per_unit_km, integrality=np.ones(n), bounds=Bounds(np.zeros(n), upper),
                    constraints=[LinearConstraint(matrix, -np.inf, caps), LinearConstraint(per_part, totals, totals)],
                    options={"mip_rel_gap": 0.0})
    if cheapest.status != 0:
        raise RuntimeError(f"rebalancing solver stopped: {cheapest.message}")
    units = np.rint(np.asarray(cheapest.x, dtype=float)).astype(int)
    return [units[col_start[p]:col_start[p + 1]].tolist() for p in range(len(problems))]
