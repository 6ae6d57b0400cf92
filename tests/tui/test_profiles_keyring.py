"""The Profiles screen and the OS keyring: typed secrets moved there, refusals, sources kept.

The keyring is an in-memory backend put where ``import keyring`` finds it, so
the screen goes through exactly the path it takes with the real package.
"""

from __future__ import annotations

import stat
import sys
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring_fakes import BrokenKeyring, MemoryKeyring
from test_profiles import field, fill, invalid, open_profiles
from tui_support import SIZE, wait_for

from b24notify.core import paths
from b24notify.core.config import load_config
from b24notify.core.history import History
from b24notify.core.service import Service
from b24notify.sandbox.config import SandboxConfig
from b24notify.tui.app import B24NotifyApp
from b24notify.tui.screens.dialogs import ConfirmDialog
from b24notify.tui.widgets.profile_form import field_id

SANDBOX = SandboxConfig()
HOOK = f"http://127.0.0.1:9/rest/{SANDBOX.webhook_user}/{SANDBOX.webhook_code}/"
CLIENT_ID = SANDBOX.bots[0].client_id
OPS_ID = "ops-client-id"


@pytest.fixture
def ring(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    backend = MemoryKeyring()
    monkeypatch.setitem(sys.modules, "keyring", backend)
    return backend


def note(screen: Any, key: str) -> str:
    return str(screen.form.query_one(f"#{field_id(key)}-field .pf-help").render())


def file_secrets_absent(text: str, *secrets: str) -> bool:
    return not any(secret in text for secret in secrets)


async def test_the_keyring_choice_moves_typed_secrets_there(
    service: Service, ring: MemoryKeyring
) -> None:
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.editing is None)
        await fill(pilot, screen, name="ops", webhook=HOOK, bot_id="7", client_id=OPS_ID)
        field(screen, "store").value = "keyring"
        await pilot.pause()
        assert "OS keyring" in note(screen, "store")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.editing == "ops")

        file = paths.config_file()
        text = file.read_text(encoding="utf-8")
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert tomllib.loads(text)["profiles"]["ops"] == {
            "webhook": {"keyring": True},
            "bot_id": 7,
            "client_id": {"keyring": True},
        }
        assert OPS_ID not in text
        assert text.count(HOOK) == 1  # the sandbox profile's own, kept in the file
        assert ring.entries == {
            ("b24notify", "ops.webhook"): HOOK,
            ("b24notify", "ops.client_id"): OPS_ID,
        }
        loaded = load_config(file, keyring=ring).profiles["ops"]
        assert (loaded.webhook, loaded.client_id) == (HOOK, OPS_ID)

        # The form shows where the secrets now live, and opens on the keyring choice.
        assert field(screen, "store").value == "keyring"
        assert "ops.client_id" in note(screen, "client_id")
        assert not screen.modified

        # The service keeps working with the saved profile.
        await pilot.press("f9")
        await wait_for(pilot, lambda: screen.tested is not None or screen.test_error)
        assert [bot.id for bot in screen.tested or []] == [7]

        # Another save (the default) writes references only, not the keyring again.
        writes = list(ring.writes)
        await screen.action_make_default()
        await pilot.pause()
        assert tomllib.loads(file.read_text(encoding="utf-8"))["default_profile"] == "ops"
        assert ring.writes == writes

        # Deleting says what stays behind in the keyring (its backend cannot delete).
        screen.action_delete()
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen)
        assert "ops.client_id" in dialog.message and "ops.webhook" in dialog.message
        await wait_for(pilot, lambda: dialog.is_mounted and dialog.query("#dialog-message"))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        pytest.param(None, "keyring package is not installed", id="no-package"),
        pytest.param(BrokenKeyring(), "keyring is not usable", id="no-backend"),
    ],
)
async def test_without_a_keyring_the_save_is_refused_on_the_choice(
    service: Service, monkeypatch: pytest.MonkeyPatch, backend: Any, reason: str
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", backend)  # None makes `import keyring` fail
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        await pilot.press("ctrl+s")  # a first save to the file works without a keyring
        await wait_for(pilot, lambda: paths.config_file().exists())
        before = paths.config_file().read_bytes()
        await fill(pilot, screen, bot_id="8")
        field(screen, "store").value = "keyring"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: invalid(screen, "store"))
        shown = invalid(screen, "store") or ""
        assert reason in shown and shown.count("\n") == 0
        assert "sandbox" not in shown.replace("B24NOTIFY_SANDBOX_", "")  # no webhook code
        assert paths.config_file().read_bytes() == before
        assert service.config.profiles["sandbox"].bot_id == 7
        assert screen.modified  # the edit is still there to save another way
        field(screen, "store").value = "file"
        await pilot.pause()
        assert invalid(screen, "store") is None
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: service.config.profiles["sandbox"].bot_id == 8)


async def test_secrets_from_the_environment_and_the_keyring_stay_there(
    sandbox_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ring: MemoryKeyring
) -> None:
    file = paths.config_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(
        '[profiles.main]\napi = "v1"\nbot_id = 7\n'
        'client_id = { keyring = true }\nbot_token = "token-in-file"\n',
        encoding="utf-8",
    )
    file.chmod(0o600)
    monkeypatch.setenv("B24NOTIFY_MAIN_WEBHOOK", HOOK)
    ring.entries[("b24notify", "main.client_id")] = CLIENT_ID
    service = Service(
        load_config(file),
        history=History(tmp_path / "h.sqlite3"),
        transport_factory=lambda profile: httpx.ASGITransport(app=sandbox_app),
    )
    app = B24NotifyApp(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_profiles(pilot)
        assert field(screen, "store").value == "file"  # bot_token is still in the file
        assert field(screen, "webhook").disabled  # the environment's: read-only
        assert "B24NOTIFY_MAIN_WEBHOOK" in note(screen, "webhook")
        client = field(screen, "client_id")
        assert not client.disabled and client.password  # the keyring's: editable, hidden
        assert "main.client_id" in note(screen, "client_id")
        field(screen, "store").value = "keyring"
        await fill(pilot, screen, client_id="rotated-id")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not screen.modified)

        text = file.read_text(encoding="utf-8")
        assert tomllib.loads(text)["profiles"]["main"] == {
            "api": "v1",
            "bot_id": 7,
            "client_id": {"keyring": True},
            "bot_token": {"keyring": True},
        }
        assert file_secrets_absent(text, "token-in-file", "rotated-id", "/rest/")
        assert ring.entries[("b24notify", "main.client_id")] == "rotated-id"
        assert ring.entries[("b24notify", "main.bot_token")] == "token-in-file"
        assert sorted(ring.writes) == ["main.bot_token", "main.client_id"]
        assert service.config.profiles["main"].client_id == "rotated-id"
        assert service.config.profiles["main"].secret_origin("webhook") == "env"
