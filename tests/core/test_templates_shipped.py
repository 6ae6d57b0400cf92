"""The shipped templates: each renders with its samples to params the portal accepts."""

from __future__ import annotations

from typing import Any

import pytest

from b24notify.core import bbcode, paths
from b24notify.core.models import Rendered
from b24notify.core.payload import build_send_params
from b24notify.core.templates import (
    Template,
    TemplateLibrary,
    check_template,
    parse_values,
    render,
    sample_values,
)
from b24notify.core.validate import validate_params

LIB = TemplateLibrary([paths.shipped_templates_dir()], shipped_dir=paths.shipped_templates_dir())
NAMES = LIB.names()
HOSTILE = '"]} [b]x[/b] [url=javascript:alert(1)]y[/url] #BR# \\ \n>>quote\n----------\n{{ z }}'


def rendered(name: str, values: dict[str, Any] | None = None) -> Rendered:
    t = LIB.get(name)
    return render(t, parse_values(t, sample_values(t) if values is None else values))


def portal_problems(t: Template, out: Rendered, api: str) -> list[str]:
    options = t.send_options()
    options.dialog_id = options.dialog_id or "chat1"
    options.bot_id = options.bot_id or 7
    params = build_send_params(out, options, api)  # type: ignore[arg-type]
    return [f"{p.severity} {p}" for p in validate_params(params, api)]  # type: ignore[arg-type]


def markup(text: str) -> list[tuple[str, str | None]]:
    return [
        (n.name, n.value) if isinstance(n, bbcode.Tag) else (type(n).__name__, None)
        for n in bbcode.walk(bbcode.parse(text))
        if not isinstance(n, bbcode.Text)
    ]


def test_the_library_is_there_in_groups() -> None:
    assert len(NAMES) >= 6
    assert {
        "incident/opened",
        "incident/update",
        "incident/resolved",
        "maintenance/planned",
        "ticket/resolved",
        "escalation",
        "onboarding/welcome",
        "notice/short",
    } <= set(NAMES)
    infos = LIB.list()
    assert all(i.shipped and i.error is None and i.description for i in infos)
    assert len({i.group for i in infos}) >= 4
    assert LIB.partials() == ["partials/header_card.j2", "partials/signature.j2"]


@pytest.mark.parametrize("name", NAMES)
def test_every_variable_is_documented_and_has_a_sample(name: str) -> None:
    for spec in LIB.get(name).declared:
        assert spec.label and spec.help and spec.sample is not None, f"{name}: {spec.name}"


@pytest.mark.parametrize("name", NAMES)
def test_renders_with_samples_and_checks_clean(name: str) -> None:
    t = LIB.get(name)
    assert check_template(t) == []
    out = rendered(name)
    assert out.message.strip()
    for part in ("attach", "keyboard", "menu"):
        assert (getattr(out, part) is None) == (t.parts[part] is None)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("api", ["v1", "v2"])
def test_the_portal_would_accept_it_without_warnings(name: str, api: str) -> None:
    t = LIB.get(name)
    assert portal_problems(t, rendered(name), api) == []


@pytest.mark.parametrize("name", NAMES)
def test_hostile_text_values_change_no_structure(name: str) -> None:
    t = LIB.get(name)
    samples = sample_values(t)
    hostile = dict(samples)
    for spec in t.variables:
        if spec.type in ("text", "multiline") and spec.name in hostile:
            hostile[spec.name] = HOSTILE
    base, out = rendered(name, samples), rendered(name, hostile)
    assert markup(out.message) == markup(base.message)
    for part in ("attach", "keyboard", "menu"):
        assert shape(getattr(out, part)) == shape(getattr(base, part))
    assert not [p for p in portal_problems(t, out, "v1") if p.startswith("error")]


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def test_incident_cards_have_status_rows_and_a_status_link() -> None:
    for name in ("incident/opened", "incident/update", "incident/resolved"):
        attach = rendered(name).attach
        assert attach["COLOR_TOKEN"] in ("primary", "secondary", "alert", "base")
        grid = next(b["GRID"] for b in attach["BLOCKS"] if "GRID" in b)
        assert {row["DISPLAY"] for row in grid} == {"ROW"}
        assert {"Status", "Started"} <= {row["NAME"] for row in grid}
        links = [b["LINK"]["LINK"] for b in attach["BLOCKS"] if "LINK" in b]
        assert "https://status.example.com/incidents/1042" in links


