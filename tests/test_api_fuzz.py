"""Schemathesis against the live schema of a running Kefu, as an administrator and as an agent.

A site with demo data is served by gunicorn (2 worker processes); schemathesis reads the schema the
site serves (`/api/v1/schema/`) and sends, for every operation, the schema's examples, its coverage
cases (boundaries and near-misses of every constraint, wrong types, missing fields) and random
fuzzing, a bounded number per operation with a fixed seed. Path ids are pinned to objects that exist
(an open case of the agent, one of its clocks, a notification, a customer) so that bodies reach the
services instead of stopping at a 404. Passing means: no answer was a server error, and every answer
matched the schema (documented status code and content type, body valid against its schema).

Runs on SQLite and, with DATABASE_URL, on PostgreSQL (where NUL characters and out-of-range numbers
would otherwise fail inside the database). Figures: FUZZ_EXAMPLES per operation and phase.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

FUZZ_EXAMPLES = int(os.environ.get("KEFU_FUZZ_EXAMPLES", "15"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def _targets(site) -> dict[str, int]:
    """A fresh complaint the agent received (so it is open, has clocks, and the agent may act on it),
    and a notification in the agent's inbox."""
    return site.python(
        """
import json
from kefu.cases.services import case_register
from kefu.customers.models import Customer
from kefu.org.models import User
from kefu.sla.models import Clock, Notification
agent = User.objects.get(username="agent1")
customer = Customer.objects.order_by("pk").first()
case, _ = case_register(actor=agent, case_type="complaint", customer=customer, channel="phone",
                        category="attitude", title="上门人员迟到", description="约定九点，十一点才到。")
clock = Clock.objects.filter(case=case).order_by("pk").first()
note = Notification.objects.create(recipient=agent, case=case, kind="warning", title="时限将到", body="请尽快处理")
print(json.dumps({"case": case.pk, "clock": clock.pk, "customer": customer.pk, "notification": note.pk}))
"""
    )


def _config(ids: dict[str, int]) -> str:
    return f"""
[[operations]]
include-path-regex = "^/api/v1/cases/\\\\{{id\\\\}}/clocks/\\\\{{clock_id\\\\}}/"
parameters = {{ "path.id" = {ids["case"]}, "path.clock_id" = {ids["clock"]} }}

[[operations]]
include-path-regex = "^/api/v1/cases/\\\\{{id\\\\}}/(?!clocks/\\\\{{clock_id)"
parameters = {{ "path.id" = {ids["case"]} }}

[[operations]]
include-path-regex = "^/api/v1/customers/\\\\{{id\\\\}}/"
parameters = {{ "path.id" = {ids["customer"]} }}

[[operations]]
include-path-regex = "^/api/v1/notifications/\\\\{{id\\\\}}/"
parameters = {{ "path.id" = {ids["notification"]} }}

# Revoking tokens would revoke the fuzzer's own token and turn the rest of the run into 401s; they
# are covered by kefu/org/tests/test_tokens.py.
[[operations]]
include-path-regex = "^/api/v1/auth/tokens?/$"
include-method = "DELETE"
enabled = false
"""


@pytest.fixture
def fuzz_site(live_site):
    site = live_site("fuzz")
    site.setup(demo_size=40)
    site.start(workers=2)
    return site


def _run_schemathesis(site, tmp_path, who: str, token: str, ids: dict[str, int]) -> tuple[int, int]:
    config = tmp_path / f"schemathesis-{who}.toml"
    config.write_text(_config(ids))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "--no-color",
            "run",
            f"{site.base}/api/v1/schema/",
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(FUZZ_EXAMPLES),
            "--seed",
            "20261",
            "--workers",
            "1",
            "--request-timeout",
            "60",
            "--suppress-health-check",
            "all",
            "--warnings",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        cwd=tmp_path,
    )
    out = done.stdout + done.stderr
    generated = re.search(r"(\d+) generated", out)
    operations = re.search(r"Tested: (\d+)", out)
    assert generated and operations, out[-4000:]
    assert done.returncode == 0, f"schemathesis as {who} found problems:\n{out[-12000:]}"
    return int(operations.group(1)), int(generated.group(1))


def test_the_live_api_matches_its_schema_for_an_administrator_and_an_agent(fuzz_site, tmp_path, figure):
    site = fuzz_site
    ids = _targets(site)
    # Both tokens first: the fuzzing of the token endpoint sends wrong passwords from this address.
    tokens = {"administrator": site.token("admin", "kefu-admin"), "agent": site.token("agent1", "kefu-demo")}
    figures = []
    for who, token in tokens.items():
        operations, generated = _run_schemathesis(site, tmp_path, who, token, ids)
        figures.append(f"{who}: {generated} requests over {operations} operations")
    database = "PostgreSQL" if site.postgres else "SQLite"
    figure(f"schemathesis on {database}: " + "; ".join(figures) + ": 0 server errors, 0 schema violations")
    # The server stayed up and logged no crash.
    assert site.server.poll() is None
    assert "Traceback" not in site.log.read_text()
