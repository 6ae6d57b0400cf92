"""The BB-code parser, plain text, lint and escaping: tables for rules, properties for input."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b24notify.core.bbcode import (
    MAX_DEPTH,
    ZWSP,
    LineBreak,
    Node,
    QuoteLine,
    Tag,
    Text,
    escape,
    lint,
    parse,
    parse_attrs,
    plain_text,
    unparse,
    walk,
)

DASHES = "-" * 54

# ---- trees ------------------------------------------------------------------------

TREES: list[tuple[str, list[Node]]] = [
    ("plain text", [Text("plain text")]),
    ("", []),
    ("[b]x[/b]", [Tag("b", children=[Text("x")])]),
    ("[i]x[/i]", [Tag("i", children=[Text("x")])]),
    ("[u]x[/u]", [Tag("u", children=[Text("x")])]),
    ("[s]x[/s]", [Tag("s", children=[Text("x")])]),
    ("[B]x[/b]", [Tag("b", children=[Text("x")])]),
    ("[Url=/a]x[/URL]", [Tag("url", "/a", children=[Text("x")])]),
    ("[size=14]x[/size]", [Tag("size", "14", children=[Text("x")])]),
    ("[color=#ff0000]x[/color]", [Tag("color", "#ff0000", children=[Text("x")])]),
    ("[url]https://a.b/c[/url]", [Tag("url", None, children=[Text("https://a.b/c")])]),
    (
        "[url=https://a.b/?q=1&r=2]see [b]this[/b][/url]",
        [
            Tag(
                "url",
                "https://a.b/?q=1&r=2",
                children=[Text("see "), Tag("b", children=[Text("this")])],
            )
        ],
    ),
    ("[user=12]Bob[/user]", [Tag("user", "12", children=[Text("Bob")])]),
    ("[user=all]everyone[/user]", [Tag("user", "all", children=[Text("everyone")])]),
    ("[chat=34]room[/chat]", [Tag("chat", "34", children=[Text("room")])]),
    ("[chat=imol|56]line[/chat]", [Tag("chat", "imol|56", children=[Text("line")])]),
    ("[context=chat123/456]msg[/context]", [Tag("context", "chat123/456", children=[Text("msg")])]),
    ("[code][b]x[/b] #BR#\n>>y[/code]", [Tag("code", children=[Text("[b]x[/b] #BR#\n>>y")])]),
    ("[CODE]a[/Code]", [Tag("code", children=[Text("a")])]),
    (
        "[img size=medium]https://a.b/c.png [/img]",
        [Tag("img", attrs={"size": "medium"}, children=[Text("https://a.b/c.png ")])],
    ),
    (
        "[icon=https://a.b/i.png size=20 title=Two words width=40 height=30]",
        [
            Tag(
                "icon",
                "https://a.b/i.png",
                {"size": "20", "title": "Two words", "width": "40", "height": "30"},
            )
        ],
    ),
    (
        '[icon=https://a.b/i.png title="quoted title"]',
        [Tag("icon", "https://a.b/i.png", {"title": "quoted title"})],
    ),
    ("[put=/search ]Search[/put]", [Tag("put", "/search ", children=[Text("Search")])]),
    ("[send=Yes please]Yes[/send]", [Tag("send", "Yes please", children=[Text("Yes")])]),
    ("[call=+19990001122]Call[/call]", [Tag("call", "+19990001122", children=[Text("Call")])]),
    ("[call]+19990001122[/call]", [Tag("call", None, children=[Text("+19990001122")])]),
    (
        "[timestamp=1728626400 format=SHORT_TIME_FORMAT]",
        [Tag("timestamp", "1728626400", {"format": "SHORT_TIME_FORMAT"})],
    ),
    ("[disk=77]", [Tag("disk", "77")]),
    ("a[br]b", [Text("a"), LineBreak("[br]"), Text("b")]),
    ("a[BR]b", [Text("a"), LineBreak("[BR]"), Text("b")]),
    ("a#BR#b#br#c", [Text("a"), LineBreak("#BR#"), Text("b"), LineBreak("#br#"), Text("c")]),
    (">>quoted", [QuoteLine([Text("quoted")])]),
    (
        "x\n  >>[b]q[/b]\ny",
        [Text("x\n"), QuoteLine([Tag("b", children=[Text("q")])]), Text("\ny")],
    ),
    ("a >> b", [Text("a >> b")]),
    (
        f"{DASHES}\nJohn Doe [08.04.2016 13:06:49]\nhello [b]there[/b]\n{DASHES}\nafter",
        [
            Tag(
                "quote",
                attrs={"author": "John Doe", "date": "08.04.2016 13:06:49"},
                children=[Text("hello "), Tag("b", children=[Text("there")])],
            ),
            Text("\nafter"),
        ],
    ),
    (
        f"{DASHES}\njust text\n>>inner\n{DASHES}",
        [Tag("quote", children=[Text("just text\n"), QuoteLine([Text("inner")])])],
    ),
    (f"{DASHES}\n{DASHES}", [Tag("quote")]),
    (
        "[b][i][u]deep[/u][/i][/b]",
        [Tag("b", children=[Tag("i", children=[Tag("u", children=[Text("deep")])])])],
    ),
]


@pytest.mark.parametrize(("source", "tree"), TREES, ids=[t[0][:40] for t in TREES])
def test_parse_tree(source: str, tree: list[Node]) -> None:
    nodes = parse(source)
    assert nodes == tree
    assert unparse(nodes) == source


TOLERANT: list[tuple[str, list[Node]]] = [
    ("[unknown]x[/unknown]", [Text("[unknown]x[/unknown]")]),
    ("stray[/b] closer", [Text("stray[/b] closer")]),
    ("[b]never closed", [Tag("b", children=[Text("never closed")], closed=False)]),
    (
        "[b][i]x[/b][/i]",
        [Tag("b", children=[Tag("i", children=[Text("x")], closed=False)]), Text("[/i]")],
    ),
    ("[code]raw [b]to the end", [Tag("code", children=[Text("raw [b]to the end")], closed=False)]),
    ("[b x]y[/b]", [Text("[b x]y[/b]")]),
    ("[size]x[/size]", [Text("[size]x[/size]")]),
    ("[user]Bob[/user]", [Text("[user]Bob[/user]")]),
    ("[icon]", [Text("[icon]")]),
    ("[img=https://a.b/c.png]", [Text("[img=https://a.b/c.png]")]),
    ("[br x]", [Text("[br x]")]),
    ("[/br]", [Text("[/br]")]),
    ("[b", [Text("[b")]),
    ("[b\n]x", [Text("[b\n]x")]),
    ("[ b]x[/b]", [Text("[ b]x[/b]")]),
    ("[x=#BR#]", [Text("[x="), LineBreak("#BR#"), Text("]")]),
    ("[" + ZWSP + "b]x[" + ZWSP + "/b]", [Text("[" + ZWSP + "b]x[" + ZWSP + "/b]")]),
    (">" + ZWSP + ">not a quote", [Text(">" + ZWSP + ">not a quote")]),
    ("#" + ZWSP + "BR#", [Text("#" + ZWSP + "BR#")]),
    (f"{DASHES}\nno closing line", [Text(f"{DASHES}\nno closing line")]),
    ("---\nshort\n---", [Text("---\nshort\n---")]),
    (
        ">>[b]quote\nrest[/b]",
        [
            QuoteLine([Tag("b", children=[Text("quote")], closed=False)]),
            Text("\nrest[/b]"),
        ],
    ),
    ("[url=]x[/url]", [Tag("url", "", children=[Text("x")])]),
]


@pytest.mark.parametrize(("source", "tree"), TOLERANT, ids=[t[0][:40] for t in TOLERANT])
def test_parse_is_tolerant(source: str, tree: list[Node]) -> None:
    nodes = parse(source)
    assert nodes == tree
    assert unparse(nodes) == source


def test_positions_point_into_the_source() -> None:
    source = "ab [b]cd [url=/x]ef[/url][/b] #BR# [icon=/i.png]"
    for node in walk(parse(source)):
        if isinstance(node, Tag):
            assert source[node.start : node.end] == unparse([node])
            assert source.startswith(node.raw, node.start)
        elif isinstance(node, Text):
            assert source.startswith(node.text, node.start)
        elif isinstance(node, LineBreak):
            assert source.startswith(node.raw, node.start)


def test_nesting_deeper_than_the_limit_stays_text() -> None:
    source = "[b]" * (MAX_DEPTH + 5) + "x"
    depth, nodes = 0, parse(source)
    while nodes and isinstance(nodes[0], Tag):
        depth, nodes = depth + 1, nodes[0].children
    assert depth == MAX_DEPTH
    assert nodes == [Text("[b]" * 5 + "x")]


def test_unclosed_tag_is_closed_by_its_parent() -> None:
    (outer,) = parse("[url=/a][b]x[/url]")
    assert isinstance(outer, Tag) and outer.closed
    (inner,) = outer.children
    assert isinstance(inner, Tag) and not inner.closed


@pytest.mark.parametrize(
    ("text", "attrs", "stray"),
    [
        ("size=20", {"size": "20"}, []),
        ("  size=20   title=a b c ", {"size": "20", "title": "a b c"}, []),
        ('title="x y" size=1', {"title": "x y", "size": "1"}, []),
        ("b.png size=20", {"size": "20"}, ["b.png"]),
        ("SIZE=1 size=2", {"size": "1"}, []),
        ("", {}, []),
    ],
)
def test_parse_attrs(text: str, attrs: dict[str, str], stray: list[str]) -> None:
    assert parse_attrs(text) == (attrs, stray)


def test_parses_a_long_message_in_a_few_milliseconds() -> None:
    unit = "Hi [b]there[/b], see [url=https://example.com/x]this[/url] [user=12]Bob[/user]\n"
    unit += ">>a quote #BR# with [i]style[/i] and some ordinary words in between\n"
    source = (unit * 200)[:20_000]
    parse(source)  # warm up regex caches
    best = min(_timed(parse, source) for _ in range(5))
    assert best < 0.05, f"parsing 20,000 characters took {best * 1000:.1f} ms"


def _timed(fn: Callable[[str], object], arg: str) -> float:
    start = time.perf_counter()
    fn(arg)
    return time.perf_counter() - start


# ---- plain text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "plain"),
    [
        ("[b]Hello[/b], [i]world[/i]", "Hello, world"),
        ("one[br]two#BR#three", "one\ntwo\nthree"),
        ("[url=https://a.b]label[/url]", "label"),
        ("[url=https://a.b][/url]", "https://a.b"),
        ("[url]https://a.b[/url]", "https://a.b"),
        ("[user=1]Bob[/user] [chat=2]Ops[/chat]", "Bob Ops"),
        ("[send=yes]Yes[/send] [put=/x]Put[/put] [call=+1]Call[/call]", "Yes Put Call"),
        ("[call=+1999][/call]", "+1999"),
        ("[code]a [b]b[/b][/code]", "a [b]b[/b]"),
        ("[img size=small]https://a.b/c.png [/img]", "https://a.b/c.png"),
        ("[icon=https://a.b/i.png title=Star]!", "Star!"),
        ("[timestamp=0]", "1970-01-01 00:00 UTC"),
        ("[timestamp=soon]", "soon"),
        ("[disk=5]", "(file 5)"),
        (">>quoted\nplain", "quoted\nplain"),
        ("[b]unclosed", "[b]unclosed"),
        ("a[" + ZWSP + "b]", "a[b]"),
        (f"{DASHES}\nAnn [01.02.2024 10:00]\nhi\n{DASHES}", "Ann [01.02.2024 10:00]\nhi"),
        (f"{DASHES}\nhi\n{DASHES}", "hi"),
    ],
)
def test_plain_text(source: str, plain: str) -> None:
    assert plain_text(parse(source)) == plain


# ---- lint -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "codes"),
    [
        ("[b]fine[/b] [size=8]a[/size] [size=30]b[/size] [color=#abc]c[/color]", []),
        ("[color=#A1B2C3]x[/color] [user=all]x[/user] [user=7]x[/user]", []),
        ("[url=/rel]x[/url] [url]HTTPS://a.b[/url] [img size=large]http://a.b/c.png [/img]", []),
        ("[icon=https://a.b/i.png size=20 title=T]", []),
        ("[code][/b] [size=99][/code]", []),
        ("[b]open", ["W_BB_UNCLOSED"]),
        ("[b][i]x[/b][/i]", ["W_BB_UNCLOSED", "W_BB_STRAY_CLOSE"]),
        ("text[/u]", ["W_BB_STRAY_CLOSE"]),
        ("[/BR]", ["W_BB_STRAY_CLOSE"]),
        ("[/icon]", ["W_BB_STRAY_CLOSE"]),
        ("[img size=small]https://a.b/c.png[/img]", ["W_BB_IMG"]),
        ("[img]https://a.b/c.png [/img]", ["W_BB_IMG"]),
        ("[img size=huge]https://a.b/c.png [/img]", ["W_BB_IMG"]),
        ("[img size=small]https://a.b/c.png ", ["W_BB_UNCLOSED"]),
        ("[img size=small]ftp://a.b/c.png [/img]", ["W_BB_LINK"]),
        ("[size=7]x[/size]", ["W_BB_SIZE"]),
        ("[size=31]x[/size]", ["W_BB_SIZE"]),
        ("[size=12px]x[/size]", ["W_BB_SIZE"]),
        ("[color=red]x[/color]", ["W_BB_COLOR"]),
        ("[color=#abcd]x[/color]", ["W_BB_COLOR"]),
        ("[url=javascript:alert(1)]x[/url]", ["W_BB_LINK"]),
        ("[url]www.example.com[/url]", ["W_BB_LINK"]),
        ("[url=]x[/url]", ["W_BB_LINK"]),
        ("[user=bob]x[/user]", ["W_BB_USER"]),
        ("[user=]x[/user]", ["W_BB_USER"]),
        ("[icon=https://a.b/my icon.png size=20]", ["W_BB_ICON"]),
        ("[icon=data:x]", ["W_BB_LINK"]),
        ("[size=5]a [color=x]b", ["W_BB_UNCLOSED", "W_BB_SIZE", "W_BB_UNCLOSED", "W_BB_COLOR"]),
    ],
)
def test_lint_codes(source: str, codes: list[str]) -> None:
    problems = lint(source, "ATTACH.BLOCKS[0].MESSAGE")
    assert [p.code for p in problems] == codes
    for problem in problems:
        assert problem.severity == "warning"
        assert problem.path == "ATTACH.BLOCKS[0].MESSAGE"
        assert problem.message.endswith(").")
        assert "\n" not in problem.message


def test_lint_names_line_and_column() -> None:
    (problem,) = lint("first line\nsecond [b]x", "MESSAGE")
    assert problem.code == "W_BB_UNCLOSED"
    assert "[b]" in problem.message
    assert problem.message.endswith("(line 2, column 8).")


def test_lint_of_escaped_text_is_silent() -> None:
    assert lint(escape("[b]x [/i] [size=99] [img]y[/img]"), "MESSAGE") == []


# ---- escaping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("[b]x[/b]", f"[{ZWSP}b]x[{ZWSP}/b]"),
        ("a#BR#b", f"a#{ZWSP}BR#b"),
        ("a#br#b#Br#", f"a#{ZWSP}br#b#{ZWSP}Br#"),
        ("#BR#BR#", f"#{ZWSP}BR#{ZWSP}BR#"),
        (">>q", f">{ZWSP}>q"),
        ("x\n  >>q", f"x\n  >{ZWSP}>q"),
        ("a >> b", "a >> b"),
        ("----------", f"-{ZWSP}---------"),
        ("plain - text", "plain - text"),
    ],
)
def test_escape_table(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


TAG_SOUP = st.lists(
    st.sampled_from(
        [
            "[",
            "]",
            "/",
            "=",
            " ",
            "\n",
            "\t",
            "#",
            "BR",
            "br",
            ">>",
            ">",
            "-",
            "-" * 10,
            "b",
            "I",
            "url",
            "user",
            "img",
            "icon",
            "code",
            "size",
            "color",
            "send",
            "br",
            "quote",
            "x",
            "12",
            "all",
            "https://a.b",
            "#fff",
            "size=small",
            "title=T",
            ZWSP,
            "[b]",
            "[/b]",
            "[code]",
            "[/code]",
            "[img size=small]",
            " [/img]",
            "[url=",
            "Ann [01.02.2024 10:00]",
            "#BR#",
            "#br#",
            "#bR#",
            "[BR]",
            "\n" + "-" * 12 + "\n",
            "\n>>",
            "\r",
            "é",
        ]
    ),
    max_size=40,
).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=200), TAG_SOUP)


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_parse_never_raises_and_loses_nothing(source: str) -> None:
    nodes = parse(source)
    assert unparse(nodes) == source
    plain_text(nodes)
    for problem in lint(source, "MESSAGE"):
        assert problem.severity == "warning"


def _markup(nodes: list[Node]) -> list[Node]:
    return [n for n in walk(nodes) if not isinstance(n, Text)]


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_escaped_text_has_no_markup(source: str) -> None:
    escaped = escape(source)
    assert _markup(parse(escaped)) == []
    assert plain_text(parse(escaped)) == source.replace(ZWSP, "")
    assert escaped.replace(ZWSP, "") == source.replace(ZWSP, "")
    assert escape(escaped) == escaped


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT.filter(lambda s: ZWSP not in s))
def test_removing_zero_width_spaces_undoes_escape(source: str) -> None:
    assert escape(source).replace(ZWSP, "") == source


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT, st.sampled_from(["[b]{}[/b]", "[url=/x]{}[/url]", ">>{}", "a\n{}\nb"]))
def test_escaped_value_adds_no_markup_inside_a_template(value: str, template: str) -> None:
    bare = parse(template.format("v"))
    filled = parse(template.format(escape(value)))
    assert [type(n) for n in _markup(filled)] == [type(n) for n in _markup(bare)]
