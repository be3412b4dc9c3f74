"""Credentials, API clients and retries shared by the Gmail and Google Calendar adapters.

Nothing here runs at import time: keys are read and clients built on first use only.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable, Iterable

import httplib2
from googleapiclient import discovery_cache
from googleapiclient.discovery import Resource, build, build_from_document
from googleapiclient.errors import HttpError

log = logging.getLogger(__name__)

# Minimal scopes. The Workspace admin grants exactly these to the service account's
# client id for domain-wide delegation; asking for anything else fails.
GMAIL_SCOPES = (
    "https://www.googleapis.com/auth/gmail.send",
    "https://www.googleapis.com/auth/gmail.readonly",  # only for was_sent's search
)
# The inbox marks handled mail read (readonly cannot change labels) and renews its watch.
GMAIL_INBOX_SCOPES = ("https://www.googleapis.com/auth/gmail.modify",)
CALENDAR_SCOPES = ("https://www.googleapis.com/auth/calendar.events",)
PUBSUB_SCOPES = ("https://www.googleapis.com/auth/pubsub",)
# name -> (API, version, scopes): one client per use, each with only the scopes it needs.
APIS = {"gmail": ("gmail", "v1", GMAIL_SCOPES),
        "gmail-inbox": ("gmail", "v1", GMAIL_INBOX_SCOPES),
        "calendar": ("calendar", "v3", CALENDAR_SCOPES),
        "pubsub": ("pubsub", "v1", PUBSUB_SCOPES)}

TOKEN_URI = "https://oauth2.googleapis.com/token"
IAM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"

# Builds an API client when called; adapters call it on first use, once.
ServiceFactory = Callable[[], Resource]


def service_factory(api: str, subject: str | None = None, key: str | None = None, *,
                    root_url: str | None = None) -> ServiceFactory:
    """A client for `api` (a name in APIS: "gmail", "gmail-inbox", "calendar", "pubsub")
    acting as the Workspace user `subject` (None: as the service account itself), with
    that use's scopes only.

    `key` is a service-account key file path or the key's JSON text; None: Application
    Default Credentials. Nothing is read until the factory is called.
    """
    name, version, scopes = APIS[api]
    auth = GoogleAuth(key)
    return lambda: build_service(name, version, credentials=auth.credentials(scopes, subject),
                                 root_url=root_url)


class GoogleAuth:
    """A mailbox's own OAuth consent, or service-account credentials delegated to a
    Workspace user on request.

    The key comes from `key` (a path or JSON text): an `authorized_user` (the rota
    mailbox's own consent: client_id, client_secret, refresh_token and `account`, the
    mailbox that consented; it acts as that mailbox only, with the scopes it consented to),
    or a service-account key. Without one, Application Default Credentials are used: a key
    file named by GOOGLE_APPLICATION_CREDENTIALS, or, on Cloud Functions, the runtime
    service account, which signs its delegation assertions through the IAM Credentials API
    (it needs roles/iam.serviceAccountTokenCreator on itself) because it has no private key
    of its own.
    """

    def __init__(self, key: str | None = None) -> None:
        self._key = key
        self._base: Any = None
        self._account: str | None = None  # whose own consent `key` is, if it is one

    def credentials(self, scopes: Iterable[str], subject: str | None = None) -> Any:
        from google.oauth2 import credentials as user, service_account

        scopes = list(scopes)
        base = self._base_credentials()
        if isinstance(base, user.Credentials) and self._account:
            if subject and subject.lower() != self._account.lower():
                raise ValueError(f"cannot act as {subject}: the OAuth consent in use is "
                                 f"{self._account}'s own")
            return base
        if isinstance(base, service_account.Credentials):
            credentials = base.with_scopes(scopes)
            return credentials.with_subject(subject) if subject else credentials
        if hasattr(base, "service_account_email"):  # the runtime's account, keyless
            return _keyless_delegated(base, scopes, subject)
        if subject:
            raise ValueError(
                f"cannot act as {subject}: domain-wide delegation needs service-account "
                f"credentials (a key in GOOGLE_APPLICATION_CREDENTIALS, or the runtime's "
                f"service account)")
        return base.with_scopes(scopes) if getattr(base, "requires_scopes", False) else base

    def _base_credentials(self) -> Any:
        if self._base is None:
            self._base, self._account = _load(self._key)
        return self._base


def _load(key: str | None) -> tuple[Any, str | None]:
    """The credentials, and the mailbox whose own consent they are (None: not one)."""
    from google.oauth2 import credentials as user, service_account

    if key is None:
        import google.auth

        credentials, _project = google.auth.default(scopes=[IAM_SCOPE])
        return credentials, None
    if key.lstrip().startswith("{"):
        info = json.loads(key)
    else:
        with open(key, encoding="utf-8") as file:
            info = json.load(file)
    if info.get("type") == "authorized_user":
        if not info.get("account"):
            raise ValueError("an OAuth consent (authorized_user) must name its mailbox in "
                             "\"account\"")
        missing = {"client_id", "client_secret", "refresh_token"} - set(info)
        if missing:
            raise ValueError(f"the OAuth consent lacks {', '.join(sorted(missing))}")
        return user.Credentials(None, refresh_token=info["refresh_token"],
                                token_uri=info.get("token_uri", TOKEN_URI),
                                client_id=info["client_id"],
                                client_secret=info["client_secret"],
                                account=info["account"]), info["account"]
    return service_account.Credentials.from_service_account_info(info), None


def _keyless_delegated(source: Any, scopes: list[str], subject: str | None) -> Any:
    from google.auth import iam
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account

    request = Request()
    if source.service_account_email == "default":
        source.refresh(request)  # learns the account's real address
    signer = iam.Signer(request, source, source.service_account_email)
    return service_account.Credentials(
        signer, source.service_account_email, TOKEN_URI, scopes=scopes, subject=subject)


def build_service(api: str, version: str, *, credentials: Any = None,
                  http: httplib2.Http | None = None, root_url: str | None = None) -> Resource:
    """An API client from the discovery document bundled with the library (no network).

    `root_url` points every request at another server (a local fake). It rewrites the
    document's rootUrl rather than passing client_options={"api_endpoint": ...}, because
    the api_endpoint override does not reach new_batch_http_request(), which would still
    post batches to Google (googleapis/google-api-python-client#1107).

    Without `http`, requests go through SingleShotHttp (with the credentials attached).
    """
    if http is None:
        from google_auth_httplib2 import AuthorizedHttp

        http = SingleShotHttp()
        if credentials is not None:
            http, credentials = AuthorizedHttp(credentials, http=http), None
    if root_url is None:
        return build(api, version, credentials=credentials, http=http,
                     static_discovery=True, cache_discovery=False)
    document = json.loads(discovery_cache.get_static_doc(api, version))
    document["rootUrl"] = document["mtlsRootUrl"] = root_url.rstrip("/") + "/"
    return build_from_document(document, credentials=credentials, http=http)


class SingleShotHttp:
    """httplib2.Http's `request` over urllib3, which never sends a request twice by itself.

    httplib2 sends a request again when the connection closes before the answer comes, even
    a POST: a Gmail batch of sends whose answer was lost would deliver every message twice.
    Here that is an error like any other, and the outbox asks Gmail what went out.
    """

    def __init__(self, timeout: float = 60) -> None:
        import urllib3

        self.timeout = timeout
        self._pool = urllib3.PoolManager(retries=False, timeout=timeout)
        self.follow_redirects, self.redirect_codes, self.connections = False, frozenset(), {}

    def request(self, uri: str, method: str = "GET", body: Any = None,
                headers: dict | None = None, redirections: int = 0,
                connection_type: Any = None) -> tuple[httplib2.Response, bytes]:
        import urllib3

        try:
            answer = self._pool.request(method, uri, body=body, headers=headers,
                                        retries=False, redirect=False)
        except urllib3.exceptions.TimeoutError as error:
            raise TimeoutError(f"timed out: {error}") from error
        except urllib3.exceptions.HTTPError as error:
            raise ConnectionError(f"no answer: {error}") from error
        info = {k.lower(): v for k, v in answer.headers.items()}
        info["status"] = str(answer.status)
        return httplib2.Response(info), answer.data


# Retries ------------------------------------------------------------------------------

RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
TRANSPORT_ERRORS = (OSError, httplib2.HttpLib2Error)  # refused, reset, timed out, DNS


def status_of(error: BaseException) -> int | None:
    return error.resp.status if isinstance(error, HttpError) else None


def error_reason(error: HttpError) -> str:
    """The first machine-readable reason in a Google error body ("duplicate", ...)."""
    try:
        errors = json.loads(error.content.decode("utf-8"))["error"].get("errors") or [{}]
        return errors[0].get("reason", "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""


def retryable(error: BaseException) -> bool:
    """429, 5xx, and the 403s Google uses for rate limits; transport errors too."""
    if isinstance(error, HttpError):
        status = error.resp.status
        return (status == 429 or status >= 500
                or (status == 403 and error_reason(error) in RATE_LIMIT_REASONS))
    return isinstance(error, TRANSPORT_ERRORS)


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (0-based): 1, 2, 4, ... 32."""
    return float(min(2 ** attempt, 32))


def execute(request: Any, sleep: Callable[[float], None], attempts: int = 5) -> Any:
    """Run one API request, retrying retryable failures with exponential backoff.

    Our own loop instead of execute(num_retries=...) so that the sleep is injectable.
    """
    for attempt in range(max(attempts, 1)):
        try:
            return request.execute(num_retries=0)
        except (HttpError, *TRANSPORT_ERRORS) as error:
            if attempt + 1 >= attempts or not retryable(error):
                raise
            log.info("retrying %s %s after %s", request.method, request.uri, error)
            sleep(backoff(attempt))
    raise AssertionError("unreachable")
