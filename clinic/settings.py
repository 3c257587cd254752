"""Settings for the clinic project: one module, driven by environment variables.

Every default is safe for a developer's machine (SQLite, a broker that needs no server, emails
to a local outbox). Production sets DEBUG=false and the variables listed in the README; with
DEBUG off the project refuses to start on an unsafe configuration.
"""

import os
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from clinic.secret_key import secret_key_advice, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address, for links in emails and calendar files (built outside any request).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")


if not DEBUG:
    if problem := secret_key_problem(SECRET_KEY, dev_key=DEV_SECRET_KEY):
        raise ImproperlyConfigured(secret_key_advice(problem))
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DEBUG is off but ALLOWED_HOSTS is empty. Set ALLOWED_HOSTS to the site's host "
            "names, comma-separated (e.g. ALLOWED_HOSTS=clinic.example.com)."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_htmx",
    "phonenumber_field",
    "simple_history",
    "axes",
    "booking",
    "education",
    "care",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before CommonMiddleware (its slash redirect resolves URLs, which needs the language).
    "clinic.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "clinic.language.PrivatePageLanguageMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "clinic.language.LanguageSwitchMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "clinic.middleware.StaffSessionExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "clinic.security.SecurityHeadersMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so a locked-out login is refused before any view runs.
    "axes.middleware.AxesMiddleware",
    # Around the view alone, for the public pages of PAGE_CACHE_VIEWS (clinic/pagecache.py).
    "clinic.pagecache.PageCacheMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # Filters every template may use without {% load %}.
            "builtins": [
                "clinic.templatetags.phones",
                "clinic.templatetags.dates",
                "clinic.templatetags.localized",
            ],
            # The project's own tag libraries (clinic is not an installed app).
            "libraries": {
                "languages": "clinic.templatetags.languages",
                "shell": "clinic.templatetags.shell",
            },
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "booking.journey.context_processors.clinic",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default. WAL lets readers work while one writer writes; IMMEDIATE
# transactions take the write lock up front, so two concurrent bookings queue on the lock
# (for up to 20 s) instead of failing with "database is locked" half-way through.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # A file, not memory, so tests that book from several threads see one shared database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_db.sqlite3")}
    # Kept between requests for a minute, as on PostgreSQL: opening the file and running the
    # PRAGMAs above was about 12 % of an availability request. Safe with WAL and IMMEDIATE:
    # outside a transaction Django runs in autocommit, so every statement reads the latest
    # commit and a kept connection holds no snapshot between requests; a transaction begins
    # IMMEDIATE, taking the write lock before its first read, so it never writes from a stale
    # snapshot. Django's request signals close a connection that is older or broken; runserver
    # closes its threads' connections after each request; Celery's fixup does the same around
    # tasks; management commands and tests open and close their own, as before.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "clinic",
        },
        # Public pages (clinic/pagecache.py): one copy for every process and host. The
        # backend keeps its redis-py client (clinic/redis_cache.py).
        "pages": {
            "BACKEND": "clinic.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "clinic-pages",
            "TIMEOUT": None,
        },
    }
    CELERY_BROKER_URL = REDIS_URL
    # An unacknowledged task (its worker died) is redelivered after this long. Every time limit
    # and retry delay below stays well under it, so a task still running is never redelivered.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # A file cache is shared by the web server, the worker and beat on one machine.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        },
        # Public pages (clinic/pagecache.py), shared by the processes of this one machine.
        "pages": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "page-cache"),
            "TIMEOUT": None,
            "OPTIONS": {"MAX_ENTRIES": 2000},
        },
    }
    # kombu's filesystem transport: a broker that needs no server, for the embedded default.
    BROKER_DIR = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Otherwise kombu writes its exchange tables to ./control in the working directory.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }

