"""The organiser's console in infra/console.tf: reachable only through the load balancer
whose backend has Identity-Aware Proxy on, invoked only by IAP, and told IAP's audience."""
from __future__ import annotations

from .test_terraform import (
    INVOKER_ROLES, PUBLIC_MEMBERS, Terraform, block, function_env, grants_on_function, load,
    members_of, referenced, tf)  # noqa: F401 (tf: the fixture)

BACKEND = "google_compute_backend_service"
IAP_AGENT = "serviceAccount:${local.iap_service_agent}"


def problems_console(tf: Terraform) -> list[str]:
    problems = []
    name, body = tf.function("console")
    if block(body, "service_config").get("ingress_settings") != "ALLOW_INTERNAL_AND_GCLB":
        problems.append("console: ingress must be internal and load balancer only")
    for type_, grant, rule in grants_on_function(tf, name):
        if PUBLIC_MEMBERS.intersection(members_of(rule)):
            problems.append(f"{type_}.{grant} makes the console public")
        if rule.get("role") in INVOKER_ROLES and set(members_of(rule)) != {IAP_AGENT}:
            problems.append(f"{type_}.{grant}: only IAP's service agent may invoke")
    guarded = [b for b, backend in tf.of_type(BACKEND).items()
               if block(backend, "iap").get("enabled") is True]
    if not guarded:
        problems.append("no backend service has IAP enabled")
    audience = str(function_env(tf, body).get("COP_IAP_AUDIENCE", ""))
    audience = str(tf.locals.get(audience.removeprefix("${local.").removesuffix("}"), audience))
    if not referenced(audience, BACKEND) & set(guarded) or "generated_id" not in audience:
        problems.append(f"console: COP_IAP_AUDIENCE {audience!r} is not the IAP backend's")
    for rule in tf.of_type("google_iap_web_backend_service_iam_binding").values():
        if PUBLIC_MEMBERS.intersection(members_of(rule)) or "allUsers" in str(rule):
            problems.append("IAP lets everyone in")
    return problems


def test_the_console_is_behind_iap(tf):
    assert problems_console(tf) == []


def test_a_public_console_is_caught():
    broken = load("""
        resource "google_cloud_run_v2_service_iam_member" "oops" {
          location = google_cloudfunctions2_function.http["console"].location
          name     = google_cloudfunctions2_function.http["console"].name
          role     = "roles/run.invoker"
          member   = "allUsers"
        }""")
    assert any("public" in p for p in problems_console(broken))


def test_open_ingress_or_iap_off_is_caught(tf):
    _, body = tf.function("console")
    block(body, "service_config")["ingress_settings"] = "ALLOW_ALL"
    for backend in tf.of_type(BACKEND).values():
        block(backend, "iap")["enabled"] = False
    found = problems_console(tf)
    assert any("ingress" in p for p in found) and any("IAP enabled" in p for p in found)
