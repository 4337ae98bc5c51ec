"""The demand history the planning tests forecast, review and classify."""

from __future__ import annotations

import numpy as np
import pytest

from partspool.network.models import DemandRecord
from partspool.planning.selectors import last_complete_month, month_add


@pytest.fixture
def history(stocked):
    """36 months of demand at 杭州 and 上海: brake pads steady, wipers intermittent and seasonal."""
    rng = np.random.default_rng(3)
    end = last_complete_month()
    rows = []
    for k in range(36):
        month = month_add(end, -35 + k)
        for code, scale in (("SC-HZ01", 1.0), ("SC-SH01", 2.0)):
            node = stocked.nodes[code]
            rows.append((node, stocked.parts["F01"], int(rng.poisson(4 * scale))))
            rows.append((node, stocked.parts["WIP"], int(rng.poisson(1.5 * scale if month.month in (6, 7, 8) else 0.3))))
            rows.append((node, stocked.parts["F02"], int(rng.poisson(0.5))))
        DemandRecord.objects.bulk_create([DemandRecord(node=n, part=p, month=month, quantity=q)
                                          for n, p, q in rows if q > 0])
        rows = []
    return stocked
