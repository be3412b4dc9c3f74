"""Security and wiring invariants of the Terraform in infra/.

Every infra/*.tf file is parsed with python-hcl2; nothing is planned or applied, and the
functions package is read with `ast`, never imported. Each invariant is a `problems_*`
function that returns what is wrong (empty: nothing), so the same check runs on the real
configuration and, in the "can fail" tests at the end, on deliberately broken copies.
"""
from __future__ import annotations

import ast
import copy
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import hcl2
import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
CONFIG_PY = ROOT / "functions" / "config.py"

HCL_OPTIONS = hcl2.SerializationOptions(
    with_comments=False, explicit_blocks=False, strip_string_quotes=True,
    preserve_heredocs=False)

# Settings config.py reads that the cloud functions must be given as plain variables.
CLOUD_SETTINGS = ("COP_STORE", "COP_MAIL", "COP_INBOX", "COP_CALENDAR", "COP_FANOUT",
                  "COP_PUBLIC_URL", "COP_REPLY_TO", "COP_GMAIL_TOPIC", "COP_UNSUBSCRIBE")
# Read by config.py but deliberately not set in the cloud: laptop, demo and SMTP settings.
LOCAL_ONLY_SETTINGS = {"COP_DATA", "COP_NOW", "COP_SMTP_USER", "COP_SMTP_PASSWORD",
                       "COP_STORE_WAIT"}  # the embedded SQLite store only
SECRET_SETTING = "COP_SECRET"

REQUIRED_APIS = {
    "cloudfunctions.googleapis.com", "run.googleapis.com", "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com", "cloudscheduler.googleapis.com",
    "pubsub.googleapis.com", "firestore.googleapis.com", "secretmanager.googleapis.com",
    "calendar-json.googleapis.com", "gmail.googleapis.com", "iam.googleapis.com",
}
PRIMITIVE_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
INVOKER_ROLES = {"roles/run.invoker", "roles/cloudfunctions.invoker"}
PUBLIC_MEMBERS = {"allUsers", "allAuthenticatedUsers"}
# Beyond the store (roles/datastore.user on the project) and the secrets its function reads
# (its secret environment variables): what each function's own account is granted, as
# (role, the setting naming the resource). Nothing else.
EXTRA_GRANTS = {
    "tick": {("roles/pubsub.publisher", "COP_FANOUT")},  # a community's turn, to run_community
    "web": {("roles/pubsub.publisher", "COP_UNSUBSCRIBE")},  # a click, to unsubscribe
}
# The store: read and written, but by web, which only reads it.
STORE_ROLES = {"web": "roles/datastore.viewer"}
STORE_ROLE = "roles/datastore.user"
IAM_GRANT = re.compile(r"^google_\w+_iam_(member|binding|policy)$")
GMAIL_PUSH_ACCOUNT = "serviceAccount:gmail-api-push@system.gserviceaccount.com"
FUNCTION = "google_cloudfunctions2_function"
ENTRY_POINTS = ("tick", "run_community", "web", "inbox", "console", "unsubscribe")
# Resources that grant a role on a function's Cloud Run service (or on the function).
SERVICE_IAM = re.compile(
    r"^google_(cloud_run_v2_service|cloud_run_service|cloudfunctions2_function)"
    r"_iam_(member|binding|policy)$")
SUBSCRIPTION = "google_pubsub_subscription"
PUBSUB_AGENT = "serviceAccount:${local.pubsub_service_agent}"
PROJECT_IAM = re.compile(r"^google_project_iam_(member|binding|policy)$")
SECRET_IAM = re.compile(r"^google_secret_manager_secret_iam_(member|binding)$")
NEVER_EXCLUDED_FROM_ZIP = ("requirements.txt", "functions/__init__.py", "templates")
MUST_BE_EXCLUDED_FROM_ZIP = (".venv", ".git", "tests", ".data", "infra")


# --- The parsed configuration ------------------------------------------------------------

class Terraform:
    """Every top-level block of a set of .tf files, merged: resources by type and name."""

    def __init__(self, documents: list[dict]) -> None:
        self.resources: dict[str, dict[str, dict]] = {}
        self.data: dict[str, dict[str, dict]] = {}
        self.locals: dict[str, Any] = {}
        self.variables: dict[str, dict] = {}
        for document in documents:
            for kind, into in (("resource", self.resources), ("data", self.data)):
                for entry in document.get(kind, []):
                    for type_, named in entry.items():
                        into.setdefault(type_, {}).update(named)
            for entry in document.get("locals", []):
                self.locals.update(entry)
            for entry in document.get("variable", []):
                self.variables.update(entry)
        for named in self.resources.values():
            for name, body in list(named.items()):
                if "for_each" in body:
                    del named[name]
                    named.update(self._instances(name, body))

    def _instances(self, name: str, body: dict) -> dict[str, dict]:
        """`for_each` over a local map (or `toset` of a local list): one body per key,
        `each.key` and `each.value…` filled in, named as Terraform addresses them
        (`NAME["KEY"]`)."""
        match = re.fullmatch(r"\$\{(toset\()?local\.(\w+)\)?\}", str(body["for_each"]))
        assert match, f"{name}: for_each must name a local, found {body['for_each']!r}"
        values = self.locals.get(match.group(2))
        if match.group(1):
            values = {item: item for item in values}
        assert isinstance(values, dict), f"{name}: for_each over {values!r}"
        rest = {k: v for k, v in body.items() if k != "for_each"}
        return {f'{name}["{key}"]': _each(rest, key, value) for key, value in values.items()}

    def of_type(self, type_: str) -> dict[str, dict]:
        return self.resources.get(type_, {})

    def matching(self, pattern: re.Pattern) -> Iterator[tuple[str, str, dict]]:
        for type_, named in self.resources.items():
            if pattern.match(type_):
                for name, body in named.items():
                    yield type_, name, body

    def resolve(self, value: Any) -> Any:
        """A value that is just `${local.NAME}` becomes that local's value."""
        if isinstance(value, str):
            match = re.fullmatch(r"\$\{local\.(\w+)\}", value)
            if match and match.group(1) in self.locals:
                return self.resolve(self.locals[match.group(1)])
        return value

    def function(self, entry_point: str) -> tuple[str, dict]:
        found = [(name, body) for name, body in self.of_type(FUNCTION).items()
                 if block(body, "build_config").get("entry_point") == entry_point]
        assert len(found) == 1, f"expected one function with entry_point {entry_point!r}"
        return found[0]


