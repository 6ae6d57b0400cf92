"""Variable discovery: every variable a template and the partials it includes read.

Declared variables come first, in declaration order; then the undeclared ones
found by ``jinja2.meta.find_undeclared_variables`` over each part and, at the
place they are included, over the partials they ``{% include %}`` (or import
with context), in order of first use. Loop and ``{% set %}`` variables are
local to the template and never become fields. A variable read through
``|default(...)`` or tested with ``is defined`` anywhere is "guarded": when
undeclared it is optional, and a blank value leaves it undefined.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import jinja2
from jinja2 import meta, nodes

from b24notify.core.template_schema import PARTS, RESERVED_NAMES
from b24notify.core.template_vars import VarSpec, humanize

if TYPE_CHECKING:
    from b24notify.core.template_render import Renderer
    from b24notify.core.templates import Template

_GUARD_FILTERS = frozenset({"default", "d"})
_GUARD_TESTS = frozenset({"defined", "undefined"})


class _Scan:
    """Collects names in order of first use, guarded names, and followed partials."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.order: dict[str, None] = {}
        self.guarded: set[str] = set()
        self.seen_partials: set[str] = set()

    def template(self, ast: nodes.Template) -> None:
        undeclared = meta.find_undeclared_variables(ast)
        self._visit(ast, undeclared)

    def _visit(self, node: nodes.Node, undeclared: set[str]) -> None:
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name in undeclared:
            self.order.setdefault(node.name)
        elif (
            (isinstance(node, nodes.Filter) and node.name in _GUARD_FILTERS)
            or (isinstance(node, nodes.Test) and node.name in _GUARD_TESTS)
        ) and isinstance(node.node, nodes.Name):
            self.guarded.add(node.node.name)
        for child in node.iter_child_nodes():
            self._visit(child, undeclared)
        if isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport)) and node.with_context:
            for name in _constant_names(node.template):
                self._partial(name)

    def _partial(self, name: str) -> None:
        if name in self.seen_partials or self.env.loader is None:
            return
        self.seen_partials.add(name)
        try:
            source, filename, _ = self.env.loader.get_source(self.env, name)
            ast = self.env.parse(source, name=name, filename=filename)
        except (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError, OSError):
            return  # rendering reports it, with the include's line
        self.template(ast)


def _constant_names(expr: nodes.Expr) -> list[str]:
    if isinstance(expr, nodes.Const) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, (nodes.List, nodes.Tuple)):
        return [
            i.value for i in expr.items if isinstance(i, nodes.Const) and isinstance(i.value, str)
        ]
    return []


def discover_variables(renderer: Renderer, template: Template) -> list[VarSpec]:
    """All variables of ``template``: declared ones first, then discovered ones (``text``)."""
    env = renderer.envs["message"]
    scan = _Scan(env)
    for part in PARTS:
        source = template.parts.get(part)
        if source is None:
            continue
        kind = "message" if part == "message" else "json"
        # Compiling (cached) reports syntax errors with part and line, as rendering would.
        renderer.compile(kind, source, template=template.name, part=part)
        scan.template(env.parse(source))
    declared = {spec.name for spec in template.declared}
    specs = [replace(spec, guarded=spec.name in scan.guarded) for spec in template.declared]
    for name in scan.order:
        if name in declared or name in env.globals or name in RESERVED_NAMES:
            continue
        guarded = name in scan.guarded
        specs.append(
            VarSpec(
                name=name,
                label=humanize(name),
                required=not guarded,
                declared=False,
                guarded=guarded,
            )
        )
    return specs
