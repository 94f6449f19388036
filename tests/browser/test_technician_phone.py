"""A technician on a phone (390 × 844) accepts a work order, checks in, records a part, has the
customer sign on the screen and completes it; the pages have no axe-core violations.

Field-service preset: GPS-T1 costs 560; out-of-warranty repairs charge parts only (篇5), so the
page shows 560.00 to charge before completing.
"""

import os

import pytest

from tests.browser.support import axe_violations, chromium_page

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser]


@pytest.fixture
def phone():
    with chromium_page(width=390, height=844) as page:
        yield page


def test_technician_accepts_checks_in_records_signs_and_completes(
    live_server, transactional_db, org, rulebooks, customer, phone
):
    from kefu.workorders.models import WorkOrder
    from kefu.workorders.services import workorder_create, workorder_dispatch

    order, _ = workorder_create(
        actor=org.agent,
        kind="repair",
        customer=customer,
        description="车载终端不上线",
        unit=org.aftersales,
        rulebook_key="field-service",
    )
    workorder_dispatch(order=order, actor=org.supervisor, expected_version=1, technician=org.technician)
    page, base = phone, live_server.url

    page.goto(f"{base}/login/")
    page.fill("#id_username", "technician")
    page.fill("#id_password", "pw-technician")
    page.click(".login-card button[type=submit]")
    page.goto(f"{base}/workorders/")
    assert axe_violations(page) == []
    page.click(f"a:has-text('{order.number}')")

    page.click("#step-accept button[type=submit]")
    page.wait_for_selector("#step-arrive")
    page.click("#step-arrive button[type=submit]")
    page.wait_for_selector("#step-record")
    page.select_option("#step-record select[name=part_code]", "GPS-T1")
    page.fill("#step-record textarea[name=actions]", "更换车载终端，平台恢复定位")
    page.fill("#step-record input[name=new_terminal_no]", "T-99002")
    page.click("#step-record button[type=submit]")
    page.wait_for_selector("#step-complete")
    assert "560.00" in page.locator("#fee-head + table + p, #fee-head ~ p").first.inner_text()
    assert axe_violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for x, y in ((80, 40), (140, 120), (200, 50), (260, 110)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)
    page.mouse.up()
    page.fill("#step-complete input[name=fee_collected]", "560")
    page.fill("#step-complete input[name=invoice_no]", "No.00012")
    page.click("#step-complete button[type=submit]")
    page.wait_for_selector(".messages, .message, [role=status], [role=alert]")

    order = WorkOrder.objects.get(pk=order.pk)
    assert order.status == "completed", page.locator(".messages").inner_text()
    assert order.signature.startswith("data:image/png;base64,") and len(order.signature) > 200
    assert (order.fee_total, order.fee_collected, order.invoice_no) == (560, 560, "No.00012")
    assert order.parts.get().code == "GPS-T1"
    assert axe_violations(page) == []
