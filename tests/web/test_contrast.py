"""WCAG 2.x AA contrast of every email and every public page, as headless Chromium renders them.

Every element with text of its own is checked: its computed `color` against the background
it actually sits on (the first opaque `background-color` up its ancestors, semi-transparent
ones composited on the way; white when there is none) must reach 4.5:1, or 3:1 for large
text (24px, or 18.66px and bold). The bars of the health email's chart are graphics a reader
needs, so they must reach 3:1 against what is behind them (WCAG 1.4.11).

The emails are the real ones: a guild lived through six weeks by the services that send
mail, with replies, skips, a leaver, a bounce, a blackout, an understaffed community and a
sender over its daily cap, until every message template in `templates/email` has gone out.
"""
from __future__ import annotations

import copy
import re
from email.message import EmailMessage

import pytest

from functions.services.changes import communities
from functions.services.jobs.health import CHARTED
from tests.emails.support import EMAILS, KINDS, text_of
from tests.web.conftest import Served, follow
# the same marks as the rendering tests (chromium; skipped without /usr/bin/chromium); the
# browser and its pages come from tests/web/conftest.py
from tests.web.test_browser import pytestmark  # noqa: F401

# Every email template that is a message (not a partial, not the layout), as its kind.
ORGANISER = EMAILS[0]
WHITE = (255.0, 255.0, 255.0)


# The arithmetic of WCAG 2.x ----------------------------------------------------------------

def colour(text: str) -> tuple[float, float, float, float]:
    """(r, g, b, alpha) of `#rgb`, `#rrggbb`, or a computed `rgb(…)` / `rgba(…)`."""
    text = text.strip().lower()
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return (*(float(int(digits[i:i + 2], 16)) for i in (0, 2, 4)), 1.0)
    match = re.fullmatch(r"rgba?\(([^)]*)\)", text)
    if not match:
        raise ValueError(f"not a colour this check understands: {text!r}")
    parts = [float(p) for p in re.split(r"[\s,/]+", match.group(1).strip()) if p]
    return (parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else 1.0)


def over(top: tuple[float, float, float, float], under: tuple[float, ...]) -> tuple:
    """`top` painted over the opaque `under` (source-over compositing)."""
    alpha = top[3]
    return tuple(top[i] * alpha + under[i] * (1 - alpha) for i in range(3))


def effective_background(chain: list[str]) -> tuple[float, float, float]:
    """What shows behind an element, from its own background-color up its ancestors'."""
    layers = []
    for text in chain:
        layer = colour(text)
        if layer[3] > 0:
            layers.append(layer)
        if layer[3] >= 1:
            break
    result = WHITE  # a page without a background is shown on white
    for layer in reversed(layers):
        result = over(layer, result)
    return result


def relative_luminance(rgb) -> float:
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a, b) -> float:
    """WCAG 2.x contrast ratio of two opaque colours (either order), 1 to 21."""
    la, lb = (relative_luminance(colour(c) if isinstance(c, str) else c) for c in (a, b))
    lighter, darker = max(la, lb), min(la, lb)
    return (lighter + 0.05) / (darker + 0.05)


def required_ratio(font_size_px: float, font_weight: int) -> float:
    """AA: 3:1 for large text (18pt, or 14pt bold), 4.5:1 for the rest."""
    large = font_size_px >= 24 or (font_size_px >= 18.66 and font_weight >= 700)
    return 3.0 if large else 4.5


