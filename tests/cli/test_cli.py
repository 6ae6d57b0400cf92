"""The command line: exit codes, one-sentence errors, render/validate/templates/locate."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from b24notify.cli.main import run
from b24notify.core import paths
from b24notify.core.history import History

SECRET_CODE = "s3cr3tw3bh00kc0de"
SECRET_CLIENT = "client-id-very-secret"


def write_config(home: Path, body: str) -> Path:
    path = home / "config.toml"
    path.write_text(body, encoding="utf-8")
    path.chmod(0o600)
    return path


WEBHOOK_CONFIG = f"""
default_profile = "main"

[profiles.main]
webhook = "https://example.bitrix24.com/rest/1/{SECRET_CODE}/"
api = "v1"
bot_id = 7
client_id = "{SECRET_CLIENT}"
"""


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.startswith("b24notify ")


def test_usage_error_exits_2_without_traceback() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "b24notify", "render"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "template" in out.stderr


def test_locate_prints_paths_under_home(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["locate"]) == 0
    out = capsys.readouterr().out
    assert str(isolated_home / "config.toml") in out
    assert "history" in out
    assert "templates" in out


def test_templates_list_shows_shipped(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["templates", "list"]) == 0
    out = capsys.readouterr().out
    assert "incident/opened" in out
    assert "shipped" in out


def test_templates_check_all_shipped_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["templates", "check"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out
    assert out.count("ok ") >= 6


def test_render_json_masks_secrets(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(isolated_home, WEBHOOK_CONFIG)
    assert run(["render", "notice/short", "--samples", "--to", "chat5"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["method"] == "imbot.message.add"
    assert data["params"]["DIALOG_ID"] == "chat5"
    assert data["params"]["BOT_ID"] == 7
    assert SECRET_CLIENT not in out


@pytest.mark.parametrize("fmt", ["curl", "js", "php", "python"])
def test_render_code_formats_mask_secrets(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    write_config(isolated_home, WEBHOOK_CONFIG)
    assert run(["render", "incident/opened", "--samples", "--to", "42", "--format", fmt]) == 0
    captured = capsys.readouterr()
    assert "imbot.message.add" in captured.out
    assert SECRET_CODE not in captured.out + captured.err
    assert SECRET_CLIENT not in captured.out + captured.err


def test_render_without_profile_still_works(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(["render", "notice/short", "--samples", "--to", "42", "--bot", "7", "--api", "v2"]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "imbot.v2.Chat.Message.send"
    assert data["params"]["dialogId"] == "42"


def test_render_missing_template_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["render", "no/such/template"]) == 2
    err = capsys.readouterr().err
    assert "no/such/template" in err


def test_render_bad_var_type_names_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["render", "incident/opened", "--samples", "--to", "42", "--var", "started=soon"])
    assert code == 1
    err = capsys.readouterr().err
    assert "started" in err


def test_render_reads_a_relative_date_as_the_moment_it_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    days = {(datetime.now() + timedelta(days=n)).date() for n in (1, 2)}  # midnight may pass
    command = ["render", "maintenance/planned", "--samples", "--to", "42"]
    assert run([*command, "--var", "window_start=tomorrow 10:00", "-v", "window_end=+1d"]) == 0
    message = json.loads(capsys.readouterr().out)["params"]["MESSAGE"]
    assert any(f"From {day.isoformat()} 10:00 to " in message for day in days), message
    assert "tomorrow" not in message


def test_render_names_a_mistake_in_a_relative_date(capsys: pytest.CaptureFixture[str]) -> None:
    command = ["render", "maintenance/planned", "--samples", "--to", "42"]
    assert run([*command, "--var", "window_start=+3x"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "b24notify: maintenance/planned: window_start: x is not a unit (min, h, d or w)"
    )
    assert captured.out == ""


def test_history_since_and_until_take_days_times_and_relative_entries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = datetime.now(UTC)
    moments = {"old": now - timedelta(days=3), "recent": now - timedelta(hours=2)}
    moments["fresh"] = now - timedelta(minutes=10)
    current = [now]
    history = History(paths.history_file(), clock=lambda: current[0])
    for name, moment in moments.items():
        current[0] = moment
        history.finish(history.record_pending(template=f"t/{name}", dialog_id="chat1"), "sent")
    history.close()

    def listed(*bounds: str) -> list[str]:
        assert run(["history", "--json", *bounds]) == 0
        return [json.loads(line)["template"] for line in capsys.readouterr().out.splitlines()]

    assert listed("--since=-1h") == ["t/fresh"]
    assert listed("--until=-1h") == ["t/recent", "t/old"]
    assert listed("--since=-4d", "--until=-1d") == ["t/old"]
    day = (now - timedelta(days=3)).astimezone().date().isoformat()
    assert listed("--since", day, "--until", day) == ["t/old"]  # a day is the whole day


def test_history_names_a_bad_bound_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["history", "--since=-3x"]) == 2
    assert capsys.readouterr().err.strip() == (
        "b24notify: --since '-3x': x is not a unit (min, h, d or w)."
    )
    assert run(["history", "--until", "1.3.2025"]) == 2
    assert "--until '1.3.2025': not a date or a time" in capsys.readouterr().err
    assert not paths.history_file().exists(), "a bad bound opens nothing"


def test_render_bad_dialog_fails_with_portal_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["render", "notice/short", "--samples", "--to", "not a dialog"]) == 1
    assert "DIALOG_ID_EMPTY" in capsys.readouterr().err


def test_render_malformed_var_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["render", "notice/short", "--var", "novalue"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err


def test_validate_good_and_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"DIALOG_ID": "chat1", "MESSAGE": "hi", "BOT_ID": 7}))
    assert run(["validate", str(good)]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"DIALOG_ID": "chat1", "MESSAGE": "  ", "ATTACH": "{oops"}))
    assert run(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any(line.startswith("MESSAGE_EMPTY") for line in lines)
    assert any(line.startswith("ATTACH_ERROR") for line in lines)


def test_validate_v2_guessed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "v2.json"
    f.write_text(json.dumps({"botId": 7, "dialogId": "chat1", "fields": {}}))
    assert run(["validate", str(f)]) == 1
    assert "EMPTY_MESSAGE" in capsys.readouterr().out


def test_validate_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "x.json"
    f.write_text("{nope")
    assert run(["validate", str(f)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_broken_config_names_file(isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(isolated_home, "[profiles.main\nwebhook = 1\n")
    assert run(["render", "notice/short", "--samples", "--to", "1"]) == 2
    err = capsys.readouterr().err
    assert "config.toml" in err


def test_send_needs_confirmation_when_not_a_tty(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(isolated_home, WEBHOOK_CONFIG)
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # noqa: SIM115
    assert run(["send", "notice/short", "--samples", "--to", "42"]) == 2
    assert "--yes" in capsys.readouterr().err


# ---- broken user templates: check goes on, list says so, errors name the file line ----

GOOD = """\
name = "Good one"

