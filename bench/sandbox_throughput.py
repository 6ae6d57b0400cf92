"""How much of the bulk-send time bound the sandbox itself uses, over real loopback HTTP.

Sends batches of 50 ``imbot.message.add`` commands to a sandbox with the
leaky bucket opened wide, and the same JSON bodies to a bare Starlette app
that only answers ``{"result": true}`` on the same kind of server; each
server runs in its own process. Prints
the ratio of the two, and the sandbox's share of the §12 bound for 5,000
messages (⌈5000/50⌉ batches through a 50-burst, 2/s bucket = 25 s).

Run: ``uv run python bench/sandbox_throughput.py``
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from urllib.parse import urlencode

import httpx

BATCHES = 40
MESSAGES = 5000
BOUND = (MESSAGES / 50 - 50) / 2.0  # seconds the 2/s, 50-burst bucket needs for 100 batches


def _body() -> dict[str, object]:
    attach = json.dumps(
        [{"MESSAGE": "x"}, {"GRID": [{"DISPLAY": "ROW", "NAME": "a", "VALUE": "b"}]}]
    )
    params = {"DIALOG_ID": "chat1", "MESSAGE": "[b]m[/b]", "CLIENT_ID": "sandbox-client-id"}
    return {
        "halt": 0,
        "cmd": {
            f"k{i}": "imbot.message.add?" + urlencode({**params, "ATTACH": attach})
            for i in range(50)
        },
    }


def _time(url: str) -> float:
    body = _body()
    with httpx.Client(timeout=30) as client:
        client.post(url, json=body)  # warm the connection
        started = time.perf_counter()
        for _ in range(BATCHES):
            client.post(url, json=body).raise_for_status()
        return (time.perf_counter() - started) / BATCHES


_SANDBOX = """
from b24notify.sandbox.config import SandboxConfig
from b24notify.sandbox.runner import serve
serve(SandboxConfig(burst=10**9), announce=lambda line: print(line, flush=True))
"""

_BARE = """
import socket, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

async def answer(request):
    await request.json()
    return JSONResponse({"result": True})

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.bind(("127.0.0.1", 0))
sock.listen()
print(f"Webhook URL: http://127.0.0.1:{sock.getsockname()[1]}/rest/1/x/", flush=True)
app = Starlette(routes=[Route("/rest/1/x/batch", answer, methods=["POST"])])
uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off", http="h11")).run([sock])
"""


def _serve(code: str) -> tuple[subprocess.Popen[str], str]:
    """Start a server in its own process (no GIL shared with the timing client)."""
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Webhook URL: "):
            return process, line.split(": ", 1)[1].strip()
    raise RuntimeError("the server did not start")


def main() -> None:
    timings = {}
    for name, code in (("sandbox", _SANDBOX), ("bare", _BARE)):
        process, webhook = _serve(code)
        try:
            timings[name] = _time(webhook + "batch")
        finally:
            process.terminate()
            process.wait()
    per_batch, bare = timings["sandbox"], timings["bare"]
    share = per_batch * (MESSAGES / 50) / BOUND
    print(f"sandbox batch of 50: {per_batch * 1000:.1f} ms, bare app: {bare * 1000:.1f} ms")
    print(f"ratio sandbox/bare: {per_batch / bare:.1f}x")
    print(f"share of the 5,000-message bound ({BOUND:.0f} s): {share:.1%}")


if __name__ == "__main__":
    main()
