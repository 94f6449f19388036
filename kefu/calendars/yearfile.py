"""The YAML year file: one year's holidays and make-up working days, as the State Council publishes
them every November. Validation walks YAML nodes so that each error names its line and path, and
collects every error before anything is written.

    year: 2026
    notice: 国务院办公厅关于2026年部分节假日安排的通知
    holidays:                      # days off; a range or a single date
    - {from: 2026-02-15, to: 2026-02-23, name: 春节}
    - {date: 2026-06-19, name: 端午节}
    workdays:                      # make-up working days (调休)
    - {date: 2026-02-14, name: 春节}                      # the calendar's Monday windows
    - {date: 2026-02-28, name: 春节, windows: [08:30-12:00]}  # or its own windows
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import yaml

from kefu.calendars.engine import Window, check_windows, format_window, parse_window
from kefu.core.exceptions import ApplicationError

__all__ = ("YearFileError", "YearSchedule", "dump_year_file", "parse_year_file")

_ROOT_KEYS = {"year", "notice", "calendar", "holidays", "workdays"}
_HOLIDAY_KEYS = {"date", "from", "to", "name"}
_WORKDAY_KEYS = {"date", "name", "windows"}


class YearFileError(ApplicationError):
    def __init__(self, source: str, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(
            f"{source}: the year file was refused, nothing was changed:\n" + "\n".join(f"  {e}" for e in errors),
            extra={"errors": errors},
        )


@dataclass
class YearSchedule:
    year: int
    holidays: dict[date, str] = field(default_factory=dict)
    # date -> (name, windows); empty windows mean the calendar's Monday windows
    workdays: dict[date, tuple[str, tuple[Window, ...]]] = field(default_factory=dict)
    notice: str = ""


class _Walker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, node: yaml.Node, path: str, message: str) -> None:
        self.errors.append(f"line {node.start_mark.line + 1}, {path}: {message}")

    def mapping(self, node: yaml.Node, path: str, allowed: set[str]) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, path, "expected a mapping")
            return None
        items: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                self.error(key_node, path, f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")
            elif key in items:
                self.error(key_node, path, f"duplicate key '{key}'")
            else:
                items[key] = value_node
        return items

    def sequence(self, node: yaml.Node | None, path: str) -> list[yaml.Node]:
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, path, "expected a list")
            return []
        return list(node.value)

    def text(self, node: yaml.Node, path: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, path, "expected a text value")
            return None
        return node.value

    def date(self, node: yaml.Node, path: str, year: int | None) -> date | None:
        value = self.text(node, path)
        if value is None:
            return None
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            self.error(node, path, f"'{value}' is not a date like 2027-01-01")
            return None
        if year is not None and day.year != year:
            self.error(node, path, f"{day} is not in {year}")
            return None
        return day


def parse_year_file(text: str, *, source: str = "<upload>") -> YearSchedule:
    """Validate a year file; raises YearFileError listing every problem with its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise YearFileError(source, [f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"])
    if root is None:
        raise YearFileError(source, ["file: empty"])
    w = _Walker()
    top = w.mapping(root, "(top)", _ROOT_KEYS)
    if top is None:
        raise YearFileError(source, w.errors)

    year: int | None = None
    if "year" not in top:
        w.error(root, "year", "missing")
    else:
        raw = w.text(top["year"], "year")
        if raw is not None:
            if raw.isascii() and raw.isdigit() and 1900 <= int(raw) <= 2200:
                year = int(raw)
            else:
                w.error(top["year"], "year", f"'{raw}' is not a year")
    schedule = YearSchedule(year=year or 0)
    if "notice" in top:
        schedule.notice = w.text(top["notice"], "notice") or ""
    seen: dict[date, str] = {}

    def claim(day: date, node: yaml.Node, path: str) -> bool:
        if day in seen:
            w.error(node, path, f"{day} is already listed at {seen[day]}")
            return False
        seen[day] = path
        return True

    for i, item in enumerate(w.sequence(top.get("holidays"), "holidays")):
        path = f"holidays[{i}]"
        fields = w.mapping(item, path, _HOLIDAY_KEYS)
        if fields is None:
            continue
        name = (w.text(fields["name"], f"{path}.name") or "") if "name" in fields else ""
        if "date" in fields and ("from" in fields or "to" in fields):
            w.error(item, path, "give either date or from/to, not both")
            continue
        if "date" in fields:
            first = last = w.date(fields["date"], f"{path}.date", year)
        elif "from" in fields and "to" in fields:
            first = w.date(fields["from"], f"{path}.from", year)
            last = w.date(fields["to"], f"{path}.to", year)
        else:
            w.error(item, path, "needs date, or from and to")
            continue
        if first is None or last is None:
            continue
        if last < first:
            w.error(fields["to"], f"{path}.to", f"{last} is before {first}")
            continue
        day = first
        while day <= last:
            if claim(day, item, path):
                schedule.holidays[day] = name
            day += timedelta(days=1)

    for i, item in enumerate(w.sequence(top.get("workdays"), "workdays")):
        path = f"workdays[{i}]"
        fields = w.mapping(item, path, _WORKDAY_KEYS)
        if fields is None:
            continue
        if "date" not in fields:
            w.error(item, path, "needs date")
            continue
        day = w.date(fields["date"], f"{path}.date", year)
        name = (w.text(fields["name"], f"{path}.name") or "") if "name" in fields else ""
        windows: list[Window] = []
        for j, node in enumerate(w.sequence(fields.get("windows"), f"{path}.windows")):
            raw = w.text(node, f"{path}.windows[{j}]")
            if raw is None:
                continue
            try:
                windows.append(parse_window(raw))
            except ValueError as exc:
                w.error(node, f"{path}.windows[{j}]", str(exc))
        try:
            windows = check_windows(windows)
        except ValueError as exc:
            w.error(fields["windows"], f"{path}.windows", str(exc))
        if day is not None and claim(day, item, path):
            schedule.workdays[day] = (name, tuple(windows))

    if w.errors:
        raise YearFileError(source, w.errors)
    return schedule


def dump_year_file(schedule: YearSchedule, *, calendar_key: str = "") -> str:
    """The year file for `schedule`; consecutive holidays with one name are written as a range."""
    holidays: list[dict] = []
    run: list[date] = []

    def flush() -> None:
        if not run:
            return
        name = schedule.holidays[run[0]]
        entry: dict = {"date": run[0]} if len(run) == 1 else {"from": run[0], "to": run[-1]}
        if name:
            entry["name"] = name
        holidays.append(entry)
        run.clear()

    for day in sorted(schedule.holidays):
        if run and (day - run[-1] != timedelta(days=1) or schedule.holidays[day] != schedule.holidays[run[0]]):
            flush()
        run.append(day)
    flush()
    workdays: list[dict] = []
    for day, (name, windows) in sorted(schedule.workdays.items()):
        entry = {"date": day}
        if name:
            entry["name"] = name
        if windows:
            entry["windows"] = [format_window(win) for win in windows]
        workdays.append(entry)
    doc: dict = {"year": schedule.year}
    if schedule.notice:
        doc["notice"] = schedule.notice
    doc["holidays"] = holidays
    doc["workdays"] = workdays
    header = (
        f"# Kefu working-calendar year file{f' (exported from calendar {calendar_key!r})' if calendar_key else ''}.\n"
        "# holidays: days off (a date, or from/to). workdays: make-up working days (调休); windows are\n"
        "# optional and default to the calendar's Monday windows. Import: kefu calendar import KEY FILE\n"
    )
    return header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
