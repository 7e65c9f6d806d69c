"""Alembic owns the schema: upgrade and downgrade work on both databases, and the models never drift from it."""

from __future__ import annotations

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.pool import StaticPool

from app.db.engine import create_db_engine
from app.db.migrate import MIGRATIONS_DIR, current_revision, downgrade_to, head_revision, is_at_head, upgrade_to_head
from app.db.tables import metadata

APP_TABLES = {
    "workspaces",
    "users",
    "api_keys",
    "organizations",
    "assessments",
    "respondents",
    "answers",
    "idempotency_records",
    "audit_events",
    "webhooks",
    "webhook_deliveries",
    "web_sessions",
    "login_attempts",
    "report_renders",
}


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_the_models_declare_exactly_the_migrated_tables() -> None:
    assert set(metadata.tables) == APP_TABLES


def test_upgrade_from_empty_to_head_down_to_base_and_up_again(database_url: str, engine: Engine) -> None:
    assert current_revision(database_url) is None
    assert _tables(engine) == set()

    upgrade_to_head(database_url)
    assert is_at_head(database_url)
    assert current_revision(database_url) == head_revision()
    assert _tables(engine) == APP_TABLES | {"alembic_version"}

    downgrade_to("base", database_url)
    assert current_revision(database_url) is None
    assert _tables(engine) == {"alembic_version"}

    upgrade_to_head(database_url)
    assert is_at_head(database_url)
    assert _tables(engine) == APP_TABLES | {"alembic_version"}


def test_upgrading_a_database_at_head_changes_nothing(database_url: str) -> None:
    upgrade_to_head(database_url)
    upgrade_to_head(database_url)
    assert is_at_head(database_url)


def test_models_and_migrations_do_not_drift(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "target_metadata": metadata})
        differences = compare_metadata(context, metadata)
    assert differences == [], "the models differ from the migrations; generate a migration:\n" + "\n".join(
        map(str, differences)
    )


def test_an_in_memory_database_is_migrated_through_its_engine() -> None:
    # How fast API tests get a real schema: one shared in-memory connection, migrated in place.
    engine = create_db_engine("sqlite://", poolclass=StaticPool)
    try:
        upgrade_to_head(engine)
        assert is_at_head(engine)
        assert _tables(engine) >= APP_TABLES
    finally:
        engine.dispose()


def test_the_first_start_creates_the_sqlite_folder_and_file(tmp_path: Path) -> None:
    database = tmp_path / "not" / "yet" / "there" / "centricity.db"
    upgrade_to_head(f"sqlite:///{database}")
    assert database.is_file()
    assert is_at_head(f"sqlite:///{database}")


def test_migration_files_are_static() -> None:
    # A migration that imports the application changes meaning when the models change.
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(app|sqlmodel)\b", source, re.MULTILINE), path.name
        assert "create_all" not in source, path.name


def test_migration_files_are_named_by_date_and_slug() -> None:
    names = [path.name for path in (MIGRATIONS_DIR / "versions").glob("*.py")]
    assert names
    for name in names:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}_[a-z0-9_]+\.py", name), name