def test_contrast_arithmetic_matches_known_values():
    assert contrast_ratio("#000", "#fff") == pytest.approx(21)
    assert contrast_ratio("#fff", "#000") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.005)
    assert contrast_ratio("#777", "#fff") < 4.5  # the classic near miss
    assert contrast_ratio("#767676", "#fff") >= 4.5  # the lightest grey that passes
    assert contrast_ratio("#829ab1", "#fff") == pytest.approx(2.91, abs=0.005)
    assert contrast_ratio("rgb(47, 111, 237)", "#ffffff") == pytest.approx(4.55, abs=0.005)
    assert contrast_ratio("#abcdef", "#abcdef") == pytest.approx(1)
    assert colour("rgba(0, 0, 0, 0)")[3] == 0
    # a half-transparent black over white is mid grey; transparent layers are skipped
    grey = effective_background(["rgba(0, 0, 0, 0.5)", "rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"])
    assert grey == pytest.approx((127.5, 127.5, 127.5))
    assert effective_background(["rgba(0, 0, 0, 0)"]) == WHITE
    assert effective_background(["rgba(0, 0, 0, 0)", "rgb(240, 244, 248)", "rgb(0, 0, 0)"]
                                ) == (240, 244, 248)
    assert required_ratio(15, 400) == required_ratio(20, 400) == 4.5
    assert required_ratio(24, 400) == required_ratio(18.67, 700) == 3.0
    assert required_ratio(18, 700) == 4.5


# What the browser shows --------------------------------------------------------------------

COLLECT = """() => {
  const chain = el => { const out = [];
    for (let e = el; e; e = e.parentElement) out.push(getComputedStyle(e).backgroundColor);
    return out; };
  const name = el => el.tagName.toLowerCase()
    + (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const texts = [];
  for (const el of [document.body, ...document.body.querySelectorAll('*')]) {
    const own = [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE)
      .map(n => n.textContent).join(' ').replace(/\\s+/g, ' ').trim();
    if (!own || el.getClientRects().length === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible') continue;
    texts.push({element: name(el), text: own.slice(0, 70), color: style.color,
                backgrounds: chain(el), size: parseFloat(style.fontSize),
                weight: parseInt(style.fontWeight, 10)});
  }
  const bars = [...document.querySelectorAll('.chart-bar')].map(el => ({
    element: name(el), text: '(chart bar)', color: getComputedStyle(el).backgroundColor,
    backgrounds: chain(el.parentElement)}));
  return {texts, bars};
}"""


def shortfalls(page, where: str) -> tuple[int, list[str]]:
    """How many texts the page shows, and one line for each text or chart bar that lacks
    contrast."""
    found = page.evaluate(COLLECT)
    failing = []
    checks = [(t, required_ratio(t["size"], t["weight"])) for t in found["texts"]]
    checks += [(bar, 3.0) for bar in found["bars"]]  # WCAG 1.4.11, graphics
    for item, needed in checks:
        background = effective_background(item["backgrounds"])
        foreground = over(colour(item["color"]), background)
        ratio = contrast_ratio(foreground, background)
        if ratio < needed:
            failing.append(
                f"{where}: <{item['element']}> {item['text']!r}: {item['color']} on "
                f"rgb{tuple(round(c) for c in background)} is {ratio:.2f}:1, needs {needed}:1"
                + (f" ({item['size']:g}px, weight {item['weight']})" if "size" in item else ""))
    return len(found["texts"]), failing


# Every email, sent by the real services ----------------------------------------------------

@pytest.fixture
def lived(story_sent):
    """The story's guild and what it sent, a copy of its own: the pages test changes it."""
    deps, sent, _ = story_sent
    return copy.deepcopy((deps, sent))


@pytest.fixture(scope="module")
def emails(story_sent) -> dict[str, list[EmailMessage]]:
    _, sent, over_cap = story_sent
    by_kind: dict[str, list[EmailMessage]] = {}
    for message in [*sent, *over_cap]:
        by_kind.setdefault(message["X-Cop-Kind"], []).append(message)
    return by_kind


def test_the_story_sends_every_kind_and_every_variant(emails):
    assert set(KINDS) <= set(emails), f"never sent: {sorted(set(KINDS) - set(emails))}"
    digests = [text_of(m, "html") for m in emails["digest"]]
    for part in ("A question for everyone", "Shared by members", "Last time",
                 "Join the call", 'class="topic"', "No session", "no session ("):
        assert any(part in html for html in digests), part
    assert any("Your first" in text_of(m, "html") for m in emails["welcome"])
    assert any(all(f'bgcolor="{bar}"' in text_of(m, "html") for _, _, bar in CHARTED)
               for m in emails["health"]), "a chart with all its bars"


