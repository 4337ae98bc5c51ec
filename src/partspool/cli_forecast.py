"""``partspool forecast`` and ``partspool backtest``: forecasting on CSV files, no database needed."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from partspool.cli_csv import CsvReadError, RecordLines, check_writable, read_text_csv, write_all
from partspool.cli_messages import (
    _,
    add_language_option,
    decay_description,
    error_line,
    forecast_message,
    frequency_name,
    growth_description,
    pad,
    pgettext,
    speaking,
    where_message,
    width,
)

FORECAST_HELP = "forecast demand from a CSV of unique_id,ds,y (no database needed)"
BACKTEST_HELP = "score each forecasting method and auto on the last H periods of a CSV (no database needed)"


def register(sub: Any) -> None:
    """Add the forecasting commands to the ``partspool`` parser (set ``needs_database=False``)."""
    from partspool.core.forecasting.engines import ENGINES

    p = sub.add_parser("forecast", help=FORECAST_HELP, description=FORECAST_HELP)
    p.add_argument("--input", required=True, help="CSV with columns unique_id,ds,y (monthly or weekly ds)")
    p.add_argument("--horizon", required=True, type=int, help="periods to forecast")
    p.add_argument("--output", required=True, help="CSV to write: unique_id,ds,forecast,method,lo,hi")
    p.add_argument("--method", default="auto",
                   help="auto (choose per series by back-test; default) or one method, e.g. TSB")
    p.add_argument("--engine", default="local", choices=ENGINES, help="local processes (default) or dask")
    p.add_argument("--choices", help="also write, per series, the choice and its explanation to this CSV")
    p.add_argument("--supersessions", metavar="LINKS.csv",
                   help="CSV old,new[,effective]: series replaced by others (in force by the end of the first period "
                        "forecast) are forecast with their last successor, their history counted as its; a replaced "
                        "series gets forecasts of 0, method Replaced[successor]")
    add_language_option(p)
    p.set_defaults(func=cmd_forecast, needs_database=False)

    p = sub.add_parser("backtest", help=BACKTEST_HELP, description=BACKTEST_HELP)
    p.add_argument("--input", required=True, help="CSV with columns unique_id,ds,y")
    p.add_argument("--horizon", required=True, type=int, help="periods held out at the end of each series")
    p.add_argument("--methods", help="comma-separated methods to score beside auto (default: all)")
    p.add_argument("--engine", default="local", choices=ENGINES)
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    add_language_option(p)
    p.set_defaults(func=cmd_backtest, needs_database=False)


def _error(message: str, code: int = 1) -> int:
    print(error_line(message), file=sys.stderr)
    return code


def _input_error(error: Any, path: str, lines: RecordLines) -> int:
    line = lines.line(error.row) if error.row is not None else None
    return _error(where_message(forecast_message(error), path, line, error.row))


def _no_file(path: str) -> int:
    return _error(_("no such file: %(path)s") % {"path": path}, 2)


def cmd_forecast(args: argparse.Namespace) -> int:
    """Forecast a CSV's series and write the forecasts (and the choices), messages in ``--lang``."""
    with speaking(getattr(args, "lang", None)):
        return _forecast(args)


def _forecast(args: argparse.Namespace) -> int:
    from pathlib import Path

    from partspool.cli_policy import read_links
    from partspool.core.forecasting import ForecastInputError, forecast
    from partspool.core.forecasting.panel import read_panel
    from partspool.core.policy.supersession import SupersessionCycle, fold_series

    try:
        check_writable(args.output, args.choices)
        frame, lines = read_text_csv(args.input)
        links = read_links(Path(args.supersessions)) if args.supersessions else []
    except FileNotFoundError:
        return _no_file(args.input)
    except CsvReadError as error:
        return _error(str(error))
    replaced: dict[str, str] = {}
    try:
        if links:
            read_panel(frame)  # the file's own errors, named by its rows, before any series is moved
            try:
                frame, replaced = fold_series(frame, links)
            except SupersessionCycle as cycle:
                return _error(_("%(file)s: the supersessions go round in a circle: %(parts)s") % {
                    "file": args.supersessions, "parts": " -> ".join(cycle.parts)})
        result = forecast(frame, args.horizon, method=args.method, engine=args.engine)
    except ForecastInputError as error:
        return _input_error(error, args.input, lines)
    out = result.forecasts.copy()
    if replaced:  # a replaced series: nothing of its own ahead, its demand is its successor's
        import pandas as pd

        ahead = [out[out["unique_id"] == head].assign(unique_id=old, forecast=0.0, lo=0.0, hi=0.0,
                                                      method=f"Replaced[{head}]")
                 for old, head in sorted(replaced.items())]
        out = pd.concat([out, *ahead], ignore_index=True).sort_values(["unique_id", "ds"], kind="stable")
    out["ds"] = out["ds"].dt.strftime("%Y-%m-%d")
    writers: list[tuple[str, Any]] = [(args.output, lambda p: out.to_csv(p, index=False, float_format="%.6f"))]
    if args.choices:
        from partspool.planning.explain import method_reason

        # ``why``: the choice in the command's language, as the application words it; ``explanation`` keeps
        # the core's full account (in English: every origin weighting and score)
        asked = "auto" if args.method == "auto" else args.method
        choices = result.choices.assign(why=[method_reason(row, asked) for row in
                                             result.choices.to_dict(orient="records")])
        writers.append((args.choices, lambda p: choices.to_csv(p, index=False, float_format="%.6f")))
    try:
        write_all(writers)  # both files or neither
    except CsvReadError as error:  # two outputs naming one file (``check_writable`` refuses it before any work)
        return _error(str(error))
    except OSError as error:
        return _error(_("cannot write the output: %(reason)s") % {"reason": error})
    # a combination is counted by its kind (Weighted[…], Mean[…], Median[…]), not by its members
    methods = result.choices["method"].map(lambda m: m.split("[", 1)[0] + "[…]" if "[" in m else m)
    counts = ", ".join(f"{name} {count}" for name, count in methods.value_counts().items())
    print(_("wrote %(path)s: %(series)s series × %(horizon)s %(frequency)s period(s) in %(seconds)s s "
            "(%(counts)s)") % {"path": args.output, "series": len(result.choices), "horizon": result.horizon,
                               "frequency": frequency_name(result.frequency.name),
                               "seconds": f"{result.seconds:.1f}", "counts": counts})
    if replaced:
        print(_("supersessions: %(count)s series forecast with their successor (%(links)s)") % {
            "count": len(replaced), "links": ", ".join(f"{a} -> {b}" for a, b in sorted(replaced.items())[:10])
            + (" …" if len(replaced) > 10 else "")})
    if result.decay is not None:
        print(_("back-test: %(description)s") % {"description": decay_description(result.decay)})
    if result.growth is not None:
        print(_("growth: %(description)s") % {"description": growth_description(result.growth)})
    if result.obsolescence is not None and result.chances is not None:
        likely = int((result.choices["alive"] < 0.5).sum())
        print(_("obsolescence: %(rate)s of series stop for good per period (fitted on %(fitted)s series); "
                "%(likely)s series more likely stopped than not, forecast down") % {
            "rate": f"{result.chances.stop_rate:.2%}", "fitted": result.obsolescence.series, "likely": likely})
    return 0


