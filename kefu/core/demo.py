"""Demo data: an organisation, its staff, customers and cases of every loaded rulebook.

Two ways to make cases:

* `make_cases_with_services` registers each case with `case_register` and walks it through the
  rulebook with `case_transition`, acted by people whose roles the rulebook allows, so history,
  approvals, remedies and notes are exactly what real use produces. A demo clock (patched
  `django.utils.timezone.now`) makes the history happen at the case's received time, not today.
* `make_cases_in_bulk` writes Case rows plus their registration event with `bulk_create`, numbered
  like the rulebook numbers them and with the `NumberSequence` counters moved past the last serial
  used, so later real registrations never collide. It is what makes a million cases quick.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from kefu.cases import events
from kefu.cases.choices import CaseStatus, Channel, EventKind, Responsibility, Validity
from kefu.cases.facts import condition_holds
from kefu.cases.models import Case, CaseEvent, NumberSequence
from kefu.cases.services import (
    case_add_note,
    case_register,
    case_suspend,
    case_transition,
    case_withdraw,
)
from kefu.cases.services.approvals import next_approval_step
from kefu.cases.services.transitions import transition_inputs
from kefu.core.demo_fields import demo_channel, demo_field_values
from kefu.core.exceptions import ApplicationError
from kefu.core.models import DemoAccount
from kefu.customers.choices import AddressKind, ContactRole, CustomerGrade, CustomerType, Region
from kefu.customers.models import Address, Contact, Customer
from kefu.customers.validators import validate_phone
from kefu.org.choices import Role, UnitKind
from kefu.org.models import OrgUnit, User
from kefu.org.services import unit_create
from kefu.rulebooks.choices import Operation, StateKind, TransitionAction
from kefu.rulebooks.models import RulebookVersion
from kefu.rulebooks.schema import CaseTypeDef, RulebookDoc, TransitionDef, render_number_prefix
from kefu.rulebooks.selectors import active_rulebooks

__all__ = (
    "DEMO_PASSWORD",
    "ADMIN_PASSWORD",
    "DemoWorld",
    "build_world",
    "make_cases_with_services",
    "make_app_demos",
    "make_cases_in_bulk",
)

DEMO_PASSWORD = "kefu-demo"
ADMIN_PASSWORD = "kefu-admin"

# --------------------------------------------------------------------------------------------------
# Realistic Chinese names, places and texts

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
_GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建国 建华 志强 海燕 小红 晓明 国平 "
    "玉兰 文博 子涵 欣怡 浩然 宇轩 梓萱 俊杰 思远 雨桐 佳怡 嘉豪 晨曦 天宇 诗涵 一鸣 志华 丽娟 春梅 红霞 德华 "
    "振国 秀兰 建平 海涛 文静 玉梅 立新 晓东 永红 卫东 淑珍 凤英 金凤 雪梅 鹏飞 云峰 亚楠 慧敏 婷婷 梦瑶"
).split()
_COMPANY_WORDS = (
    "华信 东方 恒通 鑫源 宏达 振华 金桥 远航 新世纪 天成 瑞丰 永安 嘉禾 汇通 中联 盛世 博远 海纳 宏图 锦程 "
    "正泰 安泰 长城 凯达 明珠 同创 立信 佳源 和顺 大华"
).split()
_COMPANY_TRADES = "科技 贸易 电器 物业管理 建材 食品 商贸 机电 制冷设备 实业 酒店管理 物流 餐饮管理 连锁超市".split()
_GOVERNMENT = ["街道办事处", "第一中学", "人民医院", "社区服务中心", "市政管理处", "图书馆"]

# (province, city, districts, landline area code, city code in the org)
_CITIES = [
    ("浙江省", "杭州市", ["西湖区", "拱墅区", "上城区", "滨江区", "余杭区", "萧山区"], "0571", "hz"),
    ("浙江省", "宁波市", ["海曙区", "江北区", "鄞州区", "北仑区", "镇海区"], "0574", "nb"),
    ("广东省", "广州市", ["天河区", "越秀区", "海珠区", "白云区", "番禺区"], "020", "gz"),
    ("广东省", "深圳市", ["南山区", "福田区", "罗湖区", "宝安区", "龙岗区"], "0755", "sz"),
]
_STREETS = "文三路 解放路 中山路 人民路 建设路 延安路 学院路 滨江大道 环城北路 长江路 黄河路 新华街 和平里 光明街 解放南路".split()
_OVERSEAS = [
    ("香港", "+852", 8),
    ("新加坡", "+65", 8),
    ("马来西亚吉隆坡", "+60", 9),
    ("澳门", "+853", 8),
]

# Titles, descriptions and requests by case kind (the engine's fixed list in rulebooks.schema).
_TEXTS: dict[str, list[tuple[str, str, str]]] = {
    "complaint": [
        (
            "维修人员上门迟到且态度生硬",
            "客户反映预约上午九点上门，维修人员十一点才到，解释时语气生硬。",
            "要求道歉并说明原因",
        ),
        ("热线等待时间过长", "客户连续三次拨打服务热线，每次等待超过十五分钟无人接听。", "要求改进热线接听"),
        ("安装后设备漏水", "安装完成第二天发现接口处漏水，地板受潮。", "要求上门返修并赔偿损失"),
        ("收费与报价不一致", "维修结束后实际收费比电话报价高出两百元，未事先告知。", "要求退还差价"),
        ("工作人员未按约定回电", "客户反映工作人员承诺当天回电，三天未有任何联系。", "要求尽快答复处理进度"),
        ("营业厅人员推诿", "客户到营业厅办理业务，被要求到其他窗口，来回三次未办成。", "要求明确办理流程"),
    ],
    "inquiry": [
        ("咨询产品保修期限", "客户询问去年购买的产品保修期多长，是否包含上门服务。", ""),
        ("咨询发票开具", "客户询问如何开具增值税专用发票及所需资料。", ""),
        ("咨询网点地址", "客户询问离家最近的服务网点地址和营业时间。", ""),
        ("咨询套餐资费", "客户询问企业套餐的资费标准和优惠政策。", ""),
        ("咨询办理进度", "客户询问上周提交的申请目前办理到哪一步。", ""),
    ],
    "suggestion": [
        ("建议增加微信预约功能", "客户建议在微信公众号增加上门服务预约和进度查询。", "希望采纳"),
        ("建议延长周末营业时间", "客户建议营业厅周末延长至晚上八点。", ""),
        ("建议短信提前通知上门时间", "客户建议维修人员出发时短信通知，避免空等。", ""),
    ],
    "praise": [
        ("表扬维修师傅认真负责", "客户来电表扬维修师傅冒雨上门，耐心讲解使用注意事项。", "希望转达谢意"),
        ("表扬热线客服耐心细致", "客户表扬热线客服耐心解答，一次解决问题。", ""),
        ("表扬营业厅服务周到", "客户表扬营业厅工作人员主动帮助老人填写资料。", ""),
    ],
    "repair": [
        ("空调不制冷报修", "客户家中空调开机后不制冷，外机不转。", "尽快上门维修"),
        ("热水器无法点火", "燃气热水器打开后无法点火，显示故障代码 E1。", "请安排师傅上门"),
        ("新购设备预约安装", "客户新购设备，需预约本周六上门安装。", "周六上午安装"),
        ("线路故障报修", "客户所在楼栋线路故障，整栋楼无法正常使用。", "尽快抢修"),
    ],
    "quality_claim": [
        ("批次产品外观划伤", "客户收到的一批产品中有三十件外壳划伤，影响销售。", "要求退换并赔偿"),
        ("产品使用一周后损坏", "产品使用一周后出现异响并停止工作，怀疑质量问题。", "要求更换新品"),
        ("包装破损导致货损", "到货时外包装破损，部分产品受潮。", "要求补发"),
    ],
    "report": [
        ("举报工作人员索要好处费", "客户举报上门人员暗示付钱可以优先安排。", "要求调查处理"),
        ("举报违规收费", "客户举报网点额外收取材料费未开票。", "要求查处"),
    ],
}
_GENERIC_TEXTS = [("客户来电反映问题", "客户来电反映使用中遇到的问题，请相关部门处理。", "")]
_KIND_WEIGHT = {
    "inquiry": 30,
    "repair": 25,
    "complaint": 20,
    "quality_claim": 10,
    "report": 4,
    "suggestion": 7,
    "praise": 5,
}
_CHANNEL_WEIGHTS = {
    Channel.HOTLINE: 40,
    Channel.PHONE: 20,
    Channel.WECHAT: 15,
    Channel.WEB: 8,
    Channel.VISIT: 8,
    Channel.EMAIL: 4,
    Channel.LETTER: 2,
    Channel.OPINION_BOX: 1,
    Channel.API: 2,
}


def _person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('358')}{rng.randrange(10)}{rng.randrange(10**8):08d}"


def _landline(rng: random.Random, area: str) -> str:
    return f"{area}-{rng.randrange(2, 9)}{rng.randrange(10**7):07d}"


# --------------------------------------------------------------------------------------------------
# Organisation and staff


@dataclass
class DemoWorld:
    """Everything the case generators pick from, loaded once."""

    units: dict[str, OrgUnit]
    users: list[User]
    by_city_role: dict[tuple[str, str], list[User]] = field(default_factory=dict)
    by_role: dict[str, list[User]] = field(default_factory=dict)
    by_unit_role: dict[tuple[int, str], list[User]] = field(default_factory=dict)
    customers: list[tuple[int, int | None, str]] = field(default_factory=list)  # (id, contact id, city code)

    def index(self) -> None:
        code_of = {u.pk: code for code, u in self.units.items()}
        for user in self.users:
            if user.is_superuser:
                continue  # the admin may do anything; keep it out of the rotation so roles matter
            self.by_role.setdefault(user.role, []).append(user)
            self.by_unit_role.setdefault((user.unit_id, user.role), []).append(user)
            city = code_of.get(user.unit_id, "").split("-")[0]
            self.by_city_role.setdefault((city, user.role), []).append(user)


# (code suffix, name, teams under it) for each city's departments.
_DEPARTMENTS = [
    ("cs", "客服部", [("1", "热线一组"), ("2", "热线二组")]),
    ("as", "售后部", [("1", "维修一班"), ("2", "维修二班")]),
    ("qa", "质量部", []),
    ("sales", "销售部", []),
    ("gmo", "总经理办公室", []),
]
# Leadership offices (总经理办公室): their people answer for the whole company they sit in when an
# escalation finds nobody with the role in the case's own chain of units (kefu.org.selectors).
_LEADERSHIP_OFFICES = {"hq-gmo", "gmo"}
# (unit code suffix within a city ("" = the city itself), role, how many)
_CITY_STAFF = [
    ("cs-1", Role.AGENT, 2),
    ("cs-2", Role.AGENT, 2),
    ("cs", Role.SUPERVISOR, 1),
    ("cs", Role.MANAGER, 1),
    ("as", Role.HANDLER, 2),
    ("as", Role.SUPERVISOR, 1),
    ("as", Role.MANAGER, 1),
    ("as-1", Role.TECHNICIAN, 1),
    ("as-2", Role.TECHNICIAN, 1),
    ("qa", Role.QUALITY, 1),
    ("qa", Role.HANDLER, 1),
    ("sales", Role.AGENT, 1),
    ("sales", Role.SUPERVISOR, 1),
    ("gmo", Role.MANAGER, 1),
]
# Usernames: deputy_gm and gm are single people; every other role is numbered (agent1, agent2, …).
_SINGLE_USERNAMES = {Role.DEPUTY_GM: "deputy_gm", Role.GENERAL_MANAGER: "gm"}


def _ensure_unit(
    units: dict[str, OrgUnit], code: str, name: str, kind: str, parent: OrgUnit | None, *, leadership: bool = False
) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=code).first() or unit_create(
        name=name, code=code, kind=kind, parent=parent, is_leadership_office=leadership
    )
    units[code] = unit
    return unit


def build_world(*, rng: random.Random, customers: int, log: Callable[[str], None] = print) -> DemoWorld:
    """Create (or reuse) the demo organisation, staff and customers."""
    units: dict[str, OrgUnit] = {}
    with transaction.atomic():
        group = _ensure_unit(units, "hq", "华远集团", UnitKind.GROUP, None)
        for code, name in (("hq-gmo", "总经理办公室"), ("hq-qa", "质量管理部"), ("hq-it", "信息中心")):
            _ensure_unit(units, code, name, UnitKind.DEPARTMENT, group, leadership=code in _LEADERSHIP_OFFICES)
        provinces = {
            "浙江省": _ensure_unit(units, "zj", "浙江分公司", UnitKind.PROVINCE, group),
            "广东省": _ensure_unit(units, "gd", "广东分公司", UnitKind.PROVINCE, group),
        }
        for province, city, _districts, _area, ccode in _CITIES:
            city_unit = _ensure_unit(units, ccode, city.removesuffix("市") + "公司", UnitKind.CITY, provinces[province])
            for suffix, name, teams in _DEPARTMENTS:
                dept = _ensure_unit(
                    units,
                    f"{ccode}-{suffix}",
                    name,
                    UnitKind.DEPARTMENT,
                    city_unit,
                    leadership=suffix in _LEADERSHIP_OFFICES,
                )
                for tsuffix, tname in teams:
                    _ensure_unit(units, f"{ccode}-{suffix}-{tsuffix}", tname, UnitKind.TEAM, dept)

        # Staff. Hashing is deliberately slow, so hash the shared demo password once.
        demo_hash = make_password(DEMO_PASSWORD)
        plan: list[tuple[str, str, OrgUnit]] = [
            (Role.GENERAL_MANAGER, "", units["hq-gmo"]),
            (Role.DEPUTY_GM, "", units["hq-gmo"]),
            (Role.QUALITY, "", units["hq-qa"]),
        ]
        for *_rest, ccode in _CITIES:
            for suffix, role, count in _CITY_STAFF:
                plan += [(role, "", units[f"{ccode}-{suffix}"])] * count
        counters: dict[str, int] = {}
        new_users = []
        for role, _unused, unit in plan:
            if role in _SINGLE_USERNAMES:
                username = _SINGLE_USERNAMES[role]
            else:
                counters[role] = counters.get(role, 0) + 1
                username = f"{role}{counters[role]}"
            name = _person_name(rng)
            new_users.append(
                User(
                    username=username,
                    password=demo_hash,
                    role=role,
                    unit=unit,
                    first_name=name[1:],
                    last_name=name[0],
                    display_name=name,
                    email=f"{username}@kefu.example.cn",
                    phone=_mobile(rng),
                )
            )
        new_users.append(
            User(
                username="admin",
                password=make_password(ADMIN_PASSWORD),
                role=Role.ADMINISTRATOR,
                unit=units["hq-it"],
                display_name="系统管理员",
                email="admin@kefu.example.cn",
                is_staff=True,
                is_superuser=True,
            )
        )
        # Existing usernames are kept as they are (a second run must not reset anyone's password).
        usernames = [u.username for u in new_users]
        existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        User.objects.bulk_create(new_users, ignore_conflicts=True)
        users = list(User.objects.filter(username__in=usernames).select_related("unit"))
        # Remember which accounts this command made, for the demo box on the login page.
        DemoAccount.objects.bulk_create(
            [DemoAccount(user=u, password=u.password) for u in users if u.username not in existing],
            ignore_conflicts=True,
        )
    world = DemoWorld(units=units, users=users)
    world.index()
    log(f"organisation: {len(units)} units, {len(users)} staff (password {DEMO_PASSWORD!r}; admin {ADMIN_PASSWORD!r})")
    _make_customers(world, rng=rng, count=customers)
    log(f"customers: {len(world.customers)}")
    return world


def make_app_demos(world: DemoWorld, *, rng: random.Random, log: Callable[[str], None] = print) -> None:
    """Demo data of the apps built on the engine: each app whose AppConfig has `make_demo(world, rng=,
    log=)` adds its own (knowledge articles, duty rosters, …). The core does not import those apps."""
    from django.apps import apps

    for config in apps.get_app_configs():
        make_demo = getattr(config, "make_demo", None)
        if make_demo is not None:
            make_demo(world, rng=rng, log=log)


def _make_customers(world: DemoWorld, *, rng: random.Random, count: int) -> None:
    stamp = timezone.localtime()
    # Customer numbers look like the intake form's (C + date + hex) but are drawn from a private range.
    taken = set(Customer.objects.filter(code__startswith=f"C{stamp:%y%m%d}").values_list("code", flat=True))
    made = 0
    batch = 5000
    while made < count:
        n = min(batch, count - made)
        rows: list[tuple[Customer, str, str, str, tuple[str, str, str, str]]] = []
        for _ in range(n):
            code = f"C{stamp:%y%m%d}{rng.getrandbits(24):06X}"
            while code in taken:
                code = f"C{stamp:%y%m%d}{rng.getrandbits(24):06X}"
            taken.add(code)
            province, city, districts, area, ccode = rng.choice(_CITIES)
            overseas = rng.random() < 0.03
            roll = rng.random()
            if roll < 0.62:
                ctype = rng.choice([CustomerType.INDIVIDUAL, CustomerType.RESIDENT])
                name = _person_name(rng)
                contact_name = name
            elif roll < 0.95:
                ctype = rng.choice(
                    [CustomerType.ENTERPRISE, CustomerType.RETAILER, CustomerType.WHOLESALE, CustomerType.FRANCHISE]
                )
                name = f"{city.removesuffix('市')}{rng.choice(_COMPANY_WORDS)}{rng.choice(_COMPANY_TRADES)}有限公司"
                contact_name = _person_name(rng)
            else:
                ctype = CustomerType.GOVERNMENT
                name = f"{city}{rng.choice(districts)}{rng.choice(_GOVERNMENT)}"
                contact_name = _person_name(rng)
            if overseas:
                place, cc, digits = rng.choice(_OVERSEAS)
                phone = f"{cc}{rng.randrange(5, 10)}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
                address = (
                    place,
                    "",
                    "",
                    f"{rng.randrange(1, 300)} {rng.choice(['Queen', 'Orchard', 'Jalan Ampang'])} Road",
                )
            else:
                phone = (
                    _mobile(rng) if rng.random() < 0.75 or ctype in ("individual", "resident") else _landline(rng, area)
                )
                line = f"{rng.choice(_STREETS)}{rng.randrange(1, 999)}号" + (
                    f"{rng.randrange(1, 30)}幢{rng.randrange(1, 6)}单元{rng.randrange(101, 2999)}室"
                    if ctype in ("individual", "resident")
                    else ""
                )
                address = (province, city, rng.choice(districts), line)
            customer = Customer(
                code=code,
                name=name,
                customer_type=ctype,
                grade=rng.choices(
                    [CustomerGrade.KEY, CustomerGrade.A, CustomerGrade.B, CustomerGrade.C, CustomerGrade.D],
                    [3, 10, 25, 50, 12],
                )[0],
                region=Region.URBAN if rng.random() < 0.7 else Region.SUBURBAN,
                is_overseas=overseas,
            )
            rows.append((customer, contact_name, validate_phone(phone), ccode, address))
        with transaction.atomic():
            Customer.objects.bulk_create([r[0] for r in rows])
            contacts = []
            addresses = []
            for customer, contact_name, phone, _ccode, (province, city, district, line) in rows:
                contacts.append(Contact(customer=customer, name=contact_name, phone=phone, role=ContactRole.PRIMARY))
                if customer.customer_type not in ("individual", "resident") and rng.random() < 0.5:
                    contacts.append(
                        Contact(
                            customer=customer,
                            name=_person_name(rng),
                            phone=_mobile(rng),
                            role=rng.choice([ContactRole.PURCHASING, ContactRole.TECHNICAL, ContactRole.FINANCE]),
                        )
                    )
                addresses.append(
                    Address(
                        customer=customer,
                        kind=AddressKind.SITE,
                        province=province,
                        city=city,
                        district=district,
                        line=line,
                        postcode=f"{rng.randrange(100000, 999999)}" if province else "",
                    )
                )
            Contact.objects.bulk_create(contacts)
            Address.objects.bulk_create(addresses)
        primary = {c.customer_id: c.pk for c in contacts if c.role == ContactRole.PRIMARY}
        world.customers += [(r[0].pk, primary.get(r[0].pk), r[3]) for r in rows]
        made += n


# --------------------------------------------------------------------------------------------------
# What to make: case types, received times, how far each case got


@dataclass(frozen=True, eq=False)  # hashed by identity: used as a dict key, and the doc is not hashable
class _TypeChoice:
    version: RulebookVersion
    doc: RulebookDoc
    code: str
    type_def: CaseTypeDef


def _case_types() -> list[_TypeChoice]:
    out = []
    for rulebook in active_rulebooks():
        version = rulebook.active_version
        doc = version.doc
        out += [_TypeChoice(version, doc, code, td) for code, td in doc.case_types.items()]
    if not out:
        raise ApplicationError("No rulebook is loaded: run `kefu setup` first.")
    return out


def _type_sequence(types: list[_TypeChoice], n: int, rng: random.Random) -> list[_TypeChoice]:
    """Every case type at least once (when n allows), then weighted by how common its kind is."""
    first = list(types)
    rng.shuffle(first)
    weights = [_KIND_WEIGHT.get(t.type_def.kind, 5) for t in types]
    rest = rng.choices(types, weights, k=max(0, n - len(first)))
    return (first + rest)[:n]


def _month_starts(now: datetime, months: int = 13) -> list[datetime]:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first]
    for _ in range(months - 1):
        prev = (starts[-1] - timedelta(days=1)).replace(day=1)
        starts.append(prev)
    return list(reversed(starts))


# Busy hours of a service desk: little at night, peaks mid-morning and early afternoon.
_HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 9, 13, 15, 14, 12, 10, 8, 7, 6, 4, 3, 2]


def _received_times(n: int, *, rng: random.Random, now: datetime) -> Iterator[list[datetime]]:
    """Yield, month by month (oldest first), sorted received times; volume grows a little each month."""
    now = timezone.localtime(now)  # months are local calendar months, as case numbers are
    starts = _month_starts(now)
    ends = [*starts[1:], now]
    spans = [(e - s).total_seconds() for s, e in zip(starts, ends, strict=True)]
    weights = [span * (1 + 0.04 * i) for i, span in enumerate(spans)]
    total = sum(weights)
    counts = [int(n * w / total) for w in weights]
    counts[-1] += n - sum(counts)
    for start, end, count in zip(starts, ends, counts, strict=True):
        days = max(1, (end - start).days + (1 if end.hour or end.minute else 0))
        span = (end - start).total_seconds()
        times = []
        while len(times) < count:
            for _ in range(20):
                day = rng.randrange(days)
                hour = rng.choices(range(24), _HOUR_WEIGHTS)[0]
                when = start + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
                if when < end:
                    break
            else:  # the month has only just begun: any time so far will do
                when = start + timedelta(seconds=rng.random() * span)
            times.append(when)
        times.sort()
        # UTC, as the database stores them: the bulk path then formats them without conversions.
        yield [t.astimezone(UTC) for t in times]


def _age_target(received: datetime, now: datetime, rng: random.Random) -> float:
    """How far along its walk a case got: old cases are nearly all finished, new ones are in flight."""
    age = (now - received).days
    if age > 90:
        return 1.0 if rng.random() < 0.96 else rng.random()
    if age > 30:
        return 1.0 if rng.random() < 0.75 else rng.random()
    return rng.random() * 0.85


def _texts(kind: str, rng: random.Random) -> tuple[str, str, str]:
    return rng.choice(_TEXTS.get(kind, _GENERIC_TEXTS))


# --------------------------------------------------------------------------------------------------
# Choosing people and input for a transition


def _route_target(world: DemoWorld, kind: str, city: str, rng: random.Random) -> tuple[OrgUnit, list[User]]:
    """Which unit a case of this kind is routed to, and who there can handle it."""
    if kind == "repair":
        unit = world.units[f"{city}-as-{rng.choice('12')}"]
        return unit, world.by_unit_role.get((unit.pk, Role.TECHNICIAN), [])
    if kind in ("quality_claim",):
        unit = world.units[f"{city}-qa"]
    elif kind in ("suggestion", "praise", "inquiry"):
        unit = world.units[f"{city}-{rng.choice(['as', 'sales', 'cs'])}"]
    else:
        unit = world.units[f"{city}-as"]
    handlers = world.by_unit_role.get((unit.pk, Role.HANDLER)) or world.by_city_role.get((city, Role.HANDLER), [])
    return unit, handlers


def _pick(
    world: DemoWorld,
    roles: list[str],
    *,
    city: str,
    rng: random.Random,
    prefer: list[User | None],
    avoid: int | None,
    case: Case | None = None,
) -> User | None:
    """Someone with one of `roles` who may act on `case`: its own people first, then the city, then anyone."""
    from kefu.cases.changes import actor_may_act

    def fits(person: User) -> bool:
        return person.pk != avoid and (case is None or actor_may_act(case, person))

    for person in prefer:
        if person is not None and person.role in roles and fits(person):
            return person
    for pool in (
        [u for r in roles for u in world.by_city_role.get((city, r), [])],
        [u for r in roles for u in world.by_role.get(r, [])],
    ):
        pool = [u for u in pool if fits(u)]
        if pool:
            return rng.choice(pool)
    return None


def _transition_input(
    td: TransitionDef, case: Case, world: DemoWorld, city: str, rng: random.Random
) -> tuple[dict[str, Any], list[User | None]]:
    """The form a person would fill in for this transition, and whom to prefer as the actor."""
    action = td.action
    kind = case.type_def.kind
    prefer: list[User | None] = [case.assignee, case.owner]
    data: dict[str, Any] = {}
    if action == TransitionAction.NOT_ESTABLISHED:
        data["reason"] = "经核实，相关服务符合规定流程，已向客户耐心解释，客户表示理解。"
    elif action in (TransitionAction.ROUTE, TransitionAction.ASSIGN):
        unit, handlers = _route_target(world, kind, city, rng)
        handlers = [h for h in handlers if h.pk != case.subject_person_id]
        if action == TransitionAction.ROUTE:
            data["unit"] = unit.pk
        if handlers:
            data["assignee"] = rng.choice(handlers).pk
        elif action == TransitionAction.ASSIGN:
            fallback = _pick(world, [Role.HANDLER], city=city, rng=rng, prefer=[], avoid=case.subject_person_id)
            data["assignee"] = fallback.pk if fallback else None
        data["comment"] = "请按制度时限处理。"
    elif action == TransitionAction.FINDING:
        responsibility = rng.choices(Responsibility.values, [6, 3, 1])[0]
        data = {
            "cause": {
                "company": "经调查，工作人员未按服务规范执行，存在过失。",
                "customer": "经调查，问题由客户使用不当引起，已说明正确使用方法。",
                "supplier": "经调查，问题源于供应商来料缺陷，已要求供应商整改。",
            }[responsibility],
            "responsibility": responsibility,
        }
        if responsibility == "company" and case.subject_person_id:
            data["responsible_person"] = case.subject_person_id
    elif action == TransitionAction.REMEDY:
        amount = rng.choice([0, 50, 100, 200, 500, 800, 1500, 3000, 8000, 25000])
        kind_ = "apology" if amount == 0 else rng.choice(["allowance", "compensation", "refund", "repair", "exchange"])
        data["remedies"] = [{"kind": kind_, "amount": str(amount), "description": "按制度给予处理"}]
        prefer = [case.assignee]
    elif action == TransitionAction.DECLINE:
        data["comment"] = "方案补偿标准偏高，请重新核定。"
    elif action == TransitionAction.APPROVE:
        data["comment"] = "同意。"
    elif action == TransitionAction.REPLY:
        data["reply"] = "您好，您反映的问题已处理完毕，给您带来不便深表歉意，感谢您的理解与支持。"
        prefer = [case.assignee, case.owner]
    elif action == TransitionAction.CUSTOMER_REJECT:
        data["reason"] = "客户对处理结果不满意，要求重新处理。"
    elif action == TransitionAction.RETURN_VISIT:
        data["note"] = rng.choice(["客户表示满意。", "客户基本满意，希望以后及时响应。", "客户非常满意，感谢回访。"])
        prefer = [case.owner]
    elif action == TransitionAction.REVIEW:
        data["summary"] = "已组织相关人员学习服务规范，纳入月度考核。"
    return data, prefer


def _approval_role(case: Case, td: TransitionDef) -> str | None:
    step = next_approval_step(case, td)
    return step[1].role if step is not None else None


def _refs(world: DemoWorld, contact_id: int | None) -> dict[str, list[int]]:
    """What a staff, unit or contact form field of a demo case may point at."""
    return {
        "staff": [u.pk for users in world.by_role.values() for u in users][:200],
        "unit": [u.pk for u in world.units.values()],
        "contact": [contact_id] if contact_id else [],
    }


def _required_input(
    td: TransitionDef, case: Case, data: dict[str, Any], world: DemoWorld, rng: random.Random, at: datetime
) -> Any:
    """What the rulebook requires on the transition besides its action's input (format v2): a comment,
    form fields, an uploaded file. Fills `data`; returns the file to upload, if any."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    comment_required, keys, attachment_required = transition_inputs(case, td)
    if comment_required and not data.get("comment"):
        data["comment"] = "已按制度办理，情况说明见附件。" if attachment_required else "已按制度办理。"
    asked = [d for d in (case.type_def.field(k) for k in keys) if d is not None]
    missing = {d.key for d in asked if (case.fields or {}).get(d.key) in (None, "", []) and d.type != "attachment"}
    if missing:
        data["fields"] = demo_field_values(
            case.type_def.fields, rng, at=at, refs=_refs(world, case.contact_id), keys=missing
        )
    needs_file = attachment_required or any(d.type == "attachment" for d in asked)
    return SimpleUploadedFile("处理单.pdf", b"%PDF-1.4 demo", content_type="application/pdf") if needs_file else None


