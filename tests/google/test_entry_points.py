"""The Cloud Functions entry points served by the real functions-framework, as deployed:
run_community and inbox answer Pub/Sub push requests (2xx: handled, or dropped for good;
5xx: deliver again); with LOG_EXECUTION_ID set (the framework then turns the root logger
down and swaps stdout per request), logs must still come out as JSON with a severity, INFO
included."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import base64, json, os, sys
from pathlib import Path
from functions_framework import create_app

SOURCE = "functions/entrypoints/cloud.py"
OUTBOX = Path(os.environ["COP_DATA"]) / "outbox"

def client(target):
    return create_app(target, SOURCE, "http").test_client()

def envelope(data, attempt=1):
    # What Pub/Sub POSTs to a push subscription's endpoint.
    return {"message": {"data": base64.b64encode(data).decode(), "messageId": "17",
                        "attributes": {"community": "guild"},
                        "publishTime": "2026-11-25T00:00:00Z"},
            "subscription": "projects/p/subscriptions/cop-run-community-push",
            "deliveryAttempt": attempt}

def outbox():
    return sum(len(list((OUTBOX / d).iterdir())) for d in ("new", "cur")
               if (OUTBOX / d).is_dir())

run = client("run_community")
welcomes = outbox()
fine = run.post("/", json=envelope(b'{"community": "guild"}')).status_code
first = outbox()
again = run.post("/", json=envelope(b'{"community": "guild"}', attempt=2)).status_code
second = outbox()
malformed = [
    run.post("/", data=b"{not json", content_type="application/json").status_code,
    run.post("/", json={"subscription": "projects/p/subscriptions/s"}).status_code,
    run.post("/", json={"message": {"data": "%%% not base64"}}).status_code,
    run.post("/", json=envelope(b"{not json")).status_code,
    run.post("/", json=envelope(b'["guild"]')).status_code,
]
gone = run.post("/", json=envelope(b'{"community": "removed"}')).status_code
from functions.mail.tokens import Tokens
leave = client("unsubscribe")
click = json.dumps({"token": Tokens("s").unsubscribe_token("guild", "ana@guild.example.com")})
unsubscribed = [leave.post("/", json=envelope(click.encode())).status_code,
                leave.post("/", json=envelope(click.encode(), attempt=2)).status_code,
                leave.post("/", json=envelope(b'{"token": "forged"}')).status_code,
                leave.post("/", json=envelope(b"{}")).status_code]
inbox = client("inbox")
inbox_malformed = inbox.post("/", data=b"", content_type="application/json").status_code
inbox_failing = inbox.post("/", json=envelope(b'{"emailAddress": "rota@example.com"}'))
answer = client("tick").post("/")
print("RESULT " + json.dumps([welcomes, fine, first, again, second, malformed, gone,
                              unsubscribed, inbox_malformed, inbox_failing.status_code,
                              answer.status_code, answer.get_json()]), file=sys.stderr)
"""


def cop(env, *args):
    subprocess.run([sys.executable, "-m", "functions", *args], cwd=ROOT, env=env,
                   check=True, capture_output=True)


