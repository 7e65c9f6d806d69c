"""The `centricity` command line: validate and inspect questionnaires, score answer files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.questionnaire.library import default_concepts, find_questionnaire
from app.questionnaire.loader import QuestionnaireError, load_questionnaire_file
from app.questionnaire.normalized import normalize

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


def main() -> None:
    cli()
