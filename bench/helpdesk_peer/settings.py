"""The smallest Django project that serves django-helpdesk 2.6.1's REST API, as Kefu's peer in
bench/register_peer.py (set up and started by bench/helpdesk_peer.sh; nothing here is Kefu code).

What keeps the comparison even:

* the same PostgreSQL server, its own database (`PEER_DATABASE_URL`, default `kefu_hd12_peer`),
  persistent connections for 60 s as Kefu's `DB_CONN_MAX_AGE` default;
* Django, Django REST framework, gunicorn and psycopg at Kefu's versions (requirements.txt), DEBUG off,
  Kefu's language and time zone, and Kefu's password hashers (Kefu's config/settings.py sets none, so
  Django's default list, PBKDF2 first; a token request hashes the password once on either side);
* authentication by token, as Kefu: DRF's own `TokenAuthentication` (`Authorization: Token <key>`,
  one indexed lookup per request), the cheapest scheme helpdesk's API accepts. Basic auth would run
  PBKDF2 on every request and session auth would add CSRF round trips, both unfair to helpdesk. The
  token is issued by DRF's `obtain_auth_token` at Kefu's path, /api/v1/auth/token/ (urls.py), so
  bench/intake.py's `get_token` serves both sides;
* what a create does after its INSERTs: helpdesk renders its new-ticket e-mail to the submitter inside
  the request (Kefu queues its notifications to Celery after commit); the mail goes to Django's dummy
  backend, so rendering is paid and no delivery is;
* Django's defaults where helpdesk's install guide sets nothing: ATOMIC_REQUESTS off, so helpdesk's
  create commits each of its writes on its own (ticket, follow-up, and the updates after them) where
  Kefu's registration is one transaction.

Teams (pinax-teams) are off: the API does not use them and they are an optional extra of the package.
"""

import os
from urllib.parse import unquote, urlsplit

url = urlsplit(os.environ.get("PEER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kefu_hd12_peer"))

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "kefu-bench-helpdesk-peer-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",  # helpdesk builds the ticket link in its e-mail from the current Site
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

SITE_ID = 1
ROOT_URLCONF = "urls"
WSGI_APPLICATION = "wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.path.lstrip("/"),
        "USER": unquote(url.username or "postgres"),
        "PASSWORD": unquote(url.password or ""),
        "HOST": url.hostname or "127.0.0.1",
        "PORT": str(url.port or 5432),
        "CONN_MAX_AGE": 60,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
MEDIA_ROOT = os.environ.get("PEER_MEDIA_ROOT", "/tmp/kefu-helpdesk-peer/media")
LOGIN_URL = "/login/"

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@localhost"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

# django-helpdesk 2.6.1 reads HELPDESK_API_ENABLED (helpdesk/settings.py, default True) and mounts
# the API under api/ (helpdesk/urls.py); said here so a change of default cannot switch it off.
HELPDESK_API_ENABLED = True
HELPDESK_TEAMS_MODE_ENABLED = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