def _each(value: Any, key: str, each: Any) -> Any:
    """A body with `each.key` and `each.value[.attr]` replaced by their values."""
    if isinstance(value, dict):
        return {k: _each(v, key, each) for k, v in value.items()}
    if isinstance(value, list):
        return [_each(v, key, each) for v in value]
    if not isinstance(value, str):
        return value

    def of(path: str | None) -> Any:
        return each if not path else each[path]

    whole = re.fullmatch(r"\$\{each\.value(?:\.(\w+))?\}", value)
    if whole:
        return of(whole.group(1))
    if value == "${each.key}":
        return key
    value = value.replace("[each.key]", f'["{key}"]')
    value = re.sub(r"\$\{each\.key\}", key, value)
    # Inside a larger string, a value that is itself "${expr}" stays an interpolation.
    return re.sub(r"\$\{each\.value(?:\.(\w+))?\}", lambda m: str(of(m.group(1))), value)


def parse(text: str) -> dict:
    return hcl2.loads(text, serialization_options=HCL_OPTIONS)


@lru_cache(maxsize=1)
def _parsed() -> tuple[dict, ...]:
    files = sorted(INFRA.glob("*.tf"))
    assert files, f"no .tf files in {INFRA}"
    return tuple(parse(path.read_text()) for path in files)


def load(*extra_hcl: str) -> Terraform:
    """The real configuration (a fresh copy), plus any extra HCL text."""
    return Terraform([copy.deepcopy(d) for d in _parsed()] + [parse(t) for t in extra_hcl])


@pytest.fixture
def tf() -> Terraform:
    return load()


# --- Small helpers -----------------------------------------------------------------------

def block(body: dict, name: str) -> dict:
    """The first nested block called `name` ({} when absent)."""
    value = body.get(name)
    if isinstance(value, list):
        return value[0] if value else {}
    return value or {}


def refers_to(value: Any, address: str) -> bool:
    """Whether an expression mentions a resource address such as google_pubsub_topic.x."""
    return re.search(rf"(?<![\w.]){re.escape(address)}(?![\w])", str(value)) is not None


def referenced(value: Any, type_: str) -> set[str]:
    """Names of the `type_` resources an expression mentions."""
    return set(re.findall(rf"(?<![\w.]){re.escape(type_)}\.(\w+)", str(value)))


def roles_in(value: Any) -> Iterator[str]:
    """Every `role = ...` anywhere in a block, nested blocks included."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "role" and isinstance(item, str):
                yield item
            else:
                yield from roles_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from roles_in(item)


def members_of(body: dict) -> list[str]:
    if "members" in body:
        return list(body["members"])
    return [body["member"]] if "member" in body else []


def service_account_member(name: str) -> str:
    return "serviceAccount:${google_service_account.%s.email}" % name


def grants_on_function(tf: Terraform, function_name: str) -> list[tuple[str, str, dict]]:
    """IAM resources on a function's service, named through the function or like it."""
    address = f"{FUNCTION}.{function_name}"
    own_name = _dotted(tf.of_type(FUNCTION)[function_name].get("name"))
    return [(type_, name, body) for type_, name, body in tf.matching(SERVICE_IAM)
            if any(refers_to(body.get(key), address) or _dotted(body.get(key)) == own_name
                   for key in ("name", "service", "cloud_function"))]


def _dotted(value: Any) -> Any:
    """`local.x["key"]` and `local.x.key` are the same value."""
    return re.sub(r'\["(\w+)"\]', r".\1", value) if isinstance(value, str) else value


def function_account(body: dict) -> frozenset[str]:
    return frozenset(referenced(block(body, "service_config").get("service_account_email"),
                                "google_service_account"))


def function_accounts(tf: Terraform) -> dict[str, str]:
    """The service account each function runs as (`google_service_account.NAME`), by
    entry point."""
    accounts = {}
    for body in tf.of_type(FUNCTION).values():
        entry_point = block(body, "build_config").get("entry_point")
        names = function_account(body)
        assert len(names) == 1, f"{entry_point} runs as no single service account: {names}"
        accounts[entry_point] = next(iter(names))
    return accounts


def grants_to(tf: Terraform, member: str) -> set[tuple[str, str]]:
    """Every (role, resource) an IAM resource grants `member`: "project" for a project
    grant, else the address of the resource it is on (`google_pubsub_topic.fanout`)."""
    found = set()
    for type_, named in tf.resources.items():
        if not IAM_GRANT.match(type_):
            continue
        for name, body in named.items():
            if member not in members_of(body):
                continue
            if PROJECT_IAM.match(type_):
                target = "project"
            else:
                on = {k: v for k, v in body.items()
                      if k not in ("role", "member", "members", "condition", "depends_on")}
                addresses = re.findall(r"(?<![\w.])(google_\w+\.\w+)", str(on))
                target = addresses[0] if addresses else f"{type_}.{name}"
            found.add((str(body.get("role")), target))
    return found


def expected_grants(tf: Terraform, entry_point: str) -> set[tuple[str, str]]:
    _, body = tf.function(entry_point)
    grants = {(STORE_ROLES.get(entry_point, STORE_ROLE), "project")}
    for secret in secret_envs(body, tf):
        for name in referenced(secret.get("secret"), "google_secret_manager_secret"):
            grants.add(("roles/secretmanager.secretAccessor",
                        f"google_secret_manager_secret.{name}"))
    env = function_env(tf, body)
    for role, setting in EXTRA_GRANTS.get(entry_point, ()):
        for topic in referenced(env.get(setting), "google_pubsub_topic"):
            grants.add((role, f"google_pubsub_topic.{topic}"))
    return grants


