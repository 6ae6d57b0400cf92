"""Template variables: typed parsing of form/CLI values and discovery of undeclared ones."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from b24notify.core.errors import FieldErrors, TemplateError
from b24notify.core.templates import (
    Template,
    TemplateLibrary,
    parse_values,
    render,
    sample_values,
)


@pytest.fixture
def lib(tmp_path: Path) -> TemplateLibrary:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "sig.j2").write_text("{{ team }} {{ phone|default('-') }}")
    (tmp_path / "partials" / "nested.j2").write_text(
        "{{ outer }}{% include 'partials/sig.j2' %}{{ inner }}"
    )
    (tmp_path / "partials" / "macros.j2").write_text(
        "{% macro card(x) %}{{ x }}{{ only_in_macro }}{% endmacro %}"
    )
    return TemplateLibrary([tmp_path], user_dir=tmp_path / "user", shipped_dir=tmp_path / "none")


def one_var(lib: TemplateLibrary, kind: str, **extra: Any) -> Template:
    spec = {"type": kind, "required": True, **extra}
    return lib.from_data({"vars": {"v": spec}, "body": {"message": "{{ v }}"}}, "t")


CHOICES = {"choices": ["low", "high", 3]}

GOOD = [
    ("text", "  hello [b] ", "  hello [b] "),
    ("text", 42, "42"),
    ("multiline", "a\r\nb\rc", "a\nb\nc"),
    ("int", "42", 42),
    ("int", " -7 ", -7),
    ("int", "+1_000", 1000),
    ("int", 5, 5),
    ("int", 5.0, 5),
    ("float", "2.5", 2.5),
    ("float", "2,5", 2.5),
    ("float", "1e3", 1000.0),
    ("float", 3, 3.0),
    ("bool", "yes", True),
    ("bool", "Y", True),
    ("bool", "on", True),
    ("bool", "1", True),
    ("bool", "TRUE", True),
    ("bool", "no", False),
    ("bool", "n", False),
    ("bool", "off", False),
    ("bool", "0", False),
    ("bool", "false", False),
    ("bool", False, False),
    ("bool", 1, True),
    ("date", "2025-03-14", date(2025, 3, 14)),
    ("date", date(2025, 3, 14), date(2025, 3, 14)),
    ("date", datetime(2025, 3, 14, 9, 30), date(2025, 3, 14)),
    ("datetime", "2025-03-14T09:30", datetime(2025, 3, 14, 9, 30)),
    ("datetime", "2025-03-14 09:30:15", datetime(2025, 3, 14, 9, 30, 15)),
    ("datetime", "2025-03-14", datetime(2025, 3, 14)),
    ("datetime", date(2025, 3, 14), datetime(2025, 3, 14)),
    ("url", "https://example.com/a?b=1#c", "https://example.com/a?b=1#c"),
    ("url", " HTTP://example.com ", "http://example.com"),
    ("url", "https://x.io/list?filter[status]=open", "https://x.io/list?filter%5Bstatus%5D=open"),
    ("url", "http://[::1]:8080/p", "http://[::1]:8080/p"),
    ("dialog", "42", "42"),
    ("dialog", 42, "42"),
    ("dialog", "chat123", "chat123"),
    ("dialog", "Chat123", "chat123"),
    ("dialog", "sg7", "sg7"),
    ("dialog", "CRM9", "crm9"),
    ("user", "17", 17),
    ("user", 17, 17),
    ("list", '["a", {"n": 1}, 2]', ["a", {"n": 1}, 2]),
    ("list", "one\n two \n\nthree", ["one", "two", "three"]),
    ("list", "[P1] database\n[P2] api", ["[P1] database", "[P2] api"]),
    ("list", ["x", "y"], ["x", "y"]),
]


@pytest.mark.parametrize(("kind", "raw", "expected"), GOOD)
def test_good_values_convert(lib: TemplateLibrary, kind: str, raw: Any, expected: Any) -> None:
    extra = CHOICES if kind == "choice" else {}
    value = parse_values(one_var(lib, kind, **extra), {"v": raw})["v"]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("raw", "expected"), [("low", "low"), (" high ", "high"), ("3", 3), (3, 3)]
)
def test_choice_values(lib: TemplateLibrary, raw: Any, expected: Any) -> None:
    assert parse_values(one_var(lib, "choice", **CHOICES), {"v": raw})["v"] == expected


BAD = [
    ("text", ["a"], "must be plain text, not a list or table"),
    ("int", "abc", "must be a whole number (got 'abc')"),
    ("int", "4.5", "must be a whole number (got '4.5')"),
    ("int", True, "must be a whole number (got True)"),
    ("int", 4.5, "must be a whole number (got 4.5)"),
    ("float", "two", "must be a number like 2.5 (got 'two')"),
    ("float", "nan", "must be a number like 2.5 (got 'nan')"),
    ("float", "inf", "must be a number like 2.5 (got 'inf')"),
    ("bool", "maybe", "must be yes or no (true/false, 1/0, on/off; got 'maybe')"),
    ("bool", 2, "must be yes or no (true/false, 1/0, on/off; got 2)"),
    ("choice", "medium", "must be one of low, high, 3 (got 'medium')"),
    ("date", "14.03.2025", "must be a date like 2025-03-14 (got '14.03.2025')"),
    ("date", "2025-02-30", "must be a date like 2025-03-14 (got '2025-02-30')"),
    ("datetime", "tomorrow", "must be a date and time like 2025-03-14T09:30 (got 'tomorrow')"),
    (
        "url",
        "javascript:alert(1)",
        "must be an http or https link like https://example.com/ (got 'javascript:alert(1)')",
    ),
    (
        "url",
        "ftp://x.org/f",
        "must be an http or https link like https://example.com/ (got 'ftp://x.org/f')",
    ),
    ("url", "https://", "must be an http or https link like https://example.com/ (got 'https://')"),
    ("url", "https://a b.com", "must be a link without spaces (got 'https://a b.com')"),
    (
        "url",
        "/relative/path",
        "must be an http or https link like https://example.com/ (got '/relative/path')",
    ),
    ("dialog", "room5", "must be a user id like 42 or a chat id like chat42 (got 'room5')"),
    ("dialog", "chat", "must be a user id like 42 or a chat id like chat42 (got 'chat')"),
    ("dialog", "chat1 ; x", "must be a user id like 42 or a chat id like chat42 (got 'chat1 ; x')"),
    ("dialog", True, "must be a user id like 42 or a chat id like chat42"),
    ("user", "0", "must be a user id: a positive whole number (got '0')"),
    ("user", "-3", "must be a user id: a positive whole number (got '-3')"),
    ("user", "bob", "must be a user id: a positive whole number (got 'bob')"),
    ("list", 5, "must be a list: a JSON array, or one item per line"),
]


@pytest.mark.parametrize(("kind", "raw", "sentence"), BAD)
def test_bad_values_are_field_errors(
    lib: TemplateLibrary, kind: str, raw: Any, sentence: str
) -> None:
    extra = CHOICES if kind == "choice" else {}
    with pytest.raises(FieldErrors) as info:
        parse_values(one_var(lib, kind, **extra), {"v": raw})
    assert info.value.errors == {"v": sentence}
    assert info.value.template == "t"
    assert str(info.value) == f"t: v: {sentence}"


def test_long_bad_values_are_shortened_in_the_sentence(lib: TemplateLibrary) -> None:
    with pytest.raises(FieldErrors) as info:
        parse_values(one_var(lib, "int"), {"v": "x" * 500})
    assert len(info.value.errors["v"]) < 80


def test_all_errors_are_collected_and_nothing_renders(lib: TemplateLibrary) -> None:
    t = lib.from_data(
        {
            "vars": {
                "n": {"type": "int"},
                "d": {"type": "dialog", "required": True},
                "when": {"type": "date"},
                "ok": {"type": "text"},
            },
            "body": {"message": "{{ n + 1 }} {{ d }} {{ when }} {{ ok }} {{ extra }}"},
        },
        "t",
    )
    with pytest.raises(FieldErrors) as info:
        parse_values(t, {"n": "x", "when": "never", "ok": "fine"})
    assert info.value.errors == {
        "n": "must be a whole number (got 'x')",
        "d": "is required",
        "when": "must be a date like 2025-03-14 (got 'never')",
        "extra": "is required",
    }


def test_defaults_fill_blanks_and_are_converted(lib: TemplateLibrary) -> None:
    t = lib.from_data(
        {
            "vars": {
                "n": {"type": "int", "default": 3, "required": True},
                "when": {"type": "date", "default": "2025-01-02"},
                "s": {"type": "choice", "choices": ["a", "b"], "default": "b"},
            },
            "body": {"message": "{{ n }} {{ when }} {{ s }}"},
        },
        "t",
    )
    assert parse_values(t, {"n": "", "when": "  "}) == {"n": 3, "when": date(2025, 1, 2), "s": "b"}
    assert parse_values(t, {"n": "9"})["n"] == 9


@pytest.mark.parametrize(
    ("kind", "empty"),
    [
        ("text", ""),
        ("multiline", ""),
        ("list", []),
        ("bool", False),
        ("int", None),
        ("float", None),
        ("date", None),
        ("datetime", None),
        ("url", None),
        ("dialog", None),
        ("user", None),
    ],
)
def test_optional_blank_gets_the_empty_value_of_its_type(
    lib: TemplateLibrary, kind: str, empty: Any
) -> None:
    t = one_var(lib, kind, required=False)
    assert parse_values(t, {}) == {"v": empty}
    assert parse_values(t, {"v": ""}) == {"v": empty}


def test_optional_guarded_blank_stays_undefined_so_default_applies(lib: TemplateLibrary) -> None:
    t = lib.from_data(
        {
            "vars": {"team": {"type": "text"}},
            "body": {
                "message": "{{ team|default('Support') }} {% if note is defined %}n{% endif %}"
            },
        },
        "t",
    )
    specs = {s.name: s for s in t.variables}
    assert specs["team"].guarded and not specs["team"].required
    assert specs["note"].guarded and not specs["note"].required and not specs["note"].declared
    values = parse_values(t, {"team": ""})
    assert values == {}
    assert render(t, values).message == "Support"
    assert render(t, parse_values(t, {"team": "Ops", "note": "x"})).message == "Ops n"


def test_unknown_keys_are_dropped(lib: TemplateLibrary) -> None:
    t = one_var(lib, "text")
    assert parse_values(t, {"v": "a", "other": "b", "__class__": "c"}) == {"v": "a"}


def test_parse_is_idempotent_on_typed_values(lib: TemplateLibrary) -> None:
    t = lib.from_data(
        {
            "vars": {
                "a": {"type": "int"},
                "b": {"type": "datetime"},
                "c": {"type": "list"},
                "d": {"type": "url"},
                "e": {"type": "bool"},
            },
            "body": {"message": "{{ a }}{{ b }}{{ c }}{{ d }}{{ e }}"},
        },
        "t",
    )
    raw = {"a": "1", "b": "2025-01-01T10:00", "c": "x\ny", "d": "https://a.b/[x]", "e": "no"}
    once = parse_values(t, raw)
    assert parse_values(t, once) == once


# -- discovery -------------------------------------------------------------------------------


def names(t: Template) -> list[str]:
    return [v.name for v in t.variables]


def test_declared_first_then_undeclared_in_order_of_first_use(lib: TemplateLibrary) -> None:
    t = lib.from_data(
        {
            "vars": {"zeta": {"type": "int"}, "alpha": {}},
            "body": {
                "message": "{{ b }} {{ zeta }} {{ a|upper }} {{ b }}",
                "attach": '{"X": "{{ c }}", "Y": "{{ a }}"}',
                "keyboard": '[{"TEXT": "{{ d }}"}]',
                "menu": '[{"TEXT": "{{ e.title }}"}]',
            },
        },
        "t",
    )
    assert names(t) == ["zeta", "alpha", "b", "a", "c", "d", "e"]
    extra = t.variables[2]
    assert (extra.type, extra.declared, extra.required, extra.title) == ("text", False, True, "B")


def test_loop_set_macro_and_global_names_are_not_fields(lib: TemplateLibrary) -> None:
    t = lib.from_data(
        {
            "body": {
                "message": (
                    "{% set total = 0 %}{% for row in rows %}{{ loop.index }}{{ row.name }}"
                    "{{ total }}{% endfor %}"
                    "{% macro m(p) %}{{ p }}{% endmacro %}{{ m(x) }}"
                    "{{ mention(uid, 'n') }}{{ link(url) }}{{ range(3)|list }}{{ namespace }}"
                    "{% set ns = namespace(k=1) %}{{ ns.k }}"
                )
            }
        },
        "t",
    )
    assert names(t) == ["rows", "x", "uid", "url"]


def test_partials_are_followed_at_the_include(lib: TemplateLibrary) -> None:
    t = lib.from_data(
        {"body": {"message": "{{ first }}{% include 'partials/nested.j2' %}{{ last }}"}}, "t"
    )
    assert names(t) == ["first", "outer", "team", "phone", "inner", "last"]
    phone = t.variables[3]
    assert phone.guarded and not phone.required


def test_import_without_context_does_not_add_fields(lib: TemplateLibrary) -> None:
    t = lib.from_data(
        {"body": {"message": "{% import 'partials/macros.j2' as mc %}{{ mc.card(x) }}"}}, "t"
    )
    assert names(t) == ["x"]
    with_ctx = lib.from_data(
        {
            "body": {
                "message": "{% import 'partials/macros.j2' as mc with context %}{{ mc.card(x) }}"
            }
        },
        "t",
    )
    assert names(with_ctx) == ["only_in_macro", "x"]  # counted where the import is


def test_missing_partial_does_not_break_discovery(lib: TemplateLibrary) -> None:
    t = lib.from_data({"body": {"message": "{{ a }}{% include 'partials/nope.j2' %}"}}, "t")
    assert names(t) == ["a"]


def test_syntax_error_in_a_part_surfaces_from_variables(lib: TemplateLibrary) -> None:
    t = lib.from_data({"body": {"message": "ok", "attach": "[\n{{ a }\n]"}}, "t")
    with pytest.raises(TemplateError) as info:
        _ = t.variables
    assert (info.value.part, info.value.line) == ("attach", 2)


def test_sample_values_use_sample_default_or_placeholder(lib: TemplateLibrary) -> None:
    t = lib.from_data(
        {
            "vars": {
                "a": {"type": "int", "sample": 5, "default": 1},
                "b": {"type": "int", "default": 2},
                "c": {"type": "choice", "choices": ["x", "y"]},
                "d": {"type": "url", "required": True},
                "e": {"type": "list"},
            },
            "body": {
                "message": "{{ a }}{{ b }}{{ c }}{{ d }}{{ e }}{{ free }}{{ opt|default(1) }}"
            },
        },
        "t",
    )
    samples = sample_values(t)
    assert samples == {
        "a": 5,
        "b": 2,
        "c": "x",
        "d": "https://example.com/",
        "e": ["First item", "Second item"],
        "free": "Free",
    }
    assert sample_values(t, required_only=True) == {"d": "https://example.com/", "free": "Free"}
    parse_values(t, samples)  # every placeholder passes its own type
