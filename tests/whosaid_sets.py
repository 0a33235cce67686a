"""Helpers for the tests on the who-said-what gold sets (eval/whosaid/<set>/reports): read a report, extract its
statements and tasks, and pick one by its exact span. One copy for every test_whosaid_<set>.py."""

from __future__ import annotations

from pathlib import Path

from rag.facts.speech import Statement, extract_statements
from rag.facts.tasks import Task, extract_tasks
from rag.textnorm import nfc

WHOSAID = Path(__file__).resolve().parents[1] / "eval" / "whosaid"


def read(set_name: str, name: str) -> str:
    return nfc((WHOSAID / set_name / "reports" / name).read_text(encoding="utf-8"))


def extracted(set_name: str, name: str) -> tuple[str, list[Statement], list[Task]]:
    """A report's text, its statements and its tasks."""
    text = read(set_name, name)
    statements = extract_statements(text, source=name)
    return text, statements, extract_tasks(text, source=name, statements=statements)


def said(statements: list[Statement], speaker: str, verb: str) -> list[tuple[str, str]]:
    return [(s.content, s.provenance) for s in statements if s.speaker == speaker and s.verb == verb]


def task(text: str, tasks: list[Task], span: str) -> Task:
    """The one task whose clause is exactly ``span``."""
    (t,) = [t for t in tasks if text[t.start : t.end] == span]
    return t


def made_up_tasks(text: str) -> list[tuple[str, str | None, str, str]]:
    """(kind, assigner, assignee, what) of the tasks of a made-up text."""
    statements = extract_statements(text, source="x")
    return [(t.kind, t.assigner, t.assignee, t.what) for t in extract_tasks(text, source="x", statements=statements)]
