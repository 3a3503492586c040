"""Every setting from the environment, with safe defaults for a laptop."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("SUMMIT_INSTANCE_PATH", PROJECT_ROOT / "instance"))

# A key that only a development machine may use; production refuses it.
DEVELOPMENT_SECRET_KEY = "summit-development-key-not-for-production"
# Without BASE_URL or TRUSTED_HOSTS, a development machine answers only to its own names
# (`make run` serves http://127.0.0.1:5000, the test client asks for localhost).
DEVELOPMENT_HOSTS = ["localhost", "127.0.0.1"]


class ConfigError(RuntimeError):
    pass


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from error


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = float(value)
    except ValueError as error:
        raise ConfigError(f"{name} must be a number, not {value!r}") from error
    if number < 0 or number != number:
        raise ConfigError(f"{name} must be a number of at least 0, not {value!r}")
    return number


def _list(name: str) -> list[str] | None:
    """A comma-separated setting; None when unset or empty."""
    items = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    return items or None


def trusted_hosts(settings: dict) -> list[str] | None:
    """Flask's TRUSTED_HOSTS for these settings: the hosts a request may name, since links
    in mails and feeds are built from the request's host when BASE_URL is unset (any
    other host is answered 400). None (every host) only when BASE_URL gives the links."""
    if settings.get("TRUSTED_HOSTS"):
        return settings["TRUSTED_HOSTS"]
    if settings.get("BASE_URL"):
        return None
    if settings.get("SUMMIT_ENV") == "production":
        raise ConfigError(
            "SUMMIT_ENV=production needs BASE_URL (the site's public address, e.g. "
            "https://summit.example.org) or TRUSTED_HOSTS (the host names it answers to, "
            "comma-separated, e.g. summit.example.org): links in mails and feeds must not "
            "come from whatever Host header a request sends"
        )
    return DEVELOPMENT_HOSTS


def database_url() -> str:
    return normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_PATH / 'summit.db'}"
    )


def normalise_database_url(url: str) -> str:
    # Heroku-style URLs and plain postgresql:// select psycopg 3, the driver we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # The pysqlite driver waits this long for another writer before giving up.
        return {"connect_args": {"timeout": 30}}
    return {
        "pool_pre_ping": True,
        "pool_size": _int("DATABASE_POOL_SIZE", 5),
        "max_overflow": _int("DATABASE_MAX_OVERFLOW", 10),
        "pool_recycle": 1800,
    }


def from_environment() -> dict:
    production = os.environ.get("SUMMIT_ENV", "development").strip().lower() == "production"
    secret_key = os.environ.get("SECRET_KEY", "")
    if production and (len(secret_key) < 32 or secret_key == DEVELOPMENT_SECRET_KEY):
        raise ConfigError(
            "SUMMIT_ENV=production needs SECRET_KEY: a random value of at least 32 characters, "
            'e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    url = database_url()
    return {
        "SUMMIT_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key or DEVELOPMENT_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        "SUMMIT_EVENT": os.environ.get("SUMMIT_EVENT") or None,
        "BASE_URL": (os.environ.get("BASE_URL") or "").rstrip("/") or None,
        # Settled by trusted_hosts() once every setting is known.
        "TRUSTED_HOSTS": _list("TRUSTED_HOSTS"),
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "zh"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 5 * 1024 * 1024),
        # A session's slides (PDF): the largest file accepted, in bytes. Their upload
        # alone may exceed MAX_CONTENT_LENGTH by this much.
        "MATERIAL_MAX_BYTES": _int("MATERIAL_MAX_BYTES", 20 * 1024 * 1024),
        "MATERIALS_S3_BUCKET": os.environ.get("MATERIALS_S3_BUCKET") or None,
        "MATERIALS_S3_ENDPOINT_URL": os.environ.get("MATERIALS_S3_ENDPOINT_URL") or None,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        # Webhooks to private, loopback and link-local addresses, and over plain HTTP.
        "WEBHOOK_ALLOW_PRIVATE": _flag("WEBHOOK_ALLOW_PRIVATE"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Summit <noreply@summit.invalid>"),
        # Most mails a second that the mail workers send together (0: no limit), shared
        # by every worker through a token bucket in the database; mail that a request
        # sends right after its response (an attendee's confirmation) does not wait for it.
        "MAIL_RATE_PER_SECOND": _number("MAIL_RATE_PER_SECOND", 0.0),
        # A mail claimed by a sender that died is tried again after this long.
        "MAIL_SENDING_LEASE_SECONDS": _int("MAIL_SENDING_LEASE_SECONDS", 600),
        # The mail server unreachable: what was claimed goes back to the queue for this long.
        "MAIL_OUTAGE_PAUSE_SECONDS": _number("MAIL_OUTAGE_PAUSE_SECONDS", 30.0),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Tells apart the counters of several Summit sites that share one Redis.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "summit"),
        # Redis gone: each worker counts for itself meanwhile, rather than every form failing.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_REGISTER": os.environ.get("RATELIMIT_REGISTER", "20 per minute"),
        # Per API token (per address without one): a scanner app or a sync job, not a person.
        "RATELIMIT_API": os.environ.get("RATELIMIT_API", "600 per minute"),
        # The proposal form and the speakers' private pages, per address.
        "RATELIMIT_PROPOSALS": os.environ.get("RATELIMIT_PROPOSALS", "30 per minute"),
        "PROXY_FIX_HOPS": _int("PROXY_FIX_HOPS", 0),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
    }
