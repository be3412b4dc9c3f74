"""What the rota posts to a community's team chat: plain text, one line per fact, in the
community's language."""
from __future__ import annotations

from .delivery import LedgerKey
from .digest import SessionLine
from .language import _
from .verbs import verb

CHANNEL = "chat"  # the recipient part of a chat post's ledger key
MAIL, CHAT = "mail", "chat"  # where a message goes


def channel_of(key: str | LedgerKey) -> str:
    """Where the message of that ledger key goes: a person's mailbox or the team chat."""
    parsed = key if isinstance(key, LedgerKey) else LedgerKey.parse(key)
    return CHAT if parsed.recipient == CHANNEL else MAIL


def presenter_post(community_name: str, line: SessionLine, video_url: str | None) -> str:
    """The weekly "who presents on <day>, on what", in the language spoken."""
    names = {"community": community_name}
    if line.status != "planned":
        if line.note:
            return _("{community}: no session on {day} ({note}).").format(
                day=line.day, note=_(line.note), **names)
        return _("{community}: no session on {day}.").format(day=line.day, **names)
    if line.presenter_name is None:
        return _("{community}: nobody presents on {when} yet. Reply {volunteer} to the "
                 "digest to take the session.").format(
            when=line.when, volunteer=f"`{verb('volunteer')}`", **names)
    names.update(name=line.presenter_name, when=line.when)
    text = (_("{community}: {name} presents on {when}, on “{topic}”.").format(
        topic=line.topic, **names) if line.topic
        else _("{community}: {name} presents on {when}, topic to be announced.").format(
            **names))
    return text + ("\n" + _("Join: {url}").format(url=video_url) if video_url else "")


def shares_post(community_name: str, shared: list[dict]) -> str:
    """The links members shared in the week before the digest, in the language spoken."""
    lines = [_("{community}: shared this week").format(community=community_name)]
    for link in shared:
        note = f" — {link['note']}" if link.get("note") else ""
        lines.append(f"• {link['url']}{note} ({link['name']})")
    return "\n".join(lines)
