"""Kefu settings. Everything that differs between sites comes from the environment.

Defaults give a one-command start: SQLite in ./var/, an embedded Celery worker on a SQLite broker,
Simplified Chinese. Set DATABASE_URL and CELERY_BROKER_URL for PostgreSQL + Redis (docs/operations.md).
KEFU_ENV=production turns the HTTPS defaults on and refuses to start without a real SECRET_KEY.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envint, envlist, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("KEFU_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Production mode: an explicit switch, so a forgotten variable fails loudly instead of running a site
# on development values (docs/operations.md, "Production settings").
KEFU_ENV = envstr("KEFU_ENV", "development").strip().lower()
if KEFU_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"KEFU_ENV must be 'development' or 'production', not {KEFU_ENV!r}.")
PRODUCTION = KEFU_ENV == "production"

DEVELOPMENT_SECRET_KEY = "kefu-insecure-development-key-change-me"
SECRET_KEY = envsecret("SECRET_KEY")
if PRODUCTION and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "KEFU_ENV=production needs a secret key of its own: set SECRET_KEY, or SECRET_KEY_FILE to a file "
        "holding it (generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
DEBUG = envbool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("KEFU_ENV=production cannot run with DEBUG on: unset DEBUG.")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# The address people reach Kefu at ("https://kefu.example.com"), for the links in e-mail; when empty,
# the first CSRF_TRUSTED_ORIGINS entry (kefu.sla.mail.site_url).
KEFU_SITE_URL = envstr("KEFU_SITE_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "csp",
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
    "kefu.knowledge",
    "kefu.duty",
    "kefu.workorders",
    "kefu.appraisal",
    "kefu.visits",
    "kefu.handoffs",
    "kefu.exports",
    "kefu.reports",
    "kefu.portal",
    "kefu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
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
    # Last: it turns a login refused by django-axes into the lockout answer (kefu.org.lockout).
    "axes.middleware.AxesMiddleware",
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
# The hottest statements (registration's inserts, the token lookup) are prepared once per PostgreSQL
# connection (kefu/core/hotpath.py). A pooler that hands one session's statements to another
# (PgBouncer in transaction mode before 1.21) needs this off: docs/operations.md.
KEFU_PREPARED_STATEMENTS = envbool("KEFU_PREPARED_STATEMENTS", True)
# On PostgreSQL a registration writes its number, case, history, clocks and Idempotency-Key record in
# one data-modifying statement (kefu.core.hotpath.one_statement) instead of five; 0 writes them one
# by one (the same rows: tests compare the two).
KEFU_ONE_STATEMENT = envbool("KEFU_ONE_STATEMENT", True)
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
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # for the file-based backend
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "kefu@localhost")

# Customer self-service (/portal/, docs/portal.md). Texts to customers go through the SMS backend (a
# dotted path; the default writes them to the outbox table the admin reads) and e-mail.
KEFU_SMS_BACKEND = envstr("KEFU_SMS_BACKEND", "kefu.portal.sender.OutboxSmsBackend")
KEFU_PORTAL_UNIT = envstr("KEFU_PORTAL_UNIT", "")  # code of the unit whose queue receives filed cases
KEFU_PORTAL_CODE_MINUTES = envint("KEFU_PORTAL_CODE_MINUTES", 10)
KEFU_PORTAL_CODE_TRIES = envint("KEFU_PORTAL_CODE_TRIES", 5)
KEFU_PORTAL_LINK_DAYS = envint("KEFU_PORTAL_LINK_DAYS", 30)
KEFU_PORTAL_SESSION_MINUTES = envint("KEFU_PORTAL_SESSION_MINUTES", 30)
# Per client address: at most RATE posts (filings, code requests and checks, answers) per RATE_SECONDS;
# per case number: at most CASE_RATE code requests and checks per RATE_SECONDS.
KEFU_PORTAL_RATE = envint("KEFU_PORTAL_RATE", 30)
KEFU_PORTAL_CASE_RATE = envint("KEFU_PORTAL_CASE_RATE", 10)
KEFU_PORTAL_RATE_SECONDS = envint("KEFU_PORTAL_RATE_SECONDS", 600)

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kefu.org.tokens.ExpiringTokenAuthentication",
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
    # The schema and both documentation pages need a logged-in member of staff, like every endpoint.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # No validator badge: Swagger UI would send the schema's address to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # ReDoc's default fonts come from Google Fonts; the page loads nothing from the internet.
    "REDOC_UI_SETTINGS": {
        "theme": {"typography": {"fontFamily": "system-ui, sans-serif", "headings": {"fontFamily": "inherit"}}}
    },
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
        "NoteVisibilityEnum": "kefu.cases.choices.NoteVisibility",
        "ArticleVisibilityEnum": "kefu.knowledge.choices.Visibility",
        "ArticleStatusEnum": "kefu.knowledge.choices.ArticleStatus",
        "RosterStatusEnum": "kefu.duty.choices.RosterStatus",
        "ShiftStatusEnum": "kefu.duty.choices.ShiftStatus",
        "SwapStatusEnum": "kefu.duty.choices.SwapStatus",
        "WorkOrderStatusEnum": "kefu.workorders.choices.OrderStatus",
        "WorkOrderKindEnum": "kefu.workorders.choices.OrderKind",
        "WorkOrderEventKindEnum": "kefu.workorders.choices.EventKind",
        "WorkOrderPhotoKindEnum": "kefu.workorders.offsite_models.PhotoKind",
        "WorkOrderMovementKindEnum": "kefu.workorders.offsite_models.MovementKind",
        "WorkOrderTakeBackStatusEnum": "kefu.workorders.offsite_models.TakeBackStatus",
        "WorkOrderContractorRequestStatusEnum": "kefu.workorders.offsite_models.RequestStatus",
        "ServiceTypeEnum": "kefu.workorders.choices.ServiceType",
        "LedgerStatusEnum": "kefu.appraisal.choices.EntryStatus",
        "LedgerKindEnum": "kefu.appraisal.choices.EntryKind",
        "LedgerSourceEnum": "kefu.appraisal.choices.EntrySource",
        "ScoreRunStatusEnum": "kefu.appraisal.choices.RunStatus",
        "PeriodKindEnum": "kefu.appraisal.choices.PeriodKind",
        "VisitStatusEnum": "kefu.visits.choices.VisitStatus",
        "VisitMethodEnum": "kefu.visits.choices.VisitMethod",
        "VisitPurposeEnum": "kefu.visits.choices.VisitPurpose",
        "RescheduleReasonEnum": "kefu.visits.choices.RescheduleReason",
        "SurveyRoundStatusEnum": "kefu.visits.choices.RoundStatus",
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
# Redis (and SQS) redeliver a task whose worker died without acknowledging it only after this many
# seconds. Kefu does not wait for it: sweeps run again on schedule and the e-mail pick-up resends
# what a dead worker held (docs/operations.md, "E-mail"). Keep it above the longest task.
# (Redis options only: the embedded SQLite broker takes none.)
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://", "redis+socket://", "sentinel://")):
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = envint("CELERY_VISIBILITY_TIMEOUT", 3600)
    if envstr("CELERY_BROKER_KEY_PREFIX"):
        # Several sites (or test runs) sharing one Redis database keep their queues apart.
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = envstr("CELERY_BROKER_KEY_PREFIX")
# Queues and task routes: config/celery.py. E-mail: an SMTP server that does not answer is given up
# after EMAIL_TIMEOUT seconds; a sender holds the rows it sends for KEFU_EMAIL_CLAIM_SECONDS (renewed
# after half of it), keep it above twice EMAIL_TIMEOUT.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
KEFU_EMAIL_PICKUP_SECONDS = envint("KEFU_EMAIL_PICKUP_SECONDS", 60)  # how often beat runs the e-mail pick-up
KEFU_EMAIL_CLAIM_SECONDS = envint("KEFU_EMAIL_CLAIM_SECONDS", 120)
KEFU_EMAIL_PICKUP_BUDGET = envint("KEFU_EMAIL_PICKUP_BUDGET", 20)  # seconds one pick-up may spend sending
KEFU_SLA_SWEEP_BATCH = envint("KEFU_SLA_SWEEP_BATCH", 1000)  # clocks per sweep transaction
# Database connections one sweep uses side by side on PostgreSQL (docs/operations.md); SQLite uses one.
KEFU_SLA_SWEEP_WORKERS = envint("KEFU_SLA_SWEEP_WORKERS", 2)

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

# --------------------------------------------------------------------------------------------------
# HTTPS, cookies and security headers (docs/operations.md, "Production settings"). In production mode
# the secure values are the defaults; every one can still be set from the environment.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = envlist("SECURE_REDIRECT_EXEMPT")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
# "X-Forwarded-Proto,https": the header the TLS proxy sets, and its value for HTTPS. Only behind a proxy
# that always sets (or strips) it, or clients could claim HTTPS.
_proxy_ssl = envlist("SECURE_PROXY_SSL_HEADER")
if _proxy_ssl and len(_proxy_ssl) != 2:
    raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER is 'Header-Name,value', e.g. 'X-Forwarded-Proto,https'.")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl[0].upper().replace("-", "_").removeprefix("HTTP_"), _proxy_ssl[1]) if _proxy_ssl else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = envstr("SECURE_REFERRER_POLICY", "same-origin")
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_NAME = envstr("SESSION_COOKIE_NAME", "sessionid")
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = envstr("SESSION_COOKIE_SAMESITE", "Lax")
SESSION_COOKIE_DOMAIN = envstr("SESSION_COOKIE_DOMAIN") or None
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 14 * 24 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
CSRF_COOKIE_NAME = envstr("CSRF_COOKIE_NAME", "csrftoken")
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", PRODUCTION)
# Readable by the API docs page, which sends it back in X-CSRFToken (docs/api.md).
CSRF_COOKIE_HTTPONLY = envbool("CSRF_COOKIE_HTTPONLY", False)
CSRF_COOKIE_SAMESITE = envstr("CSRF_COOKIE_SAMESITE", "Lax")
CSRF_COOKIE_DOMAIN = envstr("CSRF_COOKIE_DOMAIN") or None

# Content-Security-Policy (django-csp): scripts and styles only from Kefu's own static files, nothing
# inline. The API documentation pages add inline styles (Swagger UI, ReDoc) in config/urls.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": envstr("KEFU_CSP_REPORT_URI")} if envstr("KEFU_CSP_REPORT_URI") else {}),
    }
}

# --------------------------------------------------------------------------------------------------
# Logins: django-axes locks an account after KEFU_LOGIN_FAILURE_LIMIT failures and an address after
# KEFU_LOGIN_ADDRESS_FAILURE_LIMIT (an office shares one address), for KEFU_LOGIN_LOCKOUT_MINUTES after
# the failures, on the web login, the admin login and the token endpoint alike (kefu.org.lockout).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = envbool("KEFU_LOGIN_LOCKOUT", True)
AXES_FAILURE_LIMIT = envint("KEFU_LOGIN_FAILURE_LIMIT", 5)
KEFU_LOGIN_ADDRESS_FAILURE_LIMIT = envint("KEFU_LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=envint("KEFU_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "kefu.org.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "kefu.org.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "kefu.org.lockout.lockout_response"
# Tries while locked neither count nor push the end of the lockout back, so "try again at 14:35" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # failures and lockouts are logged once, by kefu.org.lockout ("kefu.auth")
# The client address: REMOTE_ADDR unless a reverse proxy is named here (never X-Forwarded-For by default).
KEFU_CLIENT_IP_HEADER = envstr("KEFU_CLIENT_IP_HEADER")
KEFU_TRUSTED_PROXY_COUNT = envint("KEFU_TRUSTED_PROXY_COUNT", 1)

# API tokens (django-rest-knox): stored hashed, several per person, each expiring KEFU_API_TOKEN_HOURS
# after it was issued; a password change revokes them all (docs/api.md).
KEFU_API_TOKEN_HOURS = envint("KEFU_API_TOKEN_HOURS", 24)
if KEFU_API_TOKEN_HOURS < 1:
    raise ImproperlyConfigured("KEFU_API_TOKEN_HOURS must be at least 1: tokens always expire.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=KEFU_API_TOKEN_HOURS),
    "TOKEN_PREFIX": "kefu_",
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

# The login page lists the demo accounts `kefu demo` made, only when scripts/start.sh says the site
# runs on demo data. Never in production mode.
KEFU_DEMO_LOGINS = envbool("KEFU_DEMO_LOGINS", False) and not PRODUCTION
