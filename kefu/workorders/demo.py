"""Demo work orders: filled in with the app's pages (see docs/workorders.md)."""

from typing import Any


def make_workorders_demo(world: Any, *, rng: Any, log: Any) -> None:
    return None
