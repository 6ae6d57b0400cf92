"""Saving templates: readable TOML, atomic writes, shipped files untouched, no lost edits."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from b24notify.core import paths
from b24notify.core.errors import TemplateError, UsageError
from b24notify.core.template_save import TemplateConflict, dumps_template
from b24notify.core.templates import (
    TemplateFileError,
    TemplateLibrary,
    parse_values,
    render,
    sample_values,
    save_template,
)

DATA = {
    "name": "Incident",
    "description": "d",
    "tags": ["incident"],
    "send": {"dialog_id": "chat42", "url_preview": False},
    "vars": {
        "ticket": {"label": "Ticket", "type": "int", "required": True, "sample": 42},
        "sev": {"type": "choice", "choices": ["low", "high"], "default": "low"},
    },
    "body": {
        "message": '[b]Incident #{{ ticket }}[/b]\n{{ sev|upper }} "quoted" \\ back\n',
        "attach": '{"BLOCKS": [\n  {"MESSAGE": "{{ ticket }}"}\n]}\n',
        "keyboard": '[{"TEXT": "Open", "LINK": "https://x.io/{{ ticket }}"}]',
    },
}


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    user, shipped = tmp_path / "user", tmp_path / "shipped"
    user.mkdir()
    shipped.mkdir()
    return user, shipped


def library(dirs: tuple[Path, Path]) -> TemplateLibrary:
    return TemplateLibrary(list(dirs), user_dir=dirs[0], shipped_dir=dirs[1])


def bump_mtime(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000))


def test_saved_toml_round_trips_and_stays_readable(dirs: tuple[Path, Path]) -> None:
    path = save_template(DATA, dirs[0] / "incident" / "opened.toml")
    text = path.read_text(encoding="utf-8")
    assert tomllib.loads(text) == DATA
    # Multi-line parts stay multi-line literal strings: no \" or \n escapes to read.
    assert "message = '''\n[b]Incident #{{ ticket }}[/b]\n" in text
    assert "attach = '''\n{\"BLOCKS\": [\n  {\"MESSAGE\": \"{{ ticket }}\"}\n]}\n'''" in text
    assert 'keyboard = \'[{"TEXT": "Open", "LINK": "https://x.io/{{ ticket }}"}]\'' in text
    assert text.index("[vars.ticket]") < text.index("[vars.sev]") < text.index("[body]")
    t = library(dirs).get("incident/opened")
    assert render(t, parse_values(t, sample_values(t))).message.startswith("[b]Incident #42[/b]")


@pytest.mark.parametrize(
    "message",
    [
        "has ''' three quotes\nand lines",
        "ends with a quote'\n...'",
        "control \x01 char\nx",
        "single line with 'quote'",
        "windows\r\nnewlines",
        "trailing '",
        "",
    ],
)
def test_awkward_strings_still_round_trip(message: str) -> None:
    data = {"body": {"message": message}}
    assert tomllib.loads(dumps_template(data)) == data


def test_plain_multiline_values_stay_multiline() -> None:
    data = {"vars": {"s": {"type": "multiline", "sample": "line 1\nline 2"}}}
    assert '"""\nline 1\nline 2"""' in dumps_template(data)


def test_write_is_atomic_and_leaves_no_temp_files(
    dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save_template(DATA, dirs[0] / "a.toml")
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    t = library(dirs).get("a")
    with pytest.raises(OSError):
        library(dirs).save(t.with_data({**t.data, "name": "changed"}))
    assert path.read_bytes() == before
    assert sorted(p.name for p in dirs[0].iterdir()) == ["a.toml"]


def test_saving_a_shipped_template_writes_the_user_copy(dirs: tuple[Path, Path]) -> None:
    user, shipped = dirs
    original = save_template(DATA, user / "seed.toml").read_bytes()
    (shipped / "incident").mkdir()
    shipped_file = shipped / "incident" / "opened.toml"
    shipped_file.write_bytes(original)
    lib = library(dirs)
    t = lib.get("incident/opened")
    assert t.shipped
    saved = lib.save(t.with_data({**t.data, "name": "Mine"}))
    assert shipped_file.read_bytes() == original
    assert saved.path == user / "incident" / "opened.toml"
    assert (saved.shipped, saved.title) == (False, "Mine")
    assert lib.get("incident/opened").title == "Mine"  # the user copy now shadows it


def test_data_aimed_at_the_shipped_dir_goes_to_the_user_dir(dirs: tuple[Path, Path]) -> None:
    user, shipped = dirs
    path = save_template(DATA, shipped / "notice" / "x.toml", user_dir=user, shipped_dir=shipped)
    assert path == user / "notice" / "x.toml"
    assert not (shipped / "notice").exists()


def test_real_shipped_dir_is_never_written(dirs: tuple[Path, Path]) -> None:
    lib = TemplateLibrary([paths.user_templates_dir(), paths.shipped_templates_dir()])
    t = lib.get("notice/short")
    shipped_bytes = t.path.read_bytes() if t.path else b""
    saved = lib.save(t.with_data({**t.data, "description": "edited"}))
    assert saved.path == paths.user_templates_dir() / "notice" / "short.toml"
    assert t.path is not None and t.path.read_bytes() == shipped_bytes


def test_change_on_disk_is_detected(dirs: tuple[Path, Path]) -> None:
    path = save_template(DATA, dirs[0] / "a.toml")
    lib = library(dirs)
    opened = lib.get("a")
    path.write_text(path.read_text(encoding="utf-8").replace("Incident", "Edited elsewhere"))
    bump_mtime(path)
    with pytest.raises(TemplateConflict) as info:
        lib.save(opened.with_data({**opened.data, "name": "Mine"}))
    assert str(info.value).startswith("a.toml: changed on disk since it was opened")
    assert "Edited elsewhere" in path.read_text(encoding="utf-8")
    forced = lib.save(opened.with_data({**opened.data, "name": "Mine"}), force=True)
    assert forced.title == "Mine"


def test_touch_without_change_is_not_a_conflict(dirs: tuple[Path, Path]) -> None:
    path = save_template(DATA, dirs[0] / "a.toml")
    lib = library(dirs)
    opened = lib.get("a")
    bump_mtime(path)
    assert lib.save(opened.with_data({**opened.data, "name": "Fine"})).title == "Fine"


def test_consecutive_saves_of_the_returned_template_work(dirs: tuple[Path, Path]) -> None:
    save_template(DATA, dirs[0] / "a.toml")
    lib = library(dirs)
    t = lib.get("a")
    for title in ("one", "two", "three"):
        t = lib.save(t.with_data({**t.data, "name": title}))
    assert lib.get("a").title == "three"


def test_new_data_never_overwrites_an_existing_file(dirs: tuple[Path, Path]) -> None:
    path = save_template(DATA, dirs[0] / "a.toml")
    with pytest.raises(TemplateConflict, match="already exists"):
        save_template({"name": "other"}, path)
    assert tomllib.loads(path.read_text(encoding="utf-8"))["name"] == "Incident"
    save_template({"name": "other"}, path, force=True)
    assert tomllib.loads(path.read_text(encoding="utf-8"))["name"] == "other"


def test_invalid_data_is_refused_before_writing(dirs: tuple[Path, Path]) -> None:
    with pytest.raises(TemplateFileError, match=r"unknown key 'body\.mesage'"):
        save_template({"body": {"mesage": "x"}}, dirs[0] / "a.toml")
    assert not (dirs[0] / "a.toml").exists()
    with pytest.raises(UsageError):
        save_template({"name": "x"})


def test_new_template_duplicate_and_delete(dirs: tuple[Path, Path]) -> None:
    user, shipped = dirs
    (shipped / "incident").mkdir()
    (shipped / "incident" / "opened.toml").write_text(dumps_template(DATA), encoding="utf-8")
    lib = library(dirs)

    created = lib.new_template("team/status-note")
    assert created.path == user / "team" / "status-note.toml"
    assert created.title == "Status note"
    assert [v.name for v in created.variables] == ["text"]
    assert render(created, parse_values(created, sample_values(created))).attach is not None

    copy = lib.duplicate("incident/opened", "incident/opened-short")
    assert copy.path == user / "incident" / "opened-short.toml"
    assert copy.title == "Incident (copy)"
    assert copy.data["body"] == DATA["body"]

    with pytest.raises(TemplateError, match="already exists"):
        lib.duplicate("incident/opened", "team/status-note")
    with pytest.raises(TemplateError, match="a template name is letters"):
        lib.new_template("../escape")
    with pytest.raises(TemplateError, match="a template name is letters"):
        lib.new_template("partials/x")

    with pytest.raises(TemplateError) as info:
        lib.delete("incident/opened")
    assert str(info.value) == (
        "incident/opened: file: only your own templates can be deleted; "
        "it is shipped with b24notify"
    )
    assert (shipped / "incident" / "opened.toml").exists()
    assert lib.delete("incident/opened-short") == user / "incident" / "opened-short.toml"
    assert "incident/opened-short" not in lib.names()


def test_templates_in_shared_dirs_cannot_be_deleted(tmp_path: Path) -> None:
    team = tmp_path / "team"
    save_template({"name": "t"}, team / "shared.toml")
    lib = TemplateLibrary([tmp_path / "user", team], user_dir=tmp_path / "user")
    with pytest.raises(TemplateError, match="it is in a shared folder"):
        lib.delete("shared")
    assert (team / "shared.toml").exists()


def test_edited_text_keeps_the_authors_comments_and_layout(dirs: tuple[Path, Path]) -> None:
    lib = library(dirs)
    saved = lib.save(lib.from_toml(dumps_template(DATA), "notes", path=dirs[0] / "notes.toml"))
    edited = "# Owned by the support leads: ask before changing.\n" + saved.source_text.replace(
        'description = "d"', 'description = "Tell a chat"  # shown in the list'
    )
    again = lib.save(lib.from_toml(edited, "notes", path=saved.path, stamp=saved.stamp))
    on_disk = again.path.read_text(encoding="utf-8") if again.path else ""
    assert on_disk == edited
    assert again.description == "Tell a chat"


def test_data_edits_are_written_afresh(dirs: tuple[Path, Path]) -> None:
    lib = library(dirs)
    saved = lib.save(lib.from_toml("# note\n" + dumps_template(DATA), "x", path=dirs[0] / "x.toml"))
    changed = lib.save(saved.with_data({**saved.data, "description": "new"}))
    text = changed.path.read_text(encoding="utf-8") if changed.path else ""
    assert tomllib.loads(text)["description"] == "new"
    assert "# note" not in text  # the text no longer said the same: data written afresh
