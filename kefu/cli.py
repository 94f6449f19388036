"""The `kefu` command: Django's management commands with Kefu's settings.

kefu setup                  migrate, compile translations, load preset rulebooks
kefu demo --size 1000       build a demo organisation, customers and cases
kefu rulebook load FILE     validate and load a rulebook (check: validate only)
kefu reports refresh        recount the monthly statistics rollup's changed months (--full: every month)
kefu run                    web server plus an embedded Celery worker and scheduler
kefu worker                 a Celery worker (production: several, on Redis/RabbitMQ)
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kefu", *sys.argv[1:]])


if __name__ == "__main__":
    main()
