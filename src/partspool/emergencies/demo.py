"""Demo emergencies: budgets, unusual sources at 杭州, a few months of closed cases for the ledger and
the review, and open cases on the clock. Made through the services, then dated back."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from partspool.accounts.models import User
from partspool.emergencies import services
from partspool.emergencies.models import (
    BudgetDraw,
    CaseApproval,
    CaseEvent,
    EmergencyBudget,
    EmergencyCase,
    UnusualOffer,
)
from partspool.network.models import Node, Part

# (days ago opened, hours to delivery, center, customer, type, ltv, part, qty, usable, extra cost,
#  satisfaction, root cause, note, improvement)
CLOSED = [
    (58, 20, "SC-HZ01", "王先生", "vip", 260000, "BRK-PAD-F01", 1, False, 680, 9, "forecast_miss",
     "雨季刹车片需求高于预测", "前刹车片安全库存 2→4"),
    (52, 30, "SC-SH01", "上海申通物流", "enterprise", 520000, "BRK-DSC-F01", 4, False, 1200, 8, "safety_stock_low",
     "车队集中保养", "与企业客户约定保养计划并提前备件"),
    (45, 60, "SC-NJ01", "刘女士", "regular", 45000, "AC-CMP-E01", 1, True, 0, 7, "supplier_delay",
     "供应商延迟两周", "向供应链申请第二供应商"),
    (40, 8, "SC-HZ01", "@车评人老周", "influencer", 80000, "BAT-12V-01", 1, False, 950, 10, "quality_issue",
     "同批次电池早期失效", "批次预警已上报质量部门"),
    (33, 70, "SC-SZ01", "陈先生", "regular", 30000, "LGT-HL-L01", 1, True, 0, 6, "forecast_miss",
     "新车型大灯需求无历史", "加入下月预测复盘"),
    (26, 18, "SC-NB01", "宁波出租车公司", "enterprise", 380000, "BRK-PAD-R01", 6, False, 900, 8, "logistics",
     "台风导致快递停运", "台风季前增加区域库存"),
    (20, 12, "SC-HZ01", "赵女士", "vip", 150000, "BRK-CAL-F01", 1, False, 1500, 9, "data_error",
     "系统显示有货实际无货", "每周盘点关键安全件"),
    (12, 40, "SC-SH02", "孙先生", "new", 8000, "INT-ARM-01", 1, True, 0, 7, "other",
     "客户自行更换配置", "无"),
    (6, 22, "SC-WX01", "无锡公交集团", "enterprise", 600000, "BRK-PAD-F01", 3, False, 1100, 9, "forecast_miss",
     "夏季制动件消耗快", "季节系数上调"),
]


def delete_emergencies() -> None:
    for model in (BudgetDraw, CaseApproval, CaseEvent, EmergencyCase, UnusualOffer, EmergencyBudget):
        model.objects.all().delete()


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def load_demo_emergencies() -> int:
    """Budgets for the last two quarters, unusual sources at 杭州, closed and open cases; returns cases."""
    planner = User.objects.get(username="planner")
    coordinator = User.objects.get(username="east_coord")
    manager = User.objects.get(username="hz_manager")
    nodes = {n.code: n for n in Node.objects.filter(kind=Node.Kind.SERVICE_CENTER)}
    parts = {p.number: p for p in Part.objects.filter(number__in={row[6] for row in CLOSED} | {
        "BRK-PAD-F01", "WIP-BLD-F01", "AC-PTC-01", "BRK-PAD-F02"})}
    today = timezone.localdate()
    previous = _quarter_start(today) - timedelta(days=1)
    for code, node in nodes.items():
        amount = Decimal(50000 if code == "SC-HZ01" else 30000)
        for day in (today, previous):
            services.budget_set(user=planner, center=node, quarter=services.quarter_label(day), amount=amount)
    hz = nodes["SC-HZ01"]
    UnusualOffer.objects.bulk_create([
        UnusualOffer(kind="demo_car", center=hz, part=parts["BRK-PAD-F01"], available=1, hours=Decimal(2),
                     extra_cost=Decimal(300), description="展厅试驾车 Model S 前刹车片", contact="销售经理 陈涛"),
        UnusualOffer(kind="broker", center=hz, part=parts["BRK-PAD-F01"], available=4, hours=Decimal(5),
                     extra_cost=Decimal(600), description="杭州汽配城 认证配件商", contact="周经理 0571-8888xxxx"),
    ])
    now = timezone.now()
    made = 0
    for (ago, hours, code, customer, ctype, ltv, number, qty, usable, cost, score, cause, note,
         improvement) in CLOSED:
        if code not in nodes or number not in parts:
            continue
        case = services.case_open(user=coordinator if code != "SC-HZ01" else manager, center=nodes[code],
                                  customer_name=customer, customer_type=ctype, ltv=Decimal(ltv),
                                  part=parts[number], quantity=qty, deadline=now + timedelta(hours=hours + 24),
                                  vehicle_usable=usable)
        opened = now - timedelta(days=ago)
        EmergencyCase.objects.filter(pk=case.pk).update(opened_at=opened)
        case.refresh_from_db()
        if Decimal(cost) > services.grant_for(case).extra_cost_cap:
            services.case_approve(case_id=case.pk, user=planner, code="budget", note="客户价值高，同意超额")
        services.case_close(case_id=case.pk, user=coordinator, satisfaction=score, root_cause=cause,
                            root_cause_note=note, improvement=improvement, extra_cost=Decimal(cost))
        arrived = opened + timedelta(hours=hours)
        EmergencyCase.objects.filter(pk=case.pk).update(
            assessed_at=opened + timedelta(minutes=4), sourcing_started_at=opened + timedelta(minutes=9),
            source_found_at=opened + timedelta(minutes=50), arrived_at=arrived, closed_at=arrived + timedelta(hours=1),
            hours_to_delivery=Decimal(hours), source_summary="WH-EAST" if cost else "供应链订货")
        made += 1
    # Open now: a level-1 brake case at 杭州 waiting to be assessed (its first clock is overdue).
    urgent = services.case_open(user=manager, center=hz, customer_name="钱先生", customer_type="regular",
                                ltv=Decimal(60000), part=parts["BRK-PAD-F01"], quantity=2,
                                deadline=now + timedelta(hours=20), vehicle_usable=False)
    EmergencyCase.objects.filter(pk=urgent.pk).update(opened_at=now - timedelta(minutes=12))
    if "AC-PTC-01" in parts:
        services.case_open(user=manager, center=hz, customer_name="吴女士", customer_type="vip",
                           ltv=Decimal(90000), part=parts["AC-PTC-01"], quantity=1,
                           deadline=now + timedelta(days=2), vehicle_usable=True, opinion="medium")
        made += 1
    return made + 1