def _choose_transition(options: list[TransitionDef], rng: random.Random, declined: bool) -> TransitionDef:
    """Mostly the ordinary path; now and then a complaint that does not stand, a send-back, a rejection."""
    weights = []
    for td in options:
        w = 10.0
        if td.action == TransitionAction.NOT_ESTABLISHED:
            w = 1.5
        elif td.action == TransitionAction.DECLINE:
            w = 0.0 if declined else 1.0
        elif td.action == TransitionAction.CUSTOMER_REJECT:
            w = 0.5
        weights.append(w)
    if not any(weights):
        weights = [1.0] * len(options)
    return rng.choices(options, weights)[0]


# --------------------------------------------------------------------------------------------------
# Path (a): through the services


class _DemoClock:
    """A settable `now` so the services stamp the history with the demo's time, never the future."""

    def __init__(self) -> None:
        self.at: datetime | None = None
        self._real = timezone.now

    def __call__(self) -> datetime:
        real = self._real()
        return min(self.at, real) if self.at is not None else real


@contextmanager
def _demo_clock_and_no_notifications() -> Iterator[_DemoClock]:
    clock = _DemoClock()
    # The demo's history is backdated: mailing owners about events "months ago" would only be noise.
    with (
        mock.patch("django.utils.timezone.now", clock),
        events.muted(),
    ):
        yield clock


