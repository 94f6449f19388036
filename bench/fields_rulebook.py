#!/usr/bin/env python3
"""Print the service-complaint preset with form fields added to every case type (format v2), for the
benchmarks at a million cases: a site that adapted the preset to record the product line, whether a
written reply is wanted and the amount at stake. Load it as a new version of the preset before
`kefu demo`, so most demo cases carry form fields:

    .venv/bin/python bench/fields_rulebook.py > /tmp/sc-fields.yaml
    kefu rulebook load /tmp/sc-fields.yaml
"""

from pathlib import Path

PRESET = Path(__file__).resolve().parents[1] / "kefu" / "rulebooks" / "presets" / "service-complaint.yaml"
FIELDS = """\
    fields:
      - key: product_line
        type: choice
        label: 产品线
        label_en: Product line
        options:
          - {code: air_conditioner, label: 空调}
          - {code: refrigerator, label: 冰箱}
          - {code: washer, label: 洗衣机}
          - {code: water_heater, label: 热水器}
          - {code: kitchen, label: 厨房电器}
          - {code: other, label: 其他}
      - {key: written_reply, type: yes_no, label: 需书面答复, label_en: Written reply wanted}
      - {key: amount, type: money, label: 涉及金额（元）, label_en: Amount at stake (yuan), min: 0}
      - {key: order_no, type: text, label: 订单编号, label_en: Order no., max_length: 40}
"""


def main() -> None:
    out = []
    for line in PRESET.read_text(encoding="utf-8").splitlines(keepends=True):
        out.append(line)
        if line.startswith("    kind: "):
            out.append(FIELDS)
    print("".join(out), end="")


if __name__ == "__main__":
    main()
