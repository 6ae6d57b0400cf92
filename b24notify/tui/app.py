"""The b24notify terminal app: screen registry, global keys, command palette, error modal.

``B24NotifyApp`` receives a ready ``Service`` (built by the composition root in
``b24notify.__main__``) and hands it down to each screen.

Adding a screen: write it under ``b24notify/tui/screens/`` and add one
``ScreenEntry`` to ``SCREENS`` below (name → factory, title, help, optional
key). It then gets a mode of its own (its state survives switching away), a
"Go to …" command in the palette, a key when one is given, and a line in the
help screen. A screen's bindings that carry an ``id`` and a description show up
in the palette and the help screen automatically; extra palette-only entries
come from an optional ``palette_commands()`` method on the screen.

Background work goes through ``B24NotifyApp.run_job``: the job is a thin call
into the service that posts its result as a message to whoever asked; any
failure lands in the one ``Worker.StateChanged`` handler here and becomes the
error modal.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from textual.screen import Screen

    from b24notify.core.models import Draft
    from b24notify.core.service import Service
    from b24notify.sandbox.child import SandboxChild

PaletteCommand = tuple[str, str, Callable[[], Any]]
"""(title, help, callback) — one command palette entry."""


def _compose_screen(app: B24NotifyApp) -> Screen[Any]:
    from b24notify.tui.screens.compose import ComposeScreen

    return ComposeScreen(app.service, profile_name=app.profile_name)


def _history_screen(app: B24NotifyApp) -> Screen[Any]:
    from b24notify.tui.screens.history import HistoryScreen

    return HistoryScreen(app.service)


def _editor_screen(app: B24NotifyApp) -> Screen[Any]:
    from b24notify.tui.screens.editor import EditorScreen

    return EditorScreen(app.service, profile_name=app.profile_name)


def _profiles_screen(app: B24NotifyApp) -> Screen[Any]:
    from b24notify.tui.screens.profiles import ProfilesScreen

    return ProfilesScreen(app.service)


def _bulk_screen(app: B24NotifyApp) -> Screen[Any]:
    from b24notify.tui.screens.bulk import BulkScreen

    return BulkScreen(app.service, profile_name=app.profile_name)


def _inbox_screen(app: B24NotifyApp) -> Screen[Any]:
    from b24notify.tui.screens.inbox import InboxScreen

    return InboxScreen(app.service, sandbox_url=app.sandbox_url, profile_name=app.profile_name)


@dataclass(frozen=True)
class ScreenEntry:
    """A top-level screen: how to build it and how users reach it."""

    factory: Callable[[B24NotifyApp], Screen[Any]]
    title: str
    help: str
    key: str | None = None


SCREENS: dict[str, ScreenEntry] = {
    "compose": ScreenEntry(
        _compose_screen,
        "Compose",
        "Pick a template, fill it in, preview and send",
        "f2",
    ),
    "history": ScreenEntry(
        _history_screen,
        "History",
        "Every send: search, re-open as draft, resend, edit, delete",
        "f3",
    ),
    "editor": ScreenEntry(
        _editor_screen,
        "Template editor",
        "Edit the template chosen in Compose: save, save as, duplicate, delete",
        "f4",
    ),
    "inbox": ScreenEntry(
        _inbox_screen,
        "Sandbox inbox",
        "What the sandbox portal received, drawn as the chat shows it",
        "f5",
    ),
    "bulk": ScreenEntry(
        _bulk_screen,
        "Bulk send",
        "Mail merge: one template, a CSV/JSONL of rows; dry run, paced send, pause, resume",
        "f10",
    ),
    "profiles": ScreenEntry(
        _profiles_screen,
        "Profiles",
        "Add or edit webhook and OAuth profiles, test them, pick the default",
    ),
}
"""Name → screen. The first one is where the app starts."""


class OpenDraft(Message):
    """Ask the app to show a draft in Compose (from history, the sandbox inbox …).

    ``edit_of`` is a history id when the draft should replace that sent message
    on the portal instead of being sent anew.
    """

    def __init__(self, draft: Draft, *, edit_of: int | None = None) -> None:
        super().__init__()
        self.draft = draft
        self.edit_of = edit_of


class B24Commands(Provider):
    """Command palette: every screen, every keyed action in reach, and screen extras."""

    def _commands(self) -> Iterator[PaletteCommand]:
        app = self.app
        assert isinstance(app, B24NotifyApp)
        screen = self.screen
        for name, entry in SCREENS.items():
            yield (f"Go to {entry.title}", entry.help, _switcher(app, name))
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.id or not binding.description or binding.id in seen:
                continue
            if binding.id.startswith("app.screen."):
                continue  # covered by "Go to …"
            seen.add(binding.id)
            yield (
                binding.description,
                binding.tooltip or f"key: {key_label(key)}",
                _runner(app, binding.action, active.node),
            )
        if app.sandbox_child is None:
            yield (
                "Try a sandbox portal",
                "Start a local Bitrix24 stand-in for this session and send with it",
                lambda: app.run_worker(app.use_sandbox(), group="sandbox", exclusive=True),
            )
        extra = getattr(screen, "palette_commands", None)
        if callable(extra):
            yield from extra()

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


def _switcher(app: B24NotifyApp, name: str) -> Callable[[], Any]:
    return lambda: app.open_screen(name)


def _runner(app: B24NotifyApp, action: str, node: Any) -> Callable[[], Any]:
    return lambda: app.run_action(action, node)


class B24NotifyApp(App[None]):
    """The terminal UI over one ``Service``."""

    CSS_PATH = "app.tcss"
    TITLE = "b24notify"
    COMMANDS: ClassVar[set[Any]] = {*App.COMMANDS, B24Commands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    DEFAULT_MODE: ClassVar[str] = "compose"
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 - Textual's own declaration
        (0, "-narrow"),
        (110, "-normal"),
        (170, "-wide"),
    ]
    BINDINGS: ClassVar[list[Any]] = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("ctrl+t", "change_theme", "Theme", show=False, id="app.theme"),
        *(
            Binding(entry.key, f"open_screen('{name}')", entry.title, id=f"app.screen.{name}")
            for name, entry in SCREENS.items()
            if entry.key
        ),
    ]

    def __init__(
        self,
        service: Service,
        *,
        title_suffix: str = "",
        sandbox_url: str | None = None,
        profile_name: str | None = None,
        recover: bool = False,
        offer_first_run: bool = False,
    ) -> None:
        super().__init__()
        self.service = service
        self.sandbox_url = sandbox_url
        self.profile_name = profile_name
        self._settled = False
        self._first_frame_shown = False
        self._asking_quit = False
        self._after_first_frame: list[Callable[[], Any]] = []
        self._finishing_start = False
        self._exit_after_start: tuple[Any, int, Any] | None = None
        if recover:
            # Housekeeping opens the history file: it waits for the first frame.
            self.after_first_frame(lambda: self.run_job(self._recover, name="recover", thread=True))
        self.sandbox_child: SandboxChild | None = None
        self.after_first_frame(self._config_notices)
        if offer_first_run and not service.config.profiles:
            self.after_first_frame(self._offer_first_run)
        if title_suffix:
            self.sub_title = title_suffix
        for name, entry in SCREENS.items():
            self.add_mode(name, _mode_factory(self, entry))
        self._apply_config()

    def _apply_config(self) -> None:
        config = self.service.config
        keys = getattr(config, "keys", None)
        if keys:
            self.set_keymap({str(k): str(v) for k, v in dict(keys).items()})
        from b24notify.tui.ui_state import load_state, theme_to_use

        theme = theme_to_use(getattr(config, "theme", None), load_state())
        if theme and theme in self.available_themes:
            self.theme = theme
        self._remember_theme = True

    def watch_theme(self, theme: str) -> None:
        """A theme picked in the app (ctrl+t, the palette) is the theme next time too."""
        if not getattr(self, "_remember_theme", False):
            return
        from b24notify.tui.ui_state import save_state

        save_state({"theme": theme, "config_theme": getattr(self.service.config, "theme", None)})

    # ---- navigation ---------------------------------------------------------

    def open_screen(self, name: str) -> None:
        """Switch to a registered screen (its state is kept between visits)."""
        if name not in SCREENS:
            self.notify(f"No screen named {name!r}.", severity="error")
            return
        if self.current_mode != name:
            self.switch_mode(name)

    def screen_of(self, name: str) -> Screen[Any] | None:
        """The base screen of a registered screen's mode, once it has been opened."""
        stack = self._screen_stacks.get(name)
        return stack[0] if stack else None

    def action_open_screen(self, name: str) -> None:
        self.open_screen(name)

    def on_editor_screen_template_saved(self, message: Any) -> None:
        """A template was saved, copied or deleted: screens that list templates reload."""
        self._tell_screens("templates_changed", message.name, deleted=message.deleted)

    async def on_profiles_screen_profiles_changed(self, message: Any) -> None:
        await self.profiles_changed()

    async def profiles_changed(self) -> None:
        """Profiles changed: screens that offer profiles show the new set."""
        for react in self._screen_hooks("profiles_changed"):
            await react()

    def _tell_screens(self, method: str, *args: Any, **kwargs: Any) -> None:
        for react in self._screen_hooks(method):
            react(*args, **kwargs)

    def _screen_hooks(self, method: str) -> Iterator[Callable[..., Any]]:
        """``method`` of each opened screen that has one (screens opt in by defining it)."""
        for name in SCREENS:
            hook = getattr(self.screen_of(name), method, None)
            if callable(hook):
                yield hook

    async def on_open_draft(self, message: OpenDraft) -> None:
        await self.switch_mode("compose")
        screen = self.screen
        load = getattr(screen, "load_draft", None)
        if callable(load):
            load(message.draft, edit_of=message.edit_of)

    class Recovered(Message):
        """Start-up housekeeping found sends a crashed session left without an outcome."""

        def __init__(self, history_ids: list[int]) -> None:
            super().__init__()
            self.history_ids = history_ids

    def _recover(self) -> None:
        self.post_message(self.Recovered(self.service.recover()))

    def on_b24notify_app_recovered(self, message: Recovered) -> None:
        from b24notify.core.humanize import count

        ids = message.history_ids
        if not ids:
            return
        rows = ", ".join(f"#{i}" for i in ids[:5]) + (" …" if len(ids) > 5 else "")
        self.notify(
            f"{count(len(ids), 'send')} of a session that ended abruptly had no answer "
            f"({rows}): check the chat before resending. History lists them as unknown.",
            title="Unknown outcome",
            severity="warning",
            timeout=15,
        )

    # ---- what the config asked for but could not get -----------------------

    def _config_notices(self) -> None:
        """Say, in the UI, what the terminal's scrollback would otherwise swallow."""
        config = self.service.config
        for warning in getattr(config, "warnings", ()):
            self.notify(str(warning), title="Config", severity="warning", timeout=15)
        theme = getattr(config, "theme", None)
        if theme and theme not in self.available_themes:
            names = ", ".join(sorted(self.available_themes))
            self.notify(
                f"theme: there is no theme {theme!r}; the themes are {names}.",
                title="Config",
                severity="warning",
                timeout=15,
            )
        if getattr(config, "keys", None):
            self.run_job(self._check_keys, name="check-keys", thread=True)

    class UnknownKeys(Message):
        def __init__(self, ids: list[str]) -> None:
            super().__init__()
            self.ids = ids

    def _check_keys(self) -> None:
        known = binding_ids()
        unknown = [str(i) for i in dict(self.service.config.keys) if str(i) not in known]
        if unknown:
            self.post_message(self.UnknownKeys(unknown))

    def on_b24notify_app_unknown_keys(self, message: UnknownKeys) -> None:
        names = ", ".join(repr(i) for i in message.ids)
        self.notify(
            f"[keys]: no key has the id {names}, so nothing was remapped for it; "
            "the help screen (f1) lists each key's id, e.g. compose.send.",
            title="Config",
            severity="warning",
            timeout=15,
            markup=False,
        )

    # ---- first run ------------------------------------------------------------

    def _offer_first_run(self) -> None:
        from b24notify.tui.screens.first_run import FirstRunDialog

        async def chosen(choice: str | None) -> None:
            if choice == "sandbox":
                await self.use_sandbox()
            elif choice == "profile":
                await self.switch_mode("profiles")
                new = getattr(self.screen_of("profiles"), "action_new", None)
                if callable(new):
                    new()

        self.push_screen(FirstRunDialog(), chosen)

    async def use_sandbox(self) -> None:
        """Start a sandbox portal beside the app and send with it until the app ends.

        Its profile lives in this session only: saving profiles leaves it out.
        """
        from dataclasses import replace

        from b24notify.core import paths
        from b24notify.sandbox.child import start_sandbox_child

        if self.sandbox_child is None:
            self.sandbox_child = start_sandbox_child(paths.data_dir() / "sandbox.log")
        child = self.sandbox_child
        self.sandbox_url = child.url
        config = self.service.config
        profile = child.profile()
        config = replace(
            config,
            profiles={**config.profiles, profile.name: profile},
            default_profile=profile.name,
        )
        await self.service.use_config(config)
        self.profile_name = profile.name
        await self.profiles_changed()
        self.notify(
            f"A sandbox portal runs at {child.url} while the app is open. Pick a template, "
            "send to dialog 42 or chat42, and watch it arrive in the Sandbox inbox (f5).",
            title="Sandbox ready",
            timeout=12,
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterator[Any]:
        """Textual's palette entries, less those the app has its own of.

        Its Quit exits at once, past the unsaved-changes question (ours is in the
        palette from the quit key); its Keys panel is what our help screen (f1) does.
        """
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit", "Keys"):
                yield command

    def quit_warnings(self) -> list[str]:
        """What quitting now would lose, one sentence per screen that says so."""
        warnings = (warning() for warning in self._screen_hooks("quit_warning"))
        return [str(text) for text in warnings if text]

    async def action_quit(self) -> None:
        """Quit, after asking when a screen has unsaved edits or a send in flight.

        Pressing the quit key again while asked quits: the way out stays one key.
        """
        from b24notify.tui.screens.dialogs import ConfirmDialog

        warnings = self.quit_warnings()
        if not warnings or self._asking_quit:
            self.exit()
            return
        self._asking_quit = True

        def answered(quit_now: bool | None) -> None:
            self._asking_quit = False
            if quit_now:
                self.exit()

        self.push_screen(
            ConfirmDialog(
                "Quit b24notify?",
                message="\n".join(warnings),
                confirm_label="Quit",
                danger=True,
            ),
            answered,
        )

    def action_help(self) -> None:
        from b24notify.tui.screens.dialogs import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[tuple[str, list[tuple[str, str, str]]]]:
        """(where, [(key, action, binding id)]) for the keys in reach on the current screen.

        The screen's own keys come first, then the app's, then those of our
        widgets in focus. Text-editing keys of Textual's inputs are left out: they
        are the same in every terminal app and buried the screen's own keys.
        """
        screen = self.screen
        own: dict[str, list[tuple[str, str, str]]] = {}
        widgets: dict[str, list[tuple[str, str, str]]] = {}
        everywhere: list[tuple[str, str, str]] = []
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.system or key == self.COMMAND_PALETTE_BINDING:
                continue
            node = active.node
            row = (key_label(key), binding.description, binding.id or "")
            if not binding.id:
                continue  # Textual's own (focus moves, text editing): the same everywhere
            if isinstance(node, App):
                everywhere.append(row)
            elif node is screen:
                own.setdefault(_where(node), []).append(row)
            else:
                widgets.setdefault(_where(node), []).append(row)
        everywhere.append(("ctrl+p", "Command palette", ""))
        return [*own.items(), ("Everywhere", everywhere), *widgets.items()]

    def key_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The keys in reach on the current screen, grouped by where they are defined."""
        return [
            (where, [(key, action) for key, action, _ in rows])
            for where, rows in self.help_sections()
        ]

    def after_first_frame(self, callback: Callable[[], Any]) -> None:
        """Run ``callback`` once the first frame is on the terminal.

        ``call_after_refresh`` alone is not enough at startup: Textual runs those
        callbacks as soon as the screen idles, and ``Ready`` is posted when the
        first layout is done, both of which can come before the first frame is
        drawn (a layout inside a batch draws later). Deferred work (mounting,
        threads importing modules) then held the first frame back.
        """
        if self._first_frame_shown:
            self.call_after_refresh(callback)
        else:
            self._after_first_frame.append(callback)

    def _display(self, screen: Screen[Any], renderable: Any) -> None:
        super()._display(screen, renderable)
        if self._first_frame_shown or renderable is None or self._batch_count:
            return
        # The frame has been handed to the terminal (or, headless, would have been).
        self._first_frame_shown = True
        pending, self._after_first_frame = self._after_first_frame, []
        if pending:
            self._finishing_start = True
            self.call_later(self._finish_start, pending)

    async def _finish_start(self, pending: list[Callable[[], Any]]) -> None:
        """Run the deferred start-up work; an exit asked for meanwhile waits for it.

        Quitting while Compose mounts its panels let Textual tear the widgets
        down under a mounting ``Select``, which then failed in its own handler.
        """
        import inspect

        try:
            for callback in pending:
                result = callback()
                if inspect.isawaitable(result):
                    await result
        finally:
            self._finishing_start = False
            if self._exit_after_start is not None:
                super().exit(*self._exit_after_start)

    def exit(self, result: Any = None, return_code: int = 0, message: Any = None) -> None:
        if self._finishing_start:
            self._exit_after_start = (result, return_code, message)
            return
        super().exit(result, return_code, message)

    def settle(self) -> None:
        """Called once the first screen is up and filled: startup is over.

        Everything made so far (Textual's and our modules, the widget tree, the
        templates) lives as long as the app, yet each full garbage collection
        walks all of it: that walk was most of a 30 KB card's worst keystroke.
        ``gc.freeze`` takes those objects out of the collector's way.
        """
        if self._settled:
            return
        self._settled = True
        import gc

        gc.collect()
        gc.freeze()

    # ---- background work ----------------------------------------------------

    def run_job(
        self,
        work: Callable[[], Any],
        *,
        name: str,
        group: str | None = None,
        exclusive: bool = False,
        thread: bool = False,
    ) -> Worker[Any]:
        """Run a thin call into the service off the UI's critical path.

        The callable posts its own result message; errors become the error modal.
        """
        return self.run_worker(
            work,
            name=name,
            group=group or name,
            exclusive=exclusive,
            thread=thread,
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        self.show_error(event.worker.error)

    def show_error(self, error: BaseException | None, *, title: str | None = None) -> None:
        """The one error modal: expected errors show their sentence, others their traceback."""
        from b24notify.core.errors import B24NotifyError
        from b24notify.tui.screens.dialogs import ErrorDialog

        if isinstance(error, B24NotifyError):
            self.push_screen(ErrorDialog(title or error.title, str(error), error.detail))
            return
        import traceback

        detail = None
        if error is not None:
            detail = "".join(traceback.format_exception(error)).strip()
        message = f"{type(error).__name__}: {error}" if error is not None else "Unknown error."
        self.push_screen(ErrorDialog(title or "Something went wrong", message, detail))

    def on_mount(self) -> None:
        import asyncio
        import signal

        # SIGTERM ends the app the way ctrl+q does: the terminal is restored and
        # whatever the app started (a sandbox, a demo's home) is cleaned up.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit)

    async def on_unmount(self) -> None:
        import asyncio
        import signal

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
        if self._settled:
            import gc

            gc.unfreeze()  # whatever outlives the app (tests, embedding) can be collected again
        if self.sandbox_child is not None:
            self.sandbox_child.stop()
        await self.service.aclose()


def binding_ids() -> set[str]:
    """Every binding id of the app, its screens and widgets (imports all of them)."""
    import importlib
    import pkgutil

    from textual.binding import Binding as _Binding
    from textual.dom import DOMNode

    import b24notify.tui.screens
    import b24notify.tui.widgets

    for package in (b24notify.tui.screens, b24notify.tui.widgets):
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    ids: set[str] = set()
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("b24notify."):
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, _Binding) and binding.id:
                ids.add(binding.id)
    return ids


def key_label(key: str) -> str:
    """A key as people write it: ``ctrl+s``, ``f1``, ``?``."""
    from textual.keys import format_key

    *modifiers, name = key.split("+")
    return "+".join([*modifiers, format_key(name)])


def _mode_factory(app: B24NotifyApp, entry: ScreenEntry) -> Callable[[], Screen[Any]]:
    def build() -> Screen[Any]:
        screen = entry.factory(app)
        # Start with the breakpoint class the first resize would set: changing it
        # later restyles every widget, which was a third of the time to first frame.
        width = app.size.width
        for edge, name in sorted(B24NotifyApp.HORIZONTAL_BREAKPOINTS, reverse=True):
            if width >= edge:
                screen.add_class(name)
                break
        if app._first_frame_shown:
            # Textual re-parses the whole stylesheet when a mode's screen has not
            # seen the app's latest CSS, and on a mode's first switch it does so
            # twice (the first refresh marks the old screen). A screen made now is
            # styled from the current stylesheet when it mounts, and a later theme
            # change marks it stale again, so it starts up to date. (The first
            # screen still goes through the refresh: it lays out the app's start.)
            screen._css_update_count = app._css_update_count
        return screen

    return build


def _where(node: Any) -> str:
    from textual.app import App as _App
    from textual.screen import Screen as _Screen

    if isinstance(node, _App):
        return "Everywhere"
    if isinstance(node, _Screen):
        return str(getattr(node, "SCREEN_TITLE", "") or type(node).__name__.removesuffix("Screen"))
    return type(node).__name__
