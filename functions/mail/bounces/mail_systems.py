"""Failure notices in the plain-text forms of mail systems that neither RFC 3464 nor
flufl.bounce reads. Each form follows Sisimai's decoder for that system
(github.com/sisimai/p5-sisimai, lib/Sisimai/Lhost/<Name>.pm, BSD 2-Clause): the line
where the notice starts, the line where the returned message begins, and the lines that
name a failed recipient."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .report import valid_address

MAX_LINES = 2_000  # lines of a report read at most
_ADDRESS = r"[^\s<>()\[\]\"',;:]{1,64}@[A-Za-z0-9.-]{1,255}"


@dataclass(frozen=True)
class Form:
    name: str                  # the Sisimai decoder it follows
    starts: re.Pattern[str]    # the line where the notice starts
    recipient: re.Pattern[str]  # a line naming a failed recipient: group "to"
    ends: re.Pattern[str] = re.compile(r"(?!)")  # where the returned message begins


def _form(name: str, starts: str, recipient: str, ends: str = r"(?!)") -> Form:
    return Form(name, re.compile(starts), re.compile(recipient.replace("ADDRESS", _ADDRESS)),
                re.compile(ends))


FORMS = (
    # Office 365 / Exchange Online, in English, Dutch and Portuguese.
    _form("Office365", r"Delivery has failed to these recipients or groups:|"
          r"rejected your message to the following e|Original Message Details|"
          r"Uw bericht kan niet worden bezorgd bij de volgende geadresseerden|"
          r"Falha na entrega a estes destinat",
          r"^\s*(?:Recipient Address:\s*)?<?(?P<to>ADDRESS)>?\s*(?:<mailto:|$)",
          r"^(?:Original message headers:|Original Message Headers:|Message Hops|"
          r"Oorspronkelijke berichtkoppen:|Cabe.alhos originais da mensagem:|"
          r"Diagnostic information for administrators:|Error Details)"),
    # Exchange Server 2003 and older ("… on 4/29/01 11:34:45 PM").
    _form("Exchange2003", r"did not reach the following recipient\(s\):|"
          r"following recipient\(s\) could not be reached:",
          r"^\s+(?P<to>ADDRESS) on \d"),
    # IBM Lotus Notes.
    _form("Notes", r"^-+ Failure Reasons", r"^(?P<to>ADDRESS)$", r"^-+ Returned Message"),
    # Yahoo! Mail.
    _form("Yahoo", r"^Sorry, we were unable to deliver your message",
          r"^<(?P<to>ADDRESS)>:", r"^--- Below this line is a copy of the message"),
    # Trend Micro InterScan Messaging Security Suite.
    _form("InterScanMSS", r"^Sent <<< RCPT TO:|Unable to deliver ",
          r"^(?:Sent <<< RCPT TO:|.*Unable to deliver .*)\s*<(?P<to>ADDRESS)>"),
    # Symantec Email Security.cloud (MessageLabs) text part.
    _form("MessageLabs", r"^I was unable to deliver your message to the following address",
          r"^(?P<to>ADDRESS)$", r"^Reason:"),
    # m-FILTER (Digital Arts): the failed addresses stand alone before the server's answer.
    _form("mFILTER", r"以下のメールアドレスへの送信に失敗しました|m-FILTER",
          r"^(?P<to>ADDRESS)$", r"^-+(?:original message|original mail info|server message)"),
    # au by KDDI.
    _form("KDDI", r"^(?:Your mail sent on:|Your mail attempted to be delivered on:)",
          r"Could not be delivered to: <(?P<to>ADDRESS)>"),
    # au EZweb.
    _form("EZweb", r"^(?:The user\(s\) |Your message |Each of the following|<)",
          r"^(?:<(?P<to>ADDRESS)>|\s*Recipient: <(?P<to2>ADDRESS)>)",
          r"^-{20,}|^Content-Type: message/rfc822"),
    # Verizon Wireless and Apache James: the SMTP envelope under "Message details".
    _form("ApacheJames", r"^Error message below:|^Error: ",
          r"^\s+RCPT TO:\s*<?(?P<to>ADDRESS)>?"),
    _form("Verizon", r"^Message could not be delivered to mobile",
          r"^To:\s*(?:.*<)?(?P<to>ADDRESS)>?"),
    # fml mailing-list manager: the list that refused it.
    _form("FML", r"You are not a member|NOT MEMBER article from|reject mail |"
          r"Spam mail from a spammer|has detected a loop condition|Duplicated Message-ID|"
          r"Loop Back Warning|Security alert",
          r"<(?P<to>ADDRESS)>", r"^Original mail as follows:"),
    # X6 (a hosted mail system's "There was an error sending your mail").
    _form("X6", r"^We had trouble delivering your message",
          r"(?:The following recipients returned permanent errors: (?P<to>ADDRESS)|"
          r"^SMTP Server .*<(?P<to2>ADDRESS)>)",
          r"^The attachment contains the original mail headers"),
    # DragonFly Mail Agent.
    _form("DragonFly", r"^This is the DragonFly Mail Agent",
          r"^There was an error delivering your mail to <(?P<to>ADDRESS)>",
          r"^(?:Original message follows\.|Message headers follow)"),
    # OpenSMTPD.
    _form("OpenSMTPD", r"This is the MAILER-DAEMON, please DO NOT REPLY",
          r"^\s*(?P<to>ADDRESS): ", r"Below is a copy of the original message"),
    # TransWARE Active!hunter.
    _form("Activehunter", r"----- The following addresses had permanent fatal errors -----",
          r"^>>> .*<(?P<to>ADDRESS)>"),
    # Sendmail V5.
    _form("V5sendmail", r"----- Transcript of session follows -----",
          r"^[45]\d\d .*<(?P<to>ADDRESS)>\.\.\.",
          r"^\s*----- (?:Unsent message follows|No message was collected) -----"),
    # X2's later form ("Delivery failed: …", as in the sample lhost-x2-07; flufl.bounce
    # reads its earlier one).
    _form("X2", r"^Your delivery to the following address has been failed",
          r"^Delivery failed: (?P<to>ADDRESS)"),
    # X1 ("---The following addresses had delivery errors---").
    _form("X1", r"^The original message was received at |"
          r"^-+The following addresses had delivery errors-+",
          r"^(?P<to>ADDRESS) \[", r"^Received: from "),
    # Trustwave MailMarshal.
    _form("MailMarshalSMTP", r"^The following recipients were affected:",
          r"^\s{4}(?P<to>ADDRESS)"),
)


# Headers by which Sisimai knows a mail system's notice (its decoders' `inquire` checks),
# those that only notices carry (not the relays' marks on all the mail they pass on):
# such mail is read as a notice whatever its sender and subject say.
SIGNS = (
    ("X-MS-Exchange-Message-Is-Ndr", r""),                       # Office 365
    ("X-MLServer", r""),                                         # fml (its own mail only)
    ("From", r"(?i)\bInterScan (?:MSS|Notification)\b|post_master@vtext\.com|"
             r"sysadmin@[^>]*\.vzwpix\.com|no-reply@[^>]*\.dion\.ne\.jp|"
             r"postmaster@(?:ezweb\.ne\.jp|au\.com)"),
    ("Subject", r"(?i)^\[BOUNCE\]$|^DELIVERY[ _]FAILURE:|^Undeliverable message|"
                r"^There was an error sending your mail"),
)


_SIGNS = tuple((name, re.compile(pattern)) for name, pattern in SIGNS)


def signed(values: Callable[[str], list[str]]) -> bool:
    """Whether a message's headers (`values(name)`: every value of one) carry a mail
    system's mark."""
    return any(pattern.search(value) for name, pattern in _SIGNS for value in values(name))


def failed_recipients(text: str) -> tuple[str, list[str]] | None:
    """The name of the first form that reads the notice, and the recipients it names."""
    lines = text.splitlines()[:MAX_LINES]
    for form in FORMS:
        found = _read(form, lines)
        if found:
            return form.name, found
    return None


def _read(form: Form, lines: list[str]) -> list[str]:
    found: list[str] = []
    reading = False
    for line in lines:
        if not reading:
            reading = bool(form.starts.search(line))
        elif form.ends.search(line):
            break
        if not reading:
            continue
        match = form.recipient.search(line)
        if match:
            address = valid_address(next(v for v in match.groupdict().values() if v))
            if address and address not in found:
                found.append(address)
    return found[:20]
