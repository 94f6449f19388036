"""The `data_release` rulebook section: who approves a bulk export of customer data.

seed-002 Doc 2 地产代理公司客户信息资源共享管理规定, 权限规定 (the Chinese original decides):
"b.公司内部各部门客户信息需求量在2000条内的由公司副总批准有效。
 c.信息需求量在2000条以上、集团内的信息资源调配需经公司总经理批准方可生效。"
"在2000条内" is read as "at most 2,000" (the Deputy GM), "2000条以上" as "more than 2,000" (the GM).

    data_release:
      without_approval_up_to: 200     # an export of at most this many records is made at once (logged)
      approvers:                      # the first tier whose up_to covers the count decides
        - {up_to: 2000, role: deputy_gm}
        - {role: general_manager}     # the last tier has no up_to: any larger number
      download_days: 7                # an approved file can be downloaded this many days after it is made
      max_rows: 100000                # larger exports are refused (split the filter)

Without the section in the default rulebook's active version, exactly these values apply. The
document does not say how many records may be released without approval; 200 is this project's
choice (a page or two of a list), and any rulebook can set it to 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from kefu.rulebooks.schema import RulebookDoc

__all__ = ("ApproverTier", "DataReleaseSection", "check_data_release", "data_release_rules")


class ApproverTier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    up_to: int | None = Field(default=None, ge=1, le=10_000_000)
    role: str = Field(min_length=1, max_length=20)


class DataReleaseSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    without_approval_up_to: int = Field(default=200, ge=0, le=1_000_000)
    approvers: tuple[ApproverTier, ...] = Field(
        default=(ApproverTier(up_to=2000, role="deputy_gm"), ApproverTier(role="general_manager")), min_length=1
    )
    download_days: int = Field(default=7, ge=1, le=90)
    max_rows: int = Field(default=100_000, ge=1, le=1_000_000)

    def approver_role(self, rows: int) -> str | None:
        """The role that approves an export of `rows` records; None when none is needed."""
        if rows <= self.without_approval_up_to:
            return None
        for tier in self.approvers:
            if tier.up_to is None or rows <= tier.up_to:
                return tier.role
        return self.approvers[-1].role  # unreachable once checked: the last tier has no up_to


def check_data_release(doc: RulebookDoc, section: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Roles that exist, tiers in increasing order, one open-ended last tier above the free limit."""
    from kefu.org.choices import Role

    problems: list[tuple[tuple[Any, ...], str]] = []
    previous = section.without_approval_up_to
    last = len(section.approvers) - 1
    for i, tier in enumerate(section.approvers):
        if tier.role not in Role.values:
            problems.append((("approvers", i, "role"), f"unknown role '{tier.role}' (one of {', '.join(Role.values)})"))
        if tier.up_to is None:
            if i != last:
                problems.append((("approvers", i, "up_to"), "only the last tier may leave up_to out"))
            continue
        if i == last:
            problems.append((("approvers", i, "up_to"), "the last tier has no up_to: it takes any larger number"))
        if tier.up_to <= previous:
            problems.append(
                (
                    ("approvers", i, "up_to"),
                    f"up_to must be larger than {previous} (the tier before, or the free limit)",
                )
            )
        previous = tier.up_to
    return problems


def data_release_rules() -> DataReleaseSection:
    """The section of the default rulebook's active version, or Doc 2's defaults without one."""
    from kefu.core.exceptions import ApplicationError
    from kefu.rulebooks.selectors import rulebook_for_new_case

    try:
        section = rulebook_for_new_case().doc.section("data_release")
    except ApplicationError:
        section = None
    return section if section is not None else DataReleaseSection()
