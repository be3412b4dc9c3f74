"""Reading what a member wrote in a reply as one command: `skip`, `pause until 2027-01-10`, …

Only the new text of a reply is given here (the inbound adapter strips quoted history).
Blank lines, greetings ("Hi all,") and quoted lines (`> …`, never obeyed) are passed over;
the first other line must be the command, as the help text asks. A command fills its line,
so prose that merely contains a command word ("I'd like to stop by") is not obeyed, nor is
anything after a first line of prose (a signature's "Title: …" or "Link: …", say).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

from .errors import InputError
from .language import LANGUAGES, Words, language, words
from .validation import email_address
from .verbs import spellings, verb
from .wording import day_words

VERBS = ("in", "out", "pause", "back", "skip", "swap", "accept", "decline", "volunteer",
         "topic", "share", "help", "language")
MAX_LINE = 3000
MAX_TOPIC = 200
MAX_NOTE = 280
MAX_URL = 2000
MAX_WEEKS = 52


@dataclass(frozen=True)
class Command:
    verb: str                  # one of VERBS
    until: date | None = None  # pause: back on this date (also set for "away N weeks")
    weeks: int | None = None   # pause: "away N weeks"
    on: date | None = None     # volunteer: the session date asked for, None for the next one
    email: str | None = None   # swap: the other member's address
    text: str | None = None    # topic: the title; share: the note (may be empty); language
    url: str | None = None     # share: the link


@dataclass(frozen=True)
class Unclear:
    reason: str  # short, for the help reply


# Whole-line commands without arguments, after normalising (see _key). Other languages
# only for the most common verbs.
_SIMPLE = {
    "in": ("in", "join", "subscribe", "opt in", "count me in", "back in", "i'm in", "im in",
           "sign me up", "alta", "anmelden", "entrar"),
    "out": ("out", "unsubscribe", "stop", "leave", "opt out", "remove me", "count me out",
            "i'm out", "im out", "fuera", "baja", "darme de baja", "désinscrire",
            "désabonner", "abmelden", "austragen", "sair"),
    "back": ("back", "resume", "unpause", "i'm back", "im back"),
    "skip": ("skip", "skip this week", "skip this one", "can't make it", "cannot make it",
             "can not make it", "can't make it this week", "cannot make it this week"),
    "accept": ("accept", "accept swap", "accept the swap", "yes accept", "yes", "accepted"),
    "decline": ("decline", "decline swap", "decline the swap", "no", "no thanks", "reject",
                "reject swap", "reject the swap", "declined"),
    "volunteer": ("volunteer", "i'll present", "i will present", "i can present"),
    "help": ("help", "?", "commands", "ayuda", "aide", "hilfe", "ajuda"),
}
# ... and the words every language's emails show for them (verbs.py)
_VERB_OF = {phrase: verb for verb, phrases in _SIMPLE.items()
            for phrase in (*phrases, *spellings(verb))}


def _words(command: str, *english: str) -> str:
    """A regex alternation of the English words and every language's first word for it."""
    found = {*english, *(shown.split()[0] for shown in spellings(command))}
    return "|".join(map(re.escape, sorted(found, key=len, reverse=True)))

_POLITE = re.compile(r"^(?:please|pls|ok|okay)\s+|"
                     r"\s+(?:please|pls|thanks|thank you|thx|ty|bitte|por favor|svp)$")
_GREETING = re.compile(
    r"^(?:hi|hello|hey|hiya|dear|greetings|morning|good (?:morning|afternoon|evening|day)|"
    r"hallo|hola|bonjour|salut|olá|ola|oi|ciao|guten (?:morgen|tag)|buenos días|"
    r"merhaba|selam|γεια σας|γεια|привіт|вітаю|добрий день|привет|здравствуйте)\b.{0,40}$"
    r"|^(?:مرحبا|السلام عليكم|أهلا|هلا|שלום|היי|नमस्ते|你好|您好|안녕하세요)(?:\W|\s).{0,40}$"
    r"|^(?:مرحبا|السلام عليكم|أهلا|هلا|שלום|היי|नमस्ते|你好|您好|안녕하세요)$")
