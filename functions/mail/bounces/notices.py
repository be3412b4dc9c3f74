"""What a mail system's own words say happened, when no RFC 3464 field says it: a delay
(still being retried: never counted) or a permanent failure. Read only from the report's
text (the returned message is cut off) and its subject, in the languages mail systems
write them in."""
from __future__ import annotations

import re

# Still trying: Postfix ("THIS IS A WARNING ONLY", "will be retried until"), Sendmail
# ("Warning: could not send message for past 4 hours", "Will keep trying until"), Exim
# ("Warning: message … delayed", "No action is required on your part"), Gmail and
# Exchange/Office 365 ("Delivery Status Notification (Delay)", "delivery has been delayed",
# "will continue to try"), Zoho, OpenSMTPD, Courier ("has not yet been delivered"), and the
# forms those systems use in German, French, Spanish, Italian, Portuguese, Dutch and Japanese.
_DELAY = re.compile(
    r"(?i)warning only|warning: (?:could not send|message .{0,200}delayed)|"
    r"(?:will|shall|is going to) (?:be )?(?:retr(?:y|ied)|re-?tried)|will keep trying|"
    r"still (?:trying|being retried)|(?:will )?continue (?:to )?(?:try|attempt)|"
    r"delivery (?:has been |is |was )?delayed|delayed mail|mail delivery delayed|"
    r"notification \(delay\)|delay(?:ed)? (?:notice|notification)|"
    r"has not yet been delivered|not yet (?:been )?delivered|"
    r"no action is required on your part|"
    r"zustellung (?:verz[öo]gert|ist verz[öo]gert)|verz[öo]gerte zustellung|"
    r"noch nicht zugestellt|wird (?:weiterhin |erneut )?versucht|"
    r"remise (?:diff[ée]r[ée]e|retard[ée]e)|distribution retard[ée]e|"
    r"n'a pas encore (?:[ée]t[ée] )?(?:remis|distribu[ée]|d[ée]livr[ée])|"
    r"nouvelle(?:s)? tentative|sera retent[ée]|"
    r"entrega (?:retrasada|demorada|atrasada|ritardata)|"
    r"(?:todav[íi]a|a[úu]n) no se ha entregado|se (?:seguir[áa]|volver[áa] a) intentar|"
    r"consegna (?:ritardata|in ritardo)|non [èe] (?:ancora )?stat[oa] (?:ancora )?recapitat|"
    r"verr[àa] (?:ritentat|riprovat)|"
    r"ainda n[ãa]o (?:foi|p[ôo]de ser) entregue|(?:tentar[áa]|ser[áa] tentad)[ao]? novamente|"
    r"bezorging (?:is )?vertraagd|vertraagde bezorging|(?:is )?nog niet (?:afgeleverd|bezorgd)|"
    r"wordt opnieuw geprobeerd|"
    r"配信(?:が|を)?遅延|遅延(?:して|通知)|再送(?:を|し)|まだ配信されて(?:い|お)りません")
# Given up: the words that make an otherwise "retried" notice final.
_FINAL = re.compile(
    r"(?i)(?:has|have) given up|giving up|gave up|will not be retried|no further attempts|"
    r"deleted from (?:the )?queue|returned to sender|could not be delivered for \d+ days|"
    r"cannot send message for \d+ days|message expired|too long in (?:the )?queue|"
    r"(?<!not a )permanent(?:ly)? (?:fail|error)")
# Failed for good: an SMTP 5xx reply or 5.x.x status, or the words of a failure notice.
_FAILURE = re.compile(
    r"(?i)(?<![\d.])5\d\d[ -](?:[^\n]{0,200})|(?<![\d.])5\.\d{1,3}\.\d{1,3}(?![\d.])|"
    r"user (?:unknown|not found)|unknown user|no such (?:user|mailbox|recipient|address)|"
    r"mailbox (?:unavailable|not found|is full|full)|(?:address|recipient) rejected|"
    r"does not exist|doesn't exist|not listed in|recipient not found|"
    r"(?:could not|couldn't|cannot|unable to) (?:be )?deliver|undeliverable|undelivered|"
    r"delivery (?:has )?failed|failed permanently|permanent(?:ly)? (?:fail|error)|"
    r"returned mail|failure notice|mail delivery failed|delivery failure|"
    r"unzustellbar|konnte nicht zugestellt|non remis|n'a pas pu [êe]tre remis|"
    r"no (?:se )?(?:ha )?(?:podido|pudo) entregar|no entregado|non recapitabil|"
    r"n[ãa]o (?:foi poss[íi]vel entregar|entregue)|onbestelbaar|kan niet worden bezorgd|"
    r"配信(?:でき|出来)ませんでした|送信(?:でき|出来)ませんでした|宛先不明")


def delay(subject: str, text: str) -> bool:
    """The notice says the message is only delayed and still being retried."""
    words = f"{subject}\n{text}"
    return bool(_DELAY.search(words)) and not _FINAL.search(words)


def failure(subject: str, text: str) -> bool:
    """The notice says delivery failed for good."""
    return not delay(subject, text) and bool(_FAILURE.search(f"{subject}\n{text}"))
