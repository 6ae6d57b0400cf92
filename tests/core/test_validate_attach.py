"""ATTACH as the portal reads it: silent drops as warnings with paths, root forms, what is kept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from b24notify.core.models import Problem
from b24notify.core.payload import effective_attach, normalize_part, validate_params

MSG = {"MESSAGE": "Still here"}


def attach_problems(value: Any) -> list[Problem]:
    params = {"DIALOG_ID": "1", "MESSAGE": "Hi", "ATTACH": value}
    return [p for p in validate_params(params, "v1") if p.path.startswith("ATTACH")]


def grid(*items: Any) -> list[dict[str, Any]]:
    return [{"GRID": list(items)}]


WARNING_CASES = [
    # root of the full form
    ({"COLOR": "red", "BLOCKS": [MSG]}, "W_COLOR_INVALID", "ATTACH.COLOR", "random colour"),
    ({"COLOR_TOKEN": "pink", "BLOCKS": [MSG]}, "W_COLOR_TOKEN", "ATTACH.COLOR_TOKEN", "base"),
    ({"BLOCKS": [MSG], "TITLE": "x"}, "W_UNKNOWN_KEY", "ATTACH.TITLE", "ignores"),
    ({"BLOCKS": [MSG], "color": "#fff"}, "W_UNKNOWN_KEY", "ATTACH.color", "use COLOR"),
    # GRID
    (grid({"NAME": "a", "VALUE": "b"}), "W_GRID_DISPLAY", "ATTACH[0].GRID[0].DISPLAY", "BLOCK"),
    (
        grid({"NAME": "a", "DISPLAY": "WIDE"}),
        "W_GRID_DISPLAY",
        "ATTACH[0].GRID[0].DISPLAY",
        '"WIDE" is not BLOCK, LINE, ROW or TABLE',
    ),
    (
        grid({"NAME": "a", "DISPLAY": "COLUMN"}),
        "W_GRID_DISPLAY_LEGACY",
        "ATTACH[0].GRID[0].DISPLAY",
        "as ROW",
    ),
    (
        grid({"NAME": "a", "DISPLAY": "CARD"}),
        "W_GRID_DISPLAY_LEGACY",
        "ATTACH[0].GRID[0].DISPLAY",
        "as LINE",
    ),
    (
        {"BLOCKS": [MSG, *grid({"NAME": "a", "DISPLAY": "ROW"}, {"NAME": "b", "DISPLAY": "LINE"})]},
        "W_GRID_MIXED_DISPLAY",
        "ATTACH.BLOCKS[1].GRID",
        "ROW, LINE",
    ),
    (
        grid({"NAME": "a", "DISPLAY": "ROW"}, {"NAME": " ", "VALUE": "", "DISPLAY": "ROW"}),
        "W_GRID_ITEM_EMPTY",
        "ATTACH[0].GRID[1]",
        "skips",
    ),
    (
        grid({"NAME": "a", "DISPLAY": "ROW", "LINK": "ftp://x"}),
        "W_LINK_INVALID",
        "ATTACH[0].GRID[0].LINK",
        "item stays",
    ),
    (
        grid({"NAME": "a", "DISPLAY": "ROW", "COLOR": "#12"}),
        "W_COLOR_INVALID",
        "ATTACH[0].GRID[0].COLOR",
        "ignores",
    ),
    (
        grid({"NAME": "a", "DISPLAY": "ROW", "COLOR_TOKEN": "red"}),
        "W_COLOR_TOKEN",
        "ATTACH[0].GRID[0].COLOR_TOKEN",
        "base",
    ),
    (
        grid({"NAME": "a", "DISPLAY": "ROW", "WIDTH": "wide"}),
        "W_VALUE_IGNORED",
        "ATTACH[0].GRID[0].WIDTH",
        "positive",
    ),
    (
        grid({"name": "a", "DISPLAY": "LINE"}),
        "W_UNKNOWN_KEY",
        "ATTACH[0].GRID[0].name",
        "use NAME",
    ),
    (grid("text", {"NAME": "a", "DISPLAY": "ROW"}), "W_ITEM_NOT_OBJECT", "ATTACH[0].GRID[0]", ""),
    ([{"GRID": {"NAME": "a", "DISPLAY": "ROW"}}, MSG], "W_VALUE_TYPE", "ATTACH[0].GRID", "[ ]"),
    ([{"GRID": [{"NAME": " ", "DISPLAY": "ROW"}]}, MSG], "W_BLOCK_EMPTY", "ATTACH[0].GRID", ""),
    (
        grid({"NAME": "a", "DISPLAY": "ROW", "VALUE": "[color=#f00]hot[/color]"}),
        "W_BB_ATTACH_TAG",
        "ATTACH[0].GRID[0].VALUE",
        "[color]",
    ),
    # MESSAGE
    ([{"MESSAGE": "  \n"}, MSG], "W_MESSAGE_BLOCK_EMPTY", "ATTACH[0].MESSAGE", "drops"),
    ([{"MESSAGE": ["x"]}, MSG], "W_VALUE_TYPE", "ATTACH[0].MESSAGE", "not text"),
    ([{"MESSAGE": "[b]bold"}], "W_BB_UNCLOSED", "ATTACH[0].MESSAGE", "[/b]"),
    ([{"MESSAGE": {"TEXT": "[size=40]x[/size]"}}], "W_BB_SIZE", "ATTACH[0].MESSAGE.TEXT", ""),
    # USER
    ([{"USER": {"AVATAR": "https://x/a.png"}}, MSG], "W_USER_NO_NAME", "ATTACH[0].USER", "drops"),
    ([{"USER": {"NAME": "Ann", "LINK": "mailto:a"}}], "W_LINK_INVALID", "ATTACH[0].USER.LINK", ""),
    ([{"USER": {"NAME": "Ann", "AVATAR": "a.png"}}], "W_LINK_INVALID", "ATTACH[0].USER.AVATAR", ""),
    (
        [{"USER": {"NAME": "Ann", "AVATAR_TYPE": "ROBOT"}}],
        "W_VALUE_IGNORED",
        "ATTACH[0].USER.AVATAR_TYPE",
        "USER, CHAT or BOT",
    ),
    ([{"USER": [{"NAME": "Ann"}, "Bob"]}], "W_ITEM_NOT_OBJECT", "ATTACH[0].USER[1]", "drops"),
    # LINK / RICH_LINK / IMAGE / FILE
    ([{"LINK": {"NAME": "Site"}}, MSG], "W_LINK_MISSING", "ATTACH[0].LINK", "drops"),
    ([{"LINK": {"LINK": "www.x.com"}}, MSG], "W_LINK_INVALID", "ATTACH[0].LINK.LINK", "this LINK"),
    (
        [{"LINK": {"LINK": "/a", "PREVIEW": "data:x"}}],
        "W_LINK_INVALID",
        "ATTACH[0].LINK.PREVIEW",
        "without a preview",
    ),
    ([{"RICH_LINK": {"NAME": "x"}}, MSG], "W_LINK_MISSING", "ATTACH[0].RICH_LINK", "drops"),
    ([{"IMAGE": {"NAME": "x"}}, MSG], "W_LINK_MISSING", "ATTACH[0].IMAGE", "drops it"),
    ([{"IMAGE": {"link": "https://x"}}, MSG], "W_UNKNOWN_KEY", "ATTACH[0].IMAGE.link", "use LINK"),
    (
        [{"IMAGE": [{"LINK": "javascript:alert(1)"}]}, MSG],
        "W_LINK_INVALID",
        "ATTACH[0].IMAGE[0].LINK",
        "drops this IMAGE",
    ),
    ([{"IMAGE": [{"LINK": "ftp://x"}]}, MSG], "W_BLOCK_EMPTY", "ATTACH[0].IMAGE", "drops it"),
    ([{"IMAGE": "https://x/a.png"}, MSG], "W_VALUE_TYPE", "ATTACH[0].IMAGE", "drops the block"),
    ([{"FILE": {"NAME": "a.pdf"}}, MSG], "W_LINK_MISSING", "ATTACH[0].FILE", "drops"),
    (
        [{"FILE": {"LINK": "/f", "SIZE": -1}}],
        "W_VALUE_IGNORED",
        "ATTACH[0].FILE.SIZE",
        "ignores",
    ),
    # DELIMITER
    ([{"DELIMITER": {"SIZE": 0}}, MSG], "W_VALUE_IGNORED", "ATTACH[0].DELIMITER.SIZE", "200"),
    ([{"DELIMITER": {"COLOR": "grey"}}], "W_COLOR_INVALID", "ATTACH[0].DELIMITER.COLOR", ""),
    # block shapes
    ([{"HTML": "<b>x</b>"}, MSG], "W_BLOCK_UNKNOWN", "ATTACH[0]", "HTML blocks"),
    ([{"message": "x"}, MSG], "W_BLOCK_UNKNOWN", "ATTACH[0]", "use MESSAGE"),
    ([{"TABLE": []}, MSG], "W_BLOCK_UNKNOWN", "ATTACH[0]", "known types"),
    ([{}, MSG], "W_BLOCK_UNKNOWN", "ATTACH[0]", "empty"),
    ([{"MESSAGE": "a", "GRID": []}], "W_BLOCK_MANY_KEYS", "ATTACH[0]", "only MESSAGE"),
    ([{"GRID": [{"NAME": "a"}], "USER": {"NAME": "u"}}], "W_BLOCK_MANY_KEYS", "ATTACH[0]", "USER"),
    (["just text", MSG], "W_BLOCK_NOT_OBJECT", "ATTACH[0]", "ignores"),
    ({"MESSAGE": "one block, no list"}, "W_PART_SHAPE", "ATTACH", 'under "BLOCKS"'),
    ({"BLOCKS": {"MESSAGE": "x"}}, "W_BLOCK_NOT_OBJECT", "ATTACH.BLOCKS[MESSAGE]", ""),
    ({"BLOCKS": 5}, "W_VALUE_TYPE", "ATTACH.BLOCKS", "not a list"),
]


@pytest.mark.parametrize(("value", "code", "path", "fragment"), WARNING_CASES)
def test_attach_warnings(value: Any, code: str, path: str, fragment: str) -> None:
    problems = attach_problems(value)
    hits = [p for p in problems if (p.code, p.path) == (code, path)]
    assert hits, problems
    assert all(p.severity == "warning" for p in hits)
    assert any(fragment in p.message for p in hits), hits


# Examples transcribed from the Bitrix24 docs (bitrix24-api.md §3.4): all clean.
DOC_EXAMPLES = [
    {
        "ID": 1,
        "COLOR_TOKEN": "primary",
        "COLOR": "#29619b",
        "BLOCKS": [{"MESSAGE": "The API will be available in the update [B]im 24.0.0[/B]"}],
    },
    [{"MESSAGE": "The API will be available in the update [B]im 24.0.0[/B]"}],
    {
        "BLOCKS": [
            {"MESSAGE": "Request #142"},
            {"DELIMITER": {"SIZE": 200, "COLOR": "#c6c6c6"}},
            {"GRID": [{"DISPLAY": "ROW", "NAME": "Status", "VALUE": "In progress"}]},
            {"LINK": {"NAME": "Open the request", "LINK": "/crm/deal/details/142/"}},
        ]
    },
    {
        "ID": 1,
        "COLOR": "#29619b",
        "BLOCKS": [
            {"MESSAGE": "Colleagues, the update im 16.0.0 is ready."},
            {"IMAGE": {"LINK": "https://files.example.com/win.jpg"}},
        ],
    },
    [
        {
            "LINK": {
                "PREVIEW": "https://example.com/logo.png",
                "WIDTH": 1000,
                "HEIGHT": 638,
                "NAME": 'Ticket #12345: New API for the "Web Messenger" Module',
                "DESC": "Must be implemented by the release!",
                "LINK": "https://api.bitrix24.com/",
            }
        },
        {"USER": {"NAME": "John Smith", "AVATAR": "https://x/a.png", "LINK": "https://x"}},
        {"FILE": [{"NAME": "mantis.jpg", "LINK": "https://x/mantis.jpg", "SIZE": 1500000}]},
        {
            "GRID": [
                {
                    "NAME": "Priority",
                    "VALUE": "High",
                    "COLOR_TOKEN": "alert",
                    "COLOR": "#ff0000",
                    "DISPLAY": "LINE",
                    "WIDTH": 250,
                },
                {"NAME": "Category", "VALUE": "Requests", "DISPLAY": "LINE"},
            ]
        },
        {"GRID": [{"NAME": "Project", "VALUE": "BUGS", "DISPLAY": "TABLE"}]},
    ],
]


@pytest.mark.parametrize("value", DOC_EXAMPLES)
def test_doc_examples_are_clean(value: Any) -> None:
    assert attach_problems(value) == []
    assert attach_problems(json.dumps(value)) == []


def test_doc_task_card_mixes_display_modes() -> None:
    # The docs' own "task card" mixes LINE and BLOCK in one GRID, which they advise against.
    card = [
        {"GRID": [
            {"NAME": "Project", "VALUE": "BUGS", "DISPLAY": "LINE", "WIDTH": 100},
            {"NAME": "Summary", "VALUE": "It is necessary to ...", "DISPLAY": "BLOCK"},
        ]}
    ]  # fmt: skip
    assert [(p.code, p.path) for p in attach_problems(card)] == [
        ("W_GRID_MIXED_DISPLAY", "ATTACH[0].GRID")
    ]


# ---- root forms ------------------------------------------------------------------------

BLOCKS = [{"MESSAGE": "Hi"}, {"GRID": [{"NAME": "A", "VALUE": "1", "DISPLAY": "ROW"}]}]


@pytest.mark.parametrize(
    ("value", "form"),
    [
        ({"BLOCKS": BLOCKS, "COLOR": "#fff"}, "full"),
        (BLOCKS, "short"),
        (json.dumps({"BLOCKS": BLOCKS}), "json_full"),
        (json.dumps(BLOCKS), "json_short"),
        ({"0": BLOCKS[0], "1": BLOCKS[1]}, "short"),  # PHP bracket arrays arrive keyed "0", "1"
    ],
)
def test_root_forms_read_the_same_blocks(value: Any, form: str) -> None:
    assert normalize_part(value, "attach") == (form, BLOCKS)
    assert normalize_part(value) == (form, BLOCKS)
    kept = effective_attach(value)
    assert kept is not None and kept["BLOCKS"] == BLOCKS


@pytest.mark.parametrize(
    ("value", "form"),
    [(None, "none"), ([], "none"), ("", "none"), ({}, "none"), ("{", "invalid"), (7, "invalid")],
)
def test_root_forms_without_blocks(value: Any, form: str) -> None:
    assert normalize_part(value, "attach") == (form, [])
    assert effective_attach(value) is None


def test_normalize_part_finds_the_root_key_without_a_kind() -> None:
    assert normalize_part({"BUTTONS": [{"TEXT": "a"}]}) == ("full", [{"TEXT": "a"}])
    assert normalize_part('{"ITEMS": [1]}') == ("json_full", [1])


# ---- what the portal keeps ------------------------------------------------------------------


def test_effective_attach_keeps_exactly_what_the_portal_keeps() -> None:
    value = {
        "ID": "12",
        "COLOR": "TRANSPARENT",
        "COLOR_TOKEN": "nope",
        "BLOCKS": [
            {"MESSAGE": "  Line one#BR#line two  "},
            {"MESSAGE": "   "},
            {"USER": [{"NAME": "Ann\nLee", "USER_ID": "5"}, {"NAME": ""}, {"NAME": "Bob"}]},
            {"GRID": [
                {"NAME": "A", "VALUE": " 1 ", "DISPLAY": "COLUMN", "WIDTH": "80px"},
                {"NAME": "", "VALUE": "", "DISPLAY": "ROW"},
                {"NAME": "", "VALUE": "", "DISPLAY": "LINE"},
                {"NAME": "C", "DISPLAY": "weird", "LINK": "javascript:x", "COLOR": "#abc"},
            ]},
            {"IMAGE": [{"LINK": "ftp://x"}, {"LINK": "/img.png", "NAME": " pic ", "WIDTH": 0}]},
            {"FILE": {"LINK": "https://f/a.pdf", "NAME": "a\n.pdf", "SIZE": "2048"}},
            {"LINK": {"LINK": "/x", "NAME": "X", "HTML": "<b>", "PREVIEW": "https://p"}},
            {"DELIMITER": True},
            {"MESSAGE": {"TEXT": "Summary", "AS_DESCRIPTION": "Y"}},
            {"HTML": "<i>dropped</i>"},
        ],
    }  # fmt: skip
    assert effective_attach(value) == {
        "ID": 12,
        "COLOR": "transparent",
        "BLOCKS": [
            {"MESSAGE": "Line one[BR]line two"},
            {"USER": [{"NAME": "Ann Lee", "AVATAR_TYPE": "USER", "USER_ID": 5}]},
            {"USER": [{"NAME": "Bob", "AVATAR_TYPE": "USER"}]},
            {"GRID": [
                {"DISPLAY": "ROW", "NAME": "A", "VALUE": "1", "WIDTH": 80},
                {"DISPLAY": "LINE", "NAME": "", "VALUE": ""},
                {"DISPLAY": "BLOCK", "NAME": "C", "VALUE": "", "COLOR": "#abc"},
            ]},
            {"IMAGE": [{"NAME": "pic", "LINK": "/img.png"}]},
            {"FILE": [{"LINK": "https://f/a.pdf", "NAME": "a .pdf", "SIZE": 2048}]},
            {"LINK": [{"NAME": "X", "LINK": "/x", "HTML": "<b>"}]},
            {"DELIMITER": {"SIZE": 200}},
            {"MESSAGE": "Summary"},
        ],
        "DESCRIPTION": "Summary",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("color", "kept"),
    [("#29619b", "#29619b"), ("#ABC", "#ABC"), ("TRANSPARENT", "transparent"), ("CHAT", None),
     ("#12345", None), ("29619b", None), ("#29619b ", None)],
)  # fmt: skip
def test_root_colour(color: str, kept: str | None) -> None:
    result = effective_attach({"COLOR": color, "BLOCKS": [MSG]})
    assert result is not None and result.get("COLOR") == kept


def test_link_block_by_user_id_needs_no_url() -> None:
    kept = effective_attach([{"LINK": {"USER_ID": 3, "NAME": "Profile"}}])
    assert kept == {"BLOCKS": [{"LINK": [{"USER_ID": 3, "NAME": "Profile"}]}]}
    assert effective_attach([{"LINK": {"USER_ID": 3}}]) is None  # NAME is then required


@pytest.mark.parametrize(
    "link", ["https://a.example", "http://a.example/x?y=1", "/crm/deal/1/", "//cdn.example/x"]
)
def test_links_the_portal_accepts(link: str) -> None:
    assert effective_attach([{"IMAGE": {"LINK": link}}]) is not None


@pytest.mark.parametrize(
    "link", ["HTTPS://a.example", "ftp://a", "mailto:a@b", "www.a.example", "a/b", "", 5, ["/x"]]
)
def test_links_the_portal_drops(link: Any) -> None:
    assert effective_attach([{"IMAGE": {"LINK": link}}]) is None
