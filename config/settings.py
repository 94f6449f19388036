"""Kefu settings. Everything that differs between sites comes from the environment.

Defaults give a one-command start: SQLite in ./var/, an embedded Celery worker on a SQLite broker,
Simplified Chinese. Set DATABASE_URL and CELERY_BROKER_URL for PostgreSQL + Redis (docs/operations.md).
"""

from pathlib import Path

import dj_database_url

from config.env import envbool, envint, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("KEFU_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = envsecret("SECRET_KEY", "kefu-insecure-development-key-change-me")
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = [h for h in envstr("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in envstr("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "kefu.core",
    "kefu.org",
    "kefu.customers",
    "kefu.calendars",
    "kefu.rulebooks",
    "kefu.cases",
    "kefu.sla",
    "kefu.reports",
    "kefu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kefu.web.middleware.DefaultLanguageLocaleMiddleware",
    # Before anything reads the request: too large → 413 from Content-Length, NUL in path/query → 400.
    "kefu.core.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:queue"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kefu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database
# SQLite is the embedded default so a checkout runs with no server. IMMEDIATE transactions make
# every write transaction take the write lock up front, which is what serialises case numbering.
DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "kefu.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Internationalisation: Simplified Chinese first, English available.
LANGUAGE_CODE = envstr("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "kefu" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Request sizes (docs/api.md, "Limits"; the reverse proxy's own limit is in docs/operations.md).
# A body over its limit is refused from its Content-Length before it is read (kefu.core.middleware):
# an upload may be one attachment plus DATA_UPLOAD_MAX_MEMORY_SIZE for the other form fields, any
# other body DATA_UPLOAD_MAX_MEMORY_SIZE (1 MiB holds the longest case text many times over).
KEFU_MAX_ATTACHMENT_BYTES = envint("KEFU_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("KEFU_MAX_REQUEST_BYTES", 1024 * 1024)
# Uploads above this go to a temporary file instead of memory while they are received.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "kefu@localhost")

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, plus a refusal of NUL and lone surrogates in any string (kefu.core.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "kefu.core.parsers.JSONParser",
        "kefu.core.parsers.FormParser",
        "kefu.core.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "kefu.core.api.KefuCursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "kefu.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kefu API",
    "DESCRIPTION": "Customer-service cases, customers and organisation. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Adds the 400 and 413 answers the request guard (kefu.core.middleware) may give on any operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kefu.core.api.schema_common_responses",
    ],
    # Several models have a `kind` or `status` field with different choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "kefu.cases.choices.CaseStatus",
        "ClockStatusEnum": "kefu.sla.choices.ClockStatus",
        "NoticeKindEnum": "kefu.sla.choices.NoticeKind",
        "EventKindEnum": "kefu.cases.choices.EventKind",
        "UnitKindEnum": "kefu.org.choices.UnitKind",
    },
}

# Celery: the embedded default keeps the broker and results in SQLite files under var/, so
# `kefu run` needs no Redis. Production sets CELERY_BROKER_URL=redis://... (docs/operations.md).
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite'}")
CELERY_RESULT_BACKEND = envstr("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE

KEFU_DEFAULT_RULEBOOK = envstr("KEFU_DEFAULT_RULEBOOK", "service-complaint")
KEFU_SLA_SWEEP_SECONDS = envint("KEFU_SLA_SWEEP_SECONDS", 60)  # how often beat runs the deadline sweep
# How often beat re-delivers case events a dead worker left behind (kefu.cases.events); each commit
# queues its own delivery at once, so this is only the bound on the delay after a crash.
KEFU_EVENTS_SWEEP_SECONDS = envint("KEFU_EVENTS_SWEEP_SECONDS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
