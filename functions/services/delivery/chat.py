"""The outbox's sender for chat posts: the Chat port and one community's webhook, so that
posts go through the same ledger as mail (claimed, sent once, a temporary failure retried).
A post is its text: only the text is kept in the ledger, never the webhook, which is read
from the community when it is sent."""
from __future__ import annotations

from ...domain.delivery import PermanentFailure, TemporaryFailure
from ...ports import Chat


class ChatSender:
    batch_size = 10

    def __init__(self, chat: Chat, webhook: str | None) -> None:
        self.chat, self.webhook = chat, webhook

    def send_many(self, texts: list[str]) -> list[Exception | None]:
        return [self._post(text) for text in texts]

    def _post(self, text: str) -> Exception | None:
        if not self.webhook:
            return PermanentFailure("the community has no chat webhook any more")
        try:
            self.chat.post(self.webhook, text.rstrip("\n"))
        except (TemporaryFailure, PermanentFailure) as failure:
            return failure
        return None

    def was_sent(self, message_id: str) -> bool | None:
        return None  # a webhook cannot tell: a post interrupted while recorded goes again