# Lines mail systems and phones put above what the person wrote: external-sender banners
# (Exchange, Google Workspace, Mimecast, Proofpoint) and phone signatures. Passed over.
_PREAMBLE = re.compile(
    r"^(?:\[?(?:external|extern|externe|externo|externa|ext)(?: (?:email|sender|message|mail))?"
    r"\]?(?:\W.*)?"
    r"|caution\s*[:\-].*|warning\s*:\s*(?:external|this (?:email|message)).*"
    r"|this (?:email|message) (?:originated|came|was sent) from outside\b.*"
    r"|this (?:email|message) is from an? external\b.*"
    r"|(?:some people who received this message )?(?:you )?don't often get email from\b.*"
    r"|(?:achtung|attention|precauci[óo]n|atenci[óo]n|aten[çc][ãa]o|attenzione|let op|"
    r"vorsicht|avertissement|uwaga|varning|advarsel|注意)\s*[:：].*"
    r"(?:extern|ext[ée]rieur|fuera|fora|buiten|esterno|zewn|utanf[öo]r|utenfor|組織外|外部).*"
    r"|[\[【]?(?:外部メール|外部邮件|外部郵件|외부 메일)[\]】]?.*)$")
# A phone's or mail app's signature line (casefolded), wherever it stands.
PHONE_SIGNATURE = re.compile(
    r"^(?:(?:sent from|gesendet von|envoyé de|enviado desde|enviado do|inviato da|"
    r"verzonden (?:vanaf|met)|verstuurd (?:vanaf|met)|skickat från|sendt fra|wysłane z|"
    r"von) (?:my|meinem|mon|mi|meu|mio|mijn|min|moim)?\s*(?:iphone|ipad|android|samsung|"
    r"galaxy|mobile|phone|smartphone|outlook|handy|móvil|telemóvel|telefono|cellulare|"
    r"telefoon)\b.*"
    r"|get outlook for (?:ios|android)\b.*)$")
_SIGN_OFF = re.compile(
    r"^(?:thanks?|thank you|thx|ty|ta|cheers|regards|best|br|kind regards|best regards|"
    r"warm regards|all the best|yours|sincerely|love|mvh|mfg|lg|vg|gruß|grüße|viele grüße|"
    r"danke|merci|cordialement|gracias|saludos|un saludo|obrigad[oa]|abraços?|grazie|"
    r"saluti|cordiali saluti|groeten|met vriendelijke groet|tak|hilsen|pozdrawiam|"
    r"dziękuję|спасибо|с уважением|ありがとうございます|よろしくお願いします|谢谢|감사합니다)\b")

_TOPIC = re.compile(rf"(?:{_words('topic', 'title')})\s*:\s*(?P<rest>.*)", re.I)
_SHARE = re.compile(rf"(?:{_words('share', 'link')})(?:\s*:\s*|\s+(?=https?://))(?P<rest>.*)",
                    re.I)
_LANGUAGE = re.compile(rf"(?:{_words('language')})\s*:\s*(?P<rest>.*)", re.I)
_PAUSE = re.compile(rf"(?:{_words('pause')}|{_words('away')})\b(?P<rest>.*)", re.I)
_SWAP = re.compile(rf"(?:{_words('swap')})\b(?P<rest>.*)", re.I)
_VOLUNTEER = re.compile(
    rf"(?:{'|'.join(map(re.escape, spellings('volunteer')))}|i'll present|i will present|"
    r"i can present)\b(?P<rest>.*)", re.I)
# what follows the verb: "swap with", "tauschen mit"; "pause until", "pausa hasta"
_WITH = ("with", "w/", *(shown.split()[1] for shown in spellings("swap") if " " in shown))
_UNTIL = r"(?:until|till|til|to|on|bis|jusqu'au|jusqu'à|hasta|até)\b\s*"
_WEEKS = re.compile(rf"(?:for\s+)?(?P<n>\d{{1,3}}|a|one)\s*(?:wks?|weeks?|{_words('weeks')})",
                    re.I)

