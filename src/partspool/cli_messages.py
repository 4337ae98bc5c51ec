"""The CSV commands' messages in the user's language (``zh-hans`` or ``en``), through Django's gettext.

The core never imports Django, so its errors carry a stable ``code``, the English ``detail`` and the
figures behind it (``params``); here each code becomes a gettext template with named placeholders,
filled with those figures. A code without a template, or figures that do not fit it, fall back to
the English ``detail``. The commands need no database: Django is set up only as far as translation
needs (settings and the app registry), unless a caller (the web app, the tests) has set it up already.
"""

from __future__ import annotations

import argparse
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LANGUAGES = ("zh-hans", "en")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def _(message: str) -> str:
    """Django's ``gettext``, imported when first needed (parsing the command line needs no Django)."""
    from django.utils.translation import gettext

    return gettext(message)


def pgettext(context: str, message: str) -> str:
    """Django's ``pgettext`` (a short word whose translation depends on where it stands)."""
    from django.utils.translation import pgettext as translate

    return translate(context, message)


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """``zh-hans`` when the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set starts with ``zh``,
    else ``en`` (so scripts and CI in an English or C locale read English)."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return "en"


def add_language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGUAGES,
                        help="language of the messages (default: from LC_ALL / LC_MESSAGES / LANG; "
                             "Chinese for zh*, else English)")


def _translation_ready() -> None:
    """Configure just what gettext needs, without the project's settings (no database is touched)."""
    from django.apps import apps
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=True, LANGUAGE_CODE="en", LANGUAGES=[("zh-hans", "简体中文"), ("en", "English")],
                           LOCALE_PATHS=[LOCALE_DIR], INSTALLED_APPS=[])
    if not apps.ready:
        import django

        django.setup(set_prefix=False)


@contextmanager
def speaking(language: str | None) -> Iterator[str]:
    """Run the block with messages in ``language`` (``None``: from the environment)."""
    from django.utils import translation

    _translation_ready()
    chosen = language or language_from_environment()
    with translation.override(chosen):
        yield chosen


def error_line(message: str) -> str:
    return _("error: %(message)s") % {"message": message}


def listing(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)


def frequency_name(name: str) -> str:
    """``monthly`` … in the current language (forecasting core's ``Frequency.name``)."""
    names = {"daily": _("daily"), "weekly": _("weekly"), "monthly": _("monthly"), "quarterly": _("quarterly"),
             "yearly": _("yearly")}
    return names.get(name, name)


def period_name(name: str) -> str:
    """One period of a frequency (``monthly`` or ``month`` → month) in the current language."""
    names = {"day": pgettext("period", "day"), "week": pgettext("period", "week"),
             "month": pgettext("period", "month"), "quarter": pgettext("period", "quarter"),
             "year": pgettext("period", "year")}
    unit = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year"}
    return names.get(unit.get(name, name), name)


def _weekday(number: int, plural: bool = False) -> str:
    if plural:
        return (_("Mondays"), _("Tuesdays"), _("Wednesdays"), _("Thursdays"), _("Fridays"), _("Saturdays"),
                _("Sundays"))[number]
    return (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"),
            _("Sunday"))[number]


# --- the forecasting core's ForecastInputError -------------------------------------------------------


def _too_short(p: dict[str, Any]) -> str:
    purpose = p.get("purpose")
    if purpose == "frequency":
        return _("every series has a single period: the frequency cannot be inferred (at least %(needed)s "
                 "periods are needed)") % p
    if purpose == "auto":
        text = _("series %(series)s has %(periods)s periods; auto with horizon %(horizon)s (%(min_train)s to fit "
                 "and %(horizon)s to test) needs at least %(needed)s") % p
    elif purpose == "backtest":
        text = _("series %(series)s has %(periods)s periods; a back-test with horizon %(horizon)s (%(horizon)s "
                 "held out, then %(min_train)s to fit and %(horizon)s to test for auto) needs at least "
                 "%(needed)s") % p
    elif purpose == "method":
        text = _("series %(series)s has %(periods)s periods; %(method)s on %(frequency)s data needs at least "
                 "%(needed)s") % {**p, "frequency": frequency_name(p["frequency"])}
    else:
        raise KeyError(purpose)
    if p.get("more"):
        text = _("%(message)s (and %(more)s more series)") % {"message": text, "more": p["more"]}
    return text


