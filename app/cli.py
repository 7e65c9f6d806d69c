"""The `centricity` command line: questionnaires, scoring and reports, the server, the database, accounts."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from app.questionnaire.library import default_concepts, find_questionnaire, questionnaires_dir
from app.questionnaire.loader import QuestionnaireError, load_questionnaire_file
from app.questionnaire.models import Questionnaire
from app.questionnaire.normalized import normalize
from app.questionnaire.schema import SCHEMA_FILE_NAME, schema_text
from app.scoring.answers import AnswerError, AnswerFileError, Respondent, respondents_from_document
from app.scoring.engine import score_assessment
from app.scoring.privacy import MIN_ANONYMOUS_GROUP_SIZE
from app.settings import Settings, get_settings

if TYPE_CHECKING:
    from app.report.source import ReportSource

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
    loaded, respondents = _read_answers_file(answers)
    result = score_assessment(loaded, respondents, target_level=target_level, min_group_size=min_group_size)
    sys.stdout.write(result.model_dump_json(indent=2) + "\n")


def _read_answers_file(answers: Path) -> tuple[Questionnaire, list[Respondent]]:
    """The questionnaire an answers file names and its respondents; exits with a message naming the problem."""
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
        return loaded, respondents_from_document(loaded, document)
    except KeyError as exc:
        _fail(f"{answers}: {exc.args[0]}")
    except (QuestionnaireError, AnswerError, AnswerFileError) as exc:
        _fail(f"{answers}: {exc}")


@cli.command()
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the report (.pdf, or .html).")],
    assessment_id: Annotated[
        str | None, typer.Argument(metavar="[ASSESSMENT_ID]", help="An assessment in the database.")
    ] = None,
    answers: Annotated[
        Path | None, typer.Option("--answers", help="Offline, no database: an answers file (format in the README).")
    ] = None,
    organization: Annotated[str, typer.Option(help="With --answers: the organization's name.")] = "Organization",
    title: Annotated[str, typer.Option(help="With --answers: the assessment's title.")] = "Assessment",
    brand: Annotated[str, typer.Option(help="With --answers: the name on the cover and headers.")] = "Centricity",
    named: Annotated[
        bool,
        typer.Option("--named", help="With --answers: quote respondents by their ids (else with no per-person label)"),
    ] = False,
    target_level: Annotated[int | None, typer.Option(min=1, max=5, help="With --answers: target level.")] = None,
    min_group_size: Annotated[int, typer.Option(min=1, help="With --answers: smallest group shown.")] = 3,
) -> None:
    """Write an assessment's recommendation report, from the database or (offline) from an answers file."""
    # Imported here, not at the top: `serve` and the other commands never load the report code.
    from app.report.context import build_context
    from app.report.offline import offline_source
    from app.report.render import logo_data_url, render_html

    if (assessment_id is None) == (answers is None):
        _fail("give either an ASSESSMENT_ID or --answers FILE (one of the two)")
    if output.suffix.lower() not in (".pdf", ".html"):
        _fail(f"{output}: the report is written as .pdf or .html")
    if answers is not None and not named and min_group_size < MIN_ANONYMOUS_GROUP_SIZE:
        _fail(f"--min-group-size: an anonymous report needs at least {MIN_ANONYMOUS_GROUP_SIZE} (or give --named)")
    if answers is not None:
        loaded, respondents = _read_answers_file(answers)
        source = offline_source(
            loaded,
            respondents,
            organization=organization,
            title=title,
            brand=brand,
            named=named,
            target_level=target_level,
            min_group_size=min_group_size,
        )
    else:
        source = _stored_source(str(assessment_id))
    context = build_context(source)
    if output.suffix.lower() == ".html":
        logo = logo_data_url(source.branding.logo, source.branding.logo_mime)
        content = render_html(context, logo_url=logo).encode("utf-8")
    else:
        from app.report.pdf import render_pdf  # WeasyPrint loads only when a PDF is asked for

        content = render_pdf(context, source.branding.logo, source.branding.logo_mime)
    try:
        output.write_bytes(content)
    except OSError as exc:
        _fail(f"{output}: cannot write the file: {exc.strerror}")
    typer.echo(f"{output}: {len(content):,} bytes")


