"""The one error the forecasting core raises for bad input, with a stable code and the culprit."""

from __future__ import annotations

from typing import Any


class ForecastInputError(ValueError):
    """Input the forecasting core cannot use.

    Attributes:
        code: a stable machine-readable code (``missing_columns``, ``negative_y``, ``gap`` ...).
        detail: the human-readable explanation in English (also the exception's message).
        unique_id: the offending series, where one is to blame.
        row: the offending data row (1 = the first data row of the input), where one is to blame.
        params: the figures behind ``detail`` (series, rows, dates, values, limits), unformatted, so
            that a caller can say the same thing in another language.
    """

    def __init__(self, code: str, detail: str, *, unique_id: str | None = None, row: int | None = None,
                 params: dict[str, Any] | None = None):
        self.code = code
        self.detail = detail
        self.unique_id = unique_id
        self.row = row
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(detail)

    def as_dict(self) -> dict[str, str | int | None]:
        """The error as plain data (for an API body or a JSON line)."""
        return {"code": self.code, "detail": self.detail, "unique_id": self.unique_id, "row": self.row}
