"""`kefu demo`: a demo organisation, staff, customers and cases of every loaded rulebook."""

import random
import time

from django.core.management.base import BaseCommand, CommandParser

from kefu.cases.models import Case
from kefu.core.demo import build_world, make_app_demos, make_cases_in_bulk, make_cases_with_services


class Command(BaseCommand):
    help = (
        "Build demo data: an organisation with every role, customers, and cases of every case type of every "
        "active rulebook spread over the last 13 months. Up to --bulk-above cases go through the real "
        "services (full history); more are written in bulk (registration event only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=int, default=300, help="Number of cases (default 300).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any case exists.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for the same data every time.")
        parser.add_argument("--batch", type=int, default=5000, help="Rows per bulk transaction (default 5000).")
        parser.add_argument(
            "--bulk-above",
            type=int,
            default=2000,
            help="Sizes above this use the bulk path instead of the services (default 2000).",
        )
        parser.add_argument("--customers", type=int, default=None, help="Number of customers (default: from size).")

    def handle(
        self,
        *args,
        size: int,
        if_empty: bool,
        seed: int | None,
        batch: int,
        bulk_above: int,
        customers: int | None,
        **options,
    ) -> None:
        if if_empty and Case.objects.exists():
            self.stdout.write("demo: cases exist already; nothing to do")
            return
        started = time.monotonic()

        def log(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()  # progress must show up even when stdout is a file or a pipe

        rng = random.Random(seed)
        # Roughly 3 cases per customer when small, ~40 when large (a big desk has repeat callers).
        n_customers = (
            customers if customers is not None else max(30, min(size // 3, 2000) if size <= bulk_above else size // 40)
        )
        world = build_world(rng=rng, customers=n_customers, log=log)
        if size <= bulk_above:
            made = make_cases_with_services(world, size=size, rng=rng, log=log)
        else:
            made = make_cases_in_bulk(world, size=size, rng=rng, batch=max(1, batch), log=log)
        make_app_demos(world, rng=rng, log=log)
        self.stdout.write(f"demo: {made:,} cases in {time.monotonic() - started:.1f}s")
