"""Django settings for PartsPool.

SQLite in the working directory is the default; set ``DATABASE_URL`` (for example
``postgres://postgres@127.0.0.1:5432/partspool``) to use PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = Path(os.environ.get("PARTSPOOL_HOME", Path.cwd()))

DEBUG = os.environ.get("PARTSPOOL_DEBUG", "0") == "1"
# A development key is generated per checkout; production sets PARTSPOOL_SECRET_KEY.
SECRET_KEY = os.environ.get("PARTSPOOL_SECRET_KEY") or "dev-only-" + str(WORK_DIR)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("PARTSPOOL_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("PARTSPOOL_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ninja",  # serves the API docs (Swagger UI) from its own static files, not a CDN
    "partspool.accounts",
    "partspool.network",
    "partspool.transfers",
    "partspool.emergencies",
    "partspool.planning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "partspool.accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "partspool.views_common.RejectNul",  # last: inside the security headers, with request.htmx set
]

ROOT_URLCONF = "partspool.config.urls"
WSGI_APPLICATION = "partspool.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partspool.accounts.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{WORK_DIR / 'partspool.sqlite3'}",
        conn_max_age=int(os.environ.get("PARTSPOOL_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while an import writes; busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Only needed when a front web server serves `collectstatic` output; WhiteNoise does without it.
STATIC_ROOT = os.environ.get("PARTSPOOL_STATIC_ROOT") or None
# Static files are served by WhiteNoise straight from the installed apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Transfer photos are stored here and served only to those who may see the transfer.
MEDIA_ROOT = Path(os.environ.get("PARTSPOOL_MEDIA_ROOT", WORK_DIR / "media"))
MEDIA_URL = "/media/"

# Uploaded spreadsheets: refused above this size (bytes), parsed in memory, never stored as-is.
PARTSPOOL_MAX_UPLOAD_BYTES = int(os.environ.get("PARTSPOOL_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = PARTSPOOL_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = PARTSPOOL_MAX_UPLOAD_BYTES + 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = os.environ.get(
    "PARTSPOOL_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PARTSPOOL_LOG_LEVEL", "WARNING")},
}