# How long a public page may stay in the `pages` cache (0: no page cache). Any change to what the
# pages show makes a new key at once (clinic/pagecache.py), so this only bounds the memory that
# pages nobody asks for any more keep; PAGE_CACHE_VERSION, changed, sets every page aside.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 24 * 3600))
PAGE_CACHE_VERSION = os.environ.get("PAGE_CACHE_VERSION", "")
# The views (URL names) whose pages are the same for every anonymous reader and change only
# with the clinic's content: what education/page_stamp.py watches is all they read.
PAGE_CACHE_VIEWS = (
    "home",
    "privacy",
    "sitemap",
    "booking:start",
    "education:article_list",
    "education:topic_detail",
    "education:article_detail",
    "education:feed",
)

CELERY_TIMEZONE = None  # set below from TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# At-least-once delivery: a task is acknowledged after it ran, so a killed worker's tasks are
# redelivered; the email ledger makes the redelivery harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Well below the broker's visibility timeout (3600 s), so a task is never redelivered while
# it still runs.
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One queue name per deployment (tests and benchmarks use their own, so stale tasks of an
# earlier run never reach their worker).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Enqueueing happens in web requests (after a booking commits): give up on a dead broker within
# about a second instead of holding the patient's page; the reminder scan sends what was missed.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# Reminders are never ETA/countdown tasks: exactly ONE `celery beat` process (see the Procfile)
# runs this scan; it creates the due ledger rows and enqueues them. A second beat by mistake
# only wastes work: the ledger's unique key and claims keep every email single.
REMINDER_SCAN_INTERVAL_SECONDS = int(os.environ.get("REMINDER_SCAN_INTERVAL_SECONDS", "120"))
CELERY_BEAT_SCHEDULE = {
    "scan-due-messages": {
        "task": "booking.tasks.scan_due_messages",
        "schedule": timedelta(seconds=REMINDER_SCAN_INTERVAL_SECONDS),
        # A tick that waited longer than an interval is superseded by the next one.
        "options": {"expires": REMINDER_SCAN_INTERVAL_SECONDS},
    },
    # Daily: intake answers past ClinicProfile.intake_retention_days are anonymised.
    # Outcome questionnaires of care plans (invitations and reminders) that have fallen due.
    "scan-care-questionnaires": {
        "task": "care.tasks.scan_questionnaires",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 15 * 60},
    },
    "anonymise-expired-intakes": {
        "task": "booking.tasks.anonymise_expired_intakes",
        "schedule": timedelta(days=1),
    },
    # The waitlist's safety net: a batch window whose countdown task was lost, expired entries.
    "waitlist-sweep": {
        "task": "booking.tasks.waitlist_sweep",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 60},
    },
}
# The email ledger. A claimed message is leased for EMAIL_LEASE_SECONDS: longer than a delivery
# task may run (its hard time limit), so a lease only expires once its worker is surely gone;
# the next scan then reclaims it.
EMAIL_TASK_TIME_LIMIT_SECONDS = int(os.environ.get("EMAIL_TASK_TIME_LIMIT_SECONDS", "120"))
EMAIL_LEASE_SECONDS = int(
    os.environ.get("EMAIL_LEASE_SECONDS", str(EMAIL_TASK_TIME_LIMIT_SECONDS + 60))
)
EMAIL_BATCH_SIZE = int(os.environ.get("EMAIL_BATCH_SIZE", "50"))
# Transient SMTP failures: exponential backoff, base * 2**(attempt - 1) capped, half of each
# step fixed and half random (jitter, so a mail server's recovery is not met by a stampede);
# after EMAIL_MAX_ATTEMPTS the message is marked failed for staff to resend.
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "8"))
EMAIL_RETRY_BACKOFF_SECONDS = float(os.environ.get("EMAIL_RETRY_BACKOFF_SECONDS", "30"))
EMAIL_RETRY_BACKOFF_MAX_SECONDS = float(os.environ.get("EMAIL_RETRY_BACKOFF_MAX_SECONDS", "1800"))
# The pre-visit questionnaire invitation goes out this long before the visit.
QUESTIONNAIRE_INVITE_HOURS_BEFORE = float(os.environ.get("QUESTIONNAIRE_INVITE_HOURS_BEFORE", "72"))