def make_cases_with_services(
    world: DemoWorld, *, size: int, rng: random.Random, log: Callable[[str], None] = print
) -> int:
    """Register `size` cases and walk each a random way through its rulebook. Returns cases made."""
    types = _case_types()
    now = timezone.now()
    times = [t for month in _received_times(size, rng=rng, now=now) for t in month]
    plan = list(zip(times, _type_sequence(types, size, rng), strict=True))
    made = 0
    started = time.monotonic()
    with _demo_clock_and_no_notifications() as clock:
        for i in range(0, len(plan), 50):
            with transaction.atomic():  # one commit per 50 cases, not per write
                for received, choice in plan[i : i + 50]:
                    made += _service_case(world, choice, received=received, now=now, clock=clock, rng=rng)
    log(f"cases: {made} through the services in {time.monotonic() - started:.1f}s")
    return made


def _service_case(
    world: DemoWorld, choice: _TypeChoice, *, received: datetime, now: datetime, clock: _DemoClock, rng: random.Random
) -> int:
    customer_id, contact_id, city = rng.choice(world.customers)
    receivers = world.by_city_role.get((city, Role.AGENT)) or world.by_role[Role.AGENT]
    receiver = rng.choice(receivers)
    kind = choice.type_def.kind
    subject = None
    if kind in ("complaint", "report") and rng.random() < 0.5:
        pool = world.by_city_role.get((city, Role.TECHNICIAN), []) + world.by_city_role.get((city, Role.HANDLER), [])
        subject = rng.choice(pool) if pool else None
    title, description, request = _texts(kind, rng)
    categories = [c.code for c in choice.doc.categories_for(choice.code)]
    severities = choice.doc.severities
    clock.at = received
    customer = Customer.objects.get(pk=customer_id)
    case, _ = case_register(
        actor=receiver,
        case_type=choice.code,
        customer=customer,
        contact=Contact.objects.get(pk=contact_id) if contact_id else None,
        channel=demo_channel(choice.doc.channel_codes(choice.code), _CHANNEL_WEIGHTS, rng),
        fields=demo_field_values(choice.type_def.fields, rng, at=received, refs=_refs(world, contact_id)),
        title=title,
        description=description,
        customer_request=request,
        category=rng.choice(categories) if categories else "",
        severity=rng.choices(severities, [70, 22, 8][: len(severities)] + [5] * max(0, len(severities) - 3))[0].code,
        subject_person=subject,
        received_at=received,
        rulebook_key=choice.doc.key,
    )
    made = 1
    target = _age_target(received, now, rng)
    # A finished case walks until it is archived (40 is more than any graph needs); others stop part-way.
    steps = 40 if target >= 1 else int(round(target * 12))
    declined = False
    at = received
    for _ in range(steps):
        # Only what the rulebook offers this case now (a transition's condition may not hold).
        options = [t for t in case.type_def.transitions_from(case.stage) if condition_holds(case, t.when)]
        if not options or case.status not in (CaseStatus.OPEN, CaseStatus.CLOSED):
            break
        if case.status == CaseStatus.CLOSED:
            options = [t for t in options if t.action == TransitionAction.ARCHIVE]
            if not options or rng.random() < (0.5 if target < 1 else 0.15):
                break  # closed, not archived yet
        td = _choose_transition(options, rng, declined)
        at += timedelta(minutes=rng.randrange(20, 60 * 30))
        if at >= now:
            break  # nothing happens in the future: this case is still where it is
        clock.at = at
        data, prefer = _transition_input(td, case, world, city, rng)
        upload = _required_input(td, case, data, world, rng, at)
        roles = list(td.roles)
        if td.action in (TransitionAction.APPROVE, TransitionAction.DECLINE):
            role = _approval_role(case, td)
            if role is None:
                break
            roles = [role]
        actor = _pick(world, roles, city=city, rng=rng, prefer=prefer, avoid=case.subject_person_id, case=case)
        if actor is None:
            break
        before = Case.objects.count() if td.action == TransitionAction.CUSTOMER_REJECT else 0
        keys = transition_inputs(case, td)[1]
        attachment_fields = [k for k in keys if (d := case.type_def.field(k)) is not None and d.type == "attachment"]
        case = case_transition(
            case=case,
            actor=actor,
            transition=td.name,
            expected_version=case.version,
            data=data,
            upload=upload,
            upload_fields=attachment_fields,
        )
        if td.action == TransitionAction.CUSTOMER_REJECT:
            made += Case.objects.count() - before  # the follow-up case the rejection opened
        declined = declined or td.action == TransitionAction.DECLINE
        if case.status == CaseStatus.ARCHIVED:
            break
    # A few cases stop outside the graph: suspended while waiting for the customer, or withdrawn.
    if case.status == CaseStatus.OPEN and target < 1:
        roll = rng.random()
        op = Operation.SUSPEND if roll < 0.05 else Operation.WITHDRAW if roll < 0.08 else None
        if op is not None:
            actor = _pick(
                world, case.rulebook.operation_roles(op), city=city, rng=rng, prefer=[case.owner], avoid=None, case=case
            )
            if actor is not None and actor.pk != case.subject_person_id:
                clock.at = min(at + timedelta(hours=2), now)
                service = case_suspend if op == Operation.SUSPEND else case_withdraw
                reason = "等待客户提供购买凭证。" if op == Operation.SUSPEND else "客户来电表示问题已自行解决，撤回。"
                case = service(case=case, actor=actor, expected_version=case.version, reason=reason)
        elif roll < 0.2:
            actor = _pick(
                world,
                case.rulebook.operation_roles(Operation.NOTE),
                city=city,
                rng=rng,
                prefer=[case.owner],
                avoid=None,
                case=case,
            )
            if actor is not None and actor.pk != case.subject_person_id:
                clock.at = min(at + timedelta(hours=1), now)
                case_add_note(case=case, actor=actor, body="已电话联系客户，告知处理进度。")
    return made


