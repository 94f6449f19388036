"""Every write of the appraisal app (scorecards in `scorecards.py`, the ledger in `ledger.py`)."""

from kefu.appraisal.services.daily import daily_figures, daily_report_review, daily_report_submit, may_review
from kefu.appraisal.services.ledger import (
    ledger_entry_correct,
    ledger_entry_decide,
    ledger_entry_propose,
    ledger_service_points,
    may_decide,
    may_propose,
)
from kefu.appraisal.services.rules import appraisal_rules
from kefu.appraisal.services.scorecards import scorecard_approve, scorecard_assess, scorecard_compute

__all__ = (
    "appraisal_rules",
    "daily_figures",
    "daily_report_review",
    "daily_report_submit",
    "may_review",
    "ledger_entry_correct",
    "ledger_entry_decide",
    "ledger_entry_propose",
    "ledger_service_points",
    "may_decide",
    "may_propose",
    "scorecard_approve",
    "scorecard_assess",
    "scorecard_compute",
)
