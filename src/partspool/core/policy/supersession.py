"""Supersession in the stock levels: a replaced part is used up, its successor is stocked for both.

When part A is replaced by part B (a design change), customers keep asking for A by its number for
a while, and B serves them once A's shelf is empty. A level set from each part's own history gets
both wrong: A keeps being reordered on its past demand, and B, with little or no history, is not
stocked at all. So, from the date the supersession is in force:

* A is **run down**: no more orders. What is on its shelf serves the family's demand (A's and B's)
  until it is used up: it is kept up to B's level, and only what it holds beyond that can be lent;
* B's level is set on the **family's demand**: its own plus A's, month by month, over the whole
  history (B takes A's place in the ABC classes too);
* B's order is net of A's stock kept, so the two together are not stocked twice.

Chains (A → B → C) go to the last part in force: C inherits A's and B's demand, and A and B are both
run down. A cycle (A → B → A) is a data error; ``successor_heads`` names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 20


@dataclass(frozen=True)
class Link:
    """``old`` is replaced by ``new`` from ``effective`` (any text or date; None: always)."""

    old: str
    new: str
    effective: object = None


class SupersessionCycle(ValueError):
    """Links that lead back to where they started."""

    def __init__(self, parts: Sequence[str]):
        self.parts = tuple(parts)
        super().__init__("supersessions go round in a circle: " + " -> ".join(self.parts))


def successor_heads(links: Iterable[Link]) -> dict[str, tuple[str, tuple[Link, ...]]]:
    """Each replaced part's last successor and the links that lead there.

    Args:
        links: the supersessions in force. A part replaced by two parts keeps the first link given.

    Returns:
        ``old -> (head, links from old to head)`` for every part that is replaced.

    Raises:
        SupersessionCycle: when following the links comes back to a part already passed (or runs
            past ``MAX_DEPTH`` steps).
    """
    step: dict[str, Link] = {}
    for link in links:
        if link.old == link.new:
            raise SupersessionCycle([link.old, link.new])
        step.setdefault(link.old, link)
    out: dict[str, tuple[str, tuple[Link, ...]]] = {}
    for old in step:
        path: list[Link] = []
        seen = [old]
        part = old
        while part in step:
            link = step[part]
            path.append(link)
            part = link.new
            if part in seen or len(path) > MAX_DEPTH:
                raise SupersessionCycle([*seen, part])
            seen.append(part)
        out[old] = (part, tuple(path))
    return out


def without_circles(links: Sequence[Link]) -> tuple[list[Link], list[SupersessionCycle]]:
    """``links`` less those of the parts on a circle (a data error), and the circles found: what is left
    can be followed by ``successor_heads``."""
    kept: list[Link] = list(links)
    circles: list[SupersessionCycle] = []
    while True:
        try:
            successor_heads(kept)
            return kept, circles
        except SupersessionCycle as cycle:
            circles.append(cycle)
            kept = [link for link in kept if link.old not in cycle.parts]


def fold_series(frame: Any, links: Sequence[Link]) -> tuple[Any, dict[str, str]]:
    """A long frame ``unique_id, ds, y`` with each series replaced by a link in force by the end of the
    first period after the history moved onto its last successor, for forecasting the family as one
    (monthly data: effective before the first day of the second month after the history's last, as the
    application reads supersessions).

    The replaced series' demand is added to its successor's period by period (a successor not in the
    frame is made from it); the family's series covers the frame's periods from its first to its last,
    with 0 where neither had a row. A link is in force when its ``effective`` is None or before the end of
    that first period (monthly: see above; otherwise the history's last period + 2 steps, the step being
    the frame's most common gap between periods). A frame whose periods cannot be read as dates is returned as it is (the forecast
    names what is wrong with it: check the frame before folding it, so its errors name the file's rows).

    Returns:
        The frame (``ds`` as dates where anything moved) and ``{replaced: successor}`` for the series moved.

    Raises:
        SupersessionCycle: links that go round in a circle.
    """
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    from partspool.core.dates import parse_dates

    if not links or frame.empty:
        return frame, {}
    ds = parse_dates(frame["ds"])  # as the forecast reads them (NaT where not a date)
    y = pd.to_numeric(frame["y"], errors="coerce")
    if ds.isna().any() or y.isna().any():
        return frame, {}
    periods = pd.DatetimeIndex(sorted(ds.unique()))
    gaps = pd.Series(periods[1:] - periods[:-1])
    if gaps.empty:
        return frame, {}
    step = gaps.mode().iloc[0]
    if pd.Timedelta(days=28) <= step <= pd.Timedelta(days=31):  # months: in force before the second month ahead
        horizon_end = periods[-1].to_period("M").to_timestamp() + pd.DateOffset(months=2)
    else:
        horizon_end = periods[-1] + 2 * step
    in_force = [link for link in links if link.effective is None or pd.Timestamp(link.effective) < horizon_end]
    heads = successor_heads(in_force)
    ids = frame["unique_id"].astype(str)
    present = set(ids)
    moved = {old: head for old, (head, _path) in heads.items() if old in present}
    if not moved:
        return frame, {}
    out = pd.DataFrame({"unique_id": ids.map(lambda u: moved.get(u, u)), "ds": ds, "y": y.astype(float)})
    out = out.groupby(["unique_id", "ds"], as_index=False, sort=True)["y"].sum()
    families = set(moved.values())
    filled = []
    for head, rows in out[out["unique_id"].isin(families)].groupby("unique_id", sort=True):
        calendar = periods[(periods >= rows["ds"].min()) & (periods <= rows["ds"].max())]
        filled.append(rows.set_index("ds").reindex(calendar).rename_axis("ds").reset_index()
                      .assign(unique_id=head, y=lambda f: f["y"].fillna(0.0)))
    out = pd.concat([out[~out["unique_id"].isin(families)], *filled], ignore_index=True)
    return out[["unique_id", "ds", "y"]].sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True), moved
