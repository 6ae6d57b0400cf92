"""Template file errors name the exact line, whatever strings, arrays or tables come before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from b24notify.cli.main import run
from b24notify.core.template_schema import TemplateFileError, parse_template_text

# A one-button keyboard: its JSON line looks like a [table] header to a line scanner.
KEYBOARD = '''\
keyboard = """
[{"TEXT": "Say \\"hi\\" = \\"\\"\\" not the end", "COMMAND": "hi"}]
"""
'''


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[body]\nmessage = "Hi"\n' + KEYBOARD + 'menu_items = "x"\n',
            "t.toml line 6: unknown key 'body.menu_items' (allowed: message, attach, keyboard, "
            "menu)",
        ),
        (
            "[body]\nmessage = '''\n[vars.n]\nrequired = 'yes'\n'''\n\n"
            "[vars.n]  # the real one\ntype = 'int'\nrequired = 'yes'\n",
            "t.toml line 9: 'vars.n.required' must be true or false, not a string",
        ),
        (
            '[body]\nmessage = """\nline \\\n  joined\n"""\n[send]\ndialog_id = "room 5"\n',
            "t.toml line 7: 'send.dialog_id' must be a user id like 42 or a chat id like chat42, "
            "not 'room 5'",
        ),
        (
            'tags = [\n  "ops",  # a comment = "x"\n  "db",\n  42,\n]\n',
            "t.toml line 4: 'tags' must be a string, not a whole number",
        ),
        (
            "[vars.s]\ntype = 'choice'\nchoices = [\n  'a',\n  true,\n]\n",
            "t.toml line 5: 'vars.s.choices' must be a string or a whole number or a number, "
            "not true or false",
        ),
        (
            '[vars."a.b"]\ntype = "text"\n',
            "t.toml line 1: variable name 'a.b' must be letters, digits and _ "
            "(not starting with a digit)",
        ),
        (
            "[body]\n" + KEYBOARD + '[vars]\nwho = { label = "Who", type = "txt" }\n',
            "t.toml line 6: unknown type 'txt' for 'vars.who' (did you mean 'text'?)",
        ),
        (
            ("[body]\n" + KEYBOARD + "mesage = 'x'\n").replace("\n", "\r\n"),
            "t.toml line 5: unknown key 'body.mesage' (did you mean 'message'?)",
        ),
    ],
)
def test_errors_after_multi_line_values_name_the_right_line(toml: str, message: str) -> None:
    with pytest.raises(TemplateFileError) as info:
        parse_template_text(toml, file="t.toml", name="t")
    assert str(info.value) == message


TEMPLATE = (
    'name = "Alert"\n\n[vars.who]\nlabel = "Who"\n\n[body]\nmessage = "Hi {{ who }}"\n'
    + KEYBOARD
    + 'menu_items = "x"\n'
)
EXPECTED = (
    "b24notify: team/alert.toml line 11: unknown key 'body.menu_items' "
    "(allowed: message, attach, keyboard, menu)"
)


def write_template(home: Path) -> None:
    path = home / "templates" / "team" / "alert.toml"
    path.parent.mkdir(parents=True)
    path.write_text(TEMPLATE, encoding="utf-8")
    assert TEMPLATE.splitlines()[10].startswith("menu_items")


def test_templates_check_names_the_line_after_a_keyboard(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_template(isolated_home)
    assert run(["templates", "check", "team/alert"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  team/alert\n      " + EXPECTED.removeprefix("b24notify: ") in out


def test_render_in_a_process_names_the_line_without_a_traceback(isolated_home: Path) -> None:
    write_template(isolated_home)
    out = subprocess.run(
        [sys.executable, "-m", "b24notify", "render", "team/alert"],
        capture_output=True,
        text=True,
        env={**os.environ, "B24NOTIFY_HOME": str(isolated_home)},
        timeout=60,
    )
    assert out.returncode == 1
    assert out.stderr.strip() == EXPECTED
