"""A deterministic demo network to try PartsPool with (``partspool demo``).

``load_demo()`` fills an empty database with 44 nodes on real Chinese cities in six regions,
~300 EV parts with supersessions and compatible alternatives, monthly demand history
(Pareto-shaped, intermittent, seasonal, growing with the vehicle parc), stock with deliberate
shortages, failure reports with a 12 V battery batch spike in 华南, in-transit shipments and one
demo user per role. Everything is drawn from one seeded numpy ``Generator``: the same ``months``
and ``today`` give the same data on every run. Times (stock confirmations, ETAs) are relative to
the moment of loading.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from partspool.accounts.models import Role, User
from partspool.network.models import (
    Compatibility,
    Contact,
    DemandRecord,
    DistanceOverride,
    FailureReport,
    ImportBatch,
    InTransitShipment,
    Node,
    Part,
    Region,
    Stock,
    StockMovement,
    Supersession,
)

SEED = 20240817
DEMO_PASSWORD = "partspool-demo"
DEMO_USERS: list[tuple[str, str, str]] = [
    ("hz_manager", DEMO_PASSWORD, "Center manager of SC-HZ01 杭州西湖服务中心 (Hangzhou Xihu Service Center)"),
    ("gz_manager", DEMO_PASSWORD, "Center manager of SC-GZ01 广州天河服务中心 (Guangzhou Tianhe Service Center)"),
    ("east_coord", DEMO_PASSWORD, "Regional coordinator of 华东 East China (region EAST)"),
    ("planner", DEMO_PASSWORD, "Supply-chain planner at WH-NATIONAL, the national central warehouse (Wuhan)"),
    ("admin", DEMO_PASSWORD, "Administrator (staff and superuser: users, centers, parts, settings)"),
]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
SPIKE_PART, SPIKE_BATCH, SPIKE_REGION = "BAT-12V-01", "B2408-17", "SOUTH"

REGIONS = [
    ("EAST", "华东", "East China"),
    ("SOUTH", "华南", "South China"),
    ("NORTH", "华北", "North China"),
    ("SOUTHWEST", "西南", "Southwest China"),
    ("NORTHWEST", "西北", "Northwest China"),
    ("CENTRAL", "华中", "Central China"),
]

# code, region, district (zh, en), city (zh, en), lat, lon, address, size (demand scale of a center)
CENTERS = [
    ("SC-SH01", "EAST", "浦东", "Pudong", "上海", "Shanghai", 31.22, 121.54, "上海市浦东新区", 1.8),
    ("SC-SH02", "EAST", "闵行", "Minhang", "上海", "Shanghai", 31.11, 121.38, "上海市闵行区", 1.4),
    ("SC-HZ01", "EAST", "西湖", "Xihu", "杭州", "Hangzhou", 30.26, 120.13, "浙江省杭州市西湖区", 1.5),
    ("SC-NJ01", "EAST", "江宁", "Jiangning", "南京", "Nanjing", 31.95, 118.84, "江苏省南京市江宁区", 1.2),
    ("SC-SZ01", "EAST", "园区", "SIP", "苏州", "Suzhou", 31.32, 120.72, "江苏省苏州市苏州工业园区", 1.2),
    ("SC-NB01", "EAST", "鄞州", "Yinzhou", "宁波", "Ningbo", 29.82, 121.55, "浙江省宁波市鄞州区", 1.0),
    ("SC-HF01", "EAST", "滨湖", "Binhu", "合肥", "Hefei", 31.74, 117.29, "安徽省合肥市包河区", 0.9),
    ("SC-WX01", "EAST", "新吴", "Xinwu", "无锡", "Wuxi", 31.55, 120.40, "江苏省无锡市新吴区", 0.8),
    ("SC-GZ01", "SOUTH", "天河", "Tianhe", "广州", "Guangzhou", 23.13, 113.36, "广东省广州市天河区", 1.7),
    ("SC-SZN1", "SOUTH", "南山", "Nanshan", "深圳", "Shenzhen", 22.53, 113.93, "广东省深圳市南山区", 1.7),
    ("SC-SZN2", "SOUTH", "龙岗", "Longgang", "深圳", "Shenzhen", 22.72, 114.25, "广东省深圳市龙岗区", 1.1),
    ("SC-DG01", "SOUTH", "南城", "Nancheng", "东莞", "Dongguan", 23.02, 113.75, "广东省东莞市南城街道", 0.9),
    ("SC-FS01", "SOUTH", "南海", "Nanhai", "佛山", "Foshan", 23.03, 113.14, "广东省佛山市南海区", 1.0),
    ("SC-XM01", "SOUTH", "湖里", "Huli", "厦门", "Xiamen", 24.51, 118.15, "福建省厦门市湖里区", 0.9),
    ("SC-FZ01", "SOUTH", "仓山", "Cangshan", "福州", "Fuzhou", 26.04, 119.27, "福建省福州市仓山区", 0.8),
    ("SC-NN01", "SOUTH", "青秀", "Qingxiu", "南宁", "Nanning", 22.82, 108.38, "广西壮族自治区南宁市青秀区", 0.6),
    ("SC-BJ01", "NORTH", "朝阳", "Chaoyang", "北京", "Beijing", 39.92, 116.44, "北京市朝阳区", 1.7),
    ("SC-BJ02", "NORTH", "海淀", "Haidian", "北京", "Beijing", 39.96, 116.30, "北京市海淀区", 1.4),
    ("SC-TJ01", "NORTH", "西青", "Xiqing", "天津", "Tianjin", 39.14, 117.01, "天津市西青区", 1.0),
    ("SC-SJZ1", "NORTH", "长安", "Chang'an", "石家庄", "Shijiazhuang", 38.05, 114.52, "河北省石家庄市长安区", 0.7),
    ("SC-JN01", "NORTH", "历城", "Licheng", "济南", "Jinan", 36.68, 117.07, "山东省济南市历城区", 0.8),
    ("SC-QD01", "NORTH", "崂山", "Laoshan", "青岛", "Qingdao", 36.11, 120.47, "山东省青岛市崂山区", 0.9),
    ("SC-TY01", "NORTH", "小店", "Xiaodian", "太原", "Taiyuan", 37.74, 112.56, "山西省太原市小店区", 0.6),
    ("SC-CD01", "SOUTHWEST", "高新", "Hi-Tech Zone", "成都", "Chengdu", 30.58, 104.06, "四川省成都市高新区", 1.4),
    ("SC-CD02", "SOUTHWEST", "锦江", "Jinjiang", "成都", "Chengdu", 30.65, 104.08, "四川省成都市锦江区", 1.0),
    ("SC-CQ01", "SOUTHWEST", "渝北", "Yubei", "重庆", "Chongqing", 29.72, 106.63, "重庆市渝北区", 1.2),
    ("SC-KM01", "SOUTHWEST", "官渡", "Guandu", "昆明", "Kunming", 25.02, 102.74, "云南省昆明市官渡区", 0.7),
    ("SC-GY01", "SOUTHWEST", "观山湖", "Guanshanhu", "贵阳", "Guiyang", 26.60, 106.63, "贵州省贵阳市观山湖区", 0.6),
    ("SC-XA01", "NORTHWEST", "高新", "Hi-Tech Zone", "西安", "Xi'an", 34.23, 108.88, "陕西省西安市雁塔区", 1.1),
    ("SC-LZ01", "NORTHWEST", "城关", "Chengguan", "兰州", "Lanzhou", 36.06, 103.83, "甘肃省兰州市城关区", 0.5),
    ("SC-URC1", "NORTHWEST", "新市", "Xinshi", "乌鲁木齐", "Urumqi", 43.86, 87.57,
     "新疆维吾尔自治区乌鲁木齐市新市区", 0.5),
    ("SC-YC01", "NORTHWEST", "金凤", "Jinfeng", "银川", "Yinchuan", 38.47, 106.23, "宁夏回族自治区银川市金凤区", 0.4),
    ("SC-WH01", "CENTRAL", "光谷", "Optics Valley", "武汉", "Wuhan", 30.50, 114.40, "湖北省武汉市东湖新技术开发区", 1.3),
    ("SC-WH02", "CENTRAL", "江汉", "Jianghan", "武汉", "Wuhan", 30.60, 114.27, "湖北省武汉市江汉区", 1.0),
    ("SC-CS01", "CENTRAL", "岳麓", "Yuelu", "长沙", "Changsha", 28.23, 112.94, "湖南省长沙市岳麓区", 1.1),
    ("SC-ZZ01", "CENTRAL", "金水", "Jinshui", "郑州", "Zhengzhou", 34.80, 113.66, "河南省郑州市金水区", 1.0),
    ("SC-NC01", "CENTRAL", "红谷滩", "Honggutan", "南昌", "Nanchang", 28.69, 115.86, "江西省南昌市红谷滩区", 0.7),
]
# regional warehouses ("WH-<region code>") in each region's hub city, and the national one
WAREHOUSES = [
    ("WH-EAST", "EAST", "上海", "Shanghai", 31.15, 121.12, "上海市青浦区"),
    ("WH-SOUTH", "SOUTH", "广州", "Guangzhou", 23.10, 113.46, "广东省广州市黄埔区"),
    ("WH-NORTH", "NORTH", "北京", "Beijing", 39.73, 116.34, "北京市大兴区"),
    ("WH-SOUTHWEST", "SOUTHWEST", "成都", "Chengdu", 30.82, 104.16, "四川省成都市新都区"),
    ("WH-NORTHWEST", "NORTHWEST", "西安", "Xi'an", 34.35, 109.05, "陕西省西安市国际港务区"),
    ("WH-CENTRAL", "CENTRAL", "郑州", "Zhengzhou", 34.53, 113.84, "河南省郑州市航空港区"),
]
NATIONAL_WH = ("WH-NATIONAL", "CENTRAL", "武汉", "Wuhan", 30.48, 114.15, "湖北省武汉市经济技术开发区")
WAREHOUSE_SIZE = 0.03
STALE_NODES = ("SC-SH01", "SC-TY01", "SC-KM01", "SC-LZ01")

SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
            ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
            ("高", "gao"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
            ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng")]
GIVEN_NAMES = [("伟", "wei"), ("芳", "fang"), ("磊", "lei"), ("静", "jing"), ("洋", "yang"), ("敏", "min"),
               ("军", "jun"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
               ("丽", "li"), ("强", "qiang"), ("浩然", "haoran"), ("宇航", "yuhang"), ("婷婷", "tingting"),
               ("鹏", "peng"), ("志刚", "zhigang"), ("晓东", "xiaodong"), ("雪梅", "xuemei"),
               ("建华", "jianhua"), ("俊杰", "junjie"), ("佳怡", "jiayi"), ("思远", "siyuan"),
               ("海燕", "haiyan"), ("国强", "guoqiang"), ("文博", "wenbo"), ("欣然", "xinran"), ("子涵", "zihan")]
PHONE_PREFIXES = ["135", "136", "137", "138", "139", "158", "159", "177", "186", "187", "188", "189"]
_P = Contact.CallPolicy
# role (zh, en), best hours, the two call policies drawn from
CENTER_ROLES = [
    ("服务经理", "Service manager", "08:30–18:00", (_P.WORKING_HOURS, _P.ANYTIME)),
    ("配件主管", "Parts lead", "08:00–20:00", (_P.ANYTIME, _P.MESSAGE_FIRST)),
    ("售后主管", "After-sales supervisor", "09:00–17:30", (_P.EMERGENCY_ONLY, _P.MESSAGE_FIRST)),
]
WAREHOUSE_ROLES = [
    ("仓库主管", "Warehouse lead", "08:00–17:30", (_P.WORKING_HOURS, _P.MESSAGE_FIRST)),
    ("调度专员", "Dispatcher", "07:00–19:00", (_P.ANYTIME, _P.WORKING_HOURS)),
    ("夜班值班", "Night shift", "19:00–07:00", (_P.EMERGENCY_ONLY, _P.EMERGENCY_ONLY)),
]

# --- catalog ------------------------------------------------------------------------------------

MODELS = ("Model A", "Model S+", "Model L7", "Model V")
AS, A3, L7, MV = MODELS[:2], MODELS[:3], MODELS[2:3], MODELS[3:]
# a variant: Chinese and English qualifier, vehicle models, demand factor
VARIANTS: dict[str, tuple[str, str, tuple[str, ...], float]] = {
    "base": ("", "", AS, 1.0),
    "all": ("", "", MODELS, 1.0),
    "rev": ("（改进型）", " (revised)", AS, 1.0),
    "my24": ("（2024款）", " (2024 model year)", AS, 0.5),
    "l7": ("（Model L7）", " (Model L7)", L7, 0.6),
    "v": ("（Model V）", " (Model V)", MV, 0.4),
    "perf": ("（高性能版）", " (performance)", ("Model S+",), 0.3),
}
D2, D3, D4 = ("base", "l7"), ("base", "l7", "v"), ("base", "l7", "v", "perf")
R3, R4 = ("base", "rev", "l7"), ("base", "rev", "l7", "v")  # variant 02 supersedes 01
Variant = str | tuple[str, str, tuple[str, ...], float]


def _sides(models: tuple[str, ...], zh: str = "", en: str = "", factor: float = 1.0) -> tuple[Variant, ...]:
    return ((f"（左{zh}）", f", left{en}", models, factor), (f"（右{zh}）", f", right{en}", models, factor))


def _sizes(unit: str, *sizes: tuple[str, float]) -> tuple[Variant, ...]:
    return tuple((f"（{s}{unit}）", f" ({s} {unit})", MODELS, f) for s, f in sizes)


# category -> (number prefix, Chinese, English, unit cost CNY, popularity, variants)
CATALOG: dict[str, list[tuple[str, str, str, int, float, tuple[Variant, ...]]]] = {
    "brakes": [
        ("BRK-PAD-F", "前刹车片", "Front brake pads", 450, 6.0, R4),
        ("BRK-PAD-R", "后刹车片", "Rear brake pads", 380, 4.0, D3),
        ("BRK-DSC-F", "前制动盘", "Front brake disc", 680, 1.5, D3),
        ("BRK-DSC-R", "后制动盘", "Rear brake disc", 560, 1.2, D3),
        ("BRK-CAL-F", "前制动卡钳", "Front brake caliper", 1650, 0.4, D2),
        ("BRK-EPB-", "电子驻车卡钳电机", "EPB caliper motor", 980, 0.6, D2),
        ("BRK-IBS-", "电子助力制动单元", "Electronic brake booster", 6800, 0.2, D2),
        ("BRK-SEN-", "刹车片磨损传感器", "Brake pad wear sensor", 120, 2.0, D2),
        ("BRK-HOS-", "制动软管", "Brake hose", 160, 0.6, D2),
        ("BRK-ABS-", "ABS/ESP液压控制单元", "ABS/ESP hydraulic unit", 5200, 0.2, D2),
    ],
    "steering": [
        ("STR-EPS-", "电动助力转向机", "Electric power steering rack", 7800, 0.3, D3),
        ("STR-TRE-", "转向横拉杆外球头", "Outer tie-rod end", 280, 1.5, R3),
        ("STR-TRD-", "转向横拉杆", "Inner tie rod", 420, 0.8, D2),
        ("STR-COL-", "转向管柱", "Steering column", 3200, 0.15, D2),
        ("STR-SAS-", "转向角传感器", "Steering angle sensor", 650, 0.6, D2),
        ("STR-WHL-", "方向盘总成", "Steering wheel assembly", 2400, 0.3, D3),
        ("STR-CLK-", "时钟弹簧", "Clock spring", 560, 0.5, D2),
    ],
    "hv_battery": [
        ("HVB-MOD-", "动力电池模组", "HV battery module", 18000, 0.25, D4),
        ("HVB-BMS-", "电池管理控制器", "Battery management controller (BMS)", 4200, 0.3, D2),
        ("HVB-CSC-", "电芯监控板", "Cell supervision circuit board", 1800, 0.4, D2),
        ("HVB-FUS-", "高压熔断器", "HV fuse", 260, 0.8, R3),
        ("HVB-CON-", "高压继电器", "HV contactor", 1100, 0.5, D2),
        ("HVB-SEL-", "电池包密封圈", "Battery pack seal", 320, 0.6, D2),
        ("HVB-HTR-", "电池加热器", "Battery heater", 1500, 0.4, D2),
        ("HVB-MSD-", "手动维修开关", "Manual service disconnect", 680, 0.3, D2),
        ("HVB-CLP-", "电池液冷板", "Battery cooling plate", 2100, 0.2, D2),
        ("HVB-HAR-", "电池包低压线束", "Battery pack LV harness", 860, 0.3, D2),
    ],
    "battery_12v": [
        ("BAT-12V-", "12V蓄电池", "12 V battery", 980, 5.0,
         (("", "", A3, 1.0), ("（大容量）", " (high capacity)", MV, 0.5),
          ("（锂电）", " (lithium)", ("Model S+",), 0.4))),
        ("BAT-CBL-", "蓄电池负极线", "12 V battery negative cable", 150, 0.8, D2),
        ("BAT-IBS-", "蓄电池智能传感器", "Intelligent battery sensor", 420, 0.8, D2),
        ("BAT-TRM-", "蓄电池端子", "Battery terminal clamp", 45, 1.0, ("all",)),
        ("BAT-BRK-", "蓄电池固定支架", "Battery hold-down bracket", 85, 0.4, ("base", "v")),
    ],
    "electric_drive": [
        ("EDU-MTR-F", "前驱动电机", "Front drive motor", 16500, 0.1, D2),
        ("EDU-MTR-R", "后驱动电机", "Rear drive motor", 17800, 0.12, D3),
        ("EDU-INV-", "电机控制器", "Inverter (motor controller)", 8900, 0.2, D3),
        ("EDU-RED-", "减速器总成", "Reduction gearbox", 6400, 0.15, D2),
        ("EDU-OBC-", "车载充电机", "On-board charger", 5600, 0.3, D2),
        ("EDU-DCC-", "DC-DC变换器", "DC-DC converter", 2900, 0.3, D2),
        ("EDU-PMP-", "冷却液泵", "Coolant pump", 780, 1.0, R3),
        ("EDU-MNT-", "电机悬置", "Motor mount", 520, 0.8, D3),
        ("EDU-CHP-", "充电口总成", "Charging port assembly", 1350, 0.8, D3),
        ("EDU-HVC-", "高压线束", "HV harness", 2600, 0.2, D2),
        ("EDU-SEL-", "减速器油封", "Gearbox oil seal", 65, 0.8, D2),
    ],
    "air_conditioning": [
        ("AC-CMP-E", "空调压缩机", "AC compressor", 4800, 1.0, ("base", "my24", "l7")),
        ("AC-CND-", "冷凝器", "Condenser", 1250, 0.6, D2),
        ("AC-EVP-", "蒸发器", "Evaporator", 1100, 0.4, D2),
        ("AC-HPV-", "热泵阀组", "Heat-pump valve block", 2300, 0.4, D2),
        ("AC-EXV-", "电子膨胀阀", "Electronic expansion valve", 680, 0.9, R3),
        ("AC-PTC-", "PTC空调加热器", "PTC cabin heater", 1400, 0.5, D2),
        ("AC-BLW-", "鼓风机", "Blower motor", 620, 1.0, D3),
        ("AC-FAN-", "冷却风扇总成", "Radiator fan assembly", 1050, 0.6, D2),
        ("AC-PRS-", "空调压力传感器", "AC pressure sensor", 210, 1.0, D2),
        ("AC-PIP-", "空调高压管", "AC high-pressure line", 380, 0.8, D3),
        ("AC-CTL-", "空调控制模块", "HVAC control module", 950, 0.4, D2),
    ],
    "suspension": [
        ("SUS-SHK-F", "前减震器", "Front shock absorber", 1150, 1.0, D3),
        ("SUS-SHK-R", "后减震器", "Rear shock absorber", 980, 0.8, D3),
        ("SUS-ARM-", "下摆臂", "Lower control arm", 860, 0.8, D3),
        ("SUS-BSH-", "摆臂衬套", "Control arm bushing", 140, 1.5, R3),
        ("SUS-SPR-", "螺旋弹簧", "Coil spring", 420, 0.3, D2),
        ("SUS-STB-", "稳定杆连杆", "Stabilizer link", 190, 1.5, R3),
        ("SUS-HUB-", "轮毂轴承单元", "Wheel hub bearing unit", 1080, 0.7, D3),
        ("SUS-AIR-", "空气弹簧", "Air spring", 3600, 0.3,
         (("（前）", ", front", ("Model S+", "Model L7"), 1.0),
          ("（后）", ", rear", ("Model S+", "Model L7"), 0.8))),
        ("SUS-TOP-", "减震器顶胶", "Strut top mount", 260, 0.8, D2),
    ],
    "body": [
        ("BDY-BMP-F", "前保险杠", "Front bumper", 2200, 1.0, D3),
        ("BDY-BMP-R", "后保险杠", "Rear bumper", 1900, 0.8, D3),
        ("BDY-WSH-", "前挡风玻璃", "Windshield", 3400, 0.8, D3),
        ("BDY-MIR-", "外后视镜总成", "Exterior mirror assembly", 1450, 0.8,
         _sides(AS) + _sides(L7, "，Model L7", " (Model L7)", 0.6)),
        ("BDY-FND-", "前翼子板", "Front fender", 980, 0.7, D3),
        ("BDY-HOD-", "前机舱盖", "Front hood", 2600, 0.3, D2),
        ("BDY-DHD-", "隐藏式门把手", "Flush door handle", 760, 1.2, R3),
        ("BDY-GRL-", "前格栅饰板", "Front grille panel", 520, 0.5, D2),
        ("BDY-TGS-", "尾门撑杆", "Tailgate strut", 340, 0.6, D2),
        ("BDY-MLD-", "车门饰条", "Door trim moulding", 180, 0.5, D2),
    ],
    "lighting": [
        ("LGT-HDL-", "大灯总成", "Headlamp assembly", 3800, 0.8,
         _sides(AS) + _sides(AS, "，2024款", " (2024 model year)", 0.5)),
        ("LGT-TLL-", "尾灯总成", "Tail lamp assembly", 1600, 0.7, (*_sides(AS), "l7")),
        ("LGT-DRL-", "日间行车灯", "Daytime running light", 620, 0.6, D2),
        ("LGT-FOG-", "前雾灯", "Front fog lamp", 380, 0.6, D2),
        ("LGT-LED-", "LED光源模块", "LED light module", 150, 1.5,
         ("all", ("（高亮型）", " (high output)", MODELS, 0.5))),
        ("LGT-TRN-", "侧转向灯", "Side turn signal", 160, 0.8, D2),
        ("LGT-RDL-", "室内阅读灯", "Interior reading lamp", 120, 0.4, D2),
        ("LGT-LPL-", "牌照灯", "Licence plate lamp", 65, 0.6, ("all",)),
        ("LGT-HLC-", "大灯控制模块", "Headlamp control module", 890, 0.4, D2),
    ],
    "electronics": [
        ("ELE-RAD-", "毫米波雷达", "Radar sensor", 2300, 0.8,
         (("（前）", ", front", MODELS, 1.0), ("（角）", ", corner", MODELS, 0.8),
          ("（前，2024款）", ", front (2024 model year)", AS, 0.4))),
        ("ELE-CAM-", "前视摄像头", "Front camera", 2100, 0.5, D2),
        ("ELE-USS-", "超声波雷达", "Ultrasonic parking sensor", 180, 2.0, R3),
        ("ELE-SVC-", "环视摄像头", "Surround-view camera", 780, 0.6, D2),
        ("ELE-BCM-", "车身控制器", "Body control module", 2800, 0.25, D2),
        ("ELE-GWY-", "中央网关", "Central gateway", 2200, 0.2, D2),
        ("ELE-TBX-", "车载通信模块", "Telematics box (T-Box)", 1900, 0.3, D2),
        ("ELE-DSP-", "中控屏", "Center display", 5200, 0.25, D2),
        ("ELE-ICL-", "仪表屏", "Instrument display", 2600, 0.2, D2),
        ("ELE-KEY-", "智能钥匙", "Smart key fob", 480, 1.2, ("all",)),
        ("ELE-WSS-", "轮速传感器", "Wheel speed sensor", 260, 1.2, D3),
        ("ELE-HRN-", "喇叭", "Horn", 90, 0.5, ("all",)),
        ("ELE-FSB-", "保险丝盒", "Fuse box", 1200, 0.2, D2),
        ("ELE-DHR-", "车门线束", "Door wiring harness", 680, 0.4, D2),
    ],
    "wipers": [
        ("WIP-BLD-", "雨刮片", "Wiper blade", 60, 8.0,
         (("", "", A3, 1.0), ("（副驾侧）", ", passenger side", A3, 0.9), ("（后）", ", rear", MV, 0.4), "v")),
        ("WIP-MTR-", "雨刮电机", "Wiper motor", 680, 0.5, D2),
        ("WIP-ARM-", "雨刮臂", "Wiper arm", 160, 1.0, R3),
        ("WIP-LNK-", "雨刮连杆", "Wiper linkage", 420, 0.4, D2),
        ("WIP-PMP-", "洗涤泵", "Washer pump", 120, 0.8, ("all",)),
        ("WIP-NZL-", "喷水嘴", "Washer nozzle", 35, 0.8, ("all",)),
        ("WIP-RSN-", "雨量传感器", "Rain sensor", 380, 0.5, D2),
    ],
    "interior": [
        ("INT-SMT-", "座椅调节电机", "Seat adjustment motor", 620, 0.6, D3),
        ("INT-SBT-", "安全带总成", "Seat belt assembly", 780, 0.4, D3),
        ("INT-WCP-", "无线充电板", "Wireless charging pad", 520, 0.6, D2),
        ("INT-GLB-", "手套箱总成", "Glove box assembly", 380, 0.3, D2),
        ("INT-ARM-", "扶手箱盖", "Armrest lid", 260, 0.5, D2),
        ("INT-MAT-", "脚垫套装", "Floor mat set", 320, 0.8, D3),
        ("INT-VSR-", "遮阳板", "Sun visor", 210, 0.4, D2),
        ("INT-HTR-", "座椅加热垫", "Seat heater pad", 290, 0.6, D2),
        ("INT-USB-", "USB充电口", "USB charging port", 85, 1.0, ("all", ("（Type-C）", " (USB-C)", MODELS, 0.8))),
        ("INT-WRG-", "电动车窗升降器", "Window regulator", 560, 0.9, R3),
        ("INT-SWT-", "车窗开关", "Window switch", 150, 1.0, D3),
    ],
    "filters": [
        ("FLT-CAB-", "空调滤芯", "Cabin air filter", 120, 10.0, (("", "", A3, 1.0), "v")),
        ("FLT-HEP-", "HEPA高效空调滤芯", "HEPA cabin air filter", 260, 1.5, (("", "", A3, 1.0), "v")),
        ("FLT-CLT-", "冷却液", "Coolant", 160, 2.0, _sizes("L", ("4", 1.0), ("1", 0.6))),
        ("FLT-BRF-", "制动液DOT4", "Brake fluid DOT 4", 85, 2.5, _sizes("L", ("1", 1.0), ("0.5", 0.5))),
        ("FLT-GRO-", "减速器油", "Reduction gear oil", 140, 1.0, _sizes("L", ("1", 1.0), ("4", 0.4))),
        ("FLT-WSF-", "玻璃水", "Washer fluid", 25, 3.0,
         (("（2L）", " (2 L)", MODELS, 1.0), ("（防冻型2L）", " (antifreeze, 2 L)", MODELS, 0.6))),
        ("FLT-REF-", "空调冷媒R1234yf", "Refrigerant R1234yf", 380, 1.2, ("all",)),
        ("FLT-DRY-", "空调干燥瓶", "AC receiver drier", 210, 0.6, D2),
        ("FLT-BVV-", "电池包透气阀", "Battery pack vent valve", 95, 0.5, D2),
    ],
    "tyres": [
        ("TYR-TIR-", "轮胎", "Tyre", 1200, 3.0,
         (("（235/45 R19）", " 235/45 R19", AS, 1.0), ("（245/40 R20）", " 245/40 R20", ("Model S+",), 0.5),
          ("（255/50 R19）", " 255/50 R19", L7, 0.6), ("（235/55 R19）", " 235/55 R19", MV, 0.4))),
        ("TYR-RIM-", "铝合金轮毂", "Alloy wheel", 2300, 0.5, D3),
        ("TYR-TPM-", "胎压传感器", "TPMS sensor", 240, 1.5, ("all", "my24")),
        ("TYR-BLT-", "轮毂螺栓", "Wheel bolt", 18, 1.5, ("all",)),
        ("TYR-CAP-", "轮毂中心盖", "Wheel center cap", 45, 0.6, D2),
        ("TYR-KIT-", "补胎工具包", "Tyre repair kit", 260, 0.4, ("all",)),
        ("TYR-VLV-", "气门嘴", "Valve stem", 12, 1.0, ("all", ("（金属）", " (metal)", MODELS, 0.5))),
    ],
}
# verified third-party equivalents: number, category, Chinese, English, unit cost, models
THIRD_PARTY = [
    ("BRK-PAD-F01-TP", "brakes", "前刹车片（第三方认证）", "Front brake pads (verified third party)", 300, AS),
    ("WIP-BLD-01-TP", "wipers", "雨刮片（第三方认证）", "Wiper blade (verified third party)", 38, A3),
    ("FLT-CAB-01-TP", "filters", "空调滤芯（第三方认证）", "Cabin air filter (verified third party)", 75, A3),
    ("TYR-TIR-01-TP", "tyres", "轮胎（235/45 R19，第三方认证）", "Tyre 235/45 R19 (verified third party)", 880, AS),
]
SAFETY_CRITICAL = {"brakes", "steering", "hv_battery", "battery_12v"}
# demand per month of a size-1 center today, for the parts a tester looks at first
RATE_OVERRIDES = {"BRK-PAD-F01": 6.0, "WIP-BLD-01": 8.0, "FLT-CAB-01": 10.0, "BAT-12V-01": 3.0,
                  "AC-CMP-E01": 0.6}
SUPERSESSION_NOTES = {
    "BRK-PAD-F01": "改进摩擦材料，降低制动噪音 / Revised friction material, less brake noise",
}
SUPERSESSION_NOTE = "设计变更，旧件用完为止 / Design change; use up the old stock"
COMPATIBILITIES = [
    ("FLT-CAB-01", "FLT-HEP-01", "full", ""),
    ("FLT-CAB-02", "FLT-HEP-02", "full", ""),
    ("LGT-LED-01", "LGT-LED-02", "full", ""),
    ("TYR-VLV-01", "TYR-VLV-02", "full", ""),
    ("FLT-WSF-01", "FLT-WSF-02", "full", ""),
    ("FLT-GRO-01", "FLT-GRO-02", "full", ""),
    ("LGT-HDL-01", "LGT-HDL-03", "conditional", "仅限2024款以后车型 / Only for 2024 and later vehicles"),
    ("LGT-HDL-02", "LGT-HDL-04", "conditional", "仅限2024款以后车型 / Only for 2024 and later vehicles"),
    ("AC-CMP-E01", "AC-CMP-E02", "conditional",
     "需同时更换高压插头转接线束 / Needs the HV connector adapter harness as well"),
    ("ELE-RAD-01", "ELE-RAD-03", "conditional", "需刷写雷达软件并重新标定 / Needs a software flash and recalibration"),
    ("TYR-TPM-01", "TYR-TPM-02", "conditional",
     "需用诊断仪重新匹配传感器ID / Sensor IDs must be re-paired with the diagnostic tool"),
    ("BAT-12V-01", "BAT-12V-02", "conditional",
     "需同时更换固定支架BAT-BRK-02 / Needs the hold-down bracket BAT-BRK-02 as well"),
    ("WIP-BLD-01", "WIP-BLD-01-TP", "third_party",
     "规格一致的认证品牌，需客户同意 / Verified brand, same specification; customer consent needed"),
    ("BRK-PAD-F01", "BRK-PAD-F01-TP", "third_party",
     "仅限一级响应；规格完全一致且客户书面同意 / Level 1 only; full spec match and written customer consent"),
    ("FLT-CAB-01", "FLT-CAB-01-TP", "third_party",
     "规格一致，需客户同意 / Same specification; customer consent needed"),
    ("TYR-TIR-01", "TYR-TIR-01-TP", "third_party",
     "同规格、同载重与速度等级，需客户同意 / Same size, load and speed rating; customer consent needed"),
]
# parts in demand that no node holds (a nationwide shortage to look up)
NOWHERE = ("AC-HPV-01", "EDU-INV-02", "SUS-AIR-01", "ELE-RAD-02")
# BRK-PAD-F01 around 杭州 (none at SC-HZ01), and its successor at a couple of nodes
STOCK_OVERRIDES = {
    ("SC-HZ01", "BRK-PAD-F01"): 0, ("SC-SH01", "BRK-PAD-F01"): 6, ("SC-SH02", "BRK-PAD-F01"): 3,
    ("SC-SZ01", "BRK-PAD-F01"): 4, ("SC-NB01", "BRK-PAD-F01"): 2, ("SC-NJ01", "BRK-PAD-F01"): 5,
    ("SC-WX01", "BRK-PAD-F01"): 0, ("SC-HF01", "BRK-PAD-F01"): 1, ("WH-EAST", "BRK-PAD-F01"): 24,
    ("SC-SZ01", "BRK-PAD-F02"): 3, ("WH-EAST", "BRK-PAD-F02"): 10,
    ("SC-GZ01", "BRK-PAD-F01-TP"): 7, ("SC-NB01", "WIP-BLD-01-TP"): 12, ("SC-FS01", "WIP-BLD-01-TP"): 20,
}

# --- seasonality (factor per calendar month, January first) ----------------------------------------

SUMMER = (0.6, 0.6, 0.7, 0.85, 1.15, 1.9, 2.3, 2.1, 1.3, 0.9, 0.7, 0.6)
HEATING = (2.1, 1.8, 1.2, 0.8, 0.6, 0.5, 0.5, 0.5, 0.6, 0.9, 1.5, 2.0)
TYPHOON = (0.8, 0.8, 0.85, 0.9, 1.0, 1.3, 2.2, 2.4, 2.0, 1.1, 0.85, 0.8)
RAINY = (0.9, 0.9, 0.95, 1.0, 1.05, 1.2, 1.3, 1.3, 1.05, 0.95, 0.9, 0.9)
COLD = (1.7, 1.5, 1.1, 0.9, 0.85, 0.85, 0.9, 0.9, 0.9, 1.0, 1.2, 1.5)
MILD_COLD = (1.2, 1.1, 1.0, 1.0, 0.95, 0.95, 1.0, 1.0, 0.95, 0.95, 1.0, 1.1)
HEATING_PREFIXES = ("AC-PTC-", "HVB-HTR-", "INT-HTR-")
SUMMER_PREFIXES = ("FLT-REF-", "FLT-DRY-")


def _season_table() -> np.ndarray:
    """Factors by season kind (flat, summer, heating, wipers, 12 V), region and calendar month."""
    codes = [code for code, _zh, _en in REGIONS]
    table = np.ones((5, len(codes), 12))
    for r, code in enumerate(codes):
        table[1, r], table[2, r] = SUMMER, HEATING
        table[3, r] = TYPHOON if code in ("SOUTH", "EAST") else RAINY
        table[4, r] = COLD if code in ("NORTH", "NORTHWEST") else MILD_COLD
    return table


def _season_kind(number: str, category: str) -> int:
    if number.startswith(HEATING_PREFIXES):
        return 2
    if category == "air_conditioning" or number.startswith(SUMMER_PREFIXES):
        return 1
    return {"wipers": 3, "battery_12v": 4}.get(category, 0)


# --- entry point ----------------------------------------------------------------------------------


def load_demo(*, months: int = 36, today: dt.date | None = None, reset: bool = False) -> dict[str, int]:
    """Fill the database with the demo network in one transaction and return what was created.

    Raises ``RuntimeError`` when regions, nodes or parts already exist, unless ``reset`` is set:
    then the network's data (nodes, parts, stock, history, imports) is deleted first; users keep
    their accounts, re-attached to the new nodes and regions of the same codes. Demo users that
    already exist are left as they are.
    """
    if not 1 <= months <= 120:
        raise ValueError("months must be between 1 and 120")
    now = timezone.now()
    if today is None:
        today = timezone.localdate(now)
    elif today != timezone.localdate(now):
        now = dt.datetime.combine(today, dt.time(17, 0), tzinfo=SHANGHAI)
    with transaction.atomic():
        attached: list[tuple[int, str, str | None, str | None]] = []
        if reset:
            attached = _detach_users()
            _delete_network()
        elif Node.objects.exists() or Part.objects.exists() or Region.objects.exists():
            raise RuntimeError("The database already holds a network; load the demo with reset=True "
                               "to replace it (this deletes all nodes, parts, stock and history).")
        counts = _Builder(np.random.default_rng(SEED), months=months, today=today, now=now).build()
        _reattach_users(attached)
        from partspool.transfers.demo import load_demo_transfers

        counts["transfers"] = load_demo_transfers()
        from partspool.emergencies.demo import load_demo_emergencies

        counts["emergency_cases"] = load_demo_emergencies()
    return counts


def _detach_users() -> list[tuple[int, str, str | None, str | None]]:
    """Unlink users from nodes and regions (the roles that need one are blanked for the while)."""
    rows = list(User.objects.filter(Q(home_node__isnull=False) | Q(region__isnull=False))
                .values_list("id", "role", "home_node__code", "region__code"))
    User.objects.filter(id__in=[row[0] for row in rows]).update(role="", home_node=None, region=None)
    return rows


def _reattach_users(rows: list[tuple[int, str, str | None, str | None]]) -> None:
    nodes = dict(Node.objects.values_list("code", "id"))
    regions = dict(Region.objects.values_list("code", "id"))
    for user_id, role, node_code, region_code in rows:
        if (node_code and node_code not in nodes) or (region_code and region_code not in regions):
            username = User.objects.get(id=user_id).username
            raise RuntimeError(f"User {username!r} belongs to {node_code or region_code}, which the demo "
                               "network does not have; reassign the user before resetting.")
        User.objects.filter(id=user_id).update(role=role, home_node_id=nodes.get(node_code or ""),
                                               region_id=regions.get(region_code or ""))


def _delete_network() -> None:
    """Delete every row of the network, children first (movements are append-only, so raw deletes)."""
    from partspool.emergencies.demo import delete_emergencies
    from partspool.planning.models import ForecastRun
    from partspool.transfers.demo import delete_transfers

    ForecastRun.objects.all().delete()
    delete_emergencies()
    delete_transfers()
    for model in (StockMovement, FailureReport, InTransitShipment, Stock, DemandRecord, DistanceOverride,
                  ImportBatch, Contact, Compatibility, Supersession, Part, Node, Region):
        model.objects.all().delete()


class _Builder:
    """One demo load: draws everything from ``rng`` in a fixed order and bulk-creates it."""

    def __init__(self, rng: np.random.Generator, *, months: int, today: dt.date, now: dt.datetime) -> None:
        self.rng, self.today, self.now = rng, today, now
        first = today.year * 12 + today.month - 1 - months
        self.months = [dt.date((first + i) // 12, (first + i) % 12 + 1, 1) for i in range(months)]

    def build(self) -> dict[str, int]:
        regions = self._regions()
        nodes = self._nodes(regions)
        self._contacts(nodes)
        parts, variant_factor, popularity = self._parts()
        self.node_ix = {n.code: i for i, n in enumerate(nodes)}
        self.part_ix = {p.number: i for i, p in enumerate(parts)}
        self.nodes, self.parts = nodes, parts
        effective = self._relations()
        failures, spike = self._failures(popularity)
        qty = self._demand(variant_factor, popularity, effective, spike)
        demand_rows = self._save_demand(qty)
        on_hand, has_row = self._stock_levels(qty)
        shipments, in_transit = self._shipments(qty, on_hand)
        has_row |= in_transit > 0
        stock_rows = self._save_stock(on_hand, in_transit, has_row)
        users = self._users(regions)
        return {"regions": len(regions), "nodes": len(nodes), "parts": len(parts), "stock_rows": stock_rows,
                "demand_rows": demand_rows, "failure_reports": failures, "shipments": shipments,
                "users": users}

    # --- network -------------------------------------------------------------------------------

    def _regions(self) -> dict[str, Region]:
        created = Region.objects.bulk_create(
            [Region(code=code, name_zh=zh, name_en=en) for code, zh, en in REGIONS])
        return {r.code: r for r in created}

    def _nodes(self, regions: dict[str, Region]) -> list[Node]:
        names = {code: (zh, en) for code, zh, en in REGIONS}
        rows, sizes = [], []
        for code, region, dist_zh, dist_en, city_zh, city_en, lat, lon, address, size in CENTERS:
            rows.append(Node(
                code=code, kind=Node.Kind.SERVICE_CENTER, region=regions[region],
                name_zh=f"{city_zh}{dist_zh}服务中心", name_en=f"{city_en} {dist_en} Service Center",
                city_zh=city_zh, city_en=city_en, latitude=lat, longitude=lon, address=address,
                time_zone="Asia/Urumqi" if city_en == "Urumqi" else "Asia/Shanghai"))
            sizes.append(size)
        for code, region, city_zh, city_en, lat, lon, address in WAREHOUSES:
            zh, en = names[region]
            rows.append(Node(code=code, kind=Node.Kind.REGIONAL_WAREHOUSE, region=regions[region],
                             name_zh=f"{zh}区域中央库", name_en=f"{en} Regional Warehouse",
                             city_zh=city_zh, city_en=city_en, latitude=lat, longitude=lon, address=address))
            sizes.append(WAREHOUSE_SIZE)
        code, region, city_zh, city_en, lat, lon, address = NATIONAL_WH
        rows.append(Node(code=code, kind=Node.Kind.CENTRAL_WAREHOUSE, region=regions[region],
                         name_zh=f"全国中央仓库（{city_zh}）", name_en=f"National Central Warehouse ({city_en})",
                         city_zh=city_zh, city_en=city_en, latitude=lat, longitude=lon, address=address))
        sizes.append(WAREHOUSE_SIZE)
        nodes = Node.objects.bulk_create(rows)
        self.size = np.array(sizes)
        region_ix = {code: i for i, (code, _zh, _en) in enumerate(REGIONS)}
        self.node_region = np.array([region_ix[n.region.code] for n in nodes])
        self.is_center = np.array([n.kind == Node.Kind.SERVICE_CENTER for n in nodes])
        return nodes

    def _contacts(self, nodes: list[Node]) -> list[Contact]:
        rng, rows = self.rng, []
        for node in nodes:
            center = node.kind == Node.Kind.SERVICE_CENTER
            roles = CENTER_ROLES if center else WAREHOUSE_ROLES
            for position in range(int(rng.integers(2, 4) if center else rng.integers(1, 3))):
                role_zh, role_en, hours, policies = roles[position]
                surname, surname_py = SURNAMES[rng.integers(len(SURNAMES))]
                given, given_py = GIVEN_NAMES[rng.integers(len(GIVEN_NAMES))]
                phone = f"{PHONE_PREFIXES[rng.integers(len(PHONE_PREFIXES))]}{rng.integers(10**8):08d}"
                rows.append(Contact(
                    node=node, name=surname + given, role=f"{role_zh} / {role_en}", phone=phone,
                    wechat=f"{surname_py}{given_py}_{rng.integers(10, 100)}", best_hours=hours,
                    call_policy=policies[rng.integers(2)], position=position))
        return Contact.objects.bulk_create(rows)

    def _parts(self) -> tuple[list[Part], np.ndarray, np.ndarray]:
        rows, factors, popularity = [], [], []
        for category, families in CATALOG.items():
            for prefix, zh, en, cost, pop, variants in families:
                for k, variant in enumerate(variants, start=1):
                    q_zh, q_en, models, factor = VARIANTS[variant] if isinstance(variant, str) else variant
                    rows.append(Part(
                        number=f"{prefix}{k:02d}", category=category, name_zh=zh + q_zh, name_en=en + q_en,
                        unit_cost=_price(cost * (1.0, 1.06, 1.12, 1.2)[k - 1]),
                        safety_critical=category in SAFETY_CRITICAL, vehicle_models=list(models)))
                    factors.append(factor)
                    popularity.append(pop)
        for number, category, zh, en, cost, models in THIRD_PARTY:
            rows.append(Part(number=number, category=category, name_zh=zh, name_en=en, unit_cost=_price(cost),
                             safety_critical=category in SAFETY_CRITICAL, vehicle_models=list(models)))
            factors.append(0.15)
            popularity.append(1.0)
        return Part.objects.bulk_create(rows), np.array(factors), np.array(popularity)

    def _relations(self) -> dict[int, tuple[int, int]]:
        """Supersessions (variant 02 replaces 01 in the ``rev`` families) and compatibilities.

        Returns: new part index -> (old part index, month index from which the new part is used).
        """
        rng, parts, ix, last = self.rng, self.parts, self.part_ix, len(self.months) - 1
        effective, rows = {}, []
        for prefix, *_rest, variants in (f for fams in CATALOG.values() for f in fams):
            if variants[1:2] != ("rev",):
                continue
            old, new = ix[f"{prefix}01"], ix[f"{prefix}02"]
            start = max(0, last - (4 if prefix == "BRK-PAD-F" else int(rng.integers(3, 18))))
            effective[new] = (old, start)
            rows.append(Supersession(old=parts[old], new=parts[new], effective_on=self.months[start],
                                     note=SUPERSESSION_NOTES.get(parts[old].number, SUPERSESSION_NOTE)))
        Supersession.objects.bulk_create(rows)
        Compatibility.objects.bulk_create([
            Compatibility(part=parts[ix[part]], alternative=parts[ix[alt]], level=level, conditions=cond)
            for part, alt, level, cond in COMPATIBILITIES])
        return effective

    # --- history -------------------------------------------------------------------------------

    def _failures(self, popularity: np.ndarray) -> tuple[int, np.ndarray]:
        """Background failure reports plus the 12 V battery batch spike in 华南.

        Returns: the number of reports, and the spike's reports per node and month (they are
        replacements, so they add to the battery's demand).
        """
        rng, parts, months = self.rng, self.parts, self.months
        n_nodes, n_months = len(self.nodes), len(months)
        centers = np.flatnonzero(self.is_center)
        node_w = self.size[centers] / self.size[centers].sum()
        proneness = {"electronics": 2.0, "battery_12v": 2.0, "air_conditioning": 1.5, "electric_drive": 1.5,
                     "hv_battery": 1.2, "lighting": 1.2, "suspension": 1.0, "steering": 0.8, "interior": 0.8,
                     "brakes": 0.6, "body": 0.3, "wipers": 0.3, "tyres": 0.2, "filters": 0.05}
        part_w = np.array([0.0 if p.number.endswith("-TP") else proneness[p.category] for p in parts])
        part_w *= np.sqrt(popularity)
        part_w /= part_w.sum()
        reports = []
        for t, month in enumerate(months):
            count = int(rng.poisson(22 * 1.02 ** (t - n_months + 1)))
            for p, n in zip(rng.choice(len(parts), count, p=part_w), rng.choice(centers, count, p=node_w),
                            strict=True):
                built = month.year * 12 + month.month - 1 - int(rng.integers(3, 25))
                batch = f"B{built // 12 % 100:02d}{built % 12 + 1:02d}-{rng.integers(1, 31):02d}"
                if batch == SPIKE_BATCH:
                    batch = batch[:-2] + "18"
                reports.append(self._report(n, p, batch, month, int(rng.choice([1, 1, 1, 1, 2]))))
        spike = np.zeros((n_nodes, n_months), dtype=np.int64)
        south = centers[self.node_region[centers] == [c for c, _z, _e in REGIONS].index(SPIKE_REGION)]
        south_w = self.size[south] / self.size[south].sum()
        battery = self.part_ix[SPIKE_PART]
        for t in range(max(0, n_months - 10), n_months):
            count = 12 + int(rng.integers(1, 4)) if t == n_months - 1 else int(np.clip(rng.poisson(3), 2, 5))
            for n in rng.choice(south, count, p=south_w):
                spike[n, t] += 1
                reports.append(self._report(n, battery, SPIKE_BATCH, months[t], 1))
        FailureReport.objects.bulk_create(reports, batch_size=2000)
        return len(reports), spike

    def _report(self, n: int, p: int, batch: str, month: dt.date, quantity: int) -> FailureReport:
        rng, part = self.rng, self.parts[p]
        days = calendar.monthrange(month.year, month.month)[1]
        vin = "L" + "".join(rng.choice(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"), 16))
        return FailureReport(
            node=self.nodes[n], part=part, batch=batch, quantity=quantity, vin=vin,
            reported_on=month + dt.timedelta(days=int(rng.integers(days))),
            vehicle_model=str(rng.choice(part.vehicle_models)))

    def _demand(self, variant_factor: np.ndarray, popularity: np.ndarray,
                effective: dict[int, tuple[int, int]], spike: np.ndarray) -> np.ndarray:
        """Monthly demand per node, part and month (numpy array of int).

        Heavy-tailed base rates (Pareto), negative-binomial noise (intermittent), seasonality by
        category and region, and parc growth of 2% a month.
        """
        rng, parts, n_months = self.rng, self.parts, len(self.months)
        cost = np.array([float(p.unit_cost) for p in parts])
        luck = np.clip(rng.lognormal(0.0, 0.8, len(parts)), 0.1, 4.0)
        base = 0.3 * popularity * variant_factor * (cost / 500) ** -0.3 * luck
        for number, rate in RATE_OVERRIDES.items():
            base[self.part_ix[number]] = rate
        mult = np.ones((len(parts), n_months))
        for new, (old, start) in effective.items():
            base[new] = base[old]
            mult[new, :start] = 0.0
            mult[new, start:] = 0.6
            mult[old, start:] = 0.4
        kinds = np.array([_season_kind(p.number, p.category) for p in parts])
        moy = np.array([m.month - 1 for m in self.months])
        seasons = _season_table()[kinds[None, :, None], self.node_region[:, None, None], moy[None, None, :]]
        growth = 1.02 ** (np.arange(n_months) - n_months + 1)
        mean = (self.size[:, None] * base[None, :])[:, :, None] * seasons * mult[None] * growth[None, None, :]
        # negative binomial, variance = mean + mean² / shape: lumpy for slow movers, near Poisson for
        # fast ones
        shape = 1.5 + 2.0 * mean
        qty = rng.negative_binomial(shape, shape / (shape + mean))
        qty[:, self.part_ix[SPIKE_PART], :] += spike
        centers = np.flatnonzero(self.is_center)
        for number in NOWHERE:  # make sure the shortage parts are asked for lately
            for n in rng.choice(centers, 3, replace=False):
                qty[n, self.part_ix[number], -1] = max(1, qty[n, self.part_ix[number], -1])
        return qty

    def _save_demand(self, qty: np.ndarray) -> int:
        nodes, parts, months = self.nodes, self.parts, self.months
        rows = [DemandRecord(node=nodes[n], part=parts[p], month=months[t], quantity=int(qty[n, p, t]))
                for n, p, t in zip(*np.nonzero(qty), strict=True)]
        DemandRecord.objects.bulk_create(rows, batch_size=5000)
        return len(rows)

    # --- stock -----------------------------------------------------------------------------------

    def _stock_levels(self, qty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """On hand per node and part, and which (node, part) pairs get a stock row."""
        rng = self.rng
        recent = qty[:, :, -6:].mean(axis=2)
        used = qty.sum(axis=2) > 0
        n_nodes, n_parts = recent.shape
        center_recent = np.where(self.is_center[:, None], recent, 0.0)
        national = center_recent.sum(axis=0)
        order = np.argsort(-national, kind="stable")
        share = np.cumsum(national[order]) / max(national.sum(), 1e-9)
        abc = np.empty(n_parts, dtype="<U1")
        abc[order] = np.where(share <= 0.7, "A", np.where(share <= 0.95, "B", "C"))
        self.abc, self.recent = abc, recent

        on_hand = np.rint(rng.uniform(0.0, 2.0, recent.shape) * recent).astype(np.int64)
        on_hand[(recent > 0) & (rng.random(recent.shape) < 0.1)] = 0  # shortages on purpose
        on_hand[~self.is_center] = 0
        has_row = used & self.is_center[:, None]
        for n, node in enumerate(self.nodes):
            if node.kind == Node.Kind.SERVICE_CENTER:
                continue
            if node.kind == Node.Kind.REGIONAL_WAREHOUSE:
                demand = center_recent[self.node_region == self.node_region[n]].sum(axis=0)
                levels = {"A": (1.0, 2.5, 1.0), "B": (0.5, 1.5, 0.6), "C": (0.0, 0.0, 0.1)}
            else:
                demand = national
                levels = {"A": (1.5, 3.0, 1.0), "B": (1.0, 2.0, 1.0), "C": (0.0, 0.0, 0.5)}
            for p in range(n_parts):
                low, high, chance = levels[abc[p]]
                if rng.random() < chance:
                    floor = int(rng.integers(1, 6))
                    on_hand[n, p] = max(int(np.rint(demand[p] * rng.uniform(low, high))), floor)
            has_row[n] = used[n] | (on_hand[n] > 0)
        for number in NOWHERE:
            on_hand[:, self.part_ix[number]] = 0
        successor = self.part_ix["BRK-PAD-F02"]
        on_hand[:, successor] = 0
        for (code, number), value in STOCK_OVERRIDES.items():
            on_hand[self.node_ix[code], self.part_ix[number]] = value
            has_row[self.node_ix[code], self.part_ix[number]] = True
        return on_hand, has_row

    def _shipments(self, qty: np.ndarray, on_hand: np.ndarray) -> tuple[int, np.ndarray]:
        """About 30 open in-transit lines: restocking of the regional warehouses and of short centers.

        Returns: the number of lines, and the in-transit quantity per node and part.
        """
        rng, ix, recent = self.rng, self.part_ix, self.recent
        nowhere = {ix[number] for number in NOWHERE}
        a_parts = [p for p in np.flatnonzero(self.abc == "A") if p not in nowhere]
        plans: list[tuple[int, list[tuple[int, int]]]] = []
        fixed = {"WH-EAST": [("BRK-PAD-F02", 40), ("AC-CMP-E01", 6)], "WH-SOUTH": [(SPIKE_PART, 60)],
                 "SC-HZ01": [("BRK-PAD-F01", 4)]}
        for code, *_rest in WAREHOUSES:
            n = self.node_ix[code]
            lines = [(ix[number], q) for number, q in fixed.get(code, [])]
            regional = recent[self.node_region == self.node_region[n]].sum(axis=0)
            for p in rng.choice(a_parts, 3, replace=False):
                if all(p != have for have, _q in lines):
                    lines.append((int(p), max(5, 5 * int(np.rint(regional[p] * rng.uniform(1, 2) / 5)))))
            plans.append((n, lines))
        short = (on_hand == 0) & (recent >= 0.3) & self.is_center[:, None]
        short[:, sorted(nowhere)] = False
        hz = self.node_ix["SC-HZ01"]
        others = [n for n in np.argsort(-short.sum(axis=1), kind="stable") if n != hz][:4]
        for n in [hz, *others]:
            lines = [(ix[number], q) for number, q in fixed.get(self.nodes[n].code, [])]
            candidates = [p for p in np.flatnonzero(short[n]) if all(p != have for have, _q in lines)]
            for p in rng.choice(candidates, min(2, len(candidates)), replace=False):
                lines.append((int(p), max(1, int(np.ceil(recent[n, p])))))
            plans.append((n, lines))
        in_transit = np.zeros_like(on_hand)
        rows = []
        for k, (n, lines) in enumerate(plans, start=1):
            shipped = self.today - dt.timedelta(days=int(rng.integers(1, 4)))
            eta = (self.now + dt.timedelta(days=float(rng.uniform(1, 10)))).astimezone(SHANGHAI)
            eta = eta.replace(minute=0, second=0, microsecond=0)
            for p, quantity in lines:
                in_transit[n, p] += quantity
                rows.append(InTransitShipment(
                    shipment_no=f"SHP{shipped:%y%m%d}-{k:03d}", part=self.parts[p], destination=self.nodes[n],
                    quantity=quantity, eta=eta, status=InTransitShipment.Status.IN_TRANSIT))
        InTransitShipment.objects.bulk_create(rows)
        return len(rows), in_transit

    def _save_stock(self, on_hand: np.ndarray, in_transit: np.ndarray, has_row: np.ndarray) -> int:
        """Stock rows, each with its opening ``count`` movement; a few nodes confirmed days ago."""
        rng, now = self.rng, self.now
        confirmed = [
            now - (dt.timedelta(days=float(rng.uniform(5, 10))) if node.code in STALE_NODES
                   else dt.timedelta(hours=float(rng.uniform(0.5, 20))))
            for node in self.nodes
        ]
        rows = [Stock(node=self.nodes[n], part=self.parts[p], on_hand=int(on_hand[n, p]), reserved=0,
                      in_transit=int(in_transit[n, p]), confirmed_at=confirmed[n])
                for n, p in zip(*np.nonzero(has_row), strict=True)]
        Stock.objects.bulk_create(rows, batch_size=2000)
        if any(row.pk is None for row in rows):  # a backend that does not return ids
            ids = {(s.node_id, s.part_id): s.pk for s in Stock.objects.only("id", "node_id", "part_id")}
            for row in rows:
                row.pk = ids[(row.node_id, row.part_id)]
        StockMovement.objects.bulk_create([
            StockMovement(stock=row, kind=StockMovement.Kind.COUNT, by=None, reason="demo data",
                          on_hand_before=0, on_hand_after=row.on_hand, reserved_before=0,
                          reserved_after=row.reserved, in_transit_before=0, in_transit_after=row.in_transit)
            for row in rows], batch_size=2000)
        return len(rows)

    # --- users -----------------------------------------------------------------------------------

    def _users(self, regions: dict[str, Region]) -> int:
        """The demo users (one password hash for all: hashing is deliberately slow)."""
        node = {n.code: n for n in self.nodes}
        profiles: dict[str, dict[str, Any]] = {
            "hz_manager": {"role": Role.CENTER_MANAGER, "home_node": node["SC-HZ01"],
                           "first_name": "磊", "last_name": "王"},
            "gz_manager": {"role": Role.CENTER_MANAGER, "home_node": node["SC-GZ01"],
                           "first_name": "婷婷", "last_name": "陈"},
            "east_coord": {"role": Role.REGIONAL_COORDINATOR, "region": regions["EAST"],
                           "first_name": "建华", "last_name": "周"},
            "planner": {"role": Role.PLANNER, "home_node": node["WH-NATIONAL"],
                        "first_name": "思远", "last_name": "林"},
            "admin": {"role": Role.ADMIN, "is_staff": True, "is_superuser": True},
        }
        existing = set(User.objects.filter(username__in=profiles).values_list("username", flat=True))
        password = make_password(DEMO_PASSWORD)
        for username, _password, _description in DEMO_USERS:
            if username not in existing:
                User(username=username, password=password, **profiles[username]).save()
        return len(DEMO_USERS)


def _price(cost: float) -> Decimal:
    """A plausible list price: whole yuan, rounded to 50 / 10 / 5 by size."""
    step = 50 if cost >= 2000 else 10 if cost >= 200 else 5 if cost >= 50 else 1
    return Decimal(int(round(cost / step) * step))
