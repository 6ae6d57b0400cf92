"""The Problems tab: every field error, template error and validator finding, each selectable.

Selecting a finding posts ``ProblemsList.Selected`` with where it points: a
form field (``var:<name>``), a send option (``option:dialog`` …) or a template
part and line; the screen decides what "go there" means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from b24notify.core.models import Problem
    from b24notify.core.service import Preview

# Top-level params → the send option that sets them (v1 and v2 spellings).
_OPTION_TARGETS = {
    "DIALOG_ID": "option:dialog",
    "dialogId": "option:dialog",
    "TO_USER_ID": "option:dialog",
    "FROM_USER_ID": "option:dialog",
    "BOT_ID": "option:bot",
    "botId": "option:bot",
    "CLIENT_ID": "option:profile",
    "botToken": "option:profile",
    "SYSTEM": "option:system",
    "URL_PREVIEW": "option:url_preview",
    "SKIP_CONNECTOR": "option:skip_connector",
}
_PART_OF = {
    "MESSAGE": "message",
    "message": "message",
    "ATTACH": "attach",
    "attach": "attach",
    "KEYBOARD": "keyboard",
    "keyboard": "keyboard",
    "MENU": "menu",
    "menu": "menu",
}


@dataclass(frozen=True)
class Finding:
    """One line of the Problems tab and where selecting it leads."""

    severity: str
    code: str
    where: str
    message: str
    target: str | None = None
    part: str | None = None
    line: int | None = None


def target_of(path: str) -> tuple[str | None, str | None]:
    """(send-option target, template part) for a validator path such as ``fields.attach[0]``."""
    head = path.split(".", 1)
    first = head[0].split("[", 1)[0]
    if first == "fields" and len(head) > 1:
        first = head[1].split(".", 1)[0].split("[", 1)[0]
    if first in _OPTION_TARGETS:
        return _OPTION_TARGETS[first], None
    return None, _PART_OF.get(first)


def findings(preview: Preview, labels: Mapping[str, str] | None = None) -> list[Finding]:
    """Everything worth showing about a preview, errors first, in a stable order."""
    labels = labels or {}
    found: list[Finding] = []
    for name, why in preview.field_errors.items():
        found.append(Finding("error", "FIELD", labels.get(name, name), why, target=f"var:{name}"))
    if preview.error is not None:
        err = preview.error
        where = err.part or "template"
        if err.line:
            where += f" line {err.line}"
        found.append(Finding("error", "TEMPLATE", where, err.reason, part=err.part, line=err.line))
    found.extend(problem_findings(preview.problems))
    found.sort(key=lambda f: 0 if f.severity == "error" else 1)
    return found


def problem_findings(problems: Iterable[Problem]) -> list[Finding]:
    out: list[Finding] = []
    for problem in problems:
        target, part = target_of(problem.path)
        out.append(
            Finding(
                problem.severity,
                problem.code,
                problem.path,
                problem.message,
                target=target,
                part=part,
            )
        )
    return out


def _prompt(finding: Finding) -> Text:
    error = finding.severity == "error"
    text = Text()
    text.append("✖ " if error else "▲ ", "bold red" if error else "bold yellow")
    text.append(finding.code, "bold")
    text.append(f"  {finding.where}", "dim")
    text.append("\n  ")
    text.append(finding.message)
    return text


class ProblemsList(OptionList):
    """Errors and warnings for the current draft."""

    class Selected(Message):
        """The user picked a finding: go to its field, option or template line."""

        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._findings: list[Finding] = []

    @property
    def findings(self) -> list[Finding]:
        return list(self._findings)

    def show(self, found: list[Finding]) -> None:
        if found == self._findings:
            return
        self._findings = list(found)
        self.clear_options()
        if not found:
            self.add_option(
                Option(Text("No problems: the portal would accept this.", "green"), disabled=True)
            )
            return
        self.add_options(Option(_prompt(f), id=str(n)) for n, f in enumerate(found))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id is None:
            return
        self.post_message(self.Selected(self._findings[int(event.option_id)]))
