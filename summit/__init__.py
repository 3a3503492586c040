"""Summit: run a conference end to end."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, has_request_context, request
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from . import log_redaction
from .config import INSTANCE_PATH, PROJECT_ROOT, engine_options, from_environment, trusted_hosts
from .database import end_reading_transaction, release_session
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .i18n import LANGUAGE_COOKIE, LANGUAGES, requested_language


def create_app(config: dict | None = None) -> Flask:
    """Settings → extensions → blueprints → mail renderers and schedulers → CLI → error
    pages."""
    app = Flask(
        __name__,
        instance_path=str((config or {}).get("INSTANCE_PATH") or INSTANCE_PATH),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(from_environment())
    if config:
        app.config.from_mapping(config)
        if "SQLALCHEMY_DATABASE_URI" in config and "SQLALCHEMY_ENGINE_OPTIONS" not in config:
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
                config["SQLALCHEMY_DATABASE_URI"]
            )
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    app.logger.setLevel(app.config["LOG_LEVEL"])
    log_redaction.install(app.logger)
    _init_extensions(app)
    from .user_input import DatabaseIdConverter, refuse_nul_characters

    # Before any route exists: every <int:…> in them is a database id.
    app.url_map.converters["int"] = DatabaseIdConverter
    # Before any event's address looks its slug up (url_value_preprocessors run before
    # before_request functions, and the app's before any blueprint's).
    app.url_value_preprocessor(lambda _endpoint, _values: refuse_nul_characters())
    _register_blueprints(app)

    from .badges.certificate_pages import register_certificate_pages
    from .badges.mails import register_renderers as register_certificate_mail
    from .badges.page_cache import register_badge_pages
    from .mailings.reminders import register_reminders
    from .mailings.service import register_with_outbox
    from .proposals import mails as proposal_mails
    from .registration.mails import register_renderers

    register_renderers(app)
    proposal_mails.register_renderers(app)
    register_reminders(app)
    register_badge_pages(app)
    register_certificate_pages(app)
    register_with_outbox(app)
    register_certificate_mail(app)

    _register_commands(app)

    from .errors import register_error_pages

    register_error_pages(app)

    from . import security

    security.install(app)

    from .templating import register_template_helpers

    register_template_helpers(app)
    return app


def _init_extensions(app: Flask) -> None:
    from .auth.service import load_active_user
    from .events.current import current_event

    db.init_app(app)
    # Runs before Flask-SQLAlchemy's own teardown (they run in reverse order).
    app.teardown_appcontext(lambda _error: release_session(db.session))
    app.teardown_request(lambda error: end_reading_transaction(db.session, error))
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), compare_type=True, render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(lambda user_id: load_active_user(db.session, user_id))
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")

    default_locale = LANGUAGES.get(app.config["BABEL_DEFAULT_LOCALE"], LANGUAGES["zh"])

    def select_locale() -> str:
        if not has_request_context():
            return default_locale
        event = current_event()
        return LANGUAGES[requested_language(event.default_locale if event else None)]

    def select_timezone() -> str:
        event = current_event()
        return event.timezone if event else "UTC"

    babel.init_app(
        app,
        default_locale=default_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
        locale_selector=select_locale,
        timezone_selector=select_timezone,
    )

    @app.after_request
    def remember_language(response):
        # Only pages remember the choice: a feed or an export stays cacheable by proxies.
        chosen = request.args.get("lang")
        if (
            chosen in LANGUAGES
            and response.mimetype == "text/html"
            and request.cookies.get(LANGUAGE_COOKIE) != chosen
        ):
            response.set_cookie(
                LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
            )
        return response


def _register_commands(app: Flask) -> None:
    """`flask summit …`: the group, with the commands each area adds as it is imported."""
    from .auth import commands as _auth_commands  # noqa: F401
    from .backup import commands as _backup_commands  # noqa: F401
    from .badges import commands as _badge_commands  # noqa: F401
    from .cli import summit_cli
    from .demo import commands as _demo_commands  # noqa: F401
    from .events import commands as _event_commands  # noqa: F401

    app.cli.add_command(summit_cli)


def _register_blueprints(app: Flask) -> None:
    from . import site
    from .admin import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .badges.views import bp as badges_bp
    from .badges.views import certificates_bp
    from .calendar.views import bp as calendar_bp
    from .programme.views import bp as programme_bp
    from .proposals import views as proposals
    from .registration import views as registration
    from .sharing.views import bp as sharing_bp

    for blueprint in (site.bp, programme_bp, registration.bp, registration.attendee_bp,
                      proposals.bp, proposals.speaker_bp, calendar_bp, badges_bp,
                      certificates_bp, sharing_bp, auth_bp, admin_bp):
        app.register_blueprint(blueprint)
    site.keep_first_version_addresses(app)

    from . import api, webhooks

    api.init_app(app)
    webhooks.init_app(app)
