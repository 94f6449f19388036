"""Importing customer files: the dry run reports every bad cell by line and column and imports nothing;
a clean file is imported all or nothing and recorded as a batch (issue 9, "Import/export")."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from kefu.customers.imports import ImportRefused, import_check, import_commit
from kefu.customers.models import Contact, Customer
from kefu.customers.services import customer_create

pytestmark = pytest.mark.django_db

HEADER = ["客户名称", "电话", "联系人", "客户类型", "等级", "证件号码", "地址"]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def gbk_csv(rows: list[list[object]]) -> bytes:
    # How Chinese Excel saves "CSV (逗号分隔)": the system code page, no BOM.
    return "\r\n".join(",".join(str(c) for c in row) for row in rows).encode("gbk")


def problems(report) -> list[tuple[int, str, str]]:
    return [(p.line, p.column, p.message) for p in report.problems]


def test_dry_run_of_a_workbook_reports_each_bad_cell_by_line_and_column_and_writes_nothing(org):
    customer_create(name="老客户", phone="13900001111", id_number="330106199001011234")
    data = xlsx(
        [
            HEADER,
            ["杭州湖滨物业", 13812345678, "张经理", "企业", "A", "", "杭州市上城区湖滨路 1 号"],  # line 2: fine
            ["", "13812345679", "", "", "B", "", ""],  # line 3: no name
            ["李四", "138123", "", "", "Z", "", ""],  # line 4: bad phone, unknown grade
            ["王五", "138-1234-5678", "", "", "", "", ""],  # line 5: same phone as line 2
            ["赵六", "13900001111", "", "", "", "330106199001011234", ""],  # line 6: existing phone and ID
            ["钱七" * 101, "13700000000", "", "外星人", "", "", ""],  # line 7: name too long, unknown type
        ]
    )
    with translation.override("en"):
        report = import_check(file_name="客户.xlsx", data=data)
        found = problems(report)
    assert not report.clean
    assert {(line, column) for line, column, _ in found} == {
        (3, "客户名称"),
        (4, "电话"),
        (4, "等级"),
        (5, "电话"),
        (6, "电话"),
        (6, "证件号码"),
        (7, "客户名称"),
        (7, "客户类型"),
    }
    messages = {(line, column): message for line, column, message in found}
    assert messages[(3, "客户名称")] == "Required."
    assert "is not a phone number" in messages[(4, "电话")]
    assert messages[(4, "等级")] == "Unknown value “Z”."
    assert messages[(5, "电话")] == "Same phone number as line 2."
    assert "老客户" in messages[(6, "电话")] and "already has this phone number" in messages[(6, "电话")]
    assert "already has this ID number" in messages[(6, "证件号码")]
    assert messages[(7, "客户名称")].startswith("At most 200 characters")
    assert report.bad_lines == 5
    assert Customer.objects.count() == 1  # only the one made above


def test_gbk_csv_is_read_and_its_bad_rows_refuse_the_whole_import(org):
    data = gbk_csv(
        [
            ["名称", "电话", "等级"],
            ["杭州湖滨物业", "0571-87654321", "重点客户"],
            ["宁波东部新城物业", "13812345678", "B"],
            ["绍兴物业", "138123", "C"],  # line 4: bad phone
        ]
    )
    with translation.override("en"):
        report = import_check(file_name="customers.csv", data=data)
    assert [(p.line, p.column) for p in report.problems] == [(4, "电话")]
    assert [values["name"] for _line, values in report.rows][:2] == ["杭州湖滨物业", "宁波东部新城物业"]
    assert report.rows[0][1]["grade"] == "key"  # the grade's Chinese label is understood
    with pytest.raises(ImportRefused) as refused:
        import_commit(file_name="customers.csv", data=data, actor=org.cs_supervisor)
    assert "line 4" in str(refused.value.extra["file"][0]) or "第 4" in str(refused.value.extra["file"][0])
    assert not Customer.objects.filter(name__in=["杭州湖滨物业", "宁波东部新城物业"]).exists()


def test_a_clean_file_is_imported_in_one_batch_with_each_customer_linked(org):
    from kefu.exports.models import ImportBatch

    csv_text = "\ufeff名称,电话,联系人,地址,证件号码\n杭州湖滨物业,0571-87654321,张经理,杭州市上城区湖滨路 1 号,\n王建国,13812345678,,,330106199001011234\n"
    data = csv_text.encode("utf-8")
    result = import_commit(file_name="客户.csv", data=data, actor=org.cs_supervisor)
    assert [c.name for c in result.customers] == ["杭州湖滨物业", "王建国"]
    batch = ImportBatch.objects.get()
    assert (batch.actor, batch.file_name, batch.row_count, batch.created_count) == (org.cs_supervisor, "客户.csv", 2, 2)
    assert len(batch.sha256) == 64
    assert sorted(batch.items.values_list("line", "customer__name")) == [(2, "杭州湖滨物业"), (3, "王建国")]
    assert Contact.objects.get(customer__name="杭州湖滨物业").name == "张经理"
    assert Customer.objects.get(name="王建国").id_number == "330106199001011234"
    # The same file again: every row is now a duplicate of an existing customer, nothing more is made.
    with pytest.raises(ImportRefused):
        import_commit(file_name="客户.csv", data=data, actor=org.cs_supervisor)
    assert Customer.objects.count() == 2 and ImportBatch.objects.count() == 1


def test_unknown_and_missing_columns_and_wrong_files_are_named(org):
    with translation.override("en"):
        report = import_check(file_name="c.csv", data="名称,传真\nA,1\n".encode())
        assert {(p.line, p.column) for p in report.problems} == {(1, "传真"), (1, "Phone")}
        assert import_check(file_name="c.pdf", data=b"%PDF").problems[0].message.startswith("Upload an Excel")
        assert (
            "not an Excel workbook" in import_check(file_name="c.xlsx", data=b"PK\x03\x04 broken").problems[0].message
        )


def test_the_cli_prints_line_and_column_and_imports_only_with_commit(org, tmp_path):
    bad = tmp_path / "客户.csv"
    bad.write_bytes(gbk_csv([["名称", "电话"], ["杭州湖滨物业", "0571-87654321"], ["", "13812345678"]]))
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="1 problem"):
        call_command("import_customers", str(bad), "--commit", stderr=err)
    assert "客户.csv: line 3, column 名称: Required." in err.getvalue()
    assert not Customer.objects.exists()

    good = tmp_path / "good.csv"
    good.write_bytes(gbk_csv([["名称", "电话"], ["杭州湖滨物业", "0571-87654321"]]))
    out = io.StringIO()
    call_command("import_customers", str(good), stdout=out)
    assert "1 rows, no problems" in out.getvalue() and not Customer.objects.exists()
    call_command("import_customers", str(good), "--commit", "--user", "cs_supervisor", stdout=out)
    assert Customer.objects.get().name == "杭州湖滨物业"


def test_a_file_that_breaks_the_reader_is_a_problem_not_a_crash(org):
    with translation.override("en"):
        # Line 3 holds one field over the csv module's limit (128 KiB), as a runaway quote would.
        data = b'name,phone\nA,13812345678\n"' + b"x" * 140_000 + b'",1\n'
        report = import_check(file_name="c.csv", data=data)
    assert [(p.line, p.message) for p in report.problems] == [(3, "The file cannot be read from this line on.")]
