"""The `visits` rulebook section: call-backs after closed cases, questionnaires, attempts, the
deadlines of records and reports, and the cadences of planned visits.

Sources (the Chinese originals decide):

* seed-002 Doc 1 公司客户回访管理规定 — "产品安装或开通一个月后进行首次电话回访"; "以后每半年进行一次电话回访";
  "大客户每年至少进行一次现场回访"; "特大或重要客户每半年进行一次现场回访"; "回访记录当天完成（日清日结）";
  "回访结束后第二天完成回访报告"; "三天内提交…因客观原因经主管同意可在一周内提交".
* seed-004 D6 四.2 (大龙供暖报修): "维修完成对已返单用户进行回访…如不方便预约回访时间 a.问题解决了吗?(是、否)
  b.维修工态度如何?(满意、一般、不满意) c.跟您收费了吗?(是、否) d.请您为我们的服务打分(1--10分)
  e.您对我们的服务还有什么建议或意见吗?".
* seeds-000-003 篇1 / 篇11 and the issue: "projects monthly in their first year and quarterly after";
  a call-back sample "e.g. 10%, of which 30% on site with the customer's signature".

    visits:
      call_back:
        case_types: [repair, complaint]   # empty: every case type
        sample_percent: 100               # 10 → one closed case in ten (by a hash of its number)
        on_site_percent: 30               # of the sampled call-backs, made on site with a signature
        due_days: 3                       # due this many days after the case closed
        questionnaire: d6
        follow_up: {case_type: complaint, channel: phone, category: attitude}
      questionnaires:
        - code: d6
          title: 维修回访
          questions:
            - {code: solved, text: 问题解决了吗？, type: yes_no, unsatisfied: ["no"]}
            - {code: score, text: 请您为我们的服务打分, type: score, unsatisfied_below: 6}
      attempts: {limit: 3, retry_after_hours: 4}
      deadlines: {record_days: 0, report_days: 1, submit_days: 3, submit_days_with_consent: 7}
      plans:
        - {code: first_phone, label: 首次电话回访, first_after_months: 1, method: phone, purpose: usage}

docs/visits.md describes every key. The section of the case's pinned rulebook version decides its
call-back; the default rulebook's active version decides plans and attempts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kefu.visits.choices import QuestionType, VisitMethod, VisitPurpose

if TYPE_CHECKING:
    from kefu.rulebooks.schema import RulebookDoc

__all__ = (
    "AttemptsDef",
    "CallBackDef",
    "OrderCallBackDef",
    "DeadlinesDef",
    "FollowUpDef",
    "PlanRuleDef",
    "QuestionDef",
    "QuestionnaireDef",
    "SurveysDef",
    "VisitsSection",
    "check_visits",
)

_CODE = r"^[a-z][a-z0-9_]{0,39}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionDef(_Strict):
    code: str = Field(pattern=_CODE)
    text: str = Field(min_length=1, max_length=200)
    type: QuestionType
    required: bool = True
    options: list[str] = Field(default_factory=list, max_length=20)  # for `choice`
    # The answers that count as unsatisfied: for yes_no "yes"/"no", for choice some of the options.
    unsatisfied: list[str] = Field(default_factory=list)
    # For `score`: a score below this is unsatisfied (0: never).
    unsatisfied_below: int = Field(default=0, ge=0, le=10)

    @model_validator(mode="after")
    def _consistent(self) -> QuestionDef:
        if self.type == QuestionType.CHOICE:
            if len(self.options) < 2:
                raise ValueError("a choice question needs at least two options")
            if len(set(self.options)) != len(self.options):
                raise ValueError("options repeat")
            unknown = [a for a in self.unsatisfied if a not in self.options]
            if unknown:
                raise ValueError(f"unsatisfied answers {unknown} are not among the options")
        elif self.options:
            raise ValueError(f"only a choice question has options, not a {self.type.value} question")
        if self.type == QuestionType.YES_NO and not set(self.unsatisfied) <= {"yes", "no"}:
            raise ValueError('a yes/no question is unsatisfied on "yes" or "no"')
        if self.type in (QuestionType.SCORE, QuestionType.TEXT) and self.unsatisfied:
            raise ValueError("use unsatisfied_below for a score; a text answer is never unsatisfied")
        if self.unsatisfied_below and self.type != QuestionType.SCORE:
            raise ValueError("unsatisfied_below is for score questions")
        return self


class QuestionnaireDef(_Strict):
    code: str = Field(pattern=_CODE)
    title: str = Field(min_length=1, max_length=100)
    script: str = Field(default="", max_length=2000)  # the opening and closing words of the call
    questions: list[QuestionDef] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _unique_codes(self) -> QuestionnaireDef:
        codes = [q.code for q in self.questions]
        if len(set(codes)) != len(codes):
            raise ValueError("question codes repeat")
        return self


class FollowUpDef(_Strict):
    """The case an unsatisfied answer opens (linked to the original as its parent)."""

    case_type: str
    channel: str = "phone"
    category: str = ""


class CallBackDef(_Strict):
    case_types: list[str] = Field(default_factory=list)
    sample_percent: float = Field(default=100, ge=0, le=100)
    on_site_percent: float = Field(default=0, ge=0, le=100)
    due_days: int = Field(default=1, ge=0, le=90)
    questionnaire: str
    follow_up: FollowUpDef | None = None


class OrderCallBackDef(_Strict):
    """The call-back after a finished work order (kefu.workorders.events): the same sampling as cases,
    by the order number. `kinds` are work-order kinds (empty: every kind)."""

    kinds: list[str] = Field(default_factory=list)
    sample_percent: float = Field(default=100, ge=0, le=100)
    on_site_percent: float = Field(default=0, ge=0, le=100)
    due_days: int = Field(default=1, ge=0, le=90)
    questionnaire: str
    follow_up: FollowUpDef | None = None


class AttemptsDef(_Strict):
    limit: int = Field(default=3, ge=1, le=20)  # attempts before the task closes as not reachable
    retry_after_hours: int = Field(default=4, ge=0, le=720)  # "not reachable": try again after this


class DeadlinesDef(_Strict):
    record_days: int = Field(default=0, ge=0, le=30)  # 0: the record is written the same day (日清日结)
    report_days: int = Field(default=1, ge=0, le=30)  # the report the next day (第二天)
    submit_days: int = Field(default=3, ge=0, le=30)  # submitted within 3 days
    submit_days_with_consent: int = Field(default=7, ge=0, le=60)  # a week with the supervisor's consent

    @model_validator(mode="after")
    def _ordered(self) -> DeadlinesDef:
        if not self.record_days <= self.report_days <= self.submit_days <= self.submit_days_with_consent:
            raise ValueError("record_days ≤ report_days ≤ submit_days ≤ submit_days_with_consent")
        return self


class SurveysDef(_Strict):
    """Satisfaction surveys (Doc 8 8.3): the cadence and the validity threshold the staff screens offer."""

    every_months: int = Field(default=6, ge=1, le=24)  # 每半年
    new_service_within_months: int = Field(default=3, ge=1, le=24)  # 新服务项目推出后 3 个月内
    answer_days: int = Field(default=7, ge=1, le=365)  # 回收期一周
    threshold_percent: float = Field(default=85, gt=0, le=100)  # 回收率超过 85% 有效


class PlanRuleDef(_Strict):
    """A cadence: a visit `first_after_months` after the customer's start, then every `every_months`
    (0: once) until `until_months` after the start (0: for ever)."""

    code: str = Field(pattern=_CODE)
    label: str = Field(min_length=1, max_length=100)
    method: VisitMethod = VisitMethod.PHONE
    purpose: VisitPurpose = VisitPurpose.USAGE
    grades: list[str] = Field(default_factory=list)  # customer grades (kefu.customers CustomerGrade); empty: all
    customer_types: list[str] = Field(default_factory=list)  # empty: all
    first_after_months: int = Field(ge=0, le=600)
    every_months: int = Field(default=0, ge=0, le=120)
    until_months: int = Field(default=0, ge=0, le=1200)
    questionnaire: str = ""

    @model_validator(mode="after")
    def _window(self) -> PlanRuleDef:
        if self.until_months and self.until_months < self.first_after_months:
            raise ValueError("until_months is before first_after_months")
        return self


class VisitsSection(_Strict):
    call_back: CallBackDef | None = None
    work_orders: OrderCallBackDef | None = None
    surveys: SurveysDef = Field(default_factory=SurveysDef)
    questionnaires: list[QuestionnaireDef] = Field(default_factory=list, max_length=100)
    attempts: AttemptsDef = Field(default_factory=AttemptsDef)
    deadlines: DeadlinesDef = Field(default_factory=DeadlinesDef)
    plans: list[PlanRuleDef] = Field(default_factory=list, max_length=100)

    def questionnaire(self, code: str) -> QuestionnaireDef | None:
        return next((q for q in self.questionnaires if q.code == code), None)

    def plan(self, code: str) -> PlanRuleDef | None:
        return next((p for p in self.plans if p.code == code), None)


def check_visits(doc: RulebookDoc, section: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-references: questionnaires, case types, channels, categories, grades and types that exist."""
    from kefu.customers.choices import CustomerGrade, CustomerType

    problems: list[tuple[tuple[Any, ...], str]] = []
    codes = [q.code for q in section.questionnaires]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            problems.append((("questionnaires", i, "code"), f"questionnaire '{code}' is defined twice"))
    plan_codes = [p.code for p in section.plans]
    for i, code in enumerate(plan_codes):
        if code in plan_codes[:i]:
            problems.append((("plans", i, "code"), f"plan '{code}' is defined twice"))
    for i, plan in enumerate(section.plans):
        if plan.questionnaire and plan.questionnaire not in codes:
            problems.append((("plans", i, "questionnaire"), f"unknown questionnaire '{plan.questionnaire}'"))
        for j, grade in enumerate(plan.grades):
            if grade not in CustomerGrade.values:
                problems.append((("plans", i, "grades", j), f"unknown customer grade '{grade}'"))
        for j, kind in enumerate(plan.customer_types):
            if kind not in CustomerType.values:
                problems.append((("plans", i, "customer_types", j), f"unknown customer type '{kind}'"))
    for key in ("call_back", "work_orders"):
        rule = getattr(section, key)
        if rule is None:
            continue
        if rule.questionnaire not in codes:
            problems.append(((key, "questionnaire"), f"unknown questionnaire '{rule.questionnaire}'"))
        for j, case_type in enumerate(getattr(rule, "case_types", [])):
            if case_type not in doc.case_types:
                problems.append(((key, "case_types", j), f"unknown case type '{case_type}'"))
        problems.extend(_check_follow_up(doc, key, rule.follow_up))
    return problems


def _check_follow_up(doc: RulebookDoc, key: str, follow_up: FollowUpDef | None) -> list[tuple[tuple[Any, ...], str]]:
    if follow_up is None:
        return []
    where = (key, "follow_up")
    if follow_up.case_type not in doc.case_types:
        return [((*where, "case_type"), f"unknown case type '{follow_up.case_type}'")]
    if follow_up.category and follow_up.category not in {c.code for c in doc.categories_for(follow_up.case_type)}:
        return [((*where, "category"), f"'{follow_up.category}' is not a category of this case type")]
    if follow_up.channel not in doc.channel_codes(follow_up.case_type):
        return [((*where, "channel"), f"'{follow_up.channel}' is not a channel of this case type")]
    return []
