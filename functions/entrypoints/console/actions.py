"""The console's actions. Each first shows exactly what it would do (the messages, rendered,
and who gets them: the same service run on a dry run, see services/jobs/rehearse.py), then,
confirmed, does it through the same service as the command line."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from werkzeug.wrappers import Request, Response

from ...domain import settings, validation
from ...domain.errors import InputError
from ...domain.language import LANGUAGES, language
from ...domain.models import Community
from ...domain.validation import WEEKDAYS
from ...services.changes import communities, members, removal, sessions
from ...services.deps import Deps
from ...services.jobs.rehearse import rehearse
from .gate import CSRF_FIELD
from .respond import page, redirect, refused

if TYPE_CHECKING:
    from . import Console

MAX_CSV = members.MAX_CSV_BYTES


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # an <input> type, or "textarea"
    hint: str = ""
    required: bool = True


@dataclass(frozen=True)
class Action:
    name: str
    title: str
    fields: tuple[Field, ...]
    change: Callable[[Deps, Community, Mapping[str, str]], Any]
    done: str  # said on the overview once it is done


EMAIL = Field("email", "Member's email address", "email")
WELCOME = Field("welcome", "Send the welcome email", "checkbox", required=False)


def _day(form: Mapping[str, str], name: str = "date") -> Any:
    return validation.iso_date(form.get(name, ""), name)


def _import(deps: Deps, c: Community, form: Mapping[str, str]) -> Any:
    return members.join_many(deps, c.id, form.get("csv_text", "").encode("utf-8"),
                             form.get("welcome") == "yes")


def _call_off(deps: Deps, c: Community, form: Mapping[str, str]) -> Any:
    day = _day(form)
    return communities.set_community(deps, c.id, blackouts=tuple(sorted({*c.blackouts, day})))


def _settings(deps: Deps, c: Community, form: Mapping[str, str]) -> Any:
    given = {name: (form.get(name) or "").strip() or None
             for name in ("weekday", "start", "digest", "holidays", "video_url",
                          "chat_webhook", "language")}
    if form.get("blackout") is not None:
        given["blackout"] = form["blackout"].replace(",", " ").split()
    options = settings.community_settings(given)
    if not options:
        raise InputError("nothing to change: fill in a setting")
    return communities.set_community(deps, c.id, **options)


def _member_language(deps: Deps, c: Community, form: Mapping[str, str]) -> Any:
    """A member's own language, as their `language: de` reply sets it; empty: the
    community's again."""
    chosen = (form.get("language") or "").strip()
    return members.update(deps.store, c.id, validation.email_address(form.get("email", "")),
                          deps.clock.now(), language=language(chosen) if chosen else None)


LANGUAGE_HINT = ", ".join(LANGUAGES)

