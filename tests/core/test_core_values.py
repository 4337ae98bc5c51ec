"""Cell values (parse_quantity, parse_decimal, parse_date, parse_month, parse_local_datetime)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from partspool.core.imports import parse_shipment_status
from partspool.core.tabular import (
    ValueProblem,
    parse_date,
    parse_decimal,
    parse_flag,
    parse_local_datetime,
    parse_month,
    parse_quantity,
)


def local(*args: int) -> datetime:
    """A naive local date-time, as the parsers return (the node's zone is added later)."""
    return datetime(*args)  # noqa: DTZ001


def problem_code(parse, value) -> str:
    with pytest.raises(ValueProblem) as caught:
        parse(value)
    return caught.value.code


# --- quantities ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        (0, 0),
        (12.0, 12),  # Excel stores every number as a float
        ("12", 12),
        (" 12 ", 12),
        ("12.0", 12),
        ("1,200", 1200),  # thousands separator as Excel shows it
        ("1,200,000", 1_200_000),
        ("-0", 0),
    ],
)
def test_whole_quantities_are_accepted(value, expected):
    result = parse_quantity(value)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize("value", [-1, "-3", -2.0, "-1,200"])
def test_negative_quantity_is_rejected(value):
    assert problem_code(parse_quantity, value) == "negative"


@pytest.mark.parametrize("value", [2.5, "2.5", "0.1", 1e-9])
def test_fractional_quantity_is_rejected(value):
    assert problem_code(parse_quantity, value) == "fractional"


@pytest.mark.parametrize("value", ["abc", "", "  ", "12 pcs", "十二", "1.2.3", "NaN", "nan", "inf", "-Infinity"])
def test_text_that_is_not_a_number_is_rejected(value):
    assert problem_code(parse_quantity, value) == "not_a_number"


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_quantities(value):
    assert problem_code(parse_quantity, value) == "not_a_number"


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_float_nan_and_infinity_cells_are_rejected_as_not_a_number(value):
    assert problem_code(parse_quantity, value) == "not_a_number"


def test_float_minus_infinity_is_rejected():
    with pytest.raises(ValueProblem):
        parse_quantity(float("-inf"))


# --- decimals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.5", Decimal("12.5")), (12, Decimal(12)), (3.25, Decimal("3.25")), ("1,200.5", Decimal("1200.5")),
     ("0", Decimal(0))],
)
def test_decimals_are_accepted(value, expected):
    assert parse_decimal(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [("-1", "negative"), ("abc", "not_a_number"), ("NaN", "not_a_number"), (float("nan"), "not_a_number"),
     (float("inf"), "not_a_number"), ("", "not_a_number")],
)
def test_bad_decimals_are_rejected(value, code):
    assert problem_code(parse_decimal, value) == code


# --- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["2026-11-03", "2026/11/03", "2026/11/3", "2026.11.03", "2026年11月3日", "2026年11月03日", " 2026-11-03 ",
     "2026-11-03 14:30", "2026-11-03T14:30:00"],
)
def test_dates_in_the_spellings_centers_use(value):
    assert parse_date(value) == date(2026, 11, 3)


def test_spreadsheet_date_cells_are_dates():
    assert parse_date(local(2026, 11, 3, 14, 30)) == date(2026, 11, 3)
    assert parse_date(date(2026, 11, 3)) == date(2026, 11, 3)


@pytest.mark.parametrize(
    "value", ["2026-02-30", "2026-13-01", "2026-00-10", "03/11/2026", "yesterday", "", "2026-11", 45234]
)
def test_impossible_or_unparseable_dates_are_rejected(value):
    assert problem_code(parse_date, value) == "bad_date"


def test_leap_day_is_a_date_only_in_leap_years():
    assert parse_date("2028-02-29") == date(2028, 2, 29)
    assert problem_code(parse_date, "2026-02-29") == "bad_date"


# --- months --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["2026-11", "2026/11", "2026.11", "2026年11月", "2026年11", " 2026-11 ", "2026-11-03", "2026-11-30",
     "2026年11月3日"],
)
def test_month_spellings_give_the_first_day_of_the_month(value):
    assert parse_month(value) == date(2026, 11, 1)


def test_single_digit_month():
    assert parse_month("2026-3") == date(2026, 3, 1)
    assert parse_month("2026年3月") == date(2026, 3, 1)


def test_month_from_a_spreadsheet_date_cell():
    assert parse_month(local(2026, 11, 17, 8, 0)) == date(2026, 11, 1)
    assert parse_month(date(2026, 11, 17)) == date(2026, 11, 1)


@pytest.mark.parametrize("value", ["2026-13", "2026-00", "2026年13月", "11/2026", "Nov 2026", "2026", ""])
def test_bad_months_are_rejected(value):
    assert problem_code(parse_month, value) == "bad_date"


# --- local date-times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-03 14:30", local(2026, 11, 3, 14, 30)),
        ("2026-11-03 14:30:15", local(2026, 11, 3, 14, 30, 15)),
        ("2026/11/03 9:05", local(2026, 11, 3, 9, 5)),
        ("2026-11-03T14:30", local(2026, 11, 3, 14, 30)),
        ("2026-11-03", local(2026, 11, 3)),  # a date means midnight
        ("2026年11月3日", local(2026, 11, 3)),
    ],
)
def test_local_datetimes_are_naive(value, expected):
    result = parse_local_datetime(value)
    assert result == expected
    assert result.tzinfo is None


def test_local_datetime_from_spreadsheet_cells():
    assert parse_local_datetime(local(2026, 11, 3, 14, 30)) == local(2026, 11, 3, 14, 30)
    assert parse_local_datetime(date(2026, 11, 3)) == local(2026, 11, 3)
    aware = datetime(2026, 11, 3, 14, 30, tzinfo=UTC)
    assert parse_local_datetime(aware).tzinfo is None


@pytest.mark.parametrize(
    "value", ["2026-11-03 25:00", "2026-11-03 14:60", "2026-02-30 10:00", "2026-11-03 14", "soon", ""]
)
def test_impossible_or_unparseable_datetimes_are_rejected(value):
    assert problem_code(parse_local_datetime, value) == "bad_date"


# --- flags and statuses --------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("yes", True), ("是", True), ("X", True), ("1", True),
                                                 ("no", False), ("否", False), ("", False), ("0", False)])
def test_flags(value, expected):
    assert parse_flag(value) is expected


def test_unknown_flag_is_rejected():
    assert problem_code(parse_flag, "maybe") == "not_a_flag"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("在途", "in_transit"), ("已到货", "received"), ("已收货", "received"), ("已取消", "cancelled"),
     ("In_Transit", "in_transit"), ("shipped", "in_transit"), (" Delivered ", "received"),
     ("canceled", "cancelled")],
)
def test_shipment_status_in_chinese_or_english(value, expected):
    assert parse_shipment_status(value) == expected


def test_unknown_shipment_status_is_rejected():
    assert problem_code(parse_shipment_status, "丢失") == "bad_status"


@pytest.mark.parametrize("value", ["1e400", 10**12, "2000000000"])
def test_absurdly_large_quantities_are_refused(value):
    assert problem_code(parse_quantity, value) == "too_large"


def test_absurd_distance_is_refused():
    from partspool.core.tabular import parse_decimal

    assert problem_code(parse_decimal, "1e9") == "too_large"
