import time

from django.core.management.base import BaseCommand

from kefu.reports.rollup import reports_refresh


class Command(BaseCommand):
    help = (
        "Monthly statistics. refresh: bring the rollup up to date (the months whose cases changed); "
        "refresh --full: recount every month (after a restore or a bulk load)."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="Recount the months whose cases changed since the last refresh.")
        refresh.add_argument("--full", action="store_true", help="Recount every month.")

    def handle(self, *args, action: str, **options) -> None:
        started = time.perf_counter()
        done = reports_refresh(full=options["full"])
        months = ", ".join(str(m) for m in done.months) or "none"
        self.stdout.write(
            f"{'full' if done.full else 'changed'} refresh: {len(done.months)} month(s) ({months}), "
            f"{done.written} row(s) written, {time.perf_counter() - started:.1f} s"
        )
