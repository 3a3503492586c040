"""The migrations build the schema from nothing on every database, and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from summit.extensions import db

from .conftest import fresh_database_url, make_app


def schema_drift() -> list:
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def test_upgrade_from_empty_matches_the_models(backend, tmp_path):
    app = make_app(fresh_database_url(backend, tmp_path, "migration_check"))
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"event", "forum", "programme_session", "registration", "seat"} <= tables
        assert schema_drift() == []
        db.engine.dispose()


def test_downgrade_to_nothing_and_back(backend, tmp_path):
    app = make_app(fresh_database_url(backend, tmp_path, "migration_round_trip"))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert schema_drift() == []
        db.engine.dispose()