def _stored_source(assessment_id: str) -> ReportSource:
    from app import reporting as reports
    from app.db.session import read_session
    from app.db.tables import Assessment
    from app.services.accounts import Principal
    from app.services.errors import ServiceError

    _settings_or_exit()
    with read_session() as session:
        assessment = session.get(Assessment, assessment_id)
        if assessment is None:
            _fail(f"no assessment with id {assessment_id}")
        try:
            return reports.source_of(session, Principal(assessment.workspace_id, "cli"), assessment_id)
        except ServiceError as exc:
            _fail(exc.message)


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
    """Migrate the database, then serve the API and web app (logs: JSON lines on stderr)."""
    import logging

    import uvicorn

    from app.db.migrate import upgrade_to_head
    from app.observability.logs import configure_logging, log_config
    from app.observability.metrics import MULTIPROC_DIR_VARIABLE

    settings = _settings_or_exit()
    configure_logging(settings.log_level)
    # Several workers count requests in their own processes; /metrics adds them up from files
    # prometheus_client keeps in this directory (set before any worker imports it).
    metrics_dir, made_metrics_dir = _prepare_metrics_directory(workers)
    try:
        upgrade_to_head()
        logging.getLogger("centricity").info(
            "Centricity on http://%s:%d (API docs: /docs), %d worker(s)",
            host,
            port,
            workers,
            extra={"workers": workers, "metrics_multiprocess_dir": metrics_dir},
        )
        uvicorn.run(
            "app.main:app",
            host=host,
            port=port,
            workers=workers,
            # Forwarded headers only from the configured proxies (uvicorn would otherwise trust 127.0.0.1).
            proxy_headers=bool(settings.forwarded_allow_ips),
            forwarded_allow_ips=settings.forwarded_allow_ips or None,
            log_config=log_config(settings.log_level),
            log_level=settings.log_level,
            # The app logs each request itself (with its request id, without respondent tokens).
            access_log=False,
            # With several workers the supervisor pings each and replaces one that does not answer
            # in time; uvicorn's 5 s kills workers still starting up on a busy two-core machine,
            # again and again.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_TIMEOUT_SECONDS,
        )
    finally:
        if made_metrics_dir:
            os.environ.pop(MULTIPROC_DIR_VARIABLE, None)
            shutil.rmtree(made_metrics_dir, ignore_errors=True)


WORKER_HEALTHCHECK_TIMEOUT_SECONDS = 30


def _prepare_metrics_directory(workers: int) -> tuple[str | None, str | None]:
    """(the multiprocess metrics directory or None, the one made here to remove at exit or None)."""
    from app.observability.metrics import MULTIPROC_DIR_VARIABLE, prepare_multiprocess_directory

    directory = os.environ.get(MULTIPROC_DIR_VARIABLE)
    made = None
    if not directory and workers > 1:
        directory = made = tempfile.mkdtemp(prefix="centricity-metrics-")
        os.environ[MULTIPROC_DIR_VARIABLE] = directory
    if directory:
        prepare_multiprocess_directory(directory)
    return directory, made


def _settings_or_exit() -> Settings:
    """The settings, or exit 2 with what is wrong in plain words (no traceback) when the environment is refused."""
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            field = ".".join(str(part) for part in error["loc"])
            typer.echo(f"configuration refused: {field + ': ' if field else ''}{message}", err=True)
        raise typer.Exit(2) from None


@cli.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy.")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Copy the SQLite database to FILE, consistent, while the service runs (PostgreSQL: use pg_dump)."""
    from app.db import backup as backups

    settings = _settings_or_exit()
    try:
        copied = backups.backup(
            settings.database_url, file, overwrite=force, busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
    except backups.BackupError as exc:
        _fail(exc.message)
    typer.echo(f"backed up {copied.database} to {copied.file} (schema revision {copied.revision})")


@cli.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file made by `centricity backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the SQLite database's content with a backup FILE, after checking it (PostgreSQL: use pg_restore)."""
    from app.db import backup as backups

    settings = _settings_or_exit()
    try:
        database = backups.sqlite_database(settings.database_url, postgres_hint=backups.POSTGRES_RESTORE_HINT)
    except backups.BackupError as exc:
        _fail(exc.message)
    if not yes and not typer.confirm(f"Replace everything in {database} with the content of {file}?"):
        _fail("nothing was changed")
    try:
        copied = backups.restore(settings.database_url, file, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    except backups.BackupError as exc:
        _fail(exc.message)
    typer.echo(f"restored {copied.database} from {copied.file} (schema revision {copied.revision})")
    if not copied.at_head:
        typer.echo("the backup has an older schema: `centricity migrate` (or `serve`) brings it up to date")


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
        # Checked and hashed before the transaction begins: on SQLite it holds the write lock.
        checked = accounts.new_password(password, accounts.normalized_email(email), workspace)
        with session_scope() as session:
            found = accounts.get_or_create_workspace(session, workspace)
            user = accounts.create_user(session, found, email, checked)
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
    scope: Annotated[
        list[str] | None,
        typer.Option(help="What the key may do: read, write or admin (repeat for several); every scope when left out."),
    ] = None,
) -> None:
    """Create an API key and print it; it is shown only this once."""
    from app.db.session import session_scope
    from app.db.tables import ALL_API_KEY_SCOPES, ApiKeyScope
    from app.services import accounts
    from app.services.errors import ServiceError

    known = [s.value for s in ApiKeyScope]
    unknown = [value for value in scope or [] if value not in known]
    if unknown:
        _fail(f"unknown scope {', '.join(unknown)}; the scopes are {', '.join(known)}")
    scopes = frozenset(ApiKeyScope(value) for value in scope) if scope else ALL_API_KEY_SCOPES
    try:
        with session_scope() as session:
            found = accounts.find_workspace(session, workspace)
            _record, key = accounts.create_api_key(session, found.id, name, actor="cli", scopes=scopes)
    except ServiceError as exc:
        _fail(exc.message)
    typer.echo(key)


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def main() -> None:
    cli()
