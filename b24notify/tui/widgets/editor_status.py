"""The editor's info lines: which file is open and whether it is modified; how it renders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from b24notify.core.service import Preview
    from b24notify.tui.widgets.editor_source import Source


class EditorTitle(Static):
    """``● incident/opened · shipped: ctrl+s saves your own copy · modified``."""

    def show(self, source: Source | None, *, modified: bool) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        if source is None:
            text.append("No template open", "bold")
            text.append("  ·  ctrl+o open  ·  ctrl+n new", "dim")
        else:
            text.append("● " if modified else "✎ ", "bold yellow" if modified else "bold")
            text.append(source.name, "bold")
            if source.is_new:
                text.append("  ·  new, not saved yet", "italic")
            elif source.shipped:
                text.append("  ·  shipped: ctrl+s saves your own copy", "italic")
            elif source.path is not None:
                text.append(f"  ·  {source.path}", "dim")
            if modified and not source.is_new:
                text.append("  ·  modified", "bold")
        self.update(text)
        self.set_class(source is not None and modified, "-modified")


class EditorStatus(Static):
    """The first thing wrong with the text (at its file line), or that it renders fine."""

    def say(self, text: str, kind: str = "") -> None:
        """Show ``text``; ``kind`` is ``"bad"``, ``"warn"`` or ``""``."""
        self.update(Text(text))
        self.set_class(kind == "bad", "-bad")
        self.set_class(kind == "warn", "-warn")

    def show(self, preview: Preview, line: int | None) -> None:
        """Summarise a preview; ``line`` is the file line of its template error, if known."""
        error = preview.error
        if error is not None:
            if line is not None:
                where = f"line {line}"
            elif error.part not in (None, "file"):
                where = f"{error.part}" + (f" line {error.line}" if error.line else "")
            else:
                where = "the file"
            detail = error.detail or ""
            via = f" ({detail})" if detail.startswith("used by") else ""
            hint = "  · ctrl+l goes there" if line is not None else ""
            self.say(f"✖ {where}: {error.reason}{via}{hint}", "bad")
            return
        if preview.field_errors:
            name, why = next(iter(preview.field_errors.items()))
            self.say(f"✖ The sample value of '{name}' does not fit: {why}", "bad")
            return
        errors = [p for p in preview.problems if p.severity == "error"]
        warnings = [p for p in preview.problems if p.severity == "warning"]
        if errors:
            first = errors[0]
            more = f" (+{len(errors) - 1} more in Problems)" if len(errors) > 1 else ""
            self.say(f"✖ {first.code} at {first.path}: {first.message}{more}", "bad")
        elif warnings:
            count = len(warnings)
            self.say(
                f"▲ Renders; {count} warning{'s' if count > 1 else ''} in Problems "
                f"(e.g. {warnings[0].message})",
                "warn",
            )
        else:
            self.say("✔ Renders with the sample values; the portal would accept it.")
