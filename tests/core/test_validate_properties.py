"""Properties: validator and effective_* never raise; sane drafts build into error-free params."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.core.models import Problem, Rendered, SendOptions
from b24notify.core.payload import (
    build_send_params,
    effective_attach,
    effective_keyboard,
    effective_menu,
    has_errors,
    normalize_part,
    part_size,
    validate_params,
)
from b24notify.core.payload_common import php_empty

FAST = settings(max_examples=200, deadline=None)

# Keys the code looks for, so generated objects reach the deep branches too.
KNOWN_KEYS = [
    "BLOCKS", "BUTTONS", "ITEMS", "MESSAGE", "GRID", "USER", "LINK", "RICH_LINK", "IMAGE",
    "FILE", "DELIMITER", "NAME", "VALUE", "DISPLAY", "COLOR", "COLOR_TOKEN", "TEXT", "TYPE",
    "COMMAND", "ACTION", "ACTION_VALUE", "APP_ID", "FUNCTION", "WIDTH", "SIZE", "BOT_ID",
    "DIALOG_ID", "CLIENT_ID", "SYSTEM", "URL_PREVIEW", "FROM_USER_ID", "TO_USER_ID", "ATTACH",
    "KEYBOARD", "MENU", "botId", "dialogId", "fields", "message", "attach", "keyboard",
    "system", "replyId", "AS_DESCRIPTION", "COLORS",
]  # fmt: skip
KEYS = st.sampled_from(KNOWN_KEYS) | st.text(max_size=6)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["Y", "N", "ROW", "NEWLINE", "/x", "https://x", "#fff", "0", "chat1"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


def well_formed(problems: list[Problem]) -> None:
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.severity in ("error", "warning")
        assert problem.code and problem.path and problem.message
        assert problem.code.startswith("W_") == (problem.severity == "warning")


@FAST
@given(params=st.dictionaries(KEYS, JSON, max_size=8), api=st.sampled_from(["v1", "v2"]))
def test_validate_never_raises_on_any_params(params: dict[str, Any], api: Any) -> None:
    for auth in (None, "webhook", "oauth"):
        well_formed(validate_params(params, api, auth=auth))


@FAST
@given(value=JSON)
def test_validate_never_raises_on_any_top_level_value(value: Any) -> None:
    well_formed(validate_params(value, "v1"))
    well_formed(validate_params(value, "v2"))


@FAST
@given(value=JSON | st.text(), key=st.sampled_from(["ATTACH", "KEYBOARD", "MENU"]))
def test_any_value_in_any_part(value: Any, key: str) -> None:
    well_formed(validate_params({"DIALOG_ID": "1", "MESSAGE": "x", key: value}, "v1"))
    fields = {"message": "x", key.lower(): value}
    well_formed(validate_params({"botId": 1, "dialogId": "1", "fields": fields}, "v2"))


@FAST
@given(text=st.text())
def test_arbitrary_strings_as_parts(text: str) -> None:
    for key in ("ATTACH", "KEYBOARD", "MENU"):
        well_formed(validate_params({"DIALOG_ID": "1", "MESSAGE": "x", key: text}, "v1"))
    assert effective_attach(text) is None or "BLOCKS" in effective_attach(text)  # type: ignore[operator]
    part_size(text)
    normalize_part(text)


@FAST
@given(value=JSON | st.text(), bot_id=st.none() | st.integers(min_value=-1, max_value=9))
def test_effective_parts_never_raise_and_agree_with_the_validator(
    value: Any, bot_id: int | None
) -> None:
    attach = effective_attach(value)
    keyboard = effective_keyboard(value, bot_id=bot_id)
    menu = effective_menu(value, bot_id=bot_id)
    if attach is not None:
        assert attach["BLOCKS"] and all(len(block) == 1 for block in attach["BLOCKS"])
    for kept in (keyboard, menu):
        assert kept is None or (isinstance(kept, list) and kept)
    # Nothing kept exactly when the portal ignores the part or rejects it.
    problems = validate_params({"DIALOG_ID": "1", "MESSAGE": "x", "ATTACH": value}, "v1")
    rejected = any(p.code == "ATTACH_ERROR" for p in problems)
    assert (attach is None) == (php_empty(value) or rejected)


# ---- build → validate: a sane draft has no error -----------------------------------------

# Text the portal keeps: PHP's trim() also strips NUL and vertical tab, and "0" is empty().
WORDS = st.text(min_size=1, max_size=30).filter(lambda s: s.strip(" \t\n\r\0\x0b") not in ("", "0"))
URLS = st.builds(lambda path: "https://example.com/" + path, st.text("abc/-_", max_size=10))
HEX = st.sampled_from(["#fff", "#29619B", "#c6c6c6"])


@st.composite
def grids(draw: st.DrawFn) -> dict[str, Any]:
    mode = draw(st.sampled_from(["BLOCK", "LINE", "ROW", "TABLE"]))
    item = st.fixed_dictionaries(
        {"DISPLAY": st.just(mode), "NAME": WORDS},
        optional={"VALUE": WORDS, "LINK": URLS, "COLOR": HEX, "WIDTH": st.integers(1, 500)},
    )
    return {"GRID": draw(st.lists(item, min_size=1, max_size=4))}


BLOCK = st.one_of(
    st.builds(lambda t: {"MESSAGE": t}, WORDS),
    grids(),
    st.builds(lambda n, u: {"USER": {"NAME": n, "LINK": u}}, WORDS, URLS),
    st.builds(lambda n, u: {"LINK": {"NAME": n, "LINK": u}}, WORDS, URLS),
    st.builds(lambda u: {"IMAGE": [{"LINK": u}]}, URLS),
    st.builds(lambda n, u: {"FILE": {"NAME": n, "LINK": u, "SIZE": 10}}, WORDS, URLS),
    st.builds(lambda c: {"DELIMITER": {"SIZE": 200, "COLOR": c}}, HEX),
)
ATTACH = st.lists(BLOCK, min_size=1, max_size=5).flatmap(
    lambda blocks: st.sampled_from(
        [blocks, {"BLOCKS": blocks}, {"BLOCKS": blocks, "COLOR_TOKEN": "primary"}]
    )
)
ACTION = st.one_of(
    st.builds(lambda u: {"LINK": u}, URLS),
    st.builds(lambda c: {"COMMAND": c}, WORDS.filter(lambda s: isinstance(s, str))),
    st.builds(
        lambda a, v: {"ACTION": a, "ACTION_VALUE": v},
        st.sampled_from(["PUT", "SEND", "COPY", "CALL", "DIALOG"]),
        WORDS,
    ),
)
BUTTON = st.builds(lambda text, action: {"TEXT": text, **action}, WORDS, ACTION)
BUTTONS = st.lists(BUTTON | st.just({"TYPE": "NEWLINE"}), max_size=4).map(
    lambda rest: [{"TEXT": "First", "LINK": "/first"}, *rest]
)
DIALOGS = st.integers(1, 10**6).map(str) | st.integers(1, 10**6).map(lambda n: f"chat{n}")


@FAST
@given(
    message=WORDS,
    attach=st.none() | ATTACH,
    keyboard=st.none() | BUTTONS,
    menu=st.none() | BUTTONS.map(lambda bs: [b for b in bs if "TYPE" not in b]),
    dialog=DIALOGS,
    bot_id=st.integers(1, 10**6),
    flags=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    api=st.sampled_from(["v1", "v2"]),
)
def test_sane_drafts_build_into_params_without_errors(
    message: str,
    attach: Any,
    keyboard: Any,
    menu: Any,
    dialog: str,
    bot_id: int,
    flags: tuple[bool, bool, bool],
    api: Any,
) -> None:
    rendered = Rendered(message=message, attach=attach, keyboard=keyboard, menu=menu)
    system, url_preview, skip = flags
    options = SendOptions(
        dialog_id=dialog, bot_id=bot_id, system=system, url_preview=url_preview,
        skip_connector=skip,
    )  # fmt: skip
    params = build_send_params(rendered, options, api, client_id="cid", bot_token="tok")
    problems = validate_params(params, api, auth="webhook")
    assert not has_errors(problems), problems
    assert effective_attach(attach) is None if attach is None else effective_attach(attach)


SECRET = "S3CRET-9f2c-token"


@FAST
@given(params=st.dictionaries(KEYS, JSON, max_size=6), api=st.sampled_from(["v1", "v2"]))
def test_secrets_never_reach_a_message(params: dict[str, Any], api: Any) -> None:
    for key in ("CLIENT_ID", "client_id", "botToken", "auth", "AUTH"):
        params[key] = SECRET
    fields = params.get("fields")
    if isinstance(fields, dict):
        fields["botToken"] = SECRET
    for auth in (None, "webhook", "oauth"):
        for problem in validate_params(params, api, auth=auth):
            assert SECRET not in problem.message and SECRET not in problem.path
