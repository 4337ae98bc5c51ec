"""The SOP clocks of an emergency case (紧急缺货应对手册), with overdue warnings.

From the moment a case is opened: assess it within 5 minutes (第1步 快速评估); start sourcing
within 10 minutes (第2步 启动调货流程 — counted from the opening, like the first step, not from the
assessment); find a source and get the part within the level's limits (see
:class:`partspool.core.triage.LevelGrant`); and keep the customer informed — every hour at level 1
(the source's VIP script: "我每1小时给您电话更新"), every 2 hours otherwise (第3步: "向客户更新进度
(每2小时一次)") — until the part arrives.

Times are elapsed time: deadlines are computed in UTC, so a daylight-saving change cannot stretch
or shorten a limit, and given back in the zone of ``opened_at``. A step done exactly at its due time
is on time; a clock is overdue only once ``now`` is past its due time.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from partspool.core.triage import Level, LevelGrant


class ClockCode(StrEnum):
    ASSESS = "assess"
    START_SOURCING = "start_sourcing"
    SOURCE_FOUND = "source_found"
    ARRIVAL = "arrival"
    CUSTOMER_UPDATE = "customer_update"


class ClockState(StrEnum):
    DONE = "done"  # done at or before its due time
    DONE_LATE = "done_late"  # done after its due time
    RUNNING = "running"  # not done, not yet due (or due this very moment)
    OVERDUE = "overdue"  # not done and past its due time
    NOT_APPLICABLE = "not_applicable"  # no such deadline at this level


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True)
class ClockRules:
    """SOP timers (settings; the SPEC's defaults).

    ``update_every_hours_level3`` is the customer-update interval at level 3; None means the same as
    ``update_every_hours_other``, as in the SPEC. (The source's script for a customer who must wait
    for a part promises a daily update, "我会每天给您更新进度"; set 24 here to follow it.)
    """

    assess_minutes: float = 5
    start_sourcing_minutes: float = 10
    update_every_hours_level1: float = 1
    update_every_hours_other: float = 2
    update_every_hours_level3: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and not value > 0:
                raise ValueError(f"{f.name} must be above 0, got {value}")

    def update_interval(self, level: Level) -> timedelta:
        """The interval between customer updates at ``level``."""
        if level == Level.ONE:
            hours = self.update_every_hours_level1
        elif level == Level.THREE and self.update_every_hours_level3 is not None:
            hours = self.update_every_hours_level3
        else:
            hours = self.update_every_hours_other
        return timedelta(hours=hours)


@dataclass(frozen=True)
class CaseEvents:
    """When each step of a case happened, if it did (aware datetimes)."""

    assessed_at: datetime | None = None
    sourcing_started_at: datetime | None = None
    source_found_at: datetime | None = None
    arrived_at: datetime | None = None
    last_customer_update_at: datetime | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            _require_aware(f.name, getattr(self, f.name))


@dataclass(frozen=True)
class Clock:
    """One SOP clock.

    ``due_at`` is None when not applicable. ``done_at`` is when the step was done (for the customer
    update: the latest update while running or overdue, the arrival once the part is there).
    ``minutes_left`` is the time until ``due_at`` while running (0 at the due moment) or overdue
    (negative), and None once done or not applicable.
    """

    code: ClockCode
    due_at: datetime | None
    done_at: datetime | None
    state: ClockState
    minutes_left: float | None


def _after(start: datetime, delta: timedelta) -> datetime:
    return (start.astimezone(UTC) + delta).astimezone(start.tzinfo)


def _clock(code: ClockCode, due: datetime | None, done: datetime | None, now: datetime) -> Clock:
    if due is None:
        return Clock(code, None, done, ClockState.NOT_APPLICABLE, None)
    # Compare and subtract in UTC: Python compares and subtracts two datetimes that share a tzinfo
    # by their wall clocks, which is wrong across a daylight-saving change.
    if done is not None:
        on_time = done.astimezone(UTC) <= due.astimezone(UTC)
        return Clock(code, due, done, ClockState.DONE if on_time else ClockState.DONE_LATE, None)
    left = (due.astimezone(UTC) - now.astimezone(UTC)).total_seconds() / 60
    return Clock(code, due, None, ClockState.RUNNING if left >= 0 else ClockState.OVERDUE, left)


def _update_clock(
    opened_at: datetime, now: datetime, level: Level, events: CaseEvents, rules: ClockRules
) -> Clock:
    interval = rules.update_interval(level)
    last = events.last_customer_update_at
    due = _after(last if last is not None else opened_at, interval)
    if events.arrived_at is None:
        return replace(_clock(ClockCode.CUSTOMER_UPDATE, due, None, now), done_at=last)
    # The arrival ends the updates (the customer is told the part is there); it was late when the
    # customer had gone without an update past its due time before the part arrived.
    return _clock(ClockCode.CUSTOMER_UPDATE, due, events.arrived_at, now)


def clocks(
    opened_at: datetime,
    now: datetime,
    level: Level,
    grant: LevelGrant,
    events: CaseEvents,
    rules: ClockRules | None = None,
) -> list[Clock]:
    """The state of every SOP clock of a case at ``now``.

    Args:
        opened_at: when the case was opened (aware).
        now: the moment of the question (aware).
        level: the case's response level (sets the customer-update interval).
        grant: what the level grants (the source-finding and arrival limits in hours).
        events: what has happened so far.
        rules: SOP timers; the SPEC's defaults when None.

    Returns:
        The clocks assess, start_sourcing, source_found, arrival and customer_update, in that order.
        source_found is not applicable when the grant sets no search deadline (level 3). The next
        customer update is due an interval after the last one (or after the opening), again and
        again until the part arrives.

    Raises:
        ValueError: when a datetime is naive.
    """
    _require_aware("opened_at", opened_at)
    _require_aware("now", now)
    rules = rules or ClockRules()
    find_due = (
        None if grant.find_source_hours is None else _after(opened_at, timedelta(hours=grant.find_source_hours))
    )
    return [
        _clock(ClockCode.ASSESS, _after(opened_at, timedelta(minutes=rules.assess_minutes)),
               events.assessed_at, now),
        _clock(ClockCode.START_SOURCING, _after(opened_at, timedelta(minutes=rules.start_sourcing_minutes)),
               events.sourcing_started_at, now),
        _clock(ClockCode.SOURCE_FOUND, find_due, events.source_found_at, now),
        _clock(ClockCode.ARRIVAL, _after(opened_at, timedelta(hours=grant.arrive_hours)), events.arrived_at, now),
        _update_clock(opened_at, now, level, events, rules),
    ]