_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]+)\.?,?\s+(\d{4})", re.I)
_MONTH_DAY = re.compile(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.I)


def parse_command(text: str, today: date) -> Command | Unclear:
    """The command on the first meaningful line of a reply's new text; up to two greeting
    lines before it ("Hi all," then "Peter") are passed over."""
    greetings = 0
    for raw in str(text or "").splitlines():
        line = _clean(raw[:MAX_LINE])
        key = line.casefold().strip(" *_")
        if not line or line.startswith(">") or _PREAMBLE.match(key) or PHONE_SIGNATURE.match(key):
            continue
        result = _line_command(line, today)
        if result is not None:
            return result
        if greetings == 2 or not is_greeting(line, first=greetings == 0):
            break
        greetings += 1
    return Unclear(words("no command found on the first line of the reply"))


def is_greeting(line: str, first: bool = True) -> bool:
    """A short line that greets, in any language or script: a known greeting, a few words
    ending in a comma ("Hej Peter,", "Привет,", "田中さん、") but not a sign-off ("Thanks,"),
    or, as the first line, a name alone ("Peter", "山田様")."""
    key = _key(line)
    if _GREETING.match(key):
        return True
    words = line.split()
    if len(line) <= 40 and len(words) <= 5 and line.endswith((",", "，", "、", "،")):
        return not _SIGN_OFF.match(key)
    name = line.rstrip("!.:")
    if not first or _SIGN_OFF.match(key):
        return False
    if not name or len(name) > 30 or len(words) > 3 or any(not c.isalpha() and c not in " -'"
                                                            for c in name):
        return False
    caseless = all(not c.isupper() and not c.islower() for c in name if c.isalpha())
    return caseless or all(word[0].isupper() for word in name.split())


def _line_command(line: str, today: date) -> Command | Unclear | None:
    """The command this line is, an Unclear for a command with a bad argument, else None."""
    body = line.strip("*_ ")  # Markdown-style emphasis that plain-text clients add
    if match := _TOPIC.fullmatch(body):
        return _topic(match["rest"])
    if match := _SHARE.fullmatch(body):
        return _share(match["rest"])
    if match := _LANGUAGE.fullmatch(body):
        return _language(match["rest"])
    verb = _VERB_OF.get(_key(body))
    if verb:
        return Command(verb)
    if match := _PAUSE.fullmatch(body):
        return _pause(match["rest"], today)
    if match := _SWAP.fullmatch(body):
        return _swap(match["rest"])
    if match := _VOLUNTEER.fullmatch(body):
        return _volunteer(match["rest"], today)
    return None