def scheduler_job(tf: Terraform) -> dict:
    jobs = tf.of_type("google_cloud_scheduler_job")
    assert len(jobs) == 1, f"expected one Cloud Scheduler job, found {sorted(jobs)}"
    return next(iter(jobs.values()))


def scheduler_account(tf: Terraform) -> str | None:
    oidc = block(block(scheduler_job(tf), "http_target"), "oidc_token")
    names = referenced(oidc.get("service_account_email"), "google_service_account")
    return next(iter(names)) if len(names) == 1 else None


def function_env(tf: Terraform, body: dict) -> dict:
    env = tf.resolve(block(body, "service_config").get("environment_variables", {}))
    assert isinstance(env, dict), (
        "environment_variables must be a map or a local holding one, so it can be checked")
    return env


def secret_envs(body: dict, tf: Terraform) -> list[dict]:
    """The secret environment variables of a function, a `dynamic` block's over a local
    map included (as `key`, `secret`, `version`)."""
    config = block(body, "service_config")
    found = list(config.get("secret_environment_variables", []))
    for dynamic in config.get("dynamic", []):
        spec = dynamic.get("secret_environment_variables")
        if spec is None:
            continue
        entries = tf.resolve(spec.get("for_each"))
        assert isinstance(entries, dict), f"dynamic secrets over {entries!r}"
        found += [{"key": key, **value} for key, value in entries.items()]
    return found


# --- What functions/ declares (read with ast, never imported) ----------------------------

