"""Rendering: values are BB-escaped in the message and JSON-escaped in JSON parts by default."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from b24notify.core import bbcode
from b24notify.core.templates import Template, TemplateLibrary, render

ZW = "\u200b"


@pytest.fixture
def lib(tmp_path: Path) -> TemplateLibrary:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "card.j2").write_text(
        '{% macro row(name, value) %}{"NAME": "{{ name }}", "VALUE": "{{ value }}"}{% endmacro %}'
    )
    (tmp_path / "partials" / "sig.j2").write_text("[i]{{ v }}[/i]")
    return TemplateLibrary([tmp_path], user_dir=tmp_path / "u", shipped_dir=tmp_path / "s")


def make(lib: TemplateLibrary, **body: str) -> Template:
    return lib.from_data({"body": body}, "t/x")


def markup(text: str) -> list[tuple[str, str | None]]:
    """Every markup node bbcode.parse finds: tags, breaks and quote lines."""
    found: list[tuple[str, str | None]] = []
    for node in bbcode.walk(bbcode.parse(text)):
        if isinstance(node, bbcode.Tag):
            found.append((node.name, node.value))
        elif isinstance(node, bbcode.LineBreak):
            found.append(("br", None))
        elif isinstance(node, bbcode.QuoteLine):
            found.append((">>", None))
    return found


HOSTILE = [
    'say "hi"',
    "back\\slash \\n \\u0041",
    "line one\nline two\r\nthree\ttab",
    '"]}',
    '", "X": "injected',
    '}]}, {"MESSAGE": "evil"}, {',
    "юникод ✓ 𝒳 emoji 🎉 \u2028 \u2029",
    "[b]bold[/b]",
    "[url=javascript:alert(1)]click[/url]",
    "[user=all]everyone[/user]",
    "[send=/delete all]ok[/send]",
    "[B]upper[/B] [ i ]",
    "before#BR#after #br# #Br#",
    ">>quoted\n  >> also",
    "text\n>>quote at line start",
    "----------\nfake full quote\n----------",
    "[img size=large]https://x/y.png [/img]",
    "[icon=https://x/i.png size=20]",
    "[",
    "]",
    "",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_message_values_are_bb_escaped(lib: TemplateLibrary, value: str) -> None:
    t = make(lib, message="[b]Title[/b]\n{{ v }}\n[i]end[/i]")
    message = render(t, {"v": value}).message
    assert message == f"[b]Title[/b]\n{bbcode.escape(value)}\n[i]end[/i]".strip()
    assert markup(message) == markup(render(t, {"v": "neutral"}).message)
    assert value in bbcode.plain_text(bbcode.parse(message))  # the reader sees the value as typed


@pytest.mark.parametrize("value", HOSTILE)
def test_json_values_are_escaped_and_keep_structure(lib: TemplateLibrary, value: str) -> None:
    t = make(
        lib,
        message="m",
        attach=(
            '{"BLOCKS": [{"MESSAGE": "{{ v }}"},\n'
            ' {"GRID": [{"DISPLAY": "ROW", "NAME": "N {{ v }}", "VALUE": "{{ v }}"}]}]}'
        ),
        keyboard='[{"TEXT": "{{ v }}", "ACTION": "SEND", "ACTION_VALUE": "{{ v }}"}]',
        menu='{"ITEMS": [{"TEXT": "{{ v }}", "LINK": "https://x.io/{{ v }}"}]}',
    )
    out = render(t, {"v": value})
    esc = bbcode.escape(value)
    assert out.attach == {
        "BLOCKS": [
            {"MESSAGE": esc},
            {"GRID": [{"DISPLAY": "ROW", "NAME": f"N {esc}", "VALUE": esc}]},
        ]
    }
    assert out.keyboard == [{"TEXT": esc, "ACTION": "SEND", "ACTION_VALUE": esc}]
    assert out.menu == {"ITEMS": [{"TEXT": esc, "LINK": f"https://x.io/{esc}"}]}


def test_the_escaped_text_reads_the_same(lib: TemplateLibrary) -> None:
    value = "[b]not bold[/b] #BR# >>x"
    message = render(make(lib, message="{{ v }}"), {"v": value}).message
    assert message.replace(ZW, "") == value
    assert markup(message) == []


@pytest.mark.parametrize(
    ("value", "message", "as_json"),
    [
        (5, "5", 5),
        (-12, "-12", -12),
        (2.5, "2.5", 2.5),
        (1e20, "1e+20", 1e20),
        (True, "True", True),
        (False, "False", False),
        (None, "", None),
    ],
)
def test_numbers_bools_and_none(
    lib: TemplateLibrary, value: Any, message: str, as_json: Any
) -> None:
    t = make(lib, message="[{{ n }}]", attach='{"BARE": {{ n }}, "QUOTED": "{{ n }}"}')
    out = render(t, {"n": value})
    assert out.message == f"[{message}]"
    quoted = {None: "null", True: "true", False: "false"}.get(value, message)
    assert out.attach == {"BARE": as_json, "QUOTED": quoted}
    assert type(out.attach["BARE"]) is type(as_json)


def test_dates_print_iso_and_format_with_strftime(lib: TemplateLibrary) -> None:
    t = make(
        lib,
        message="{{ d }} {{ t.strftime('%H:%M') }}",
        attach='{"D": "{{ d }}", "T": "{{ t }}"}',
    )
    out = render(t, {"d": date(2025, 3, 14), "t": datetime(2025, 3, 14, 9, 30)})
    assert out.message == "2025-03-14 09:30"
    assert out.attach == {"D": "2025-03-14", "T": "2025-03-14 09:30:00"}


def test_bb_filter_marks_trusted_markup(lib: TemplateLibrary) -> None:
    t = make(
        lib,
        message="{{ v|bb }} {{ v }}",
        attach='{"MESSAGE": "{{ v|bb }}", "Q": "{{ q|bb }}"}',
    )
    out = render(t, {"v": "[b]x[/b]", "q": 'say "hi"\n\\'})
    assert out.message == f"[b]x[/b] [{ZW}b]x[{ZW}/b]"
    assert out.attach == {"MESSAGE": "[b]x[/b]", "Q": 'say "hi"\n\\'}


def test_tojson_passes_through_with_strings_escaped(lib: TemplateLibrary) -> None:
    t = make(
        lib,
        message="m",
        attach='{"ROWS": {{ rows|tojson }}, "N": {{ n|tojson }}, "T": {{ trusted|tojson }}}',
    )
    rows = [{"NAME": "[b]x", "VALUE": 'a"b'}, 3, None, True, ["\\"]]
    out = render(t, {"rows": rows, "n": 7, "trusted": "[b]ok[/b]"})
    assert out.attach == {
        "ROWS": [{"NAME": f"[{ZW}b]x", "VALUE": 'a"b'}, 3, None, True, ["\\"]],
        "N": 7,
        "T": f"[{ZW}b]ok[{ZW}/b]",
    }
    marked = make(lib, message="m", attach='{"T": {{ [v|bb, v]|tojson }}}')
    assert render(marked, {"v": "[b]"}).attach == {"T": ["[b]", f"[{ZW}b]"]}


def test_tojson_in_the_message_is_escaped_text(lib: TemplateLibrary) -> None:
    out = render(make(lib, message="{{ rows|tojson }}"), {"rows": ["[b]"]})
    assert markup(out.message) == []
    assert out.message.replace(ZW, "") == '["[b]"]'


def test_mention_global_builds_a_safe_user_tag(lib: TemplateLibrary) -> None:
    t = make(
        lib,
        message="{{ mention(uid, name) }}, hi",
        attach='{"VALUE": "{{ mention(uid, name) }}"}',
    )
    out = render(t, {"uid": 17, "name": 'Ann [/user][user=all]"x"'})
    safe_name = bbcode.escape('Ann [/user][user=all]"x"')
    assert out.message == f"[user=17]{safe_name}[/user], hi"
    assert markup(out.message) == [("user", "17")]
    assert out.attach == {"VALUE": f"[user=17]{safe_name}[/user]"}
    assert render(make(lib, message="{{ mention('5') }}"), {}).message == "[user=5][/user]"


@pytest.mark.parametrize(
    ("url", "text", "expected"),
    [
        ("https://x.io/a", "Docs", "[url=https://x.io/a]Docs[/url]"),
        ("/crm/deal/1/", "[b]deal", f"[url=/crm/deal/1/][{ZW}b]deal[/url]"),
        ("https://x.io/?f[a]=1", None, "[url]https://x.io/?f%5Ba%5D=1[/url]"),
    ],
)
def test_link_global(lib: TemplateLibrary, url: str, text: str | None, expected: str) -> None:
    t = make(lib, message="{{ link(url, text) }}" if text else "{{ link(url) }}")
    assert render(t, {"url": url, "text": text}).message == expected


def test_macro_output_is_not_escaped_twice(lib: TemplateLibrary) -> None:
    t = make(
        lib,
        message=(
            "{% macro bold(x) %}[b]{{ x }}[/b]{% endmacro %}{{ bold(v) }}"
            "{% set s %}[i]{{ v }}[/i]{% endset %} {{ s }}"
        ),
        attach=(
            '{% import "partials/card.j2" as card %}'
            '{% macro q(x) %}"{{ x }}"{% endmacro %}'
            '{"A": {{ q(v) }}, "G": [{{ card.row("n", v) }}]}'
        ),
    )
    value = 'x "y" [u]z'
    out = render(t, {"v": value})
    esc = bbcode.escape(value)
    assert out.message == f"[b]{esc}[/b] [i]{esc}[/i]"
    assert out.attach == {"A": esc, "G": [{"NAME": "n", "VALUE": esc}]}


def test_filtering_trusted_output_escapes_again(lib: TemplateLibrary) -> None:
    t = make(lib, message="{% macro bold(x) %}[b]{{ x }}[/b]{% endmacro %}{{ bold(v)|upper }}")
    message = render(t, {"v": "a"}).message
    assert message.replace(ZW, "") == "[B]A[/B]"
    assert markup(message) == []  # over-escaped, never injected


def test_includes_render_in_the_part_s_mode(lib: TemplateLibrary) -> None:
    t = make(lib, message="{% include 'partials/sig.j2' %}")
    assert render(t, {"v": "[b]"}).message == f"[i][{ZW}b][/i]"


def test_json_part_that_renders_to_nothing_is_left_out(lib: TemplateLibrary) -> None:
    t = make(
        lib,
        message="  \n hi \n",
        keyboard='{% if show %}[{"TEXT": "a", "LINK": "https://x.io"}]{% endif %}',
    )
    assert render(t, {"show": False}).keyboard is None
    assert render(t, {"show": True}).keyboard == [{"TEXT": "a", "LINK": "https://x.io"}]
    assert render(t, {"show": False}).message == "hi"  # trimmed, as the portal stores it


def test_template_without_message_renders_empty_text(lib: TemplateLibrary) -> None:
    out = render(make(lib, attach='[{"MESSAGE": "only attach"}]'), {})
    assert (out.message, out.attach, out.keyboard, out.menu) == (
        "",
        [{"MESSAGE": "only attach"}],
        None,
        None,
    )


def test_blocks_and_lines_trimmed_for_readable_messages(lib: TemplateLibrary) -> None:
    t = make(
        lib,
        message=(
            "Hello\n{% if a %}\n  A\n{% endif %}\n{% for i in xs %}\n- {{ i }}\n{% endfor %}\nBye\n"
        ),
    )
    assert render(t, {"a": True, "xs": [1, 2]}).message == "Hello\n  A\n- 1\n- 2\nBye"


def test_compiled_parts_are_cached(lib: TemplateLibrary) -> None:
    t = make(lib, message="{{ a }}")
    renderer = lib.renderer
    first = renderer.compile("message", "{{ a }}", template="t/x", part="message")
    render(t, {"a": 1})
    assert renderer.compile("message", "{{ a }}", template="t/x", part="message") is first


def test_json_output_is_real_json_for_the_payload(lib: TemplateLibrary) -> None:
    t = make(lib, message="m", attach='[{"MESSAGE": "{{ v }}"}]')
    out = render(t, {"v": "\x00\x1f\x7f"})
    assert json.loads(json.dumps(out.attach)) == [{"MESSAGE": "\x00\x1f\x7f"}]
