"""Preset `telecom-install-maintenance.yaml` (seed-004 part 1, 中国通信行业公众客户装维服务管理办法).

第二条 "本办法适用于公众客户有线接入的固话、宽带、IPTV、家庭网关等客户终端的装机、拆机、移机、修障及日常的维护及管理
工作。" 第八条(二) a province "负责制定本省客户端装维服务管理实施细则和考核指标": the limits are the preset's
site choices (the seed stops before any), one per kind: 装机/移机 3 working days, 拆机 2, 修障 24 hours.
"""

import pytest

from kefu.workorders.tests.presets.kit import check_preset, order_for, sh

pytestmark = pytest.mark.django_db


def test_the_preset_checks_clean(calendars):
    check_preset("telecom-install-maintenance.yaml")


@pytest.mark.parametrize(
    ("kind", "due"),
    [
        ("install", sh(2026, 11, 27, 17, 30)),  # 装机: 3 working days from Tue 24 Nov 10:00
        ("move", sh(2026, 11, 27, 17, 30)),  # 移机: 3 working days
        ("remove", sh(2026, 11, 26, 17, 30)),  # 拆机: 2 working days
        ("repair", sh(2026, 11, 25, 10, 0)),  # 修障: 24 hours
    ],
)
def test_each_kind_of_job_has_its_limit(org, customer, rulebooks, kind, due):
    order = order_for(
        org=org,
        customer=customer,
        rulebook="telecom-install-maintenance",
        kind=kind,
        reported=sh(2026, 11, 24, 9, 0),
        dispatched=sh(2026, 11, 24, 10, 0),
    )
    assert order.repair_due_at == due