def settings_read_by_config() -> set[str]:
    """Every COP_* name config.py mentions: the settings it reads from its env mapping."""
    names = set()
    for node in ast.walk(ast.parse(CONFIG_PY.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and re.fullmatch(r"COP_[A-Z_]+", node.value):
            names.add(node.value)
    return names


def config_schemes() -> dict[str, tuple[str, ...]]:
    """config.SCHEMES: the URL schemes each backend setting accepts."""
    for node in ast.parse(CONFIG_PY.read_text()).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "SCHEMES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("functions/config.py has no SCHEMES")


def decorated_entry_points(source: Path) -> dict[str, str]:
    """Top-level functions decorated with functions_framework.http / .cloud_event."""
    found = {}
    for node in ast.parse(source.read_text()).body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Attribute) \
                        and isinstance(decorator.value, ast.Name) \
                        and decorator.value.id == "functions_framework" \
                        and decorator.attr in ("http", "cloud_event"):
                    found[node.name] = decorator.attr
    return found


# --- The source zip: archive_file's exclude semantics -------------------------------------

def glob_regex(pattern: str) -> re.Pattern:
    """A doublestar glob (as archive_file >= 2.5 uses) as a regular expression."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def zipped_files(source_dir: Path, excludes: list[str]) -> list[str]:
    """Relative paths archive_file would put in the zip: an excluded directory is skipped."""
    patterns = [glob_regex(p) for p in excludes if p]
    included = []

    def walk(directory: Path) -> None:
        for entry in sorted(directory.iterdir()):
            relative = entry.relative_to(source_dir).as_posix()
            if any(p.match(relative) for p in patterns):
                continue
            if entry.is_dir():
                walk(entry)
            else:
                included.append(relative)

    walk(source_dir)
    return included


def source_archive(tf: Terraform) -> tuple[str, dict]:
    archives = tf.data.get("archive_file", {})
    assert len(archives) == 1, f"expected one archive_file, found {sorted(archives)}"
    return next(iter(archives.items()))


def zip_excludes(tf: Terraform) -> list[str]:
    excludes = tf.resolve(source_archive(tf)[1].get("excludes", []))
    assert isinstance(excludes, list), "excludes must be a list or a local holding one"
    return excludes


# --- The invariants ----------------------------------------------------------------------

def problems_tick_invokers(tf: Terraform) -> list[str]:
    """tick: not public, and the scheduler's account is its one and only invoker."""
    problems = []
    tick, _ = tf.function("tick")
    scheduler = scheduler_account(tf)
    if scheduler is None:
        return ["the scheduler job's OIDC token names no single service account"]
    invokers = set()
    for type_, name, body in grants_on_function(tf, tick):
        if type_.endswith("_iam_policy"):
            problems.append(f"{type_}.{name}: a whole IAM policy on tick cannot be checked")
        public = PUBLIC_MEMBERS.intersection(members_of(body))
        if public:
            problems.append(f"{type_}.{name} grants {body.get('role')} on tick to {public}")
        if body.get("role") in INVOKER_ROLES:
            invokers.update(members_of(body))
    if invokers != {service_account_member(scheduler)}:
        problems.append(f"tick's invokers are {sorted(invokers)}, "
                        f"expected only the scheduler's account ({scheduler})")
    for type_, name, body in tf.matching(PROJECT_IAM):
        if body.get("role") in INVOKER_ROLES:
            problems.append(f"{type_}.{name} grants {body['role']} on the whole project, "
                            "which lets its members invoke tick")
    return problems


def problems_web_public(tf: Terraform) -> list[str]:
    web, _ = tf.function("web")
    public = [body for _, _, body in grants_on_function(tf, web)
              if body.get("role") == "roles/run.invoker"
              and "allUsers" in members_of(body)]
    return [] if public else ["web has no allUsers roles/run.invoker grant"]


def problems_scheduler(tf: Terraform) -> list[str]:
    problems = []
    job = scheduler_job(tf)
    tick, _ = tf.function("tick")
    target = block(job, "http_target")
    oidc = block(target, "oidc_token")
    if job.get("schedule") != "*/15 * * * *":
        problems.append(f"schedule is {job.get('schedule')!r}, expected '*/15 * * * *'")
    if job.get("time_zone") not in ("UTC", "Etc/UTC"):
        problems.append(f"time_zone is {job.get('time_zone')!r}, expected UTC")
    if not refers_to(target.get("uri"), f"{FUNCTION}.{tick}"):
        problems.append("the job does not call the tick function")
    if not oidc:
        problems.append("the job does not authenticate with an OIDC token")
    elif not refers_to(oidc.get("audience"), f"{FUNCTION}.{tick}"):
        problems.append("the OIDC audience is not the tick function's URL")
    scheduler = scheduler_account(tf)
    if scheduler is None:
        problems.append("the OIDC token names no single service account")
    elif scheduler in function_accounts(tf).values():
        problems.append("the scheduler must not use a function's account")
    if not block(job, "retry_config"):
        problems.append("the job has no retry_config")
    return problems


def problems_settings(tf: Terraform, entry_point: str) -> list[str]:
    """The cloud settings are plain variables; COP_SECRET comes from Secret Manager only."""
    problems = []
    _, body = tf.function(entry_point)
    env = function_env(tf, body)
    for name in CLOUD_SETTINGS:
        if not env.get(name):
            problems.append(f"{entry_point}: {name} is not set")
    for name, schemes in config_schemes().items():
        scheme = str(env.get(name, "")).split("://", 1)[0]
        if name in env and scheme not in schemes:
            problems.append(f"{entry_point}: {name} has scheme {scheme!r}, config.py "
                            f"accepts {schemes}")
    if not str(env.get("COP_FANOUT", "")).startswith("pubsub://"):
        problems.append(f"{entry_point}: COP_FANOUT is not pubsub://projects/P/topics/T")
    if not str(env.get("COP_PUBLIC_URL", "")).startswith(("https://", "${")):
        problems.append(f"{entry_point}: COP_PUBLIC_URL is not an https URL")
    if SECRET_SETTING in env:
        problems.append(f"{entry_point}: {SECRET_SETTING} is a plain environment variable")
    if SECRET_SETTING in tf.resolve(block(body, "build_config").get("environment_variables", {})):
        problems.append(f"{entry_point}: {SECRET_SETTING} is a build environment variable")
    secrets = [s for s in secret_envs(body, tf) if s.get("key") == SECRET_SETTING]
    if len(secrets) != 1 or not referenced(secrets[0].get("secret"),
                                           "google_secret_manager_secret"):
        problems.append(f"{entry_point}: {SECRET_SETTING} does not come from a "
                        "google_secret_manager_secret")
    return problems


def addresses(value: Any, type_: str) -> set[str]:
    """Names of the `type_` resources an expression mentions, an instance's key included
    (`dead_letter["inbox"]`)."""
    return set(re.findall(rf'(?<![\w.]){re.escape(type_)}\.(\w+(?:\["[\w-]+"\])?)',
                          str(value)))


def push_subscriptions(tf: Terraform, entry_point: str) -> list[tuple[str, dict]]:
    """The push subscriptions that call a function."""
    name, _ = tf.function(entry_point)
    return [(sub, body) for sub, body in tf.of_type(SUBSCRIPTION).items()
            if refers_to(block(body, "push_config").get("push_endpoint"),
                         f"{FUNCTION}.{name}")]


def problems_push_subscriptions(tf: Terraform) -> list[str]:
    """Every push subscription: an OIDC token, retries with backoff, a dead-letter topic
    Pub/Sub's service agent may publish to (with a pull subscription keeping what lands
    there) and a subscriber grant on the subscription itself, and an ack deadline its
    function's run fits in."""
    problems = []
    subscriptions = tf.of_type(SUBSCRIPTION)
    topic_grants = tf.of_type("google_pubsub_topic_iam_member").values()
    subscription_grants = tf.of_type("google_pubsub_subscription_iam_member").values()
    for name, body in subscriptions.items():
        push = block(body, "push_config")
        if not push:
            continue
        oidc = block(push, "oidc_token")
        if not referenced(oidc.get("service_account_email"), "google_service_account") \
                or not oidc.get("audience"):
            problems.append(f"{name}: pushes without an OIDC token of a service account")
        if not block(body, "retry_policy"):
            problems.append(f"{name}: no retry_policy (retries at once, without backoff)")
        dead = block(body, "dead_letter_policy")
        targets = addresses(dead.get("dead_letter_topic"), "google_pubsub_topic")
        if len(targets) != 1:
            problems.append(f"{name}: no dead-letter topic")
            continue
        (target,) = targets
        if target in addresses(body.get("topic"), "google_pubsub_topic"):
            problems.append(f"{name}: dead letters go back to the topic it reads")
        if not 5 <= int(dead.get("max_delivery_attempts") or 5) <= 100:
            problems.append(f"{name}: max_delivery_attempts out of 5..100")
        if not any(g.get("member") == PUBSUB_AGENT and g.get("role") == "roles/pubsub.publisher"
                   and addresses(g.get("topic"), "google_pubsub_topic") == {target}
                   for g in topic_grants):
            problems.append(f"{name}: Pub/Sub's service agent cannot publish to "
                            f"google_pubsub_topic.{target}")
        if not any(g.get("member") == PUBSUB_AGENT and g.get("role") == "roles/pubsub.subscriber"
                   and addresses(g.get("subscription"), SUBSCRIPTION) == {name}
                   for g in subscription_grants):
            problems.append(f"{name}: Pub/Sub's service agent is no subscriber of it, so it "
                            "cannot dead-letter its messages")
        if not any(addresses(other.get("topic"), "google_pubsub_topic") == {target}
                   for other in subscriptions.values()):
            problems.append(f"{name}: nothing keeps what lands in google_pubsub_topic.{target}")
        for fn, function in tf.of_type(FUNCTION).items():
            if refers_to(push.get("push_endpoint"), f"{FUNCTION}.{fn}"):
                timeout = int(block(function, "service_config").get("timeout_seconds", 60))
                if int(body.get("ack_deadline_seconds", 10)) < min(timeout, 600):
                    problems.append(f"{name}: ack deadline shorter than {fn}'s timeout "
                                    f"({timeout} s): a run still going is delivered again")
    return problems


def problems_push_wiring(tf: Terraform, entry_point: str, setting: str,
                         publisher: str = "tick") -> list[str]:
    """A function called by one push subscription, on the topic `setting` names in the
    publisher's settings, that only its OIDC account may invoke, and with a dead-letter
    topic."""
    problems = []
    found = push_subscriptions(tf, entry_point)
    if len(found) != 1:
        return [f"{entry_point} is called by {len(found)} push subscriptions, expected one"]
    (name, body), = found
    if block(tf.function(entry_point)[1], "event_trigger"):
        problems.append(f"{entry_point} has an event trigger, whose subscription can carry "
                        "no dead-letter topic")
    topics = referenced(body.get("topic"), "google_pubsub_topic")
    env = function_env(tf, tf.function(publisher)[1])
    if not topics or referenced(env.get(setting), "google_pubsub_topic") != topics:
        problems.append(f"{publisher}: {setting} is not {entry_point}'s topic {sorted(topics)}")
    oidc = block(block(body, "push_config"), "oidc_token")
    if not refers_to(oidc.get("audience"), f"{FUNCTION}.{tf.function(entry_point)[0]}"):
        problems.append(f"{name}: the OIDC audience is not {entry_point}'s URL")
    problems += [p for p in problems_push_subscriptions(tf) if p.startswith(f"{name}:")]
    return problems + problems_trigger_invokers(tf, entry_point)


def problems_fanout_wiring(tf: Terraform) -> list[str]:
    """tick publishes to the topic whose push subscription calls run_community."""
    problems = problems_push_wiring(tf, "run_community", "COP_FANOUT")
    env = function_env(tf, tf.function("run_community")[1])
    if not str(env.get("COP_FANOUT", "")).startswith("pubsub://"):
        problems.append("run_community: COP_FANOUT is not set")
    return problems


def problems_unsubscribe_wiring(tf: Terraform) -> list[str]:
    """web publishes a one-click unsubscribe to the topic whose push subscription calls
    the unsubscribe function; nobody else may publish there."""
    problems = problems_push_wiring(tf, "unsubscribe", "COP_UNSUBSCRIBE", publisher="web")
    web = service_account_member(function_accounts(tf)["web"])
    for _, sub in push_subscriptions(tf, "unsubscribe"):
        topics = referenced(sub.get("topic"), "google_pubsub_topic")
        publishers = {m for grant in tf.of_type("google_pubsub_topic_iam_member").values()
                      if referenced(grant.get("topic"), "google_pubsub_topic") == topics
                      and grant.get("role") == "roles/pubsub.publisher"
                      for m in members_of(grant)}
        if publishers != {web}:
            problems.append(f"the unsubscribe topic's publishers are {sorted(publishers)}, "
                            "expected web's account alone")
    return problems


def problems_trigger_invokers(tf: Terraform, entry_point: str) -> list[str]:
    """A function called by Pub/Sub: not public, invoked by its push subscription's OIDC
    account alone, which is no function's own account."""
    problems = []
    name, body = tf.function(entry_point)
    trigger_account = set()
    for _, sub in push_subscriptions(tf, entry_point):
        oidc = block(block(sub, "push_config"), "oidc_token")
        trigger_account |= referenced(oidc.get("service_account_email"),
                                      "google_service_account")
    invokers = set()
    for type_, grant, grant_body in grants_on_function(tf, name):
        if PUBLIC_MEMBERS.intersection(members_of(grant_body)):
            problems.append(f"{type_}.{grant} makes {entry_point} public")
        if grant_body.get("role") in INVOKER_ROLES:
            invokers.update(members_of(grant_body))
    if len(trigger_account) != 1 or \
            invokers != {service_account_member(next(iter(trigger_account)))}:
        problems.append(f"{entry_point}'s invokers are {sorted(invokers)}, expected only "
                        f"its push subscription's account {sorted(trigger_account)}")
    elif trigger_account & set(function_accounts(tf).values()):
        problems.append(f"{entry_point}'s push subscription runs as a function's account")
    return problems


def problems_gmail_inbox_wiring(tf: Terraform) -> list[str]:
    """Gmail publishes to the topic the tick's watch names and inbox's push subscription
    reads."""
    problems = problems_push_wiring(tf, "inbox", "COP_GMAIL_TOPIC")
    for _, body in push_subscriptions(tf, "inbox"):
        topic = referenced(body.get("topic"), "google_pubsub_topic")
        gmail_publishes = any(
            referenced(grant.get("topic"), "google_pubsub_topic") == topic
            and grant.get("member") == GMAIL_PUSH_ACCOUNT
            and grant.get("role") == "roles/pubsub.publisher"
            for grant in tf.of_type("google_pubsub_topic_iam_member").values())
        if not gmail_publishes:
            problems.append(f"Gmail cannot publish to google_pubsub_topic.{sorted(topic)}, "
                            "the topic inbox listens to")
    env = function_env(tf, tf.function("inbox")[1])
    if not str(env.get("COP_INBOX", "")).startswith("gmail://"):
        problems.append("inbox: COP_INBOX is not gmail://MAILBOX")
    return problems


def problems_function_accounts(tf: Terraform) -> list[str]:
    """Each function runs as its own account, granted exactly what its function does (the
    store, read only for web; the secrets it reads; EXTRA_GRANTS); no primitive role for
    anyone."""
    problems = []
    for type_, named in list(tf.resources.items()) + list(tf.data.items()):
        for name, body in named.items():
            for role in roles_in(body):
                if role in PRIMITIVE_ROLES:
                    problems.append(f"{type_}.{name} grants the primitive role {role}")
    accounts = function_accounts(tf)
    for account in sorted(set(accounts.values())):
        sharing = sorted(e for e, a in accounts.items() if a == account)
        if len(sharing) > 1:
            problems.append(f"{' and '.join(sharing)} share the account {account}: "
                            "each function runs as its own")
    for entry_point, account in sorted(accounts.items()):
        expected = expected_grants(tf, entry_point)
        granted = grants_to(tf, service_account_member(account))
        for role, target in sorted(granted - expected):
            problems.append(f"{entry_point}'s account {account} is granted {role} on "
                            f"{target}")
        for role, target in sorted(expected - granted):
            problems.append(f"{entry_point}'s account {account} lacks {role} on {target}")
    if tf.of_type("google_service_account_key"):
        problems.append("a service-account key is created (its private key would be in state)")
    if tf.of_type("google_secret_manager_secret_version"):
        problems.append("a secret version is created (its value would be in state)")
    return problems


def problems_apis(tf: Terraform) -> list[str]:
    enabled = set()
    for body in tf.of_type("google_project_service").values():
        if "for_each" in body:
            for local in re.findall(r"local\.(\w+)", str(body["for_each"])):
                enabled |= set(tf.locals.get(local, []))
        elif "service" in body:
            enabled.add(body["service"])
    missing = REQUIRED_APIS - enabled
    return [f"APIs not enabled: {sorted(missing)}"] if missing else []


def problems_entry_points(tf: Terraform) -> list[str]:
    """Each function's entry point is a decorated function of the file the buildpack loads."""
    problems = []
    for name, body in tf.of_type(FUNCTION).items():
        build = block(body, "build_config")
        source_file = tf.resolve(build.get("environment_variables", {})).get(
            "GOOGLE_FUNCTION_SOURCE", "main.py")
        source = ROOT / source_file
        if not source.is_file():
            problems.append(f"{name}: function source {source_file} does not exist")
            continue
        declared = decorated_entry_points(source)
        entry = build.get("entry_point")
        expected = "cloud_event" if block(body, "event_trigger") else "http"
        if entry not in declared:
            problems.append(f"{name}: entry_point {entry!r} is not a decorated function "
                            f"in {source_file} (found {sorted(declared)})")
        elif declared[entry] != expected:
            problems.append(f"{name}: {entry} is @functions_framework.{declared[entry]}, "
                            f"the trigger needs @functions_framework.{expected}")
        if build.get("runtime") != "python311":
            problems.append(f"{name}: runtime {build.get('runtime')!r}, expected python311")
    return problems


def problems_source_zip(tf: Terraform) -> list[str]:
    problems = []
    name, archive = source_archive(tf)
    if archive.get("source_dir") != "${path.module}/..":
        return [f"archive_file.{name} does not zip the repository root"]
    files = zipped_files(ROOT, zip_excludes(tf))
    for prefix in MUST_BE_EXCLUDED_FROM_ZIP:
        leaked = [f for f in files if f == prefix or f.startswith(prefix + "/")]
        if leaked:
            problems.append(f"the source zip includes {prefix}/ ({leaked[:3]} ...)")
    for part in ("node_modules", "__pycache__"):
        leaked = [f for f in files if part in f.split("/")]
        if leaked:
            problems.append(f"the source zip includes {part} ({leaked[:3]} ...)")
    for needed in NEVER_EXCLUDED_FROM_ZIP:
        if not any(f == needed or f.startswith(needed + "/") for f in files):
            problems.append(f"the source zip lacks {needed}")
    for body in tf.of_type(FUNCTION).values():
        source_file = tf.resolve(block(body, "build_config").get(
            "environment_variables", {})).get("GOOGLE_FUNCTION_SOURCE", "main.py")
        if source_file not in files:
            problems.append(f"the source zip lacks the function source {source_file}")
    uploads = {o for o, body in tf.of_type("google_storage_bucket_object").items()
               if refers_to(body.get("source"), f"data.archive_file.{name}")}
    for fn, body in tf.of_type(FUNCTION).items():
        storage = block(block(block(body, "build_config"), "source"), "storage_source")
        if not any(refers_to(storage.get("object"), f"google_storage_bucket_object.{o}")
                   for o in uploads):
            problems.append(f"{fn} is not built from the upload of archive_file.{name}")
    return problems


def problems_gmail_push(tf: Terraform) -> list[str]:
    for body in tf.of_type("google_pubsub_topic_iam_member").values():
        if body.get("member") == GMAIL_PUSH_ACCOUNT \
                and body.get("role") == "roles/pubsub.publisher":
            return []
    return ["gmail-api-push@system.gserviceaccount.com cannot publish to any topic"]


# --- Tests on the real configuration -------------------------------------------------------

def test_every_tf_file_parses_and_declares_the_four_functions(tf):
    entry_points = {block(b, "build_config").get("entry_point")
                    for b in tf.of_type(FUNCTION).values()}
    assert entry_points == set(ENTRY_POINTS)


def test_tick_is_invoked_by_the_scheduler_account_alone(tf):
    assert problems_tick_invokers(tf) == []


def test_web_is_public(tf):
    assert problems_web_public(tf) == []


def test_scheduler_calls_tick_every_15_minutes_with_oidc(tf):
    assert problems_scheduler(tf) == []


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_functions_get_cloud_settings_and_the_secret_from_secret_manager(tf, entry_point):
    assert problems_settings(tf, entry_point) == []


def test_every_setting_config_reads_is_set_or_known_to_be_local_only(tf):
    read = settings_read_by_config()
    assert set(CLOUD_SETTINGS) | {SECRET_SETTING} <= read, "config.py renamed a setting"
    tick = tf.function("tick")[1]
    secrets = {secret["key"] for secret in secret_envs(tick, tf)}
    unhandled = read - set(function_env(tf, tick)) - secrets - LOCAL_ONLY_SETTINGS
    assert not unhandled, (f"config.py reads {sorted(unhandled)}: set it in infra/ "
                           "(local.cop_env) or list it in LOCAL_ONLY_SETTINGS")


def test_fanout_topic_wires_tick_to_run_community(tf):
    assert problems_fanout_wiring(tf) == []


def test_gmail_push_topic_wires_the_watch_to_the_inbox_function(tf):
    assert problems_gmail_inbox_wiring(tf) == []


def test_each_function_runs_as_its_own_account_with_least_privilege(tf):
    assert problems_function_accounts(tf) == []


def test_a_web_account_that_could_act_as_a_workspace_user_is_caught(tf):
    web = function_account(tf.function("web")[1])
    (account,) = web
    broken = load(f'''
        resource "google_service_account_iam_member" "web_signs" {{
          service_account_id = google_service_account.{account}.name
          role               = "roles/iam.serviceAccountTokenCreator"
          member             = "serviceAccount:${{google_service_account.{account}.email}}"
        }}''')
    assert any("serviceAccountTokenCreator" in p for p in problems_function_accounts(broken))


def test_required_apis_are_enabled(tf):
    assert problems_apis(tf) == []


def test_entry_points_exist_in_the_function_source(tf):
    assert problems_entry_points(tf) == []


def test_source_zip_holds_the_code_and_leaves_out_local_state(tf):
    assert problems_source_zip(tf) == []


def test_web_records_unsubscribes_through_the_unsubscribe_topic(tf):
    assert problems_unsubscribe_wiring(tf) == []


def test_a_second_unsubscribe_publisher_or_a_web_that_writes_is_caught():
    broken = load("""
        resource "google_pubsub_topic_iam_member" "oops" {
          topic  = google_pubsub_topic.unsubscribe.id
          role   = "roles/pubsub.publisher"
          member = "allAuthenticatedUsers"
        }
        resource "google_project_iam_member" "oops2" {
          project = var.project_id
          role    = "roles/datastore.user"
          member  = "serviceAccount:${google_service_account.web.email}"
        }""")
    assert any("unsubscribe topic's publishers" in p for p in problems_unsubscribe_wiring(broken))
    assert any(p.startswith("web's account web is granted roles/datastore.user on project")
               for p in problems_function_accounts(broken))


def test_every_push_subscription_has_dead_letters_and_retries(tf):
    assert tf.of_type(SUBSCRIPTION)
    assert problems_push_subscriptions(tf) == []


def test_gmail_can_publish_push_notifications(tf):
    assert problems_gmail_push(tf) == []


def test_tfvars_example_sets_every_required_variable(tf):
    required = {name for name, body in tf.variables.items() if "default" not in body}
    example = parse((INFRA / "terraform.tfvars.example").read_text())
    assert required <= set(example), f"missing from the example: {required - set(example)}"


# --- The checks can fail: the same invariants on broken copies -----------------------------

def test_a_public_tick_is_caught():
    broken = load("""
        resource "google_cloud_run_v2_service_iam_member" "oops" {
          location = google_cloudfunctions2_function.http["tick"].location
          name     = google_cloudfunctions2_function.http["tick"].name
          role     = "roles/run.invoker"
          member   = "allUsers"
        }""")
    assert any("allUsers" in p for p in problems_tick_invokers(broken))


def test_a_second_tick_invoker_is_caught(tf):
    runtime = function_accounts(tf)["tick"]
    broken = load(f"""
        resource "google_cloud_run_v2_service_iam_member" "oops" {{
          name   = google_cloudfunctions2_function.http["tick"].name
          role   = "roles/run.invoker"
          member = "serviceAccount:${{google_service_account.{runtime}.email}}"
        }}""")
    assert problems_tick_invokers(broken)


def test_a_public_tick_named_without_the_function_is_caught():
    broken = load("""
        resource "google_cloud_run_service_iam_member" "oops" {
          service = local.function_names.tick
          role    = "roles/run.invoker"
          member  = "allAuthenticatedUsers"
        }""")
    assert any("allAuthenticatedUsers" in p for p in problems_tick_invokers(broken))


def test_a_project_wide_invoker_is_caught():
    broken = load("""
        resource "google_project_iam_member" "oops" {
          project = var.project_id
          role    = "roles/run.invoker"
          member  = "group:everyone@example.com"
        }""")
    assert problems_tick_invokers(broken)


def test_a_primitive_role_is_caught(tf):
    runtime = function_accounts(tf)["tick"]
    broken = load(f"""
        resource "google_project_iam_member" "oops" {{
          project = var.project_id
          role    = "roles/editor"
          member  = "serviceAccount:${{google_service_account.{runtime}.email}}"
        }}""")
    assert any("primitive" in p for p in problems_function_accounts(broken))


def test_a_plain_secret_or_a_missing_setting_is_caught(tf):
    name, body = tf.function("tick")
    env = function_env(tf, body)
    block(body, "service_config")["environment_variables"] = {
        **{k: v for k, v in env.items() if k != "COP_INBOX"}, "COP_SECRET": "hunter2"}
    problems = problems_settings(tf, "tick")
    assert any("COP_INBOX is not set" in p for p in problems)
    assert any("plain environment variable" in p for p in problems)


def test_a_wrong_schedule_or_missing_oidc_is_caught(tf):
    job = scheduler_job(tf)
    job["schedule"] = "0 * * * *"
    block(job, "http_target").pop("oidc_token")
    problems = problems_scheduler(tf)
    assert any("schedule" in p for p in problems)
    assert any("OIDC" in p for p in problems)


def test_a_missing_api_is_caught(tf):
    services = tf.of_type("google_project_service")
    for name in [n for n, b in services.items() if b.get("service") == "gmail.googleapis.com"]:
        del services[name]
    assert problems_apis(tf) == ["APIs not enabled: ['gmail.googleapis.com']"]


def test_an_unknown_entry_point_is_caught(tf):
    _, body = tf.function("web")
    block(body, "build_config")["entry_point"] = "website"
    assert any("'website'" in p for p in problems_entry_points(tf))


def test_a_zip_without_excludes_is_caught(tf):
    zip_excludes(tf).remove("tests")
    problems = problems_source_zip(tf)
    assert any("tests/" in p for p in problems)


def test_a_private_web_is_caught(tf):
    web, _ = tf.function("web")
    for _, _, body in grants_on_function(tf, web):
        body["member"] = "domain:example.com"
    assert problems_web_public(tf)


def test_broken_fanout_wiring_is_caught(tf):
    (name, sub), = push_subscriptions(tf, "run_community")
    sub["topic"] = "${google_pubsub_topic.gmail_push.id}"
    del sub["retry_policy"]
    problems = problems_fanout_wiring(tf)
    assert any("tick: COP_FANOUT is not" in p for p in problems)
    assert any(f"{name}: no retry_policy" in p for p in problems)


def test_a_push_subscription_without_dead_letters_is_caught(tf):
    (name, sub), = push_subscriptions(tf, "inbox")
    del sub["dead_letter_policy"]
    assert problems_gmail_inbox_wiring(tf) == [f"{name}: no dead-letter topic"]


def test_dead_letters_pub_sub_may_not_move_are_caught(tf):
    (name, _), = push_subscriptions(tf, "run_community")
    for grants in (tf.of_type("google_pubsub_topic_iam_member"),
                   tf.of_type("google_pubsub_subscription_iam_member")):
        for key in [k for k in grants if k.endswith('["run_community"]')]:
            del grants[key]
    problems = problems_push_subscriptions(tf)
    assert any(f"{name}: Pub/Sub's service agent cannot publish" in p for p in problems)
    assert any(f"{name}: Pub/Sub's service agent is no subscriber" in p for p in problems)


def test_a_short_ack_deadline_or_a_push_without_oidc_is_caught(tf):
    (name, sub), = push_subscriptions(tf, "run_community")
    sub["ack_deadline_seconds"] = 60
    block(sub, "push_config").pop("oidc_token")
    problems = problems_push_subscriptions(tf)
    assert any(f"{name}: ack deadline shorter" in p for p in problems)
    assert any(f"{name}: pushes without an OIDC token" in p for p in problems)


def test_an_event_trigger_is_caught(tf):
    _, body = tf.function("inbox")
    body["event_trigger"] = [{"pubsub_topic": "${google_pubsub_topic.gmail_push.id}"}]
    assert any("has an event trigger" in p for p in problems_gmail_inbox_wiring(tf))


def test_broken_gmail_inbox_wiring_is_caught(tf):
    (_, sub), = push_subscriptions(tf, "inbox")
    sub["topic"] = "${google_pubsub_topic.fanout.id}"
    problems = problems_gmail_inbox_wiring(tf)
    assert any("Gmail cannot publish" in p for p in problems)
    assert any("tick: COP_GMAIL_TOPIC is not" in p for p in problems)


def test_a_missing_gmail_topic_setting_is_caught(tf):
    _, body = tf.function("tick")
    env = function_env(tf, body)
    block(body, "service_config")["environment_variables"] = {
        k: v for k, v in env.items() if k != "COP_GMAIL_TOPIC"}
    assert any("COP_GMAIL_TOPIC is not set" in p for p in problems_settings(tf, "tick"))
    assert any("tick: COP_GMAIL_TOPIC" in p for p in problems_gmail_inbox_wiring(tf))


def test_a_public_inbox_or_a_second_invoker_is_caught(tf):
    runtime = function_accounts(tf)["tick"]
    broken = load(f"""
        resource "google_cloud_run_v2_service_iam_member" "oops" {{
          name   = google_cloudfunctions2_function.http["inbox"].name
          role   = "roles/run.invoker"
          member = "allUsers"
        }}
        resource "google_cloud_run_v2_service_iam_member" "oops2" {{
          name   = google_cloudfunctions2_function.http["inbox"].name
          role   = "roles/run.invoker"
          member = "serviceAccount:${{google_service_account.{runtime}.email}}"
        }}""")
    problems = problems_trigger_invokers(broken, "inbox")
    assert any("makes inbox public" in p for p in problems)
    assert any("inbox's invokers are" in p for p in problems)


def test_an_http_function_on_an_event_trigger_is_caught(tf):
    _, body = tf.function("web")
    body["event_trigger"] = [{"pubsub_topic": "${google_pubsub_topic.fanout.id}"}]
    assert any("cloud_event" in p for p in problems_entry_points(tf))


def test_glob_matching_follows_doublestar():
    assert glob_regex("**/__pycache__").match("functions/domain/__pycache__")
    assert glob_regex("**/__pycache__").match("__pycache__")
    assert glob_regex("tests").match("tests")
    assert not glob_regex("tests").match("functions/tests")
    assert not glob_regex("*.pyc").match("functions/a.pyc")


def test_functions_sharing_an_account_are_caught(tf):
    _, inbox = tf.function("inbox")
    _, run = tf.function("run_community")
    block(inbox, "service_config")["service_account_email"] = \
        block(run, "service_config")["service_account_email"]
    assert any("inbox and run_community share the account" in p
               for p in problems_function_accounts(tf))


def test_a_grant_beyond_what_the_function_does_is_caught():
    run = function_accounts(load())["run_community"]
    broken = load(f"""
        resource "google_pubsub_topic_iam_member" "oops" {{
          topic  = google_pubsub_topic.fanout.id
          role   = "roles/pubsub.publisher"
          member = "serviceAccount:${{google_service_account.{run}.email}}"
        }}""")
    assert problems_function_accounts(broken) == [
        f"run_community's account {run} is granted roles/pubsub.publisher on "
        "google_pubsub_topic.fanout"]


def test_the_mailbox_consent_for_web_or_no_publish_for_tick_is_caught(tf):
    readers = tf.locals["function_accounts"]
    tf.locals["mailbox_accounts"]["web"] = readers["web"]
    grants = tf.of_type("google_secret_manager_secret_iam_member")
    grants['reads_gmail_oauth["web"]'] = {**grants['reads_gmail_oauth["tick"]'],
                                          "member": grants['reads_cop_secret["web"]']["member"]}
    del tf.of_type("google_pubsub_topic_iam_member")["tick_publishes_fanout"]
    problems = problems_function_accounts(tf)
    assert any(p.startswith("web's account") and "gmail_oauth" in p for p in problems)
    assert any(p.startswith("tick's account") and "lacks roles/pubsub.publisher" in p
               for p in problems)
