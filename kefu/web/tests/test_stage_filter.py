"""The queue's stage filter groups stages by rulebook and case type (issue 7: two stages sharing a code
shared a label, so "核决中"-like stages returned the other rulebook's "审批中" rows), and the filters apply
as they change (htmx), without a button."""

import pytest
from django.urls import reverse

from kefu.cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_approving(org, make_case):
    """Two complaints waiting for approval, under two rulebooks whose `approving` stages have their own
    names: 客户服务投诉 calls it 审批中, 零售投诉 calls it 主管副总经理批示."""
    service = make_case(title="服务投诉：上门迟到")
    retail = make_case(title="零售投诉：商品过期", rulebook_key="retail-complaint", category="quality")
    # The filter is what is tested, not the walk to the stage: both stand at `approving`.
    Case.objects.filter(pk__in=[service.pk, retail.pk]).update(stage="approving")
    return service, retail


def test_each_rulebooks_stage_has_its_own_label_and_value(client, org, two_approving):
    service, retail = two_approving
    client.force_login(org.cs_supervisor)
    html = client.get(reverse("web:queue"), {"view": "all"}).content.decode()
    assert '<optgroup label="客户服务投诉管理制度 · 投诉">' in html
    assert '<option value="service-complaint.complaint.approving">审批中</option>' in html
    assert '<option value="retail-complaint.complaint.approving">主管副总经理批示</option>' in html

    only_retail = client.get(
        reverse("web:queue"), {"view": "all", "stage": "retail-complaint.complaint.approving"}
    ).content.decode()
    assert retail.number in only_retail and service.number not in only_retail
    only_service = client.get(
        reverse("web:queue"), {"view": "all", "stage": "service-complaint.complaint.approving"}
    ).content.decode()
    assert service.number in only_service and retail.number not in only_service


def test_a_link_with_a_bare_stage_code_still_filters(client, org, two_approving):
    service, retail = two_approving
    client.force_login(org.cs_supervisor)
    html = client.get(reverse("web:queue"), {"view": "all", "stage": "approving"}).content.decode()
    assert service.number in html and retail.number in html


def test_filters_apply_as_they_change(client, org, two_approving):
    """The filter form asks htmx to fetch the queue on every change and swap the page's queue part,
    keeping the address (so Back and the Excel download follow the filters)."""
    client.force_login(org.cs_supervisor)
    html = client.get(reverse("web:queue")).content.decode()
    assert 'hx-trigger="change, input changed delay:500ms from:#id_q"' in html
    assert 'hx-select="#queue-page"' in html and 'hx-push-url="true"' in html
