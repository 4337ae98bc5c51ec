"""Shared fixtures: a small network around 杭州 and 广州, and one user per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone

PASSWORD = "test-password-1"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached figures (reliability scores) must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class Net:
    regions: dict
    nodes: dict
    parts: dict
    users: dict


def _stock(node, part, on_hand, reserved=0, confirmed_hours_ago=2.0):
    from partspool.network.models import Stock

    return Stock.objects.create(
        node=node, part=part, on_hand=on_hand, reserved=reserved,
        confirmed_at=timezone.now() - timedelta(hours=confirmed_hours_ago),
    )


@pytest.fixture
def net(db) -> Net:
    from partspool.accounts.models import Role, User
    from partspool.network.models import Compatibility, Contact, Node, Part, Region, Supersession

    east = Region.objects.create(code="EAST", name_zh="华东", name_en="East China")
    south = Region.objects.create(code="SOUTH", name_zh="华南", name_en="South China")
    spec = [
        ("SC-HZ01", "杭州西湖服务中心", "Hangzhou Xihu", east, "杭州", "Hangzhou", 30.27, 120.15, "center"),
        ("SC-SH01", "上海浦东服务中心", "Shanghai Pudong", east, "上海", "Shanghai", 31.23, 121.47, "center"),
        ("SC-SZ01", "苏州园区服务中心", "Suzhou SIP", east, "苏州", "Suzhou", 31.30, 120.58, "center"),
        ("SC-NB01", "宁波鄞州服务中心", "Ningbo Yinzhou", east, "宁波", "Ningbo", 29.87, 121.54, "center"),
        ("WH-EAST", "华东区域中央库", "East regional warehouse", east, "上海", "Shanghai", 31.10, 121.30,
         "regional_wh"),
        ("SC-GZ01", "广州天河服务中心", "Guangzhou Tianhe", south, "广州", "Guangzhou", 23.13, 113.26, "center"),
        ("SC-SZN1", "深圳南山服务中心", "Shenzhen Nanshan", south, "深圳", "Shenzhen", 22.54, 114.06, "center"),
    ]
    nodes = {}
    for code, zh, en, region, czh, cen, lat, lon, kind in spec:
        nodes[code] = Node.objects.create(
            code=code, name_zh=zh, name_en=en, region=region, city_zh=czh, city_en=cen,
            latitude=lat, longitude=lon, kind=kind,
        )
    Contact.objects.create(node=nodes["SC-SH01"], name="王磊", role="服务经理", phone="13800000001",
                           wechat="wanglei_sh", best_hours="08:30-18:00")
    parts = {
        "F01": Part.objects.create(number="BRK-PAD-F01", name_zh="前刹车片", name_en="Front brake pads",
                                   category="brakes", unit_cost=Decimal("450"), safety_critical=True),
        "F02": Part.objects.create(number="BRK-PAD-F02", name_zh="前刹车片（改进型）",
                                   name_en="Front brake pads (revised)", category="brakes",
                                   unit_cost=Decimal("480"), safety_critical=True),
        "ALT": Part.objects.create(number="BRK-PAD-F01-TP", name_zh="前刹车片（第三方）",
                                   name_en="Front brake pads (third party)", category="brakes",
                                   unit_cost=Decimal("300"), safety_critical=True),
        "WIP": Part.objects.create(number="WIP-BLD-01", name_zh="雨刮片", name_en="Wiper blade",
                                   category="wipers", unit_cost=Decimal("60")),
    }
    # announced, not yet in force: sourcing offers F02 for F01 already, the stock levels still stock F01
    # (tests of a supersession in force date their own)
    Supersession.objects.create(old=parts["F01"], new=parts["F02"], effective_on=date(2099, 1, 1))
    Compatibility.objects.create(part=parts["F01"], alternative=parts["ALT"], level="third_party",
                                 conditions="需客户同意")
    users = {
        "manager": User.objects.create_user("hz_manager", password=PASSWORD, role=Role.CENTER_MANAGER,
                                            home_node=nodes["SC-HZ01"]),
        "gz_manager": User.objects.create_user("gz_manager", password=PASSWORD, role=Role.CENTER_MANAGER,
                                               home_node=nodes["SC-GZ01"]),
        "sh_manager": User.objects.create_user("sh_manager", password=PASSWORD, role=Role.CENTER_MANAGER,
                                               home_node=nodes["SC-SH01"], email="sh@example.com"),
        "nb_manager": User.objects.create_user("nb_manager", password=PASSWORD, role=Role.CENTER_MANAGER,
                                               home_node=nodes["SC-NB01"]),
        "coordinator": User.objects.create_user("east_coord", password=PASSWORD,
                                                role=Role.REGIONAL_COORDINATOR, region=east),
        "planner": User.objects.create_user("planner", password=PASSWORD, role=Role.PLANNER),
        "admin": User.objects.create_user("admin", password=PASSWORD, role=Role.ADMIN, is_staff=True,
                                          is_superuser=True),
        "norole": User.objects.create_user("visitor", password=PASSWORD),
    }
    return Net(regions={"EAST": east, "SOUTH": south}, nodes=nodes, parts=parts, users=users)


@pytest.fixture
def stocked(net) -> Net:
    """BRK-PAD-F01 around 杭州: 上海 5 (stale), 苏州 2, 宁波 1, WH-EAST 30, 广州 9; F02 at 苏州."""
    n, p = net.nodes, net.parts
    _stock(n["SC-HZ01"], p["F01"], 0)
    _stock(n["SC-SH01"], p["F01"], 5, confirmed_hours_ago=100)
    _stock(n["SC-SZ01"], p["F01"], 3, reserved=1)
    _stock(n["SC-NB01"], p["F01"], 1)
    _stock(n["WH-EAST"], p["F01"], 30)
    _stock(n["SC-GZ01"], p["F01"], 9)
    _stock(n["SC-SZ01"], p["F02"], 4)
    _stock(n["SC-GZ01"], p["ALT"], 7)
    return net


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_user(net):
    return lambda role: login(net.users[role])


@pytest.fixture
def require_postgres(transactional_db):
    """For the tests that need real concurrent connections."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: `make test` runs this against the server at DATABASE_URL "
                    "when one is reachable (e.g. postgres://postgres@127.0.0.1:5432/partspool)")


@pytest.fixture
def history(stocked):
    """(Planning) 36 months of demand at 杭州 and 上海: brake pads steady, wipers intermittent and seasonal."""
    from partspool.network.models import DemandRecord
    from partspool.planning.selectors import last_complete_month, month_add

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
