"""The outbox's sender for chat posts: the Mailer interface over the Chat port and one
community's webhook, so that posts go through the same ledger as mail (claimed, sent once,
a temporary failure retried). A post travels as a small text message: only its text is
kept in the ledger, never the webhook, which is read from the community when it is sent.
"""
from __future__ import annotations

from email.message import EmailMessage

from ...domain.chat import CHANNEL
from ...domain.delivery import PermanentFailure, TemporaryFailure
from ...ports import Chat


def is_post(key: str) -> bool:
    return key.rsplit("/", 1)[-1] == CHANNEL


def post_message(key: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"] = f"<{key.replace('/', '.')}@chat.invalid>"
    message.set_content(text)
    return message


class ChatSender:
    batch_size = 10

    def __init__(self, chat: Chat, webhook: str | None) -> None:
        self.chat, self.webhook = chat, webhook

    def send_many(self, messages: list[EmailMessage]) -> list[Exception | None]:
        return [self._post(m) for m in messages]

    def _post(self, message: EmailMessage) -> Exception | None:
        if not self.webhook:
            return PermanentFailure("the community has no chat webhook any more")
        try:
            self.chat.post(self.webhook, message.get_content().rstrip("\n"))
        except (TemporaryFailure, PermanentFailure) as failure:
            return failure
        return None

    def was_sent(self, message_id: str) -> bool | None:
        return None  # a webhook cannot tell: a post interrupted while recorded goes again
