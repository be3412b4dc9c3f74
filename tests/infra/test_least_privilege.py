"""What a fresh apply needs and what it must not leak: the build account reads the source
bucket it builds from, `.env` files stay out of the source zip, and the functions run with
a pinned version of COP_SECRET's secret, not whatever `latest` is at their next start."""
from __future__ import annotations

from .test_terraform import (FUNCTION, block, load, referenced, refers_to, secret_envs, tf,
                             zip_excludes, zipped_files)

__all__ = ["tf"]  # the fixture, shared with test_terraform


def problems_build_reads_source(tf) -> list[str]:
    problems = []
    builders = {str(body["build_config"][0]["service_account"]).split(".")[1]
                for body in tf.of_type(FUNCTION).values()}
    buckets = set()
    for body in tf.of_type(FUNCTION).values():
        storage = block(block(block(body, "build_config"), "source"), "storage_source")
        buckets |= referenced(storage.get("bucket"), "google_storage_bucket")
    for account in sorted(builders):
        member = "serviceAccount:${google_service_account.%s.email}" % account
        reading = {bucket for bucket in buckets for grant in
                   tf.of_type("google_storage_bucket_iam_member").values()
                   if grant.get("member") == member
                   and grant.get("role") in ("roles/storage.objectViewer",
                                             "roles/storage.objectAdmin")
                   and refers_to(grant.get("bucket"), f"google_storage_bucket.{bucket}")}
        if reading != buckets:
            problems.append(f"build account {account} cannot read {sorted(buckets - reading)}")
    return problems


def test_the_build_account_reads_the_bucket_it_builds_from(tf):
    assert problems_build_reads_source(tf) == []


def test_a_build_account_without_the_source_bucket_is_caught():
    tf = load()
    del tf.of_type("google_storage_bucket_iam_member")["build_reads_source"]
    assert problems_build_reads_source(tf) == ["build account build cannot read ['source']"]


def test_env_files_never_go_into_the_source_zip(tf, tmp_path):
    for name in (".env", ".env.local", "functions/.env", "functions/config.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("COP_SECRET=hunter2\n")

    assert zipped_files(tmp_path, zip_excludes(tf)) == ["functions/config.py"]


def test_secret_versions_are_pinned_by_a_variable(tf):
    pinned = {"COP_SECRET": "${var.secret_version}",
              "COP_GOOGLE_OAUTH": "${var.gmail_oauth_secret_version}"}
    for name, body in tf.of_type(FUNCTION).items():
        for secret in secret_envs(body, tf):
            assert secret.get("version") == pinned[secret["key"]], (name, secret)
    for variable in ("secret_version", "gmail_oauth_secret_version"):
        rule = tf.variables[variable]["validation"][0]
        assert "^[0-9]+$" in rule["condition"]  # "latest" is refused


def test_only_the_functions_that_act_as_the_mailbox_get_its_consent(tf):
    for entry_point in ("tick", "run_community", "inbox", "console", "web", "unsubscribe"):
        keys = {secret["key"] for secret in secret_envs(tf.function(entry_point)[1], tf)}
        assert keys == ({"COP_SECRET"} if entry_point in ("web", "unsubscribe")
                        else {"COP_SECRET", "COP_GOOGLE_OAUTH"}), (entry_point, keys)
    accounts = {f"serviceAccount:${{google_service_account.{name}.email}}"
                for body in tf.of_type(FUNCTION).values()
                for name in referenced(block(body, "service_config").get(
                    "service_account_email"), "google_service_account")}
    signers = [name for name, body in tf.of_type("google_service_account_iam_member").items()
               if body.get("role") == "roles/iam.serviceAccountTokenCreator"
               and body.get("member") in accounts]
    assert not signers, f"a function's account can sign delegation assertions: {signers}"
