"""The pseudonym migration: respondents that existed before it get random pseudonyms, unique in their
assessment and unrelated to the order they were invited in, and the downgrade removes the column."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine

from app.db.migrate import downgrade_to, upgrade_to_head

BEFORE = "5c1e0a7d9b21"  # the revision before the pseudonyms
PEOPLE = 25


def _seed_before_pseudonyms(engine: Engine) -> list[str]:
    """Two assessments of respondents as the old schema stored them; the first one's ids, in creation order."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO workspaces (id, name, slug, created_at) VALUES ('w', 'W', 'w', :at)"), {"at": start}
        )
        connection.execute(
            sa.text(
                "INSERT INTO organizations (id, workspace_id, name, created_at, updated_at) "
                "VALUES ('o', 'w', 'O', :at, :at)"
            ),
            {"at": start},
        )
        for assessment in ("a1", "a2"):
            connection.execute(
                sa.text(
                    "INSERT INTO assessments (id, workspace_id, organization_id, title, questionnaire_id, "
                    "questionnaire_version, questionnaire_hash, questionnaire_snapshot, target_level, status, "
                    "anonymity, min_group_size, show_personal_result, created_at, updated_at) VALUES (:id, 'w', 'o', "
                    "'T', 'pulse', '1', :hash, '{}', 3, 'open', 'anonymous', 1, false, :at, :at)"
                ),
                {"id": assessment, "hash": "0" * 64, "at": start},
            )
        ids = []
        for n in range(PEOPLE * 2):
            assessment = "a1" if n < PEOPLE else "a2"
            respondent_id = f"r{n:03d}"
            connection.execute(
                sa.text(
                    "INSERT INTO respondents (id, workspace_id, assessment_id, role, function, token_hash, created_at) "
                    "VALUES (:id, 'w', :assessment, 'manager', 'sales', :token, :at)"
                ),
                {"id": respondent_id, "assessment": assessment, "token": f"{n:064d}", "at": start + timedelta(n)},
            )
            if assessment == "a1":
                ids.append(respondent_id)
    return ids


def test_existing_respondents_get_random_unique_pseudonyms(database_url: str, engine: Engine) -> None:
    upgrade_to_head(database_url)
    downgrade_to(BEFORE, database_url)
    in_creation_order = _seed_before_pseudonyms(engine)
    upgrade_to_head(database_url)

    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, assessment_id, pseudonym FROM respondents")).all()
    by_id = {respondent_id: pseudonym for respondent_id, _, pseudonym in rows}
    for assessment in ("a1", "a2"):
        pseudonyms = [pseudonym for _, of, pseudonym in rows if of == assessment]
        assert len(pseudonyms) == len(set(pseudonyms)) == PEOPLE
        assert all(re.fullmatch(r"R[1-9]\d{5}", p) for p in pseudonyms)
    first = [by_id[respondent_id] for respondent_id in in_creation_order]
    assert first != sorted(first), "pseudonyms must not follow the order respondents were created in"

    with engine.begin() as connection:  # the unique constraint holds from now on
        try:
            connection.execute(
                sa.text("UPDATE respondents SET pseudonym = :taken WHERE id = 'r001'"), {"taken": by_id["r000"]}
            )
        except sa.exc.IntegrityError:
            refused = True
        else:
            refused = False
    assert refused

    downgrade_to(BEFORE, database_url)
    assert "pseudonym" not in {c["name"] for c in sa.inspect(engine).get_columns("respondents")}
