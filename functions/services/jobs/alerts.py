"""What a run has to tell the organisers, gathered into one message per organiser: sessions
nobody can present, members whose mail stopped, a digest larger than the sender's daily cap.
Each alert is told once (see delivery/organisers.py for the ledger's part)."""
from __future__ import annotations

from datetime import datetime

from ...domain.rota import Rota
from ..delivery.invitations import Invitations
from ..delivery.organisers import Alert, alert_mails, stopped, untold
from ..delivery.outbox import Outgoing
from ..deps import Deps
from .digest import over_cap
from .presenters import unfilled_alerts


def organiser_alerts(deps: Deps, book: Invitations, now: datetime) -> list[Outgoing]:
    """One message per organiser with the alerts not told to them yet; none when there are
    none (and then nothing is read)."""
    rota = book.rota
    community = rota.community
    if not community.organisers:
        return []
    found: list[Alert] = [*unfilled_alerts(rota, now), *over_cap(deps, rota, now),
                          *(stopped(m) for m in rota.roster.values()
                            if not m.reachable and not m.opted_out)]
    return list(alert_mails(deps.mail, community, rota.roster,
                            untold(deps.store, community, found), now))


def newly_stopped(before: Rota, after: Rota) -> bool:
    """Whether mail to someone stopped during the run (refused by the server)."""
    return any(not m.reachable and before.roster.get(e, m).reachable
               for e, m in after.roster.items())
