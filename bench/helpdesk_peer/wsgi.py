"""WSGI entry of the django-helpdesk peer: `gunicorn wsgi:application` with this folder as --chdir."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
application = get_wsgi_application()