@pytest.mark.parametrize("kind", KINDS)
def test_every_email_text_has_aa_contrast(emails, page, kind):
    messages = emails.get(kind)
    assert messages, f"no {kind} was sent"
    failing, seen = [], 0
    for n, message in enumerate(messages):
        page.set_content(text_of(message, "html"))
        count, bad = shortfalls(page, f"{kind} #{n} to {message['To']}")
        seen += count
        failing += bad
    assert seen >= 5 * len(messages)  # the walk found the texts
    assert not failing, f"{len(failing)} below WCAG AA contrast:\n" + "\n".join(failing)


# Every public page ------------------------------------------------------------------------

def test_every_page_text_has_aa_contrast(lived, page):
    deps = lived[0]
    communities.add_community(deps.store, deps.clock.now(), "fresh", name="Fresh",
                              timezone="Europe/London")  # nothing planned, held or shared
    tokens = deps.mail.tokens
    leaving = deps.store.list_members("guild")[1].email
    failing, seen = [], {}
    with Served(deps) as served:
        def check(where: str, status: int) -> None:
            assert page.evaluate("document.contentType") == "text/html", where
            count, bad = shortfalls(page, where)
            assert count >= 2, where
            seen[where] = (status, count)
            failing.extend(bad)

        for name in ("guild", "duo", "fresh"):
            answer = page.goto(f"{served.url}/roster/{tokens.feed_token(name)}")
            check(f"roster of {name}", answer.status)
        token = tokens.unsubscribe_token("guild", leaving)
        answer = page.goto(f"{served.url}/unsubscribe?t={token}")
        check("unsubscribe: asks", answer.status)
        done = follow(page, page.get_by_role("button", name="Unsubscribe"))
        assert page.get_by_role("heading", name="You have left Guild").is_visible()
        check("unsubscribe: done", done.status)
        answer = page.goto(f"{served.url}/unsubscribe?t=damaged")
        check("unsubscribe: a bad link", answer.status)
        answer = page.goto(f"{served.url}/no/such/page")
        check("not found", answer.status)
        # the calendar feed is the one other route; it is not a page
        feed = page.request.get(f"{served.url}/feed/{tokens.feed_token('guild')}.ics")
        assert feed.headers["content-type"].startswith("text/calendar")
    assert [s for s, _ in seen.values()] == [200, 200, 200, 200, 200, 400, 404], seen
    assert deps.store.get_member("guild", leaving).opted_out
    assert not failing, f"{len(failing)} below WCAG AA contrast:\n" + "\n".join(failing)


# Every console page -------------------------------------------------------------------------

def test_every_console_page_has_aa_contrast(lived, page):
    from tests.web.console_support import Iap, cloud_console
    deps = lived[0]
    organiser = deps.store.list_members("guild")[0].email
    communities.set_community(deps, "guild", organisers=(organiser,))
    iap = Iap()
    failing, seen = [], {}
    with Served(deps, cloud_console(deps, iap)) as served:
        def check(where: str, path: str, signed_in: bool = True) -> None:
            page.set_extra_http_headers(
                {"x-goog-iap-jwt-assertion": iap.assertion(organiser)} if signed_in else {})
            answer = page.goto(f"{served.url}{path}")
            count, bad = shortfalls(page, where)
            assert count >= 2, where
            seen[where] = answer.status
            failing.extend(bad)

        check("communities", "/console/")
        check("overview", "/console/guild?done=pause")
        check("history", "/console/guild/history")
        check("settings form", "/console/guild/settings")
        shown = follow(page, page.get_by_role("button", name="Show what would happen"))
        assert page.get_by_role("heading", name=re.compile("what would happen")).is_visible()
        for opened in page.locator("details").all():
            opened.locator("summary").click()
        count, bad = shortfalls(page, "preview")
        assert count >= 2, "preview"
        seen["preview"], failing = shown.status, failing + bad
        check("refused", "/console/guild", signed_in=False)
    assert list(seen.values()) == [200, 200, 200, 200, 200, 403], seen
    assert not failing, f"{len(failing)} below WCAG AA contrast:\n" + "\n".join(failing)
