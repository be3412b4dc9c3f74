"""The Cloud Functions entry points served by the real functions-framework, as deployed:
with LOG_EXECUTION_ID set (the framework then turns the root logger down and swaps stdout
per request), logs must still come out as JSON with a severity, INFO included."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import base64, json, os, sys
from functions_framework import create_app

def cloud_event(target, data):
    client = create_app(target, "functions/entrypoints/cloud.py", "cloudevent").test_client()
    headers = {"ce-id": "1", "ce-source": "//pubsub.googleapis.com/x", "ce-specversion": "1.0",
               "ce-type": "google.cloud.pubsub.topic.v1.messagePublished"}
    return client.post("/", headers=headers, json={"message": {"data": data}}).status_code

answer = create_app("tick", "functions/entrypoints/cloud.py", "http").test_client().post("/")
malformed = cloud_event("run_community", base64.b64encode(b"{not json").decode())
fine = cloud_event("run_community", base64.b64encode(b'{"community": "guild"}').decode())
print("RESULT " + json.dumps([malformed, fine, answer.status_code, answer.get_json()]),
      file=sys.stderr)
'''


def test_cloud_logs_are_json_with_severity_and_an_unreadable_inbox_blocks_nothing(tmp_path):
    data = tmp_path / "data"
    env = {"PATH": "/usr/bin:/bin", "LOG_EXECUTION_ID": "true", "COP_DATA": str(data),
           "COP_SECRET": "s", "COP_NOW": "2026-11-25T00:00:00Z",
           "COP_INBOX": f"maildir://{tmp_path / 'not-a-mailbox'}"}
    (tmp_path / "not-a-mailbox").write_text("a file where the inbox should be")
    for args in (["community", "add", "guild", "--name", "Guild", "--timezone", "UTC"],
                 ["member", "add", "guild", "ana@example.com"]):
        subprocess.run([sys.executable, "-m", "functions", *args], cwd=ROOT, env=env,
                       check=True, capture_output=True)

    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)

    result = next(line for line in run.stderr.splitlines() if line.startswith("RESULT "))
    malformed, fine, status, body = json.loads(result.removeprefix("RESULT "))
    assert (malformed, fine) == (200, 200)  # a malformed message is acknowledged, not retried
    logs = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert logs and all(entry.get("severity") for entry in logs), run.stdout
    assert all("execution_id" in entry["logging.googleapis.com/labels"] for entry in logs)
    errors = [e["message"] for e in logs if e["severity"] == "ERROR"]
    assert any("malformed message" in message for message in errors)
    assert any(e["severity"] == "INFO" and "run_community guild" in e["message"]
               for e in logs), run.stdout + run.stderr
    assert not any("Traceback" in e["message"] for e in logs)  # only with COP_DEBUG
    # The inbox cannot be read: reported, and the rota's mail still went out.
    assert status == 500 and body["sent"] >= 1
    assert [e for e in body["errors"] if e.startswith("inbox: ")]
    assert any("inbox" in message for message in errors)


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