# --------------------------------------------------------------------------------------------------
# Path (b): in bulk


@dataclass(frozen=True)
class _Step:
    to: str
    action: str


def _simulated_walks(choice: _TypeChoice, rng: random.Random, count: int = 24) -> list[list[_Step]]:
    """Sample walks through the case type's graph (approval chains collapse to one step here)."""
    walks = []
    td_ = choice.type_def
    for _ in range(count):
        stage, walk, declined = td_.initial, [], False
        for _ in range(40):
            options = td_.transitions_from(stage)
            if not options or td_.state(stage).kind == StateKind.ARCHIVED:
                break
            td = _choose_transition(options, rng, declined)
            declined = declined or td.action == TransitionAction.DECLINE
            walk.append(_Step(td.to, td.action))
            stage = td.to
        walks.append(walk)
    return walks


def _fast_datetime_adapter() -> Callable[[Any], Any] | None:
    """SQLite stores UTC datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]' text (what Django's adapter
    produces); for values already in UTC that is just str() of the naive value, several times faster."""
    if connection.vendor != "sqlite":
        return None
    slow = connection.ops.adapt_datetimefield_value

    def adapt(value: Any) -> Any:
        if value is not None and value.tzinfo is UTC:
            return str(value.replace(tzinfo=None))
        return slow(value)

    return adapt