[vars.who]
sample = "Ann"

[body]
message = "Hello {{ who }}"
"""

BROKEN = """\
name = "Broken"

[vars.who]
lable = "Who"

[body]
message = "Hello {{ who }}"
"""

# A multi-line message before the attach part: rendering counts attach lines
# from the attach string, the user needs the line in the file.
ALERT = '''\
name = "Alert"

[vars.who]
sample = "Ann"

[body]
message = """\\
Hello {{ who }}: \\
  the service is down.
Updates follow.
"""
attach = """\\
  [{"MESSAGE": "Status"},
   {"MESSAGE": "{{ who }}"},
   {"MESSAGE": "{{ who | nosuchfilter }}"}]"""
'''


def user_template(home: Path, name: str, text: str) -> Path:
    path = home / "templates" / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line holding ``needle``."""
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


@pytest.fixture
def good_and_broken(isolated_home: Path) -> Path:
    """User templates team/good (fine) and team/broken (an unknown key on line 4)."""
    user_template(isolated_home, "team/good", GOOD)
    user_template(isolated_home, "team/broken", BROKEN)
    return isolated_home


def test_check_marks_a_broken_file_and_goes_on(
    good_and_broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["templates", "check"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    fail = lines.index("FAIL  team/broken")
    reason = lines[fail + 1].strip()
    assert reason.startswith("team/broken.toml line 4: unknown key 'vars.who.lable'")
    assert "did you mean 'label'" in reason
    # Templates after the broken one are still checked, shipped ones too.
    assert "ok    team/good" in lines
    assert "ok    ticket/resolved" in lines
    assert sum(line.startswith("FAIL") for line in lines) == 1
    assert "1 failed" in captured.err
    assert "Traceback" not in captured.out + captured.err


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (["team/good"], 0),
        (["team/good", "team/broken"], 1),
        (["team/broken", "team/good"], 1),
        (["team/nosuch", "team/good"], 2),  # a name that is not a template is a usage error
    ],
)
def test_check_named_templates(
    good_and_broken: Path, capsys: pytest.CaptureFixture[str], names: list[str], code: int
) -> None:
    assert run(["templates", "check", *names]) == code
    out = capsys.readouterr().out
    assert "ok    team/good" in out  # checked whatever came before it
    if "team/nosuch" in names:
        assert "FAIL  team/nosuch\n      no template named 'team/nosuch'" in out


def test_list_marks_a_broken_template(
    good_and_broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["templates", "list"]) == 0
    captured = capsys.readouterr()
    rows = {line.split()[0]: line for line in captured.out.splitlines()}
    assert "broken: team/broken.toml line 4: unknown key 'vars.who.lable'" in rows["team/broken"]
    assert rows["team/good"].split(None, 2)[1:] == ["user", "Good one"]
    assert "broken" not in rows["incident/opened"]
    assert captured.err == ""


@pytest.mark.parametrize(
    ("text", "needle", "within"),
    [
        pytest.param(ALERT, "nosuchfilter", "attach line 3", id="attach-after-message"),
        pytest.param(
            ALERT.replace("Updates follow.", "Updates {{ who.nope.deeper }}").replace(
                " | nosuchfilter", ""
            ),
            "who.nope",
            "message line 2",
            id="message-after-continuation",
        ),
        pytest.param(
            GOOD.replace('"Hello {{ who }}"', '"Hello,\\nthe {{ who.nope.deeper }}"'),
            "message = ",
            "message line 2",
            id="escaped-newline",
        ),
    ],
)
def test_render_names_the_file_line_of_a_part_error(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], text: str, needle: str, within: str
) -> None:
    user_template(isolated_home, "team/alert", text)
    assert run(["render", "team/alert", "--samples", "--to", "chat1", "--bot", "7"]) == 1
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first.startswith(f"b24notify: team/alert.toml line {line_of(text, needle)} ({within}): ")
    assert "Traceback" not in err


def test_check_names_the_file_line_of_a_part_error(
    good_and_broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user_template(good_and_broken, "team/alert", ALERT)
    assert run(["templates", "check", "team/alert", "team/good"]) == 1
    out = capsys.readouterr().out
    line = line_of(ALERT, "nosuchfilter")
    assert f"FAIL  team/alert\n      team/alert.toml line {line} (attach line 3): " in out
    assert "ok    team/good" in out


def test_render_a_broken_file_names_its_line(
    good_and_broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["render", "team/broken", "--samples", "--to", "chat1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("b24notify: team/broken.toml line 4: unknown key 'vars.who.lable'")
