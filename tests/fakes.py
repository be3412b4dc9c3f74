"""In-memory fakes of the Mailer and Calendar ports, for service tests."""
from __future__ import annotations

from email.message import EmailMessage

from functions.domain.delivery import PermanentFailure, TemporaryFailure
from functions.domain.invites import Event
from functions.ports import INCREMENTAL, NO_ANSWERS, PER_EVENT


class MemoryMailer:
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.sent: list[EmailMessage] = []
        self.refuse = refuse or set()  # recipients the "server" rejects
        self.busy: set[str] = set()  # recipients the "server" asks to try again later
        self.down = False
        self.batch_size = 50
        self.batches: list[int] = []  # how many messages each send_many call was given
        # Each message's recipient, read once: parsing the To header on every look-up made
        # `to()` the slowest step of the long simulations.
        self._recipients: dict[int, tuple[EmailMessage, str]] = {}

    def send_many(self, messages: list[EmailMessage]) -> list[Exception | None]:
        self.batches.append(len(messages))
        if self.down:
            raise ConnectionError("mail server unreachable")
        results: list[Exception | None] = []
        for message in messages:
            recipient = self.recipient(message)
            if recipient in self.refuse:
                results.append(PermanentFailure(f"550 rejected {message['To']}", bounce=True))
            elif recipient in self.busy:
                results.append(TemporaryFailure(f"451 try again later {message['To']}"))
            else:
                self.sent.append(message)
                results.append(None)
        return results

    def was_sent(self, message_id: str) -> bool | None:
        return any(m["Message-ID"] == message_id for m in self.sent)

    def recipient(self, message: EmailMessage) -> str:
        """The address a message was sent to."""
        known = self._recipients.get(id(message))
        if known is None or known[0] is not message:
            known = (message, message["To"].addresses[0].addr_spec)
            self._recipients[id(message)] = known
        return known[1]

    def to(self, address: str, kind: str | None = None) -> list[EmailMessage]:
        recipient = self.recipient
        return [m for m in self.sent if recipient(m) == address
                and (kind is None or m["X-Cop-Kind"] == kind)]

    def recipients(self) -> set[str]:
        """Everyone who was sent something."""
        return {self.recipient(m) for m in self.sent}

    def kinds(self) -> list[str]:
        return [m["X-Cop-Kind"] for m in self.sent]


class MemoryCalendar:
    answering = PER_EVENT

    def __init__(self) -> None:
        self.events: dict[str, Event] = {}
        self.published: list[Event] = []
        self.answers: dict[str, dict[str, str]] = {}

    def publish(self, event: Event) -> None:
        self.events[event.uid] = event
        self.published.append(event)

    def responses(self, event: Event) -> dict[str, str]:
        return dict(self.answers.get(event.uid, {}))


class SilentCalendar(MemoryCalendar):
    """Tells no answers, like the embedded .ics calendar (Google's tells what changed in one
    call): a community then runs only when a job is due, not on every tick to read the
    answers of each event."""

    answering = NO_ANSWERS


class IncrementalMemoryCalendar(MemoryCalendar):
    """Tells the answers that changed since a token, for the whole calendar at once (as
    Google's events.list with a sync token does), keyed by event UID."""

    answering = INCREMENTAL
    calendar_id = "rota@example.com"

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[str] = []  # event UIDs, in the order their answers changed

    def answer(self, uid: str, email: str, status: str) -> None:
        self.answers.setdefault(uid, {})[email] = status
        self.changes.append(uid)

    def event_key(self, uid: str) -> str:
        return uid

    def answers_since(self, token: str | None) -> tuple[dict[str, dict[str, str]], str]:
        since = int(token or 0)
        return ({uid: dict(self.answers[uid]) for uid in self.changes[since:]},
                str(len(self.changes)))


# Documents each store method reads, as Firestore bills them: each document a get or query
# returns, one for a query that returns none, one for a get of a missing document; a
# create-if-absent reads nothing, a compare-and-swap its one document.
_ONE = {"get_community", "get_member", "due_mark", "mark_due", "settle_due"}
_QUERIES = {"list_communities", "list_members", "list_sessions", "list_links", "list_records",
            "due_retries", "due_communities", "member_of", "organised_by"}


class CountingStore:
    """Any Store, with a count of the calls made to each of its methods and of the
    documents they read (`reads`, billed as Firestore bills them)."""

    def __init__(self, store) -> None:
        self.store = store
        self.calls: dict[str, int] = {}
        self.reads = 0

    def __getattr__(self, name):
        method = getattr(self.store, name)
        if not callable(method):
            return method

        def counted(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            if name == "entries":
                args = (list(args[0]),)
            result = method(*args, **kwargs)
            self.reads += _billed(name, args, result)
            return result
        return counted


def _billed(name: str, args: tuple, result) -> int:
    if name in _ONE:
        return 1
    if name in _QUERIES:
        return max(len(result), 1)
    if name == "replying_at":  # Firestore: the address, and the address with a +tag
        return max(len(result), 1) + int(args[0] is not None)
    if name == "entries":
        return len(set(args[0]))
    if name == "swap":
        return int(args[1] is not None or args[2] is None)
    if name == "save":
        write = args[0]
        return len(write.new_members) + int(write.mark_due is not None
                                            or write.settle_due is not None)
    return 0