# --- Email ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Clinic <no-reply@clinic.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_OUTBOX_DIR = Path(os.environ.get("EMAIL_OUTBOX_DIR", VAR_DIR / "outbox"))


def smtp_mailer(
    *,
    host: str,
    port: int,
    username: str = "",
    password: str = "",
    use_tls: bool = False,
    use_ssl: bool = False,
) -> dict:
    """A MAILERS entry for an SMTP server; the timeout is always set, so a hung server cannot
    hold a Celery worker."""
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": host,
            "port": port,
            "username": username,
            "password": password,
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": int(os.environ.get("EMAIL_TIMEOUT", "10")),
        },
    }


# Django 6.1's MAILERS (the EMAIL_* settings are deprecated); the variables keep their names.
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": smtp_mailer(
            host=os.environ["EMAIL_HOST"],
            port=int(os.environ.get("EMAIL_PORT", "587")),
            username=os.environ.get("EMAIL_HOST_USER", ""),
            password=os.environ.get("EMAIL_HOST_PASSWORD", ""),
            use_tls=env_bool("EMAIL_USE_TLS", False),
            use_ssl=env_bool("EMAIL_USE_SSL", False),
        )
    }
else:
    # One .eml file per message in var/outbox: open any of them in a mail client.
    MAILERS = {"default": {"BACKEND": "clinic.mail.OutboxBackend"}}

# --- Text messages (SMS) --------------------------------------------------------------------
# Backends like Django's email backends (open(), send_messages([...]), close()). Without Twilio
# credentials each text is written as a readable file to SMS_OUTBOX_DIR.
SMS_OUTBOX_DIR = Path(os.environ.get("SMS_OUTBOX_DIR", VAR_DIR / "sms-outbox"))
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
# Only for tests and staging gateways: where the Twilio library sends its API calls.
TWILIO_API_BASE_URL = os.environ.get("TWILIO_API_BASE_URL", "")
SMS_BACKEND = os.environ.get(
    "SMS_BACKEND",
    "booking.messaging.sms.backends.TwilioBackend"
    if TWILIO_ACCOUNT_SID
    else "booking.messaging.sms.backends.FileBackend",
)

# --- Time -----------------------------------------------------------------------------------
CLINIC_TIME_ZONE = os.environ.get("CLINIC_TIME_ZONE", "America/New_York")
try:
    ZoneInfo(CLINIC_TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(
        f"CLINIC_TIME_ZONE={CLINIC_TIME_ZONE!r} is not an IANA time zone name "
        "(e.g. America/New_York)."
    ) from exc
TIME_ZONE = CLINIC_TIME_ZONE
CELERY_TIMEZONE = TIME_ZONE
USE_TZ = True
# Patients read English or Spanish (issue 17): English pages at /, Spanish under /es/; private
# links, the API, webhooks and the back office carry no prefix (clinic/language.py). Staff
# screens stay English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
PATIENT_LANGUAGES = [code for code, _name in LANGUAGES]
# CLINIC_LOCALE_DIR: only the catalogue check (clinic/messages.py) extracts into a scratch copy.
LOCALE_PATHS = [Path(os.environ.get("CLINIC_LOCALE_DIR", BASE_DIR / "locale"))]
FORMAT_MODULE_PATH = ["clinic.formats"]
USE_I18N = True
PHONENUMBER_DEFAULT_REGION = os.environ.get("PHONENUMBER_DEFAULT_REGION", "US")

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploads (article images, practitioner photos) must be visible to every web replica: in
# production an S3-compatible bucket, otherwise a local folder (one machine, or a shared mount).
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            # Credentials come from the standard AWS_* variables or the instance role.
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "custom_domain": os.environ.get("MEDIA_S3_CUSTOM_DOMAIN") or None,
            "location": os.environ.get("MEDIA_S3_PREFIX", "media"),
            "default_acl": None,
            # Public content only (articles, staff photos): plain URLs cache well. Nothing
            # about patients is ever uploaded.
            "querystring_auth": env_bool("MEDIA_S3_SIGNED_URLS", False),
            "file_overwrite": False,
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "clinic.static_storage.StaticStorage"
        )
    },
}

