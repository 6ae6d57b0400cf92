"""Request bodies other clients send: PHP CRest forms, query strings, multipart, broken JSON."""

from __future__ import annotations

import httpx
from sandbox_support import WEBHOOK, messages

# Exactly what PHP's http_build_query() makes of this array, which CRest::call()
# POSTs as application/x-www-form-urlencoded to {webhook}imbot.message.add.json:
#   ['DIALOG_ID' => 'chat42', 'MESSAGE' => 'Hello [b]world[/b]',
#    'ATTACH' => ['BLOCKS' => [
#        ['MESSAGE' => 'x'],
#        ['GRID' => [['DISPLAY' => 'ROW', 'NAME' => 'Status', 'VALUE' => 'OK']]]]],
#    'KEYBOARD' => [['TEXT' => 'Open', 'LINK' => 'https://example.com/?a=1&b=2']],
#    'SYSTEM' => 'N', 'CLIENT_ID' => 'sandbox-client-id']
CREST_BODY = (
    "DIALOG_ID=chat42&MESSAGE=Hello+%5Bb%5Dworld%5B%2Fb%5D"
    "&ATTACH%5BBLOCKS%5D%5B0%5D%5BMESSAGE%5D=x"
    "&ATTACH%5BBLOCKS%5D%5B1%5D%5BGRID%5D%5B0%5D%5BDISPLAY%5D=ROW"
    "&ATTACH%5BBLOCKS%5D%5B1%5D%5BGRID%5D%5B0%5D%5BNAME%5D=Status"
    "&ATTACH%5BBLOCKS%5D%5B1%5D%5BGRID%5D%5B0%5D%5BVALUE%5D=OK"
    "&KEYBOARD%5B0%5D%5BTEXT%5D=Open"
    "&KEYBOARD%5B0%5D%5BLINK%5D=https%3A%2F%2Fexample.com%2F%3Fa%3D1%26b%3D2"
    "&SYSTEM=N&CLIENT_ID=sandbox-client-id"
)


async def test_a_php_crest_form_post_lands(wire: httpx.AsyncClient) -> None:
    response = await wire.post(
        f"{WEBHOOK}imbot.message.add.json",
        content=CREST_BODY.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["result"] == 1001
    [stored] = await messages(wire)
    assert stored["message"] == "Hello [b]world[/b]"
    assert stored["attach"]["BLOCKS"] == [
        {"MESSAGE": "x"},
        {"GRID": [{"DISPLAY": "ROW", "NAME": "Status", "VALUE": "OK"}]},
    ]
    [button] = stored["keyboard"]
    assert (button["TEXT"], button["LINK"]) == ("Open", "https://example.com/?a=1&b=2")


async def test_v2_fields_in_bracket_notation(client: httpx.AsyncClient) -> None:
    form = {
        "botId": "7",
        "botToken": "sandbox-bot-token",
        "dialogId": "chat3",
        "fields[message]": "form v2",
        "fields[system]": "Y",
        "fields[attach][0][MESSAGE]": "card",
    }
    response = await client.post(f"{WEBHOOK}imbot.v2.Chat.Message.send", data=form)
    assert response.status_code == 200, response.text
    [stored] = await messages(client)
    assert (stored["message"], stored["system"]) == ("form v2", True)
    assert stored["attach"]["BLOCKS"] == [{"MESSAGE": "card"}]


async def test_query_string_params_and_get(client: httpx.AsyncClient) -> None:
    query = "DIALOG_ID=5&MESSAGE=from%20the%20query&CLIENT_ID=sandbox-client-id"
    response = await client.get(f"{WEBHOOK}imbot.message.add?{query}")
    assert response.status_code == 200
    assert (await messages(client))[0]["message"] == "from the query"


async def test_attach_as_a_json_string_in_a_form(client: httpx.AsyncClient) -> None:
    form = {
        "DIALOG_ID": "5",
        "MESSAGE": "m",
        "CLIENT_ID": "sandbox-client-id",
        "ATTACH": '[{"MESSAGE": "as json"}]',
    }
    assert (await client.post(f"{WEBHOOK}imbot.message.add", data=form)).status_code == 200
    assert (await messages(client))[0]["attach"]["BLOCKS"] == [{"MESSAGE": "as json"}]


async def test_multipart_form(client: httpx.AsyncClient) -> None:
    form = {"DIALOG_ID": "5", "MESSAGE": "multipart", "CLIENT_ID": "sandbox-client-id"}
    files = {"KEYBOARD[0][TEXT]": (None, "B"), "KEYBOARD[0][LINK]": (None, "/b")}
    response = await client.post(f"{WEBHOOK}imbot.message.add", data=form, files=files)
    assert response.status_code == 200, response.text
    [stored] = await messages(client)
    assert stored["message"] == "multipart"
    assert [(b["TEXT"], b["LINK"]) for b in stored["keyboard"]] == [("B", "/b")]


async def test_broken_json_is_one_clear_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{WEBHOOK}imbot.message.add",
        content=b'{"MESSAGE": "x",',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "INVALID_REQUEST"
    assert body["error_description"].startswith("The request was not understood: ")
    assert "Traceback" not in response.text
    assert await messages(client) == []