class _RawInserter:
    """INSERTs rows of a model with executemany: the ORM's per-value compilation is what makes
    bulk_create too slow for a million rows. Values are adapted the way the ORM would."""

    def __init__(self, model: type[models.Model]) -> None:
        ops = connection.ops
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.defaults = {f.attname: f.get_default() for f in self.fields if not f.primary_key}
        adapters: list[tuple[int, Callable[[Any], Any]]] = []
        for i, f in enumerate(self.fields):
            if isinstance(f, models.DateTimeField):
                adapters.append((i, _fast_datetime_adapter() or ops.adapt_datetimefield_value))
            elif isinstance(f, models.JSONField):
                adapters.append((i, lambda v, enc=f.encoder: ops.adapt_json_value(v, enc)))
            elif isinstance(f, models.DecimalField):
                adapters.append((i, lambda v, f=f: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)))
        self.adapters = adapters
        qn = ops.quote_name
        columns = ", ".join(qn(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"

    def row(self, values: dict[str, Any]) -> list[Any]:
        row = [values.get(name, self.defaults.get(name)) for name in self.attnames]
        for i, adapt in self.adapters:
            row[i] = adapt(row[i])
        return row

    def reserve_ids(self, n: int) -> list[int]:
        """n primary keys nobody else will take (call inside the batch's transaction)."""
        table = self.model._meta.db_table
        pk = self.model._meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Drawn from the table's own sequence, so concurrent inserts get other ids.
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n]
                )
                return [r[0] for r in cursor.fetchall()]
            # SQLite: this IMMEDIATE transaction holds the write lock, so max(id) cannot move under us.
            cursor.execute(
                f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {connection.ops.quote_name(table)}"
            )
            top = cursor.fetchone()[0]
            return list(range(top + 1, top + 1 + n))

    def insert(self, rows: list[list[Any]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, rows)


def make_cases_in_bulk(
    world: DemoWorld,
    *,
    size: int,
    rng: random.Random,
    batch: int = 5000,
    log: Callable[[str], None] = print,
) -> int:
    """Write `size` cases and their registration events in batches. Returns cases made.

    Meant for an idle site (setup, benchmarks): serials are taken from the counters in memory and
    the counters are moved past them at the end of every batch, in the batch's transaction.
    """
    types = _case_types()
    weights = [_KIND_WEIGHT.get(t.type_def.kind, 5) for t in types]
    walks = {t: _simulated_walks(t, rng) for t in types}
    categories = {t: [c.code for c in t.doc.categories_for(t.code)] or [""] for t in types}
    now = timezone.now()
    counters = dict(NumberSequence.objects.values_list("prefix", "last"))
    agents = {city: world.by_city_role.get((city, Role.AGENT)) or world.by_role[Role.AGENT] for *_r, city in _CITIES}
    subjects = {
        city: world.by_city_role.get((city, Role.TECHNICIAN), []) + world.by_city_role.get((city, Role.HANDLER), [])
        for *_r, city in _CITIES
    }
    route_targets = {}  # (kind, city) -> list of (unit, handlers), drawn from once per case
    for t in types:
        for *_r, city in _CITIES:
            key = (t.type_def.kind, city)
            if key not in route_targets:
                route_targets[key] = [_route_target(world, t.type_def.kind, city, rng) for _ in range(6)]
    channels = {t: t.doc.channel_codes(t.code) for t in types}
    cases_out, events_out = _RawInserter(Case), _RawInserter(CaseEvent)
    if connection.vendor == "sqlite":
        # SQLite's default page cache is 2 MB: with a million rows, updating the case indexes would
        # mostly wait for disk reads. A bigger cache for this connection only.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # KiB, i.e. 256 MB
    elif connection.vendor == "postgresql":
        # Don't wait for the WAL flush at every batch commit: a crash could lose the last batches
        # of demo data, never corrupt anything. Applies to this connection only.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
    made = 0
    next_report = 100_000
    started = time.monotonic()
    guaranteed = list(types)  # every case type at least once
    rng.shuffle(guaranteed)

    def flush(pending: list[dict[str, Any]], touched: set[str]) -> None:
        with transaction.atomic():
            case_ids = cases_out.reserve_ids(len(pending))
            event_ids = events_out.reserve_ids(len(pending))
            case_rows, event_rows = [], []
            for values, case_id, event_id in zip(pending, case_ids, event_ids, strict=True):
                event = values.pop("_event")
                values["id"] = case_id
                case_rows.append(cases_out.row(values))
                event_rows.append(
                    events_out.row(
                        {
                            "id": event_id,
                            "case_id": case_id,
                            "kind": EventKind.REGISTERED.value,
                            "actor_id": values["receiver_id"],
                            "to_stage": event["initial"],
                            "to_status": CaseStatus.OPEN.value,
                            "message": values["title"],
                            "data": event["data"],
                            "case_version": 1,
                            "created_at": values["received_at"],
                            "owner_id": values["receiver_id"],
                            # Back-dated history: delivered to nobody (see kefu.cases.events.muted).
                            "dispatched_at": now,
                            "dispatch_attempts": 0,
                            "dispatch_error": "",
                        }
                    )
                )
            cases_out.insert(case_rows)
            events_out.insert(event_rows)
            # The counters move with the cases, in the same transaction: a registration after this
            # batch takes the next free serial of every prefix the batch used.
            existing = set(NumberSequence.objects.filter(prefix__in=touched).values_list("prefix", flat=True))
            NumberSequence.objects.bulk_create([NumberSequence(prefix=p, last=counters[p]) for p in touched - existing])
            for p in existing:
                NumberSequence.objects.filter(prefix=p, last__lt=counters[p]).update(last=counters[p])

    pending: list[dict[str, Any]] = []
    touched: set[str] = set()
    for month in _received_times(size, rng=rng, now=now):
        if not month:
            continue
        local_month = timezone.localtime(month[0])
        prefixes: dict[tuple[int, str], tuple[str, int]] = {}
        for received in month:
            choice = guaranteed.pop() if guaranteed else rng.choices(types, weights)[0]
            pkey = (choice.version.pk, choice.code)
            if pkey not in prefixes:
                # One prefix per month and type: the month the real service would have used.
                prefixes[pkey] = render_number_prefix(
                    choice.doc.numbering_for(choice.code).pattern, when=local_month, type_code=choice.code
                )
            prefix, width = prefixes[pkey]
            serial = counters.get(prefix, 0) + 1
            counters[prefix] = serial
            touched.add(prefix)
            pending.append(
                _bulk_case(
                    choice,
                    number=f"{prefix}{serial:0{width}d}",
                    received=received,
                    now=now,
                    rng=rng,
                    world=world,
                    walk=rng.choice(walks[choice]),
                    category=rng.choice(categories[choice]),
                    channel=demo_channel(channels[choice], _CHANNEL_WEIGHTS, rng),
                    agents=agents,
                    subjects=subjects,
                    route_targets=route_targets,
                )
            )
            if len(pending) >= batch:
                flush(pending, touched)
                made += len(pending)
                pending, touched = [], set()
                if made >= next_report:
                    rate = made / (time.monotonic() - started)
                    log(f"  {made:,} cases ({rate:,.0f}/s)")
                    next_report += 100_000
    if pending:
        flush(pending, touched)
        made += len(pending)
    elapsed = time.monotonic() - started
    log(f"cases: {made:,} in bulk in {elapsed:.1f}s ({made / max(elapsed, 1e-9):,.0f}/s)")
    return made


def _bulk_case(
    choice: _TypeChoice,
    *,
    number: str,
    received: datetime,
    now: datetime,
    rng: random.Random,
    world: DemoWorld,
    walk: list[_Step],
    category: str,
    channel: str,
    agents: dict[str, list[User]],
    subjects: dict[str, list[User]],
    route_targets: dict[tuple[str, str], list[tuple[OrgUnit, list[User]]]],
) -> dict[str, Any]:
    """One case's column values (by attname), plus what its registration event needs under "_event"."""
    customer_id, contact_id, city = rng.choice(world.customers)
    receiver = rng.choice(agents[city])
    kind = choice.type_def.kind
    title, description, request = _texts(kind, rng)
    subject = None
    if kind in ("complaint", "report") and subjects[city] and rng.random() < 0.5:
        subject = rng.choice(subjects[city])
    target = _age_target(received, now, rng)
    # Full walks end archived; an old case stops at "closed" now and then (not archived yet).
    steps = len(walk) if target >= 1 else int(target * len(walk))
    if target >= 1 and walk and rng.random() < 0.15:
        steps -= 1
    case: dict[str, Any] = {
        "number": number,
        "rulebook_version_id": choice.version.id,
        "case_type": choice.code,
        "category": category,
        "severity": choice.doc.severities[0].code if rng.random() < 0.75 else rng.choice(choice.doc.severities).code,
        "channel": channel,
        "status": CaseStatus.OPEN.value,
        "stage": choice.type_def.initial,
        "version": 1,
        "customer_id": customer_id,
        "contact_id": contact_id,
        "title": title,
        "description": description,
        "customer_request": request,
        "received_at": received,
        "receiver_id": receiver.id,
        "receiving_unit_id": receiver.unit_id,
        "owner_id": receiver.id,
        "subject_person_id": subject.id if subject else None,
        "subject_unit_id": subject.unit_id if subject else None,
        "created_at": received,
        "updated_at": received,
        "remedy_total": Decimal(0),
        # Form fields as the engine stores them (kefu.rulebooks.fields.clean_value), and sealing.
        "fields": demo_field_values(
            choice.type_def.fields,
            rng,
            at=received,
            refs={
                "staff": [receiver.id],
                "unit": [receiver.unit_id] if receiver.unit_id else [],
                "contact": [contact_id] if contact_id else [],
            },
        ),
        "sealed_roles": f",{','.join(choice.type_def.sealed.roles)}," if choice.type_def.sealed else "",
    }
    at = received
    for step in walk[:steps]:
        at += timedelta(minutes=rng.randrange(20, 60 * 30))
        if at >= now:
            break
        case["stage"] = step.to
        action = step.action
        if action in (TransitionAction.ROUTE, TransitionAction.ASSIGN):
            unit, handlers = rng.choice(route_targets[(kind, city)])
            if action == TransitionAction.ROUTE:
                case["responsible_unit_id"] = unit.id
            handlers = [h for h in handlers if h.id != case["subject_person_id"]]
            if handlers:
                case["assignee_id"] = rng.choice(handlers).id
        elif action == TransitionAction.ESTABLISH:
            case["validity"] = Validity.ESTABLISHED.value
        elif action == TransitionAction.NOT_ESTABLISHED:
            case["validity"] = Validity.NOT_ESTABLISHED.value
            case["reply"] = "经核实，相关服务符合规定流程，已向客户耐心解释。"
        elif action == TransitionAction.FINDING:
            case["cause"] = "经调查，工作人员未按服务规范执行。"
            case["responsibility"] = Responsibility.COMPANY.value
        elif action == TransitionAction.REMEDY:
            case["remedy_total"] = Decimal(rng.choice([0, 50, 100, 200, 500, 1500, 3000]))
        elif action == TransitionAction.REPLY:
            case["reply"] = "您好，您反映的问题已处理完毕，感谢您的理解与支持。"
        elif action == TransitionAction.CUSTOMER_ACCEPT:
            case["customer_accepted"] = True
        elif action == TransitionAction.CUSTOMER_REJECT:
            case["customer_accepted"] = False
        elif action == TransitionAction.RETURN_VISIT:
            case["return_visit_note"] = "客户表示满意。"
        elif action == TransitionAction.REVIEW:
            case["review_summary"] = "已纳入月度服务质量考核。"
        state_kind = choice.type_def.state(step.to).kind
        if state_kind == StateKind.CLOSED:
            case["status"], case["closed_at"] = CaseStatus.CLOSED.value, at
        elif state_kind == StateKind.ARCHIVED:
            case["status"], case["archived_at"] = CaseStatus.ARCHIVED.value, at
        case["updated_at"] = at
    case["_event"] = {
        "initial": choice.type_def.initial,
        "data": {"rulebook": choice.doc.key, "rulebook_version": choice.version.number, "parent": None, "demo": "bulk"},
    }
    return case
