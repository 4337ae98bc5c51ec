"""``partspool forecast`` and ``partspool backtest``: forecasting on CSV files, no database needed."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add the forecasting commands to the ``partspool`` parser (set ``needs_database=False``)."""
    del sub  # the commands are added by the forecasting work (issue 5)


__all__ = ["register", "argparse"]
