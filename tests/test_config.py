import pytest

from summit import create_app
from summit.config import ConfigError, normalise_database_url


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("SUMMIT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_secret_key_and_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("SUMMIT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("BASE_URL", "https://summit.example.org/")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "x" * 48
    assert app.config["BASE_URL"] == "https://summit.example.org"


def test_production_refuses_to_start_without_base_url_or_trusted_hosts(monkeypatch, tmp_path):
    monkeypatch.setenv("SUMMIT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    with pytest.raises(ConfigError, match="BASE_URL.*TRUSTED_HOSTS"):
        create_app()
    monkeypatch.setenv("TRUSTED_HOSTS", " summit.example.org, .summit.example.org ")
    app = create_app()
    assert app.config["TRUSTED_HOSTS"] == ["summit.example.org", ".summit.example.org"]


def test_development_trusts_only_its_own_names_unless_told(monkeypatch):
    monkeypatch.delenv("SUMMIT_ENV", raising=False)
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    assert create_app().config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]
    monkeypatch.setenv("BASE_URL", "http://summit.test")
    assert create_app().config["TRUSTED_HOSTS"] is None


def test_database_url_defaults_to_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///") and uri.endswith("instance/summit.db")


@pytest.mark.parametrize(
    "given",
    ["postgres://u@h/d", "postgresql://u@h/d", "postgresql+psycopg://u@h/d"],
)
def test_postgres_urls_use_psycopg_3(given):
    assert normalise_database_url(given) == "postgresql+psycopg://u@h/d"


def test_a_malformed_number_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="MAIL_PORT"):
        create_app()
