"""Demo data, part 1: the organisation, its staff and the customers (called through kefu.core.demo)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kefu.cases.choices import Channel
from kefu.core.models import DemoAccount
from kefu.customers.choices import AddressKind, ContactRole, CustomerGrade, CustomerType, Region
from kefu.customers.models import Address, Contact, Customer
from kefu.customers.validators import validate_phone
from kefu.org.choices import Role, UnitKind
from kefu.org.models import OrgUnit, User
from kefu.org.services import unit_create

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
