"""Properties of the engine on the real 2025–2026 office calendar, checked by hypothesis, and its
agreement with a day-by-day walk (the obviously correct, slow implementation)."""

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import OFFICE, SH

FIRST = datetime(2025, 1, 1, tzinfo=SH)
# Starts up to mid-2026 leave room for the longest durations below within the loaded years.
starts = st.integers(min_value=0, max_value=int((datetime(2026, 6, 30, tzinfo=SH) - FIRST).total_seconds())).map(
    lambda s: FIRST + timedelta(seconds=s)
)
minutes = st.integers(min_value=0, max_value=20_000)
positive = st.integers(min_value=1, max_value=20_000)
PROPERTY = settings(max_examples=300, deadline=None)


def inside_or_at_end_of_a_window(t: datetime) -> bool:
    local = t.astimezone(SH)
    return any(start < local.time() <= end for start, end in OFFICE.windows_on(local.date()))


@PROPERTY
@given(starts, minutes, minutes)
def test_adding_a_then_b_equals_adding_a_plus_b(t, a, b):
    assert OFFICE.add_working_minutes(OFFICE.add_working_minutes(t, a), b) == OFFICE.add_working_minutes(t, a + b)


@PROPERTY
@given(starts, positive)
def test_a_deadline_is_inside_a_window_or_at_its_end(t, m):
    assert inside_or_at_end_of_a_window(OFFICE.add_working_minutes(t, m))


@PROPERTY
@given(starts, minutes, minutes)
def test_deadlines_are_monotonic_in_duration(t, a, b):
    low, high = sorted((a, b))
    assert OFFICE.add_working_minutes(t, low) <= OFFICE.add_working_minutes(t, high)


@PROPERTY
@given(starts, minutes)
def test_working_minutes_between_inverts_add(t, m):
    assert OFFICE.working_minutes_between(t, OFFICE.add_working_minutes(t, m)) == m


@PROPERTY
@given(starts, st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=40))
def test_working_days_end_a_working_day_and_are_monotonic(t, a, b):
    low, high = sorted((a, b))
    first, second = OFFICE.add_working_days(t, low), OFFICE.add_working_days(t, high)
    assert first <= second and (low == high or first < second)
    local = first.astimezone(SH)
    assert local.date() > t.astimezone(SH).date()
    assert local.time() == OFFICE.windows_on(local.date())[-1][1]  # the end of that day's last window


def walk_working_minutes(t: datetime, m: int) -> datetime:
    remaining = timedelta(minutes=m)
    if not remaining:
        return t
    day = t.astimezone(SH).date()
    while True:
        for start, end in OFFICE.windows_on(day):
            begin = max(datetime.combine(day, start, tzinfo=SH), t)
            window_end = datetime.combine(day, end, tzinfo=SH)
            if window_end <= begin:
                continue
            if remaining <= window_end - begin:
                return begin + remaining
            remaining -= window_end - begin
        day += timedelta(days=1)


@PROPERTY
@given(starts, minutes)
def test_agrees_with_a_day_by_day_walk(t, m):
    assert OFFICE.add_working_minutes(t, m) == walk_working_minutes(t, m)