def _unknown_frequency(p: dict[str, Any]) -> str:
    found = dict(p)  # ``series`` is quoted already
    readings = p.get("readings") or []
    if not readings:
        return _("cannot infer the frequency: the most common step between two dates of a series is %(step)s "
                 "days (e.g. series %(series)s: %(before)s then %(after)s); expected 1, 7, 28–31, 90–92 or "
                 "365–366 days (daily, weekly, monthly, quarterly or yearly data)") % found
    gaps = _(" or ").join(
        _("if the data is %(frequency)s, series %(series)s has a gap: %(missing)s %(frequency)s period(s) "
          "missing after %(before)s") % {**found, "frequency": frequency_name(r["frequency"]),
                                          "missing": r["count"] - 1}
        for r in readings)
    every = _(" or ").join(
        (_("%(count)s weeks") if r["unit"] == "week" else _("%(count)s months")) % r for r in readings)
    return _("cannot infer the frequency: the most common step between two dates of a series is %(step)s days "
             "(e.g. series %(series)s: %(before)s then %(after)s). %(gaps)s (give missing periods as rows with "
             "y = 0); if the data really comes every %(every)s, that spacing is not supported (use daily, "
             "weekly, monthly, quarterly or yearly periods)") % {**found, "gaps": gaps[:1].upper() + gaps[1:],
                                                                 "every": every}


def _duplicate_period(p: dict[str, Any]) -> str:
    if "first_date" in p:
        return _("series %(series)s has two rows in the same %(period)s period (%(first_date)s and %(date)s, "
                 "rows %(first_row)s and %(row)s)") % {**p, "period": period_name(p["frequency"])}
    return _("series %(series)s has two rows for %(date)s (rows %(first_row)s and %(row)s)") % p


def _mixed_weekdays(p: dict[str, Any]) -> str:
    figures = {**p, "weekday": _weekday(p["weekday"]), "common": _weekday(p["common"], plural=True),
               "other_series": repr(p["other_series"])}
    text = _("weekly data must fall on one weekday: row %(row)s (%(date)s, series %(series)s) is a %(weekday)s, "
             "but most dates are %(common)s (e.g. row %(other_row)s, %(other_date)s, series "
             "%(other_series)s)") % figures
    if p["series_off"] > 1:
        text = _("%(message)s; %(count)s series are off that weekday") % {
            "message": text, "count": p["series_off"]}
    return text