def test_incident_opened_colour_follows_severity() -> None:
    t = LIB.get("incident/opened")
    colours = {
        sev: render(t, parse_values(t, {**sample_values(t), "severity": sev})).attach["COLOR_TOKEN"]
        for sev in ("minor", "major", "critical")
    }
    assert colours == {"minor": "secondary", "major": "primary", "critical": "alert"}


@pytest.mark.parametrize("layout", ["TABLE", "LINE"])
def test_maintenance_loops_the_service_list_into_grid_rows(layout: str) -> None:
    t = LIB.get("maintenance/planned")
    values = {**sample_values(t), "services": "API\nPortal\n\nBilling\nSearch", "layout": layout}
    attach = render(t, parse_values(t, values)).attach
    grids = [b["GRID"] for b in attach["BLOCKS"] if "GRID" in b]
    assert [row["NAME"] for row in grids[1]] == ["API", "Portal", "Billing", "Search"]
    assert {row["DISPLAY"] for grid in grids for row in grid} == {layout}
    assert [row["NAME"] for row in grids[0]] == ["Starts", "Ends", "Duration"]


def test_ticket_rating_keyboard() -> None:
    buttons = rendered("ticket/resolved").keyboard["BUTTONS"]
    commands = [b for b in buttons if "COMMAND" in b]
    assert [(b["COMMAND"], b["COMMAND_PARAMS"]) for b in commands[:3]] == [
        ("rate", "4821 5"),
        ("rate", "4821 3"),
        ("rate", "4821 1"),
    ]
    assert all(b["BG_COLOR_TOKEN"] for b in commands)
    assert {"TYPE": "NEWLINE"} in buttons
    assert any(b.get("LINK") == "https://help.example.com/tickets/4821" for b in buttons)
    t = LIB.get("ticket/resolved")
    no_reopen = render(t, parse_values(t, {**sample_values(t), "allow_reopen": "no"}))
    assert "reopen" not in [b.get("COMMAND") for b in no_reopen.keyboard["BUTTONS"]]


def test_escalation_mentions_the_engineer_safely() -> None:
    t = LIB.get("escalation")
    values = {**sample_values(t), "assignee": "17", "assignee_name": "Eve [/user][user=all]"}
    out = render(t, parse_values(t, values))
    users = [
        (n.value, bbcode.plain_text(n.children))
        for n in bbcode.walk(bbcode.parse(out.message))
        if isinstance(n, bbcode.Tag) and n.name == "user"
    ]
    assert users == [("17", "Eve [/user][user=all]")]


def test_welcome_has_links_and_menu_items() -> None:
    out = rendered("onboarding/welcome")
    assert [
        n.name for n in bbcode.walk(bbcode.parse(out.message)) if isinstance(n, bbcode.Tag)
    ] == [
        "b",
        "user",
        "url",
        "url",
    ]
    actions = {item.get("ACTION") or "LINK" for item in out.menu["ITEMS"]}
    assert actions == {"LINK", "PUT", "DIALOG", "COPY"}


def test_short_notice_is_one_plain_line() -> None:
    t = LIB.get("notice/short")
    assert rendered("notice/short").message == sample_values(t)["text"]
    bold = render(t, parse_values(t, {"text": "Hi", "important": "yes"})).message
    assert bold == "[b]⚠ Hi[/b]"


def test_signature_partial_is_discovered_and_defaults() -> None:
    t = LIB.get("incident/opened")
    team = t.variables[-1]
    assert (team.name, team.declared, team.required) == ("team", False, False)
    assert rendered("incident/opened").message.endswith(
        "[i]Support team · [url=https://help.example.com]help.example.com[/url][/i]"
    )
    values = {**sample_values(t), "team": "Payments on-call"}
    assert "[i]Payments on-call ·" in render(t, parse_values(t, values)).message
