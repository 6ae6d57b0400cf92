"""Sandboxed Jinja rendering of templates: two environments, bounds, errors with lines.

Two ``ImmutableSandboxedEnvironment`` instances per library share one loader,
filters and globals and differ only in their ``finalize`` hook — message or
JSON escaping, see ``template_escape`` (a context flag would force a
context-passing finalize, which disables Jinja's compile-time constant
folding and adds a branch to every output). Compiled parts are cached per
environment and source.

Bounds: every part's output is capped while it streams (``max_output``
characters); a render has a deadline (``timeout`` seconds) checked at every
output, every call, and every loop iteration (a tick is injected after each
``{% for %}`` tag, so loops that print nothing are bounded too); ``range()``
is the sandbox's (≤ 100,000 items); ``*`` on strings/lists and ``**`` on
integers are refused when the result would be huge; runaway recursion is
caught. Partials load only from ``partials/**/*.j2`` inside the template dirs.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.sandbox import ImmutableSandboxedEnvironment

from b24notify.core.errors import TemplateError
from b24notify.core.models import Rendered
from b24notify.core.template_escape import (
    Trusted,
    bb_filter,
    link,
    make_finalizers,
    mention,
    tojson_filter,
    trusted_concat,
)
from b24notify.core.template_schema import JSON_PARTS

if TYPE_CHECKING:
    from b24notify.core.templates import Template

MAX_OUTPUT = 1_000_000
DEFAULT_TIMEOUT = 2.0
_CACHE_SIZE = 256
_TICK = "_b24_tick"
_PART_FILE = "<b24notify:{kind}:{part}>"
_MARK_RE = re.compile("\ue000(\\d+)\ue001")


class RenderLimit(Exception):
    """A render went over its time or size bound."""


class _Budget(threading.local):
    """Per-thread deadline of the render in progress (infinite when idle).

    ``threading.local`` runs ``__init__`` again, with the same arguments, in
    every thread that touches the object, so each thread sees the timeout.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.deadline = math.inf

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimit(
                f"rendering took longer than {self.timeout:g} s (a loop that never ends?)"
            )


class LoopTick(Extension):
    """Injects ``{{ _b24_tick() }}`` after each ``{% for %}`` tag: a deadline check per pass."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        in_for = False
        previous: Token | None = None
        for token in stream:
            yield token
            if token.type == "name" and token.value == "for" and previous is not None:
                in_for = previous.type == "block_begin"
            elif token.type == "block_end" and in_for:
                in_for = False
                line = token.lineno
                yield Token(line, "variable_begin", "{{")
                yield Token(line, "name", _TICK)
                yield Token(line, "lparen", "(")
                yield Token(line, "rparen", ")")
                yield Token(line, "variable_end", "}}")
            previous = token


class LineMarks(Extension):
    """Marks, in the output, where each template line's text and each ``{{ }}`` begin.

    Used only to map a JSON error back to a template line (see ``_template_line``).
    """

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        top_level = (stream.filename or "").startswith("<b24notify:")
        for token in stream:
            if top_level and token.type == "variable_begin":
                yield Token(token.lineno, "data", f"\ue000{token.lineno}\ue001")
                yield token
            elif top_level and token.type == "data":
                line = token.lineno
                out = [f"\ue000{line}\ue001"]
                for piece in token.value.split("\n")[1:]:
                    line += 1
                    out.append(f"\n\ue000{line}\ue001{piece}")
                out[0] += token.value.split("\n")[0]
                yield Token(token.lineno, "data", "".join(out))
            else:
                yield token


class PartialLoader(jinja2.FileSystemLoader):
    """Loads only ``partials/**/*.j2`` from the template dirs, and nothing linked outside them."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        if not (template.startswith("partials/") and template.endswith(".j2")):
            raise jinja2.TemplateNotFound(template)
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(d).resolve()) for d in self.searchpath):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return [
            n for n in super().list_templates() if n.startswith("partials/") and n.endswith(".j2")
        ]


class Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox with b24notify's bounds: deadline on calls, guarded ``*`` and ``**``."""

    intercepted_binops = frozenset({"*", "**"})
    concat = staticmethod(trusted_concat)

    def __init__(self, budget: _Budget, max_output: int, **options: Any) -> None:
        super().__init__(**options)
        self.budget = budget
        self.max_output = max_output

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.budget.check()
        return super().call(context, obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            seq, times = (left, right) if isinstance(left, (str, list, tuple)) else (right, left)
            if (
                isinstance(seq, (str, list, tuple))
                and isinstance(times, int)
                and len(seq) * times > self.max_output
            ):
                raise RenderLimit(f"repeating a value {times} times would be too large")
        elif (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and abs(left) > 1
            and right * abs(left).bit_length() > 100_000
        ):
            raise RenderLimit(f"{left} ** {right} is too large a number")
        return super().call_binop(context, operator, left, right)


class Renderer:
    """The two environments of one library, their compile cache and ``render()``."""

    def __init__(
        self, dirs: list[Path], *, timeout: float = DEFAULT_TIMEOUT, max_output: int = MAX_OUTPUT
    ) -> None:
        self.dirs = dirs
        self.max_output = max_output
        self.budget = _Budget(timeout)
        self.loader = PartialLoader([str(d) for d in dirs])
        finalize_message, self._finalize_json = make_finalizers(self.budget.check)
        self.envs: dict[str, Sandbox] = {
            "message": self._make_env(finalize_message),
            "json": self._make_env(self._finalize_json),
        }
        self._compiled: OrderedDict[tuple[str, str, str], jinja2.Template] = OrderedDict()
        self._lock = threading.Lock()

    def _make_env(self, finalize: Callable[[Any], Any], *extra: type[Extension]) -> Sandbox:
        env = Sandbox(
            self.budget,
            self.max_output,
            loader=self.loader,
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            finalize=finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=[LoopTick, *extra],
        )
        env.globals.pop("lipsum", None)
        env.globals.update(mention=mention, link=link)
        env.globals[_TICK] = self._tick
        env.filters.update(bb=bb_filter, tojson=tojson_filter)
        return env

    def _tick(self) -> Trusted:
        self.budget.check()
        return Trusted("")

    @property
    def timeout(self) -> float:
        return self.budget.timeout

    # -- compiling

    def compile(self, kind: str, source: str, *, template: str, part: str) -> jinja2.Template:
        """The compiled part (cached by environment and source; safe from several threads)."""
        key = (kind, part, source)
        with self._lock:
            compiled = self._compiled.get(key)
            if compiled is not None:
                self._compiled.move_to_end(key)
                return compiled
        env = self.envs[kind]
        filename = _PART_FILE.format(kind=kind, part=part)
        try:
            code = env.compile(source, filename=filename)
        except jinja2.TemplateSyntaxError as exc:
            raise self._error(exc, template=template, part=part, filename=filename) from None
        compiled = env.template_class.from_code(env, code, env.make_globals(None), None)
        with self._lock:
            self._compiled[key] = compiled
            if len(self._compiled) > _CACHE_SIZE:
                self._compiled.popitem(last=False)
        return compiled

    # -- rendering

    def render(self, template: Template, values: Mapping[str, Any]) -> Rendered:
        """Render every part of ``template`` with typed ``values``."""
        budget = self.budget
        budget.deadline = time.monotonic() + budget.timeout
        try:
            parts = template.parts
            rendered = Rendered(message="")
            if parts.get("message") is not None:
                # The portal trims the message; the preview shows what it will store.
                rendered.message = self._run("message", template, "message", values).strip()
            for part in JSON_PARTS:
                if parts.get(part) is not None:
                    setattr(rendered, part, self._render_json(template, part, values))
            return rendered
        finally:
            budget.deadline = math.inf

    def _run(self, kind: str, template: Template, part: str, values: Mapping[str, Any]) -> str:
        source = template.parts[part] or ""
        compiled = self.compile(kind, source, template=template.name, part=part)
        filename = _PART_FILE.format(kind=kind, part=part)
        return self._stream(compiled, values, template=template.name, part=part, filename=filename)

    def _stream(
        self,
        compiled: jinja2.Template,
        values: Mapping[str, Any],
        *,
        template: str,
        part: str,
        filename: str,
    ) -> str:
        chunks: list[str] = []
        total = 0
        try:
            for chunk in compiled.generate(values):
                total += len(chunk)
                if total > self.max_output:
                    raise RenderLimit(
                        f"output is larger than {self.max_output:,} characters (a runaway loop?)"
                    )
                chunks.append(chunk)
        except Exception as exc:
            raise self._error(exc, template=template, part=part, filename=filename) from None
        return "".join(chunks)

    def _render_json(self, template: Template, part: str, values: Mapping[str, Any]) -> Any:
        text = self._run("json", template, part, values)
        if not text.strip():
            return None  # a part that renders to nothing (e.g. inside {% if %}) is left out
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc:
            pos = getattr(exc, "pos", 0)
            lineno = getattr(exc, "lineno", 1)
            colno = getattr(exc, "colno", 1)
            msg = getattr(exc, "msg", str(exc))
            line = self._template_line(template, part, values, pos)
            rendered_line = text.splitlines()[lineno - 1] if text.splitlines() else ""
            detail = f"rendered line {lineno}:\n{rendered_line[:200]}\n{' ' * (colno - 1)}^"
            raise TemplateError(
                f"not valid JSON after rendering: {msg} (rendered line {lineno}, column {colno})",
                template=template.name,
                part=part,
                line=line,
                detail=detail,
            ) from None

    def _template_line(
        self, template: Template, part: str, values: Mapping[str, Any], pos: int
    ) -> int | None:
        """Map an offset in a rendered JSON part back to the template line that produced it."""
        env = self.envs.get("marks")
        if env is None:
            env = self.envs["marks"] = self._make_env(self._finalize_json, LineMarks)
        filename = _PART_FILE.format(kind="marks", part=part)
        try:
            code = env.compile(template.parts[part] or "", filename=filename)
            compiled = env.template_class.from_code(env, code, env.make_globals(None), None)
            marked = compiled.render(values)
        except Exception:
            return None
        pieces = _MARK_RE.split(marked)
        offset, line = 0, 1
        for index, piece in enumerate(pieces):
            if index % 2:
                line = int(piece)
                continue
            if offset + len(piece) > pos:
                break
            offset += len(piece)
        return line

    # -- errors

    def _error(
        self, exc: BaseException, *, template: str, part: str, filename: str
    ) -> TemplateError:
        """Turn any failure inside a template into a TemplateError with part and line."""
        where_part, line, via = self._locate(exc, part, filename)
        reason = _reason(exc)
        detail = via
        return TemplateError(reason, template=template, part=where_part, line=line, detail=detail)

    def _locate(
        self, exc: BaseException, part: str, filename: str
    ) -> tuple[str, int | None, str | None]:
        if isinstance(exc, jinja2.TemplateSyntaxError):
            if exc.filename and exc.filename != filename:
                return exc.name or self._partial_name(exc.filename), exc.lineno, f"used by {part}"
            return part, exc.lineno, None
        part_line: int | None = None
        partial: tuple[str, int] | None = None
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == filename:
                part_line, partial = frame.lineno, None
            elif frame.filename.endswith(".j2") and frame.lineno:
                partial = (self._partial_name(frame.filename), frame.lineno)
        if partial is not None:
            via = f"used by {part} line {part_line}" if part_line else f"used by {part}"
            return partial[0], partial[1], via
        return part, part_line, None

    def _partial_name(self, filename: str) -> str:
        path = Path(filename)
        for directory in self.dirs:
            if path.is_relative_to(directory):
                return path.relative_to(directory).as_posix()
        return path.name


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"syntax error: {exc.message}"
    if isinstance(exc, jinja2.UndefinedError):
        found = re.fullmatch(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined", str(exc.message))
        if found:
            return f"'{found.group(1)}' is undefined (no value given and no default)"
        return f"undefined value: {exc.message}"
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {exc}"
    if isinstance(exc, jinja2.TemplateNotFound):
        return (
            f"included template '{exc.name}' not found "
            "(only partials/*.j2 in the template folders can be included)"
        )
    if isinstance(exc, RecursionError):
        return "templates or macros call each other too deeply"
    if isinstance(exc, (RenderLimit, jinja2.TemplateRuntimeError)):
        return str(exc)
    if isinstance(exc, OverflowError):
        return f"too large: {exc}"
    return f"{type(exc).__name__}: {exc}"