FORECAST_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing_columns": lambda p: _("missing column(s): %(missing)s (expected %(expected)s; found %(found)s)") % {
        "missing": listing(p["missing"]), "expected": listing(p["expected"]), "found": listing(p["found"])},
    "empty": lambda p: _("the input has no rows"),
    "missing_unique_id": lambda p: _("unique_id is empty in row %(row)s") % p,
    "bad_ds": lambda p: _("ds %(value)s in row %(row)s is not a date") % {**p, "value": repr(p["value"])},
    "bad_y": lambda p: _("y %(value)s in row %(row)s (series %(series)s) is not a number") % {
        **p, "value": repr(p["value"])},
    "negative_y": lambda p: _("y is negative (%(y)s) in row %(row)s (series %(series)s); demand cannot be "
                              "below zero") % {**p, "y": f"{p['y']:g}"},
    "huge_y": lambda p: _("y is %(y)s in row %(row)s (series %(series)s): above %(limit)s units in one period, "
                          "which is a typing or unit error") % {
        **p, "y": f"{p['y']:g}", "limit": f"{p['limit']:,.0f}"},
    "too_short": _too_short,
    "unknown_frequency": _unknown_frequency,
    "duplicate_period": _duplicate_period,
    "gap": lambda p: _("series %(series)s has a gap: %(missing)s %(frequency)s period(s) missing after "
                       "%(after)s (first missing: %(first_missing)s); give missing periods as rows with y = 0 "
                       "if there was no demand") % {**p, "frequency": frequency_name(p["frequency"])},
    "mixed_weekdays": _mixed_weekdays,
    "unknown_method": lambda p: _("unknown method %(method)s; valid methods: %(valid)s") % {
        "method": repr(p["method"]), "valid": listing(p["valid"])},
    "unknown_engine": lambda p: _("unknown engine %(engine)s; valid: %(valid)s") % {
        "engine": repr(p["engine"]), "valid": listing(p["valid"])},
    "bad_horizon": lambda p: _("horizon must be a whole number from 1 to %(most)s, got %(horizon)s") % {
        **p, "horizon": repr(p["horizon"])},
    "no_season": lambda p: _("%(method)s repeats the demand of one season ago, but %(frequency)s data has no "
                             "season; choose auto or a method without a season (e.g. TSB, SESOpt, "
                             "HistoricAverage)") % {**p, "frequency": frequency_name(p["frequency"])},
    "bad_lead_time": lambda p: _("lead_time must be > 0, got %(lead_time)s") % {
        "lead_time": repr(p["lead_time"])},
}


def _render(table: Mapping[str, Callable[[dict[str, Any]], str]], code: str, params: dict[str, Any],
            detail: str) -> str:
    render = table.get(code)
    if render is None:
        return detail
    try:
        return render(params)
    except (KeyError, IndexError, TypeError, ValueError):  # figures that do not fit: the English detail
        return detail


def forecast_message(error: Any) -> str:
    """A ``ForecastInputError`` in the current language (ids quoted as in ``detail``)."""
    params = dict(error.params)
    if "series" in params:
        params["series"] = repr(params["series"])
    return _render(FORECAST_MESSAGES, error.code, params, error.detail)


def where_message(message: str, path: str, line: int | None, row: int | None) -> str:
    """``message`` with the file line (or, failing that, the data row) it is about."""
    if line is not None:
        return _("%(message)s (line %(line)s of %(path)s)") % {"message": message, "line": line, "path": path}
    if row is not None:
        return _("%(message)s (data row %(row)s of %(path)s)") % {"message": message, "row": row, "path": path}
    return message


# --- the policy core's DemandFrameError --------------------------------------------------------------


def _listed(p: dict[str, Any], item: Callable[[Any], str] = str) -> str:
    head = listing(item(v) for v in p["listed"])
    return _("%(listed)s and %(more)s more") % {"listed": head, "more": p["more"]} if p.get("more") else head


FRAME_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing_columns": lambda p: _("missing column(s): %(missing)s (expected %(expected)s)") % {
        "missing": listing(p["missing"]), "expected": listing(p["expected"])},
    "empty": lambda p: _("the frame has no rows"),
    "missing_unique_id": lambda p: _("unique_id is empty on %(rows)s row(s)") % p,
    "bad_ds": lambda p: _("ds is not a date: %(listed)s") % {"listed": _listed(p, repr)},
    "bad_y": lambda p: _("y is not a number: %(listed)s") % {"listed": _listed(p, repr)},
    "huge_y": lambda p: _("y is above %(limit)s units in a period for %(listed)s") % {
        "limit": f"{p['limit']:,}", "listed": _listed(p)},
    "negative_y": lambda p: _("y is negative for %(listed)s") % {"listed": _listed(p)},
    "fractional_y": lambda p: _("y must be whole units: %(listed)s") % {"listed": _listed(p)},
    "duplicate_period": lambda p: _("duplicate periods: %(listed)s") % {
        "listed": _listed(p, lambda d: f"{d['series']} {d['date']}")},
    "gap": lambda p: _("gap or irregular dates in %(count)s series: %(listed)s") % {
        "count": p["count"], "listed": _listed(p, lambda g: _(
            "%(series)s: %(date)s is followed by %(next)s (expected the next %(period)s)") % {
            **g, "period": period_name(p["frequency"])})},
    "single_period": lambda p: _("cannot tell the period length: every series has a single row (give the "
                                 "frequency)"),
    "unknown_frequency": lambda p: _("cannot tell the period length: the closest dates are %(days)s days apart "
                                     "(expected monthly, weekly or daily periods)") % p,
    "too_short": lambda p: _("%(count)s series too short for a holdout of %(holdout)s with %(min_history)s periods "
                             "of history before it (periods held): %(listed)s") % {
        "count": p["count"], "holdout": p["holdout"], "min_history": p["min_history"], "listed": _listed(p)},
    "supersession_periods": lambda p: _("%(old)s and its successor %(new)s do not end on the same period: a "
                                        "supersession links series of one calendar") % p,
    "pair_ids": lambda p: _("%(count)s unique_id(s) are not NODE%(separator)sPART: %(listed)s") % {
        "count": p["count"], "separator": p["separator"], "listed": _listed(p)},
    "pair_periods": lambda p: _("the series end on different periods (%(first)s to %(last)s): the first-demand "
                                "estimate reads one network's calendar") % p,
}