def test_pushed_messages_are_handled_once_and_cloud_logs_are_json_with_severity(tmp_path):
    data = tmp_path / "data"
    env = {"PATH": "/usr/bin:/bin", "LOG_EXECUTION_ID": "true", "COP_DATA": str(data),
           "COP_SECRET": "s", "COP_NOW": "2026-11-25T00:00:00Z",
           "COP_INBOX": f"maildir://{tmp_path / 'not-a-mailbox'}"}
    (tmp_path / "not-a-mailbox").write_text("a file where the inbox should be")
    for community in ("guild", "crew"):
        cop(env, "community", "add", community, "--name", community.title(),
            "--timezone", "UTC")
        cop(env, "member", "add", community, f"ana@{community}.example.com")

    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)

    result = next((line for line in run.stderr.splitlines() if line.startswith("RESULT ")),
                  None)
    assert result, run.stderr
    (welcomes, fine, first, again, second, malformed, gone, unsubscribed, inbox_malformed,
     inbox_failing, status, body) = json.loads(result.removeprefix("RESULT "))
    assert fine == 204 and first > welcomes  # guild's jobs ran: its heads-up went out
    assert again == 204 and second == first  # the same message again: nothing twice
    # A message no delivery could handle is acknowledged (2xx), not retried forever.
    assert malformed == [204] * 5 and gone == 204 and inbox_malformed == 204
    # An unsubscribe the web function published: applied, and again changes nothing; a
    # forged token or a message without one is dropped.
    assert unsubscribed == [204] * 4
    listed = subprocess.run([sys.executable, "-m", "functions", "member", "list", "guild",
                             "--json"], cwd=ROOT, env=env, check=True, capture_output=True)
    assert [m["status"] for m in json.loads(listed.stdout)] == ["opted_out"]
    # A failure that may pass is answered 5xx: Pub/Sub delivers again, then dead-letters.
    assert inbox_failing == 500
    logs = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert logs and all(entry.get("severity") for entry in logs), run.stdout
    assert all("execution_id" in entry["logging.googleapis.com/labels"] for entry in logs)
    errors = [e["message"] for e in logs if e["severity"] == "ERROR"]
    assert sum("malformed message" in message for message in errors) == 7
    assert any("inbox: message 17, delivery 1 failed, to be delivered again" in message
               for message in errors), errors
    assert any(e["severity"] == "INFO" and "run_community guild" in e["message"]
               for e in logs), run.stdout + run.stderr
    assert not any("Traceback" in e["message"] for e in logs)  # only with COP_DEBUG
    # The inbox cannot be read: reported, and the rota's mail (crew's) still went out.
    assert status == 500 and body["sent"] >= 1
    assert [e for e in body["errors"] if e.startswith("inbox: ")]
    assert any("inbox" in message for message in errors)


FAILING_STORE = r"""
import base64, json, sys
from functions_framework import create_app

run = create_app("run_community", "functions/entrypoints/cloud.py", "http").test_client()
data = base64.b64encode(b'{"community": "guild"}').decode()
answer = run.post("/", json={"message": {"data": data, "messageId": "9"}, "subscription": "s"})
print("RESULT " + json.dumps(answer.status_code), file=sys.stderr)
"""


def test_a_run_that_fails_asks_pub_sub_to_deliver_again(tmp_path):
    (tmp_path / "store").mkdir()  # a directory where the database file should be
    env = {"PATH": "/usr/bin:/bin", "COP_DATA": str(tmp_path / "data"), "COP_SECRET": "s",
           "COP_STORE": f"sqlite://{tmp_path / 'store'}"}
    run = subprocess.run([sys.executable, "-c", FAILING_STORE], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    result = next((line for line in run.stderr.splitlines() if line.startswith("RESULT ")),
                  None)
    assert result == "RESULT 500", run.stderr
    assert "run_community guild: message 9 failed, to be delivered again" in run.stdout + \
        run.stderr


CONSOLE = r'''
import json, sys
from functions_framework import create_app

console = create_app("console", "functions/entrypoints/cloud.py", "http").test_client()
web = create_app("web", "functions/entrypoints/cloud.py", "http").test_client()
bare = console.get("/console/guild")
forged = console.get("/console/guild", headers={"x-goog-iap-jwt-assertion": "a.b.c"})
print("RESULT " + json.dumps([bare.status_code, forged.status_code,
                              bare.headers.get("Content-Security-Policy", ""),
                              web.get("/console/guild").status_code]), file=sys.stderr)
'''


def test_the_console_function_refuses_whoever_iap_did_not_sign_in(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "COP_DATA": str(tmp_path / "data"), "COP_SECRET": "s",
           "COP_IAP_AUDIENCE": "/projects/1/global/backendServices/2"}
    run = subprocess.run([sys.executable, "-c", CONSOLE], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    result = next(line for line in run.stderr.splitlines() if line.startswith("RESULT "))
    bare, forged, policy, on_web = json.loads(result.removeprefix("RESULT "))
    assert (bare, forged) == (403, 403)
    assert "default-src 'none'" in policy
    assert on_web == 404  # the public function never serves the console