ACTIONS = {a.name: a for a in (
    Action("add", "Add a member",
           (EMAIL, Field("name", "Name", hint="as it shows in emails", required=False),
            WELCOME),
           lambda d, c, f: members.join(d, c.id, f.get("email", ""), f.get("name") or None,
                                        f.get("welcome") == "yes"),
           "The member was added."),
    Action("import", "Import members from a CSV file",
           (Field("csv", "CSV file with the header email,name", "file"), WELCOME),
           _import, "The members were imported."),
    Action("pause", "Pause a member",
           (EMAIL, Field("until", "Back on", "date")),
           lambda d, c, f: members.pause(d, c.id, f.get("email", ""), _day(f, "until"),
                                         by_organiser=True),
           "The member is paused."),
    Action("resume", "End a member's pause",
           (EMAIL,),
           lambda d, c, f: members.resume(d, c.id, f.get("email", ""), by_organiser=True),
           "The member's pause has ended."),
    Action("remove", "Remove a member and erase their address",
           (EMAIL,), lambda d, c, f: removal.remove_member(d, c.id, f.get("email", "")),
           "The member was removed and their address erased."),
    Action("assign", "Put someone on a session",
           (Field("date", "Session date", "date"), EMAIL),
           lambda d, c, f: sessions.assign(d, c.id, _day(f), f.get("email", "")),
           "The session was assigned."),
    Action("call-off", "Call off a date (no session that day)",
           (Field("date", "Date", "date"),), _call_off, "The date is called off."),
    Action("settings", "Change the settings",
           (Field("weekday", "Day of the sessions", hint="mon … sun", required=False),
            Field("start", "Start time", "time", required=False),
            Field("digest", "Digest day and time", hint='e.g. "mon 09:00"', required=False),
            Field("holidays", "Public holidays", hint="e.g. AU-NSW; none: no holidays",
                  required=False),
            Field("blackout", "Blackout dates", hint="YYYY-MM-DD, separated by spaces",
                  required=False),
            Field("video_url", "Video link", hint="https://…; none: removed", required=False),
            Field("chat_webhook", "Chat webhook",
                  hint="left empty: unchanged; none: removed", required=False),
            Field("language", "Language of its mail, invites and pages", hint=LANGUAGE_HINT,
                  required=False)),
           _settings, "The settings were changed."),
    Action("language", "Set a member's language",
           (EMAIL, Field("language", "Their language", hint=f"{LANGUAGE_HINT}; left empty: "
                         "the community's", required=False)),
           _member_language, "The member's language was set."),
    Action("welcome", "Send a welcome again",
           (EMAIL,), lambda d, c, f: members.welcome_again(d, c.id, f.get("email", "")),
           "The welcome was sent again."),
)}
DONE = {name: action.done for name, action in ACTIONS.items()}


def handle(console: "Console", community: Community, name: str, request: Request,
           context: dict) -> Response:
    action = ACTIONS.get(name)
    if action is None:
        return refused(404, "Not found", "There is no such page.", **context)
    shown = {"community": community, "action": action, "title": action.title, **context}
    if request.method != "POST":
        return page("action.html", values=_current(community, action), **shown)
    form = {k: v for k, v in request.form.items() if k != CSRF_FIELD}
    upload = request.files.get("csv")
    if upload is not None and upload.filename:
        data = upload.read(MAX_CSV + 1)
        try:
            form["csv_text"] = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return page("action.html", 400, values=form, error="The CSV is not UTF-8: save "
                        "it as UTF-8 and choose it again.", **shown)
    if form.get("confirm") == "yes":
        try:
            action.change(console.deps, community, form)
        except InputError as error:
            return page("action.html", 400, values=form, error=str(error), **shown)
        return redirect(f"/console/{community.id}?done={action.name}")
    trial = rehearse(console.copies, community.id,
                     lambda deps: action.change(deps, community, form))
    if trial.error:
        return page("action.html", 400, values=form, error=trial.error, **shown)
    return page("preview.html", values=form, at_once=_shown(trial.at_once),
                next_run=_shown(trial.next_run), recipients=trial.recipients, **shown)


def _shown(messages: list) -> list[dict[str, str]]:
    """Each message as the preview lists it: to whom, its subject, its text part."""
    shown = []
    for message in messages:
        body = message.get_body(("plain",))
        shown.append({"to": str(message["To"]), "subject": str(message["Subject"]),
                      "kind": str(message["X-Cop-Kind"]),
                      "text": body.get_content() if body is not None else ""})
    return shown


def _current(community: Community, action: Action) -> dict[str, str]:
    """The settings form starts from the community's current settings."""
    if action.name != "settings":
        return {"welcome": "yes"}
    return {"weekday": WEEKDAYS[community.weekday], "start": f"{community.start:%H:%M}",
            "digest": f"{WEEKDAYS[community.digest_weekday]} {community.digest_time:%H:%M}",
            "holidays": community.holidays or "", "video_url": community.video_url or "",
            "language": community.language,
            "blackout": " ".join(d.isoformat() for d in community.blackouts)}
