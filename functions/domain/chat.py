"""What the rota posts to a community's team chat: plain text, one line per fact."""
from __future__ import annotations

from .delivery import LedgerKey
from .digest import SessionLine

CHANNEL = "chat"  # the recipient part of a chat post's ledger key
MAIL, CHAT = "mail", "chat"  # where a message goes


def channel_of(key: str | LedgerKey) -> str:
    """Where the message of that ledger key goes: a person's mailbox or the team chat."""
    parsed = key if isinstance(key, LedgerKey) else LedgerKey.parse(key)
    return CHAT if parsed.recipient == CHANNEL else MAIL


def presenter_post(community_name: str, line: SessionLine, video_url: str | None) -> str:
    """The weekly "who presents on <day>, on what"."""
    if line.status != "planned":
        return f"{community_name}: no session on {line.day}" + (
            f" ({line.note})." if line.note else ".")
    if line.presenter_name is None:
        return (f"{community_name}: nobody presents on {line.when} yet. Reply `volunteer` "
                "to the digest to take the session.")
    text = (f"{community_name}: {line.presenter_name} presents on {line.when}, "
            + (f"on “{line.topic}”." if line.topic else "topic to be announced."))
    return text + (f"\nJoin: {video_url}" if video_url else "")


def shares_post(community_name: str, shared: list[dict]) -> str:
    """The links members shared in the week before the digest."""
    lines = [f"{community_name}: shared this week"]
    for link in shared:
        note = f" — {link['note']}" if link.get("note") else ""
        lines.append(f"• {link['url']}{note} ({link['name']})")
    return "\n".join(lines)
