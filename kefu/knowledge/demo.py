"""Demo knowledge: categories, a few dozen articles, reply templates and the heating-repair call script
(seed-004 D6 四.1). Called by `kefu demo` through KnowledgeConfig.make_demo; safe to run again."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.knowledge.choices import ArticleStatus, ScriptField, Visibility
from kefu.knowledge.models import Article, CallScript, CallScriptStep, Category
from kefu.knowledge.services import article_create, reply_template_save
from kefu.org.choices import Role

__all__ = ("make_knowledge_demo",)

_CATEGORIES = [
    ("repair", "报修与故障", "fault"),
    ("heating", "供暖服务", "fault"),
    ("billing", "收费与发票", "product"),
    ("install", "安装与移机", "installation"),
    ("etiquette", "服务规范", "attitude"),
    ("complaints", "投诉处理", "efficiency"),
]

# (category, title, text, public?)
_ARTICLES = [
    (
        "heating",
        "暖气片不热怎么办",
        "供暖期间如果暖气片不热，请先检查进水阀门和回水阀门是否完全打开，再用放气阀排出暖气片内的空气。仍不热时请报修。",
        True,
    ),
    (
        "heating",
        "暖气漏水的应急处理",
        "发现暖气管道或接口漏水时，先关闭进水阀门，用毛巾包住漏点并放置容器接水，然后拨打报修电话。",
        True,
    ),
    (
        "heating",
        "供暖期开始和结束时间",
        "本市供暖期一般为每年11月15日至次年3月15日，遇寒潮可能提前供暖，以供热公司通知为准。",
        True,
    ),
    (
        "heating",
        "室温不达标的测温流程",
        "客户反映室温低于18℃时，应预约上门测温：在室内中央距地面1.5米处测量，记录测温结果并请客户签字。",
        False,
    ),
    (
        "heating",
        "24小时报修值班要求",
        "供暖期间呼叫中心实行24小时倒班，员工提前10分钟到岗并做好交接班；任何员工不得自行换班。",
        False,
    ),
    ("heating", "供暖费缴纳方式", "供暖费可以在营业厅、合作银行或微信公众号缴纳；逾期缴纳将按规定收取滞纳金。", True),
    (
        "repair",
        "空调不制冷的排查步骤",
        "请确认遥控器处于制冷模式、设定温度低于室温；检查滤网是否过脏；外机不转时请关机并报修。",
        True,
    ),
    (
        "repair",
        "热水器无法点火",
        "燃气热水器打开后无法点火时，检查燃气阀门是否打开、电池是否有电；显示故障代码E1时请报修。",
        True,
    ),
    (
        "repair",
        "上门维修预约规则",
        "报修后维修人员会在2小时内电话联系客户预约上门时间；城区6个工作小时内、郊区7个工作小时内到达。",
        True,
    ),
    ("repair", "维修配件的收费标准", "保修期内免费更换配件；保修期外只收取配件费，不收人工费，收费须出具发票。", True),
    (
        "repair",
        "重复报修的处理",
        "同一故障30天内再次报修视为返修，派原维修人员以外的技术员上门，并由班长跟进原因。",
        False,
    ),
    (
        "repair",
        "停水停电时的报修说明",
        "因市政停水停电导致的故障不属于设备故障，请告知客户恢复供应后再观察，必要时登记回访。",
        False,
    ),
    (
        "billing",
        "增值税专用发票开具流程",
        "开具增值税专用发票需要提供单位名称、税号、地址电话和开户行账号，开票后三个工作日内寄出。",
        True,
    ),
    (
        "billing",
        "收费与报价不一致的处理",
        "客户反映实际收费高于报价时，先核对派工单和收费明细；确属多收的，由部门主管审批后退还差价。",
        False,
    ),
    ("billing", "退款办理时限", "审批通过的退款在五个工作日内原路退回，退款时请短信告知客户。", True),
    ("billing", "电子发票下载方法", "电子发票可在微信公众号“我的订单”中下载，也可以留下邮箱，由客服发送到邮箱。", True),
    (
        "install",
        "新购设备预约安装",
        "新购设备可通过热线、微信或网站预约安装，请提供购买凭证、安装地址和方便的上门时间。",
        True,
    ),
    (
        "install",
        "移机服务的收费说明",
        "同城移机收取移机服务费，需要加装管路的按实际长度收取材料费，收费前须告知客户。",
        True,
    ),
    (
        "install",
        "安装完工的验收要点",
        "安装完成后，安装人员应现场演示使用方法，检查接口无渗漏，请客户在服务记录单上签字确认。",
        False,
    ),
    (
        "etiquette",
        "接听电话的规范用语",
        "电话铃响两声内接听，先问好并报工号：“您好，××为您服务，请问有什么可以帮您？”结束时说“感谢您的来电，再见”。",
        False,
    ),
    (
        "etiquette",
        "三要三不四个一样",
        "三要：“请”字当头，“您”字不离口，“再见”结尾。三不：不使用生硬语言，不说推卸责任的话，不责备、埋怨客户。",
        False,
    ),
    (
        "etiquette",
        "服务忌语与文明用语",
        "禁止使用带有蔑视性、污辱性的称谓，如“老头”“老太婆”“神经病”；禁止说“喂，干什么”“叫什么，等一会儿”。",
        False,
    ),
    (
        "etiquette",
        "节日期间的开头语",
        "元旦、春节使用“新年好！”，五一使用“劳动节快乐！”，中秋节、国庆节分别使用“中秋节快乐！”“国庆节快乐！”。",
        False,
    ),
    (
        "etiquette",
        "首问负责制",
        "第一个接到客户来电的员工就是第一责任人，能一次办结的必须一次办结，不能办结的登记后移交并跟踪到底。",
        False,
    ),
    (
        "complaints",
        "投诉受理后的处理时限",
        "投诉受理后一个工作日内开始调查，两个工作日内答复客户；无法按时解决的，要告知客户下次答复时间。",
        False,
    ),
    (
        "complaints",
        "不成立投诉的答复方式",
        "经核实不成立的投诉，要婉转、耐心地向客户解释原因，不得与客户争辩，并记录答复内容。",
        False,
    ),
    (
        "complaints",
        "重大投诉的上报",
        "涉及人身安全、媒体曝光或群体性的投诉属于重大投诉，必须立即报告部门负责人或分管经理。",
        False,
    ),
    (
        "complaints",
        "投诉回访要点",
        "处理完毕后进行回访：问题是否解决、对处理结果是否满意、对服务态度的评价，并记录客户原话。",
        False,
    ),
    (
        "complaints",
        "工作人员态度问题的处理",
        "客户投诉工作人员态度时，先向客户致歉，再由被投诉部门主管调查；被投诉人不得处理本投诉。",
        False,
    ),
    (
        "complaints",
        "客户不接受处理结果",
        "客户不接受处理结果时，登记不接受的理由，系统自动生成复议工单，由上一级主管处理。",
        False,
    ),
]

_TEMPLATES = [
    ("通用问候", "{问候语}！{客户姓名}，感谢您的来电，我是{我的姓名}，工号{工号}。", "", "", "any"),
    ("咨询答复", "{客户姓名}您好，关于您咨询的问题（工单 {工单号}），答复如下：", "inquiry", "", "reply"),
    (
        "投诉处理结果答复",
        "{客户姓名}您好，您反映的问题（工单 {工单号}）已调查处理，处理结果如下：\n\n给您带来不便，我们深表歉意。如有疑问请随时来电。",
        "complaint",
        "replying",
        "reply",
    ),
    (
        "投诉不成立答复",
        "{客户姓名}您好，经核实，您反映的情况与实际情况有出入，具体说明如下：\n\n如有疑问，欢迎随时与我们联系。",
        "complaint",
        "registered",
        "reply",
    ),
    ("承诺答复时间", "{客户姓名}您好，您的工单 {工单号} 正在处理中，我们将于{承诺日期}前给您答复。", "", "", "any"),
    ("报修受理", "{客户姓名}您好，您的报修（工单 {工单号}）已受理，维修人员会尽快与您联系。", "repair", "", "any"),
    ("表扬致谢", "{客户姓名}您好，感谢您对我们工作的肯定，您的表扬已转达给相关同事。", "praise", "", "reply"),
    (
        "建议致谢",
        "{客户姓名}您好，感谢您的宝贵建议（工单 {工单号}），我们已转交相关部门研究。",
        "suggestion",
        "",
        "reply",
    ),
]


@transaction.atomic
def make_knowledge_demo(world: Any, *, rng: random.Random, log: Callable[[str], None] = print) -> None:
    if Article.objects.exists():
        log("knowledge: articles exist already; nothing to do")
        return
    editors = world.by_role.get(Role.QUALITY) or world.by_role.get(Role.SUPERVISOR) or [world.users[0]]
    owners = (world.by_role.get(Role.SUPERVISOR) or []) + editors
    categories = {}
    for sort, (code, name, case_category) in enumerate(_CATEGORIES):
        categories[code], _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "case_category": case_category, "sort": sort}
        )
    today = timezone.localdate()
    for i, (category, title, body, public) in enumerate(_ARTICLES):
        article_create(
            title=title,
            body=body,
            summary=body.split("。")[0] + "。",
            category=categories[category],
            tags=[categories[category].name[:2]],
            visibility=Visibility.PUBLIC if public else Visibility.INTERNAL,
            status=ArticleStatus.PUBLISHED,
            owner=rng.choice(owners),
            # A few are overdue for review, so the "due for review" flag shows up.
            review_due=today + timedelta(days=rng.randrange(-40, 200) if i % 5 else -rng.randrange(1, 30)),
            actor=rng.choice(editors),
        )
    for sort, (name, body, case_type, stage, purpose) in enumerate(_TEMPLATES):
        reply_template_save(
            actor=editors[0], name=name, body=body, case_type=case_type, stage=stage, purpose=purpose, sort=sort
        )
    if not CallScript.objects.filter(code="heating-repair").exists():
        script = CallScript.objects.create(
            name="供暖报修受理",
            code="heating-repair",
            case_type="repair",
            category="fault",
            opening="{问候语}！供暖报修{工号}号为您服务，请问您有什么问题？",
            closing="好！维修人员会尽快跟您联系。感谢您的来电。再见！",
            updated_by=editors[0],
        )
        for order, (question, field) in enumerate(
            [
                ("请问您有什么问题？", ScriptField.DESCRIPTION),
                ("请问您的具体地址？", ScriptField.ADDRESS),
                ("请问您的姓名？", ScriptField.CUSTOMER_NAME),
                ("请留一下联系电话？", ScriptField.PHONE),
            ]
        ):
            CallScriptStep.objects.create(script=script, order=order, question=question, field=field)
    log(f"knowledge: {len(_ARTICLES)} articles, {len(_TEMPLATES)} reply templates, 1 call script")
