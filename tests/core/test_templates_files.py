"""Template files: loading, key/type checks with file and line, search path, listing."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from b24notify.core import paths
from b24notify.core.errors import TemplateError, TemplateNotFound
from b24notify.core.templates import (
    TemplateFileError,
    TemplateLibrary,
    default_search_path,
)

GOOD = """\
name = "Incident update"
description = "Tell a chat about an incident"
tags = ["incident"]

[send]
dialog_id = "chat42"
bot_id = 7
system = false
url_preview = false
skip_connector = true

[vars.ticket]
label = "Ticket"
type = "int"
required = true
help = "Number from the helpdesk"
sample = 42

[vars.severity]
type = "choice"
choices = ["low", "medium", "high"]
default = "medium"

[body]
message = '''
[b]Incident #{{ ticket }}[/b] {{ severity }}
'''
attach = '''{"BLOCKS": [{"MESSAGE": "{{ ticket }}"}]}'''
"""


def write(directory: Path, rel: str, text: str) -> Path:
    path = directory / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path, Path]:
    user, team, shipped = tmp_path / "user", tmp_path / "team", tmp_path / "shipped"
    for d in (user, team, shipped):
        d.mkdir()
    return user, team, shipped


def library(dirs: tuple[Path, Path, Path]) -> TemplateLibrary:
    user, team, shipped = dirs
    return TemplateLibrary([user, team, shipped], user_dir=user, shipped_dir=shipped)


def test_good_file_loads_with_all_fields(dirs: tuple[Path, Path, Path]) -> None:
    write(dirs[2], "incident/update.toml", GOOD)
    t = library(dirs).get("incident/update")
    assert (t.name, t.title, t.group, t.tags, t.shipped) == (
        "incident/update",
        "Incident update",
        "incident",
        ("incident",),
        True,
    )
    assert t.description == "Tell a chat about an incident"
    assert [v.name for v in t.declared] == ["ticket", "severity"]
    ticket = t.declared[0]
    assert (ticket.type, ticket.label, ticket.required, ticket.help, ticket.sample) == (
        "int",
        "Ticket",
        True,
        "Number from the helpdesk",
        42,
    )
    assert t.declared[1].choices == ("low", "medium", "high")
    opts = t.send_options()
    assert (opts.dialog_id, opts.bot_id, opts.system, opts.url_preview, opts.skip_connector) == (
        "chat42",
        7,
        False,
        False,
        True,
    )
    assert t.parts["message"] == "[b]Incident #{{ ticket }}[/b] {{ severity }}\n"
    assert t.parts["keyboard"] is None
    assert t.source_text == GOOD


def test_send_options_default_when_no_send_table(dirs: tuple[Path, Path, Path]) -> None:
    write(dirs[0], "plain.toml", "[body]\nmessage = 'hi'\n")
    opts = library(dirs).get("plain").send_options()
    assert (opts.dialog_id, opts.bot_id, opts.url_preview, opts.system) == (None, None, True, False)


def test_broken_toml_names_file_and_line(dirs: tuple[Path, Path, Path]) -> None:
    write(dirs[0], "incident/opened.toml", 'name = "x"\n\n[body]\nmessage = "unterminated\n')
    with pytest.raises(TemplateFileError) as info:
        library(dirs).get("incident/opened")
    err = info.value
    assert isinstance(err, TemplateError)
    assert err.line == 4
    assert err.template == "incident/opened"
    assert str(err).startswith("incident/opened.toml line 4: not valid TOML: ")
    assert "(at line" not in str(err)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[vars.ticket]\nlable = 'Ticket'\n",
            "incident/opened.toml line 2: unknown key 'vars.ticket.lable' (did you mean 'label'?)",
        ),
        (
            "nmae = 'x'\n",
            "incident/opened.toml line 1: unknown key 'nmae' (did you mean 'name'?)",
        ),
        (
            "[send]\ndialog = 'chat1'\n",
            "incident/opened.toml line 2: unknown key 'send.dialog' (did you mean 'dialog_id'?)",
        ),
        (
            "[body]\nmesage = 'x'\n",
            "incident/opened.toml line 2: unknown key 'body.mesage' (did you mean 'message'?)",
        ),
        (
            "[body]\nzzz = 'x'\n",
            "incident/opened.toml line 2: unknown key 'body.zzz' "
            "(allowed: message, attach, keyboard, menu)",
        ),
        (
            "[vars.n]\ntype = 'integer'\n",
            "incident/opened.toml line 2: "
            "unknown type 'integer' for 'vars.n' (did you mean 'int'?)",
        ),
        (
            "[vars.n]\ntype = 'int'\nrequired = 'yes'\n",
            "incident/opened.toml line 3: 'vars.n.required' must be true or false, not a string",
        ),
        (
            "[vars.n]\ntype = 'int'\ndefault = 'abc'\n",
            "incident/opened.toml line 3: 'vars.n.default' must be a whole number (got 'abc')",
        ),
        (
            "[vars.s]\ntype = 'choice'\nchoices = ['a', 'b']\nsample = 'c'\n",
            "incident/opened.toml line 4: 'vars.s.sample' must be one of a, b (got 'c')",
        ),
        (
            "[vars.s]\ntype = 'choice'\n",
            "incident/opened.toml line 1: 'vars.s' is a choice but has no 'choices' list",
        ),
        (
            "[vars.s]\ntype = 'text'\nchoices = ['a']\n",
            "incident/opened.toml line 3: 'vars.s.choices' only applies to type \"choice\" "
            "(this one is text)",
        ),
        (
            "[vars.loop]\ntype = 'text'\n",
            "incident/opened.toml line 1: 'loop' is a reserved name; pick another variable name",
        ),
        (
            "[send]\ndialog_id = 'room 5'\n",
            "incident/opened.toml line 2: 'send.dialog_id' must be a user id like 42 or a chat "
            "id like chat42, not 'room 5'",
        ),
        (
            "[send]\nbot_id = true\n",
            "incident/opened.toml line 2: 'send.bot_id' must be a whole number, not true or false",
        ),
        (
            "tags = 'incident'\n",
            "incident/opened.toml line 1: 'tags' must be an array, not a string",
        ),
        (
            "[body]\nattach = 5\n",
            "incident/opened.toml line 2: 'body.attach' must be a string, not a whole number",
        ),
    ],
)
def test_bad_keys_and_values_are_named(
    dirs: tuple[Path, Path, Path], toml: str, message: str
) -> None:
    write(dirs[0], "incident/opened.toml", toml)
    with pytest.raises(TemplateFileError) as info:
        library(dirs).get("incident/opened")
    assert str(info.value) == message


def test_not_utf8_is_a_clear_error(dirs: tuple[Path, Path, Path]) -> None:
    (dirs[0] / "bad.toml").write_bytes(b"name = '\xff'\n")
    with pytest.raises(TemplateFileError, match=r"^bad\.toml: is not UTF-8 text"):
        library(dirs).get("bad")


def test_earlier_dir_shadows_later(dirs: tuple[Path, Path, Path]) -> None:
    user, team, shipped = dirs
    write(shipped, "notice/short.toml", "name = 'shipped'\n")
    write(team, "notice/short.toml", "name = 'team'\n")
    write(shipped, "only/shipped.toml", "name = 'only shipped'\n")
    lib = library(dirs)
    assert lib.get("notice/short").title == "team"
    assert not lib.get("notice/short").shipped
    write(user, "notice/short.toml", "name = 'user'\n")
    assert lib.get("notice/short").title == "user"
    assert lib.get("only/shipped").shipped
    infos = {i.name: i for i in lib.list()}
    assert infos["notice/short"].title == "user"
    assert infos["notice/short"].path == user / "notice/short.toml"
    assert len([i for i in lib.list() if i.name == "notice/short"]) == 1


def test_list_groups_sorted_and_skips_partials_and_hidden(dirs: tuple[Path, Path, Path]) -> None:
    user, _, shipped = dirs
    write(shipped, "incident/opened.toml", "name = 'Opened'\ndescription = 'd'\ntags = ['a']\n")
    write(shipped, "escalation.toml", "name = 'Escalation'\n")
    write(shipped, "deep/er/x.toml", "")
    write(shipped, "partials/sig.j2", "x")
    write(shipped, "partials/not_a_template.toml", "")
    write(user, ".hidden/x.toml", "")
    write(user, ".x.toml.tmp", "")
    infos = library(dirs).list()
    assert [(i.name, i.group, i.title) for i in infos] == [
        ("deep/er/x", "deep/er", "deep/er/x"),
        ("escalation", "", "Escalation"),
        ("incident/opened", "incident", "Opened"),
    ]
    opened = infos[2]
    assert (opened.description, opened.tags, opened.shipped, opened.error) == (
        "d",
        ("a",),
        True,
        None,
    )


def test_broken_file_is_listed_with_its_error(dirs: tuple[Path, Path, Path]) -> None:
    write(dirs[0], "good.toml", "name = 'Good'\n")
    write(dirs[0], "team/broken.toml", "name = \n")
    infos = {i.name: i for i in library(dirs).list()}
    assert infos["good"].error is None
    assert infos["team/broken"].error is not None
    assert infos["team/broken"].error.startswith("team/broken.toml line 1: not valid TOML")
    assert infos["team/broken"].group == "team"


def test_listing_reparses_only_changed_files(dirs: tuple[Path, Path, Path]) -> None:
    path = write(dirs[0], "a.toml", "name = 'One'\n")
    lib = library(dirs)
    first = lib.get("a")
    assert lib.get("a") is first  # cached while the file is unchanged
    path.write_text("name = 'Two, longer'\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert lib.get("a").title == "Two, longer"
    assert [i.title for i in lib.list()] == ["Two, longer"]


def test_listing_does_not_import_jinja(dirs: tuple[Path, Path, Path]) -> None:
    import subprocess
    import sys

    write(dirs[0], "a.toml", GOOD)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from b24notify.core.templates import TemplateLibrary\n"
        f"lib = TemplateLibrary([Path({str(dirs[0])!r})])\n"
        "lib.list(); lib.get('a').declared\n"
        "print('jinja2' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("asked", "suggested"),
    [
        ("incident/open", "'incident/opened'"),
        ("incidnet/opened", "'incident/opened'"),
        ("nothing-like-it-at-all", None),
    ],
)
def test_not_found_suggests_close_names(
    dirs: tuple[Path, Path, Path], asked: str, suggested: str | None
) -> None:
    write(dirs[2], "incident/opened.toml", "")
    write(dirs[2], "incident/resolved.toml", "")
    with pytest.raises(TemplateNotFound) as info:
        library(dirs).get(asked)
    assert info.value.exit_code == 2
    if suggested:
        assert f"did you mean {suggested}" in str(info.value)
    else:
        assert str(info.value) == f"no template named '{asked}'"


@pytest.mark.parametrize(
    "name",
    ["../outside", "incident/../../outside", "/etc/passwd", "partials/sig", "", "a//b"],
)
def test_names_outside_the_dirs_are_not_found(dirs: tuple[Path, Path, Path], name: str) -> None:
    write(dirs[0].parent, "outside.toml", "")
    write(dirs[0], "partials/sig.toml", "")
    with pytest.raises(TemplateNotFound):
        library(dirs).get(name)


@pytest.mark.parametrize(
    "spelling", ["incident/opened.toml", "incident\\opened", " incident/opened "]
)
def test_name_spellings(dirs: tuple[Path, Path, Path], spelling: str) -> None:
    write(dirs[0], "incident/opened.toml", "")
    assert library(dirs).get(spelling).name == "incident/opened"


def test_default_search_path_order(tmp_path: Path) -> None:
    extra = tmp_path / "team"
    found = default_search_path([extra, str(extra)])
    assert found == [paths.user_templates_dir(), extra, paths.shipped_templates_dir()]


def test_missing_dirs_are_skipped(tmp_path: Path) -> None:
    lib = TemplateLibrary([tmp_path / "nope", paths.shipped_templates_dir()])
    assert "incident/opened" in lib.names()


def test_partials_listed(dirs: tuple[Path, Path, Path]) -> None:
    write(dirs[0], "partials/sig.j2", "x")
    write(dirs[2], "partials/card.j2", "x")
    write(dirs[2], "partials/readme.txt", "x")
    assert library(dirs).partials() == ["partials/card.j2", "partials/sig.j2"]


def test_with_data_checks_and_keeps_origin(dirs: tuple[Path, Path, Path]) -> None:
    write(dirs[0], "a.toml", GOOD)
    t = library(dirs).get("a")
    edited = t.with_data({**t.data, "name": "Edited"})
    assert (edited.title, edited.path, edited.stamp) == ("Edited", t.path, t.stamp)
    with pytest.raises(TemplateFileError, match="unknown key 'nmae'"):
        t.with_data({"nmae": "x"})


def test_from_toml_for_the_editor(dirs: tuple[Path, Path, Path]) -> None:
    lib = library(dirs)
    t = lib.from_toml(GOOD, "draft/x")
    assert t.title == "Incident update" and t.path is None and not t.shipped
    with pytest.raises(TemplateFileError) as info:
        lib.from_toml("[vars.a]\ntype = 'txt'\n", "draft/x")
    assert str(info.value) == (
        "draft/x.toml line 2: unknown type 'txt' for 'vars.a' (did you mean 'text'?)"
    )
