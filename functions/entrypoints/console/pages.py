"""The console's reading pages: the communities one organises, a community's overview and
its history."""
from __future__ import annotations

from werkzeug.wrappers import Response

from ...domain.models import Community
from ...domain.timing import local_date, zone
from ...services.deps import Deps
from ...services.jobs.health import health_picture
from ...services.reads import history as past, overview, public, tables
from ...services.reads.report import engagement
from .actions import ACTIONS, DONE
from .gate import Visitor
from .respond import page


def index(deps: Deps, **context) -> Response:
    visitor: Visitor = context["visitor"]
    # Signed in through IAP: found by index. The laptop's operator sees them all.
    mine = (deps.store.list_communities() if visitor.email is None
            else deps.store.organised_by(visitor.email))
    return page("index.html", title="Your communities", communities=mine, **context)


def overview_page(deps: Deps, community: Community, done: str, **context) -> Response:
    now = deps.clock.now()
    began = local_date(community, community.created) if community.created else None
    return page("overview.html", title=community.name, community=community,
                done=DONE.get(done), sessions=overview.coming(deps.store, community.id, now),
                members=tables.member_rows(deps.store, community.id, now),
                health=health_picture(engagement(deps.store, community.id, now, weeks=8),
                                      began),
                runs=overview.runs(deps.store, community.id), actions=ACTIONS,
                shared=public.shared_lately(deps.store, community, now),
                tz=zone(community), **context)



def history(deps: Deps, community: Community, **context) -> Response:
    return page("history.html", title=f"{community.name}: history", community=community,
                events=past.events(deps.store, community.id, deps.clock.now()),
                tz=zone(community), **context)