def _cell(value: float, digits: int = 3, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.1%}" if percent else f"{value:.{digits}f}"


def cmd_backtest(args: argparse.Namespace) -> int:
    """Score the methods on a CSV's last periods and print the table (or JSON), messages in ``--lang``."""
    with speaking(getattr(args, "lang", None)):
        return _backtest(args)


def _backtest(args: argparse.Namespace) -> int:
    from partspool.core.forecasting import ForecastInputError, backtest

    try:
        frame, lines = read_text_csv(args.input)
    except FileNotFoundError:
        return _no_file(args.input)
    except CsvReadError as error:
        return _error(str(error))
    methods = tuple(m for m in args.methods.split(",") if m.strip()) if args.methods else None
    try:
        result = backtest(frame, args.horizon, methods=methods, engine=args.engine)
    except ForecastInputError as error:
        return _input_error(error, args.input, lines)
    rows = result.summary.to_dict(orient="records")
    if args.json:
        clean = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()} for r in rows]
        print(json.dumps({"horizon": result.horizon, "frequency": result.frequency.name,
                          "series": len(result.auto_methods), "seconds": round(result.seconds, 3),
                          "methods": clean,
                          "origin_decay": None if result.decay is None else result.decay.decay,
                          "panel_growth": None if result.growth is None else {
                              "percent_per_season": round(result.growth.percent, 2),
                              "spread": round(result.growth.sd, 4), "series": result.growth.series,
                              "season_profiles": result.growth.profiles}},
                         indent=2))
        return 0
    print(_("back-test: %(series)s series, last %(horizon)s %(frequency)s period(s) held out, %(seconds)s s") % {
        "series": len(result.auto_methods), "horizon": result.horizon,
        "frequency": frequency_name(result.frequency.name), "seconds": f"{result.seconds:.1f}"})
    titles = ((pgettext("back-test column", "method"), 22), (pgettext("back-test column", "series"), 7),
              ("MAE", 8), ("RMSE", 8), ("RMSSE", 7), ("wRMSSE", 7), (pgettext("back-test column", "bias"), 8),
              (pgettext("back-test column", "accuracy"), 9), (pgettext("back-test column", "cover80"), 8),
              (pgettext("back-test column", "seconds"), 8))
    widths = [max(columns, width(title)) for title, columns in titles]  # a Chinese title takes two columns a character
    print(" ".join(pad(title, w, right=i > 0) for i, ((title, _c), w) in enumerate(zip(titles, widths, strict=True))))
    print("-" * (sum(widths) + len(widths) - 1))
    for r in rows:
        cells = [r["method"], str(r["series"]), _cell(r["mae"]), _cell(r["rmse"]), _cell(r["rmsse"]),
                 _cell(r["wrmsse"]), _cell(r["bias"]), _cell(r["accuracy"], percent=True),
                 _cell(r["coverage"], percent=True), _cell(r["seconds"], 2)]
        print(" ".join(pad(cell, w, right=i > 0) for i, (cell, w) in enumerate(zip(cells, widths, strict=True))))
    print(_("RMSSE: mean over series; wRMSSE: weighted by each series' demand in its last season; bias: mean of "
            "forecast − actual; accuracy: 1 − WAPE; cover80: actuals inside the 80%% interval; seconds: compute "
            "time summed over workers (auto includes its own back-test).") % {})
    if result.decay is not None:
        print(_("auto's %(description)s") % {"description": decay_description(result.decay)})
    if result.growth is not None:
        print(_("auto's growth: %(description)s") % {"description": growth_description(result.growth)})
    return 0


__all__ = ["register", "cmd_forecast", "cmd_backtest"]
