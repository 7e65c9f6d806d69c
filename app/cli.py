"""The `centricity` command line: validate and inspect questionnaires, score answer files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from app.questionnaire.library import default_concepts, find_questionnaire, questionnaires_dir
from app.questionnaire.loader import QuestionnaireError, load_questionnaire_file
from app.questionnaire.normalized import normalize
from app.questionnaire.schema import SCHEMA_FILE_NAME, schema_text
from app.scoring.answers import AnswerError, AnswerFileError, respondents_from_document
from app.scoring.engine import score_assessment

cli = typer.Typer(help="Centricity: customer-centricity assessments.", no_args_is_help=True, add_completion=False)


@cli.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Questionnaire YAML files.")]) -> None:
    """Check questionnaire files; print every problem with file, line and field; exit 1 if any."""
    failed = False
    for path in files:
        try:
            questionnaire = load_questionnaire_file(path, default_concepts())
        except QuestionnaireError as exc:
            failed = True
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            continue
        typer.echo(
            f"{path}: ok ({questionnaire.id} {questionnaire.version}: {len(questionnaire.dimensions)} dimensions, "
            f"{len(questionnaire.questions)} questions, {len(questionnaire.recommendations)} recommendations)"
        )
    raise typer.Exit(1 if failed else 0)


@cli.command()
def questionnaire(questionnaire_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Print a questionnaire of the library as normalized JSON (questions and the answers they take)."""
    try:
        loaded = find_questionnaire(questionnaire_id)
    except KeyError as exc:
        typer.echo(str(exc.args[0]), err=True)
        raise typer.Exit(2) from None
    except QuestionnaireError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    json.dump(normalize(loaded), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


@cli.command()
def score(
    answers: Annotated[Path, typer.Option("--answers", help="JSON answers file (format in the README).")],
    target_level: Annotated[
        int | None, typer.Option(min=1, max=5, help="Target level (default: the rubric's).")
    ] = None,
    min_group_size: Annotated[int, typer.Option(min=1, help="Hide role/function groups smaller than this.")] = 1,
) -> None:
    """Score an answers file against its questionnaire and print the full result as JSON."""
    try:
        document = json.loads(answers.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"{answers}: cannot read the file: {exc.strerror}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _fail(f"{answers}: not valid JSON: {exc}")
    questionnaire_id = document.get("questionnaire") if isinstance(document, dict) else None
    if not isinstance(questionnaire_id, str):
        _fail(f"{answers}: the field 'questionnaire' (the questionnaire id) is missing")
    try:
        loaded = find_questionnaire(questionnaire_id)
        respondents = respondents_from_document(loaded, document)
    except KeyError as exc:
        _fail(f"{answers}: {exc.args[0]}")
    except (QuestionnaireError, AnswerError, AnswerFileError) as exc:
        _fail(f"{answers}: {exc}")
    result = score_assessment(loaded, respondents, target_level=target_level, min_group_size=min_group_size)
    sys.stdout.write(result.model_dump_json(indent=2) + "\n")


@cli.command()
def schema(
    write: Annotated[
        bool, typer.Option("--write", help="Write questionnaires/schema.json instead of printing.")
    ] = False,
) -> None:
    """Print (or write) the JSON Schema of questionnaire files, generated from the models."""
    if write:
        target = questionnaires_dir() / SCHEMA_FILE_NAME
        target.write_text(schema_text(), encoding="utf-8")
        typer.echo(f"wrote {target}")
    else:
        sys.stdout.write(schema_text())


@cli.command()
def migrate() -> None:
    """Bring the database (DATABASE_URL, default the SQLite file in var/) to the latest schema."""
    from app.db.migrate import current_revision, upgrade_to_head

    upgrade_to_head()
    typer.echo(f"database at revision {current_revision()}")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (use PostgreSQL for more than one).")] = 1,
) -> None:
    """Migrate the database, then serve the API and web app."""
    import uvicorn

    from app.db.migrate import upgrade_to_head

    upgrade_to_head()
    typer.echo(f"Centricity on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, proxy_headers=True, log_level="info")


@cli.command("create-user")
def create_user(
    workspace: Annotated[str, typer.Option(help="Workspace name; created when it does not exist.")],
    email: Annotated[str, typer.Option(help="The user's email address (their login).")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create a user (the workspace too, if new); the password is asked for, or read from stdin."""
    from app.db.session import session_scope
    from app.services import accounts
    from app.services.errors import ServiceError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope() as session:
            found = accounts.get_or_create_workspace(session, workspace)
            user = accounts.create_user(session, found, email, password)
            typer.echo(f"created user {user.email} in workspace '{found.name}'")
    except ServiceError as exc:
        _fail(exc.message)


@cli.command()
def demo() -> None:
    """Create a demo workspace with a realistic client and results to explore; run again to see the login."""
    from app.db.migrate import upgrade_to_head
    from app.db.session import session_scope
    from app.services import demo as demo_service

    upgrade_to_head()
    with session_scope() as session:
        info = demo_service.create_demo(session)
    if info.created:
        typer.echo(f"Created the demo workspace '{info.workspace}'.")
    else:
        typer.echo(f"The demo workspace '{info.workspace}' already exists; nothing was changed.")
    typer.echo(f"Sign in at /login with {info.email} and the password {info.password}")
    if info.results_path:
        typer.echo(f"Results of the current assessment: {info.results_path}")


api_key_cli = typer.Typer(help="Manage API keys.", no_args_is_help=True)
cli.add_typer(api_key_cli, name="api-key")


@api_key_cli.command("create")
def api_key_create(
    workspace: Annotated[str, typer.Option(help="Workspace name (must exist).")],
    name: Annotated[str, typer.Option(help="A label saying which tool uses the key.")],
) -> None:
    """Create an API key and print it; it is shown only this once."""
    from app.db.session import session_scope
    from app.services import accounts
    from app.services.errors import ServiceError

    try:
        with session_scope() as session:
            found = accounts.find_workspace(session, workspace)
            _record, key = accounts.create_api_key(session, found.id, name, actor="cli")
    except ServiceError as exc:
        _fail(exc.message)
    typer.echo(key)


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def main() -> None:
    cli()
