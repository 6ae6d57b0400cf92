"""Rendering failures (sandbox, syntax, undefined, JSON, limits): TemplateErrors with a place."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from b24notify.core.errors import TemplateError
from b24notify.core.templates import Template, TemplateLibrary, render


@pytest.fixture
def lib(tmp_path: Path) -> TemplateLibrary:
    partials = tmp_path / "tpl" / "partials"
    partials.mkdir(parents=True)
    (partials / "ok.j2").write_text("fine")
    (partials / "broken.j2").write_text("line one\n{{ oops }\n")
    (partials / "undef.j2").write_text("a\nb\n{{ missing_in_partial }}\n")
    (partials / "bad_json.j2").write_text('{"A": 1}\n{"B": 2}')
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    os.symlink(tmp_path / "secret.txt", partials / "leak.j2")
    return TemplateLibrary(
        [tmp_path / "tpl"], user_dir=tmp_path / "u", shipped_dir=tmp_path / "s", render_timeout=0.3
    )


def make(lib: TemplateLibrary, **body: str) -> Template:
    return lib.from_data({"body": body}, "t/x")


def fail(
    lib: TemplateLibrary, values: Mapping[str, object] | None = None, **body: str
) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        render(make(lib, **body), values or {})
    return info.value


SANDBOX_ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ v.__class__ }}",
    "{{ v|attr('__class__') }}",
    "{{ self._TemplateReference__context }}",
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__ }}",
    "{{ mention.__globals__ }}",
    "{{ range.__globals__ }}",
    "{{ '{0.__class__}'.format(v) }}",
    "{{ items.append(1) }}",
    "{{ mapping.update({'a': 1}) }}",
    "{{ mapping.pop('k') }}",
    "{{ lipsum() }}",
    "{{ config }}",
    "{{ request }}",
    "{% include '/etc/passwd' %}",
    "{% include '../../../../../../etc/passwd' %}",
    "{% include 'partials/../../secret.txt' %}",
    "{% include 'partials/leak.j2' %}",
    "{% include 't/x.toml' %}",
    "{% import 'os' as os %}{{ os.system('true') }}",
    "{% from '/etc/hosts' import x %}",
    "{% extends '/etc/passwd' %}",
]


@pytest.mark.parametrize("source", SANDBOX_ESCAPES)
@pytest.mark.parametrize("part", ["message", "attach"])
def test_sandbox_escapes_are_template_errors(lib: TemplateLibrary, source: str, part: str) -> None:
    body = {"message": "m", part: source}
    err = fail(lib, {"v": "x", "items": [1], "mapping": {"k": 1}}, **body)
    assert (err.template, err.part, err.line) == ("t/x", part, 1)
    assert "TOP SECRET" not in str(err) and "root:" not in str(err)
    assert "Traceback" not in str(err)


def test_sandbox_reason_is_short_and_clear(lib: TemplateLibrary) -> None:
    err = fail(lib, message="{{ ''.__class__ }}")
    assert str(err) == (
        "t/x: message line 1: not allowed in a template: "
        "access to attribute '__class__' of 'str' object is unsafe."
    )


@pytest.mark.parametrize(
    ("part", "source", "line"),
    [
        ("message", "ok\n{{ x }", 2),
        ("message", "{% for x in y %}\nno end\n", 2),
        ("attach", '[\n  {"A": 1},\n  {{ x + }}\n]', 3),
        ("keyboard", "[{% if %}]", 1),
        ("menu", "\n\n\n{% endif %}", 4),
    ],
)
def test_syntax_errors_carry_part_and_line(
    lib: TemplateLibrary, part: str, source: str, line: int
) -> None:
    err = fail(lib, None, **{"message": "m", part: source})
    assert (err.template, err.part, err.line) == ("t/x", part, line)
    assert err.reason.startswith("syntax error: ")


def test_undefined_variable_is_named_with_its_line(lib: TemplateLibrary) -> None:
    err = fail(lib, message="a\nb\n{{ summary }}")
    assert str(err) == "t/x: message line 3: 'summary' is undefined (no value given and no default)"


def test_undefined_attribute_and_undefined_in_a_test(lib: TemplateLibrary) -> None:
    err = fail(lib, {"row": {"a": 1}}, attach='{"X": "{{ row.b }}"}')
    assert (err.part, err.line) == ("attach", 1)
    assert "has no attribute 'b'" in err.reason
    err = fail(lib, message="{% if flag %}x{% endif %}")
    assert "'flag' is undefined" in err.reason


def test_error_inside_a_partial_names_the_partial_and_the_include(lib: TemplateLibrary) -> None:
    err = fail(lib, message="one\ntwo\n{% include 'partials/undef.j2' %}")
    assert (err.template, err.part, err.line) == ("t/x", "partials/undef.j2", 3)
    assert "'missing_in_partial' is undefined" in err.reason
    assert err.detail == "used by message line 3"


def test_syntax_error_inside_a_partial(lib: TemplateLibrary) -> None:
    err = fail(lib, message="{% include 'partials/broken.j2' %}")
    assert (err.part, err.line) == ("partials/broken.j2", 2)
    assert err.reason.startswith("syntax error")


def test_missing_include_is_named(lib: TemplateLibrary) -> None:
    err = fail(lib, message="x\n{% include 'partials/nope.j2' %}")
    assert str(err) == (
        "t/x: message line 2: included template 'partials/nope.j2' not found "
        "(only partials/*.j2 in the template folders can be included)"
    )


def test_type_errors_in_expressions(lib: TemplateLibrary) -> None:
    err = fail(lib, {"n": 1}, message="\n{{ n + 'x' }}")
    assert (err.part, err.line) == ("message", 2)
    assert err.reason.startswith("TypeError: ")
    err = fail(lib, {"n": 0}, attach='{"X": {{ 1 / n }}}')
    assert err.reason.startswith("ZeroDivisionError")


def test_json_error_maps_back_to_the_template_line(lib: TemplateLibrary) -> None:
    source = (
        "[\n"  # 1
        "{% for i in items %}\n"  # 2
        '  {"A": {{ i }}},\n'  # 3
        "{% endfor %}\n"  # 4
        '  {"B": 1}\n'  # 5
        '  {"C": 2}\n'  # 6: missing comma before this line
        "]"  # 7
    )
    err = fail(lib, {"items": list(range(20))}, message="m", attach=source)
    assert (err.part, err.line) == ("attach", 6)
    assert err.reason.startswith("not valid JSON after rendering: Expecting ',' delimiter")
    assert "(rendered line 23, column 3)" in err.reason
    assert err.detail is not None and '{"C": 2}' in err.detail


def test_json_error_from_an_include_points_at_the_include(lib: TemplateLibrary) -> None:
    source = '{"X": [\n  {"first": 1},\n{% include "partials/bad_json.j2" %}\n]}'
    err = fail(lib, message="m", attach=source)
    assert (err.part, err.line) == ("attach", 3)


@pytest.mark.parametrize(
    "source",
    [
        '{"A": "{{ v }}"',  # unterminated
        '{"A": {{ v }}}',  # text printed bare, outside quotes
        "{{ 1e308 * 10 }}",  # Infinity is not JSON
        "[1,]",
    ],
)
def test_non_json_output_is_a_template_error(lib: TemplateLibrary, source: str) -> None:
    err = fail(lib, {"v": "text"}, message="m", keyboard=source)
    assert err.part == "keyboard" and err.line == 1
    assert err.reason.startswith("not valid JSON after rendering")


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            "rendering took longer than 0.3 s",
        ),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}"
            "{% endfor %}",
            "rendering took longer than 0.3 s",
        ),
        (
            "{% macro f(n) %}{% for i in range(100000) %}{{ i }}{% endfor %}{% endmacro %}"
            "{% for i in range(100000) %}{{ f(i) }}{% endfor %}",
            "rendering took longer than 0.3 s",
        ),
        ("{% for i in range(20000) %}{{ 'x' * 100 }}{% endfor %}", "output is larger than"),
        ("{{ 'x' * 100000000 }}", "repeating a value 100000000 times would be too large"),
        ("{{ [1] * 100000000 }}", "repeating a value 100000000 times would be too large"),
        ("{{ 10 ** 100000000 }}", "is too large a number"),
        ("{{ range(10000000)|list }}", "Range too big"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "call each other too deeply"),
    ],
)
def test_runaway_templates_are_bounded(lib: TemplateLibrary, source: str, reason: str) -> None:
    started = time.monotonic()
    err = fail(lib, message=source)
    assert time.monotonic() - started < 3
    assert reason in err.reason
    assert render(make(lib, message="{{ 1 + 1 }}"), {}).message == "2"  # the budget resets


def test_render_timeout_is_configurable_per_library(tmp_path: Path) -> None:
    slow = "{% for i in range(100000) %}{% for j in range(30) %}{{ j }}{% endfor %}{% endfor %}"
    quick = TemplateLibrary([tmp_path], render_timeout=0.01)
    with pytest.raises(TemplateError, match=r"longer than 0\.01 s"):
        render(quick.from_data({"body": {"message": slow}}, "t"), {})


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ mention(0, 'x') }}", "mention() needs a user id (a positive whole number), got '0'"),
        ("{{ mention('all') }}", "mention() needs a user id (a positive whole number), got 'all'"),
        ("{{ mention(true) }}", "mention() needs a user id"),
        ("{{ link('javascript:alert(1)') }}", "link() needs an http(s) or /relative link"),
        ("{{ link('https://a b') }}", "link() needs an http(s) or /relative link"),
        ("{{ link('//evil.com') }}", "link() needs an http(s) or /relative link"),
    ],
)
def test_helper_misuse_is_a_template_error(lib: TemplateLibrary, source: str, reason: str) -> None:
    assert reason in fail(lib, message=source).reason


def test_the_lines_are_template_error_lines_not_python(lib: TemplateLibrary) -> None:
    err = fail(lib, message="\n\n\n\n{{ ''.__class__ }}")
    assert err.line == 5


def test_threads_render_independently(lib: TemplateLibrary) -> None:
    from concurrent.futures import ThreadPoolExecutor

    runaway = make(
        lib,
        message="{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    )
    quick = [make(lib, message=f"{{{{ v }}}} #{n}", attach=f'{{"N": {n}}}') for n in range(40)]

    def slow() -> str:
        try:
            render(runaway, {})
        except TemplateError as exc:
            return exc.reason
        return "finished"

    def fast(n: int) -> tuple[str, object]:
        out = render(quick[n], {"v": "[b]"})
        return out.message, out.attach

    assert lib.renderer.timeout == 0.3  # created here, used from the pool's threads
    with ThreadPoolExecutor(max_workers=4) as pool:
        timed_out = pool.submit(slow)
        results = list(pool.map(fast, range(40)))
    assert timed_out.result().startswith("rendering took longer than 0.3 s")
    assert results == [(f"[\u200bb] #{n}", {"N": n}) for n in range(40)]
