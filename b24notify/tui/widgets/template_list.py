"""The template picker: a search box over name, description and tags, grouped by folder."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

USER_MARK = "●"
SHIPPED_MARK = "○"


@dataclass(frozen=True)
class Entry:
    """What the list needs of a template."""

    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    shipped: bool

    @property
    def group(self) -> str:
        return self.name.rpartition("/")[0]

    def matches(self, words: Sequence[str]) -> bool:
        """Every word is in the name, title, description or tags (``#tag`` as shown works too)."""
        hay = " ".join((self.name, self.title, self.description, *self.tags)).lower()
        tags = {f"#{tag.lower()}" for tag in self.tags}
        return all(word in tags or word.lstrip("#") in hay for word in words)


def entry_of(info: Any) -> Entry:
    name = str(info.name)
    return Entry(
        name=name,
        title=str(getattr(info, "title", "") or name.rpartition("/")[2]),
        description=str(getattr(info, "description", "") or ""),
        tags=tuple(str(t) for t in (getattr(info, "tags", None) or ())),
        shipped=bool(getattr(info, "shipped", False)),
    )


def _prompt(entry: Entry) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if entry.shipped:
        text.append(f"{SHIPPED_MARK} ", "dim")
    else:
        text.append(f"{USER_MARK} ", "bold green")
    text.append(entry.title, "bold")
    if entry.tags:
        # Descriptions are searched but not listed: one or two lines per template keeps
        # a long library scannable; the chosen one's description heads the form.
        text.append("\n  ")
        text.append(" ".join(f"#{t}" for t in entry.tags), "dim cyan")
    return text


class TemplateList(Vertical):
    """Search box plus grouped list; posts ``Selected`` when a template is chosen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "to_list", "List", show=False, id="templates.to_list"),
    ]

    class Selected(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[Entry] = []
        self.current: str | None = None
        self.loaded = False
        self._pick_on_load = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search templates…", id="template-search")
        yield OptionList(id="template-options")
        yield Static(
            Text.assemble((USER_MARK, "green"), " yours  ", (SHIPPED_MARK, "dim"), " shipped"),
            id="template-legend",
        )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.add_option(Option(Text("Loading templates…", "dim italic"), disabled=True))

    def set_templates(self, infos: Iterable[Any]) -> None:
        self.entries = sorted(
            (entry_of(info) for info in infos), key=lambda e: (e.group, e.title.lower())
        )
        self.loaded = True
        self._refill()
        if self._pick_on_load:
            self._pick_on_load = False
            self._pick_first()

    @property
    def shown_names(self) -> list[str]:
        """Names shown under the current search, in order."""
        words = self.query_one("#template-search", Input).value.lower().split()
        return [e.name for e in self.entries if e.matches(words)]

    def _refill(self) -> None:
        options = self.query_one(OptionList)
        words = self.query_one("#template-search", Input).value.lower().split()
        shown = [e for e in self.entries if e.matches(words)]
        options.clear_options()
        if not shown:
            note = "No template matches." if self.entries else "No templates found."
            options.add_option(Option(Text(note, "dim italic"), disabled=True))
            return
        group: str | None = None
        items: list[Option | None] = []
        for entry in shown:
            if entry.group != group:
                group = entry.group
                if group:
                    items.append(Option(Text(f"{group}/", "bold cyan"), disabled=True))
            items.append(Option(_prompt(entry), id=entry.name))
        options.add_options(items)
        if self.current is not None and self.current in {e.name for e in shown}:
            options.highlighted = options.get_option_index(self.current)
        else:
            options.highlighted = options.get_option_index(shown[0].name)

    def mark_current(self, name: str) -> None:
        self.current = name
        options = self.query_one(OptionList)
        with contextlib.suppress(OptionDoesNotExist):
            options.highlighted = options.get_option_index(name)

    def focus_search(self) -> None:
        self.query_one("#template-search", Input).focus()

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    @on(Input.Changed, "#template-search")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        self._refill()

    @on(Input.Submitted, "#template-search")
    def _submit(self, event: Input.Submitted) -> None:
        """Enter in the search box picks the first match (once loaded, if typed before)."""
        event.stop()
        if not self.loaded:
            self._pick_on_load = True  # a quick typist's Enter is kept, not lost
            return
        self._pick_first()

    def _pick_first(self) -> None:
        first = next(iter(self.shown_names), None)
        if first is not None:
            self.current = first
            self.post_message(self.Selected(first))

    @on(OptionList.OptionSelected, "#template-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id:
            self.current = event.option_id
            self.post_message(self.Selected(event.option_id))