def frame_message(error: Any) -> str:
    """A ``DemandFrameError`` in the current language: its first few problems, and how many more."""
    from partspool.core.policy.frames import MAX_LISTED as most

    texts = [_render(FRAME_MESSAGES, p.code, dict(p.params), p.detail) for p in error.found]
    text = "; ".join(texts[:most])
    if len(texts) > most:
        text = _("%(problems)s (and %(more)s more)") % {"problems": text, "more": len(texts) - most}
    return text


# --- tables ------------------------------------------------------------------------------------------


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """``text`` padded to ``columns`` terminal columns (``right``: aligned right)."""
    fill = " " * max(columns - width(text), 0)
    return fill + text if right else text + fill


# --- what forecast and backtest report besides the forecasts ------------------------------------------


def decay_description(decay: Any) -> str:
    """``DecayChoice.describe()`` in the current language."""
    from partspool.core.forecasting.selection import DECAY_LEVEL

    figures = {"decay": f"{decay.decay:g}", "setting": f"{decay.setting:g}", "best": f"{decay.best:g}",
               "z": f"{decay.z:.1f}", "level": f"{DECAY_LEVEL:.0%}", "alternatives": len(decay.scores) - 1,
               "series": decay.series, "effective": f"{decay.effective:.0f}",
               "scores": ", ".join(f"{d:g}: {v:.4f}" for d, v in decay.scores)}
    if decay.switched:
        why = _("chosen over the setting's %(setting)s (z = %(z)s, beyond chance at %(level)s over "
                "%(alternatives)s alternatives)") % figures
    elif decay.best != decay.setting:
        why = _("the setting's: %(best)s scored lower, but not beyond chance (z = %(z)s)") % figures
    else:
        why = _("the setting's, which scored best")
    return _("back-test origins weighted × %(decay)s per step back, %(why)s; volume-weighted RMSSE of each "
             "weighting at the latest origin on %(series)s series (worth %(effective)s equal ones): "
             "%(scores)s") % {**figures, "why": why}


def growth_description(growth: Any) -> str:
    """``GrowthPrior.describe()`` in the current language."""
    per = _("a year") if growth.yearly else _("per %(periods)s periods") % {"periods": growth.per_season}
    text = _("each series' trend growth read against the panel's %(percent)s %(per)s (the series' true growths "
             "spread ±%(sd)s in log growth around it, measured on %(series)s series): the fewer a series' own "
             "demands, the closer its growth to the panel's") % {
        "percent": f"{growth.percent:+.1f}%", "per": per, "sd": f"{growth.sd:.2f}", "series": growth.series}
    if growth.profiles:
        text = _("%(message)s; each season read against %(profiles)s seasonal profile(s) found in the panel "
                 "beside a flat one") % {"message": text, "profiles": growth.profiles}
    return text
