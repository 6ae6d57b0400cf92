"""The file open in the editor: opening broken files, new names, noticing changes on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from b24notify.core import paths
from b24notify.core.errors import TemplateNotFound
from b24notify.core.templates import TemplateLibrary, default_search_path
from b24notify.tui.widgets.editor_source import (
    disk_state,
    name_problem,
    new_source,
    open_source,
    title_from,
)


@pytest.fixture
def library() -> TemplateLibrary:
    return TemplateLibrary(default_search_path())


def write(name: str, text: str) -> Path:
    path = paths.user_templates_dir() / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_template_opens_with_its_stamp(library: TemplateLibrary) -> None:
    path = write("ok", 'name = "OK"\n[body]\nmessage = "hi"\n')
    source = open_source(library, "ok")
    assert (source.path, source.broken, source.shipped) == (path, None, False)
    assert source.text == path.read_text(encoding="utf-8")
    assert source.stamp is not None and source.stamp.size == path.stat().st_size


def test_a_shipped_template_is_marked_shipped(library: TemplateLibrary) -> None:
    source = open_source(library, "incident/opened")
    assert source.shipped
    assert source.path == paths.shipped_templates_dir() / "incident" / "opened.toml"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param('name = "Broken\n', "not valid TOML", id="toml"),
        pytest.param('name = "x"\ncolour = "red"\n', "unknown key 'colour'", id="key"),
    ],
)
def test_a_broken_template_opens_as_text(library: TemplateLibrary, text: str, why: str) -> None:
    write("broken", text)
    source = open_source(library, "broken")
    assert source.text == text
    assert source.broken is not None and why in source.broken
    assert source.stamp is not None


def test_an_unknown_template_is_not_found(library: TemplateLibrary) -> None:
    with pytest.raises(TemplateNotFound):
        open_source(library, "no/such/thing")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ops/db_down", None),
        ("plain", None),
        ("../escape", "letters, digits"),
        ("partials/x", "letters, digits"),
        ("with space", "letters, digits"),
        ("incident/opened", "already exists"),
    ],
)
def test_name_problem(library: TemplateLibrary, name: str, problem: str | None) -> None:
    found = name_problem(library, name)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_an_existing_name_is_fine_for_save_as(library: TemplateLibrary) -> None:
    assert name_problem(library, "incident/opened", new=False) is None


@pytest.mark.parametrize(
    ("name", "title"),
    [("ops/db_down", "Db down"), ("welcome-new", "Welcome new"), ("x", "X"), ("/", "New template")],
)
def test_title_from(name: str, title: str) -> None:
    assert title_from(name) == title


def test_a_new_source_is_new_and_parses(library: TemplateLibrary) -> None:
    source = new_source("ops/db_down")
    assert source.is_new and source.path is None
    template = library.from_toml(source.text, source.name)
    assert template.title == "Db down"
    assert template.parts["message"] is not None


def test_disk_state(library: TemplateLibrary) -> None:
    path = write("watched", 'name = "W"\n')
    source = open_source(library, "watched")
    assert disk_state(source)[0] == "same"
    # Touched with the same bytes: still the same, with a fresh stamp to remember.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    state, _, stamp = disk_state(source)
    assert state == "same" and stamp is not None and stamp.sha256 == source.stamp.sha256  # type: ignore[union-attr]
    path.write_text('name = "Changed"\n', encoding="utf-8")
    state, text, stamp = disk_state(source)
    assert (state, text) == ("changed", 'name = "Changed"\n')
    path.unlink()
    assert disk_state(source)[0] == "missing"
    assert disk_state(new_source("never/saved"))[0] == "same"