# --- Auth and security ----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"
LOGIN_URL = f"/{ADMIN_URL}login/"

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "clinic.security.axes_username"
# Staff sessions (clinic.middleware): signed out after 30 minutes idle and 8 hours in all.
STAFF_SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
STAFF_SESSION_MAX_AGE = timedelta(hours=8)

# Content Security Policy, enforced on every page (the admin included): no inline script or
# style without the per-request nonce, nothing loaded from another origin.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Staff sessions end with the browser and after 8 idle hours (a shift), not after two weeks.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Behind a TLS-terminating proxy, production sets these; they stay off on a developer's http.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The load balancer probes over plain http inside the private network: a redirect would fail it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The header a trusted proxy puts the client address in (e.g. HTTP_X_FORWARDED_FOR); empty means
# REMOTE_ADDR, so a client cannot spoof its address to dodge rate limits.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")
# Per-client limits on the public forms (attempts per window), answered with a 429 page.
BOOKING_RATE_LIMIT = int(os.environ.get("BOOKING_RATE_LIMIT", "10"))
BOOKING_RATE_WINDOW_SECONDS = int(os.environ.get("BOOKING_RATE_WINDOW_SECONDS", "3600"))
LOST_LINK_RATE_LIMIT = int(os.environ.get("LOST_LINK_RATE_LIMIT", "5"))
LOST_LINK_RATE_WINDOW_SECONDS = int(os.environ.get("LOST_LINK_RATE_WINDOW_SECONDS", "3600"))
AXES_CLIENT_IP_CALLABLE = "clinic.security.client_ip"
# Error reports (admin emails, the debug page) redact health details by field name.
DEFAULT_EXCEPTION_REPORTER_FILTER = "clinic.logging.HealthDataExceptionReporterFilter"

# --- Patient data rights ---------------------------------------------------------------------
# Medical-record retention: a patient cannot be anonymised on request until this many days after
# their last visit (state law sets it; 0 = only the "no upcoming visits" rule applies). Intake
# answers have their own, shorter clock: ClinicProfile.intake_retention_days.
PATIENT_RECORD_RETENTION_DAYS = int(os.environ.get("PATIENT_RECORD_RETENTION_DAYS", "0"))

# --- Education -----------------------------------------------------------------------------
# Education articles last medically reviewed longer ago than this are flagged for re-review.
EDUCATION_REVIEW_MAX_AGE_DAYS = int(os.environ.get("EDUCATION_REVIEW_MAX_AGE_DAYS", "365"))

# --- Forms ----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging --------------------------------------------------------------------------------
# One JSON object per line on stdout (LOG_FORMAT=plain for a developer's terminal); every
# record passes the health-data filter first. Nothing is written to files: the platform collects
# stdout.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"health_data": {"()": "clinic.logging.HealthDataFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "clinic.logging.JsonFormatter"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT if LOG_FORMAT in {"plain", "json"} else "json",
            "filters": ["health_data"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own handlers (console, mail_admins) are replaced: everything goes to stdout
        # through the filter above.
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        # The twilio library logs ten INFO lines per API request (URL, headers, and the query
        # string of a GET, where a phone number would be): its warnings and errors are enough;
        # the ledger logs each text's outcome by id.
        "twilio.http_client": {"level": "WARNING"},
    },
}
if not REDIS_URL:
    # kombu warns "No hostname was supplied" for every connection of the filesystem broker,
    # which has no host by design.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}