def _clean(text: str) -> str:
    """One line of readable text: normalised, no control or format characters, single spaces."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return " ".join(text.split())


def _key(line: str) -> str:
    """A line reduced to lower-case words for looking up verbs: "Opt-in, please!" → "opt in"."""
    key = re.sub(r"[^\w'?]+", " ", line.casefold().replace("-", " ")).strip()
    if key != "?":
        key = " ".join(key.replace("?", " ").split())
    previous = None
    while previous != key:
        previous, key = key, _POLITE.sub("", key).strip()
    return key


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _topic(rest: str) -> Command | Unclear:
    title = _trim(rest.strip(), MAX_TOPIC)
    if not title:
        return Unclear(words("topic: needs a title, e.g. \"{topic}: what we learnt from user "
                             "interviews\"", topic=Words(lambda: verb("topic"))))
    return Command("topic", text=title)


def _share(rest: str) -> Command | Unclear:
    link, _, note = rest.strip().partition(" ")
    url = _url(link)
    if url is None:
        return Unclear(words("share: needs a web link first, e.g. \"{share}: "
                             "https://example.com/post worth a read\"",
                             share=Words(lambda: verb("share"))))
    return Command("share", url=url, text=_trim(note.strip(), MAX_NOTE))


def _language(rest: str) -> Command | Unclear:
    try:
        return Command("language", text=language(rest))
    except InputError:
        return Unclear(words("language: one of {languages}, e.g. \"{language}: de\"",
                             languages=", ".join(LANGUAGES),
                             language=Words(lambda: verb("language"))))


def _url(token: str) -> str | None:
    token = token.strip("<>")
    token = token.split("<", 1)[0]  # Outlook's "https://x<https://x>"
    token = token.rstrip(".,;:!?")
    if token.endswith(")") and token.count("(") < token.count(")"):
        token = token[:-1]
    if not token or len(token) > MAX_URL or any(c.isspace() or not c.isprintable() for c in token):
        return None
    try:
        parts = urlsplit(token)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return token


def _pause(rest: str, today: date) -> Command | Unclear:
    rest = rest.strip(" :,.!")
    if match := _WEEKS.fullmatch(rest):
        weeks = 1 if match["n"].lower() in ("a", "one") else int(match["n"])
        if not 1 <= weeks <= MAX_WEEKS:
            return Unclear(words("away for 1 to {most} weeks, e.g. \"{away} 3 {weeks}\"",
                                 most=MAX_WEEKS, away=Words(lambda: verb("away")),
                                 weeks=Words(lambda: verb("weeks"))))
        return Command("pause", until=today + timedelta(weeks=weeks), weeks=weeks)
    rest = re.sub(rf"^{_UNTIL}", "", rest, flags=re.I)
    if not rest:
        return Unclear(words("say until when, e.g. \"{pause} 2027-01-10\" or \"{away} 2 {weeks}\"",
                             pause=Words(lambda: verb("pause")),
                             away=Words(lambda: verb("away")),
                             weeks=Words(lambda: verb("weeks"))))
    when = parse_date(rest)
    if isinstance(when, Unclear):
        return when
    if when <= today:
        return Unclear(words("{day} is not in the future: pause until a later date",
                             day=day_words(when)))
    return Command("pause", until=when)


def _swap(rest: str) -> Command | Unclear:
    tokens = rest.split()
    if tokens and tokens[0].lower() in _WITH:
        tokens = tokens[1:]
    for word in tokens:
        if "@" in word:
            candidate = word.split("<", 1)[0] or word  # Outlook's "ana@x<mailto:ana@x>"
            candidate = candidate.strip("<>()[]\"',;.:")
            if candidate.lower().startswith("mailto:"):
                candidate = candidate[7:]
            try:
                return Command("swap", email=email_address(candidate))
            except InputError:
                return Unclear(words("{address} is not a valid email address",
                                     address=candidate[:80]))
    return Unclear(words("say who with, e.g. \"{swap} ana@example.com\"",
                         swap=Words(lambda: verb("swap"))))


def _volunteer(rest: str, today: date) -> Command | Unclear:
    rest = re.sub(r"^(?:for|on)\b\s*", "", rest.strip(" :,.!"), flags=re.I)
    if not rest:
        return Command("volunteer")
    when = parse_date(rest)
    if isinstance(when, Unclear):
        return when
    if when < today:
        return Unclear(words("{day} has passed", day=day_words(when)))
    return Command("volunteer", on=when)


def parse_date(text: str) -> date | Unclear:
    """ISO dates and unambiguous dates with an English month name: 10 Jan 2027, January 10, 2027."""
    text = text.strip(" .,")
    year = month = day = None
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DAY_MONTH.fullmatch(text):
        day, month, year = int(match[1]), _MONTHS.get(match[2].lower()), int(match[3])
    elif match := _MONTH_DAY.fullmatch(text):
        month, day, year = _MONTHS.get(match[1].lower()), int(match[2]), int(match[3])
    if month is not None:
        try:
            return date(year, month, day)
        except ValueError:
            pass
    return Unclear(words("could not read the date {text}: write it as YYYY-MM-DD",
                         text=repr(text[:40])))
