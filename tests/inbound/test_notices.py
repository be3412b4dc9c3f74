"""A mail system's own words: a delay (still being retried) never reads as a failure, in the
languages mail systems write their notices in; a failure reads as one. The real notices
are in tests/inbound/bounces (test_bounce_corpus); these lines follow the wording of
delay notices of Exim, Postfix, Exchange and Gmail in their translations."""
from __future__ import annotations

import pytest

from functions.mail.bounces import notices

DELAYS = [
    ("Warning: message 1kTrq5-0004Tr-Ff delayed 24 hours",
     "A message that you sent has not yet been delivered to one or more of its recipients "
     "after more than 24 hours on the queue. No action is required on your part. Delivery "
     "attempts will continue for some time, and this warning may be repeated at intervals if "
     "the message remains undelivered. Eventually the mail delivery software will give up, "
     "and when that happens, the message will be returned to you."),
    ("Delayed Mail (still being retried)", "THIS IS A WARNING ONLY.  YOU DO NOT NEED TO "
     "RESEND YOUR MESSAGE.\nIt will be retried until it is 5 day(s) old."),
    ("Zustellung verzögert: Projekt", "Die Zustellung an diese Empfänger ist verzögert. "
     "Die Zustellung wird weiterhin versucht."),
    ("Remise différée : Projet", "Votre message n'a pas encore été remis. Une nouvelle "
     "tentative sera effectuée."),
    ("Entrega retrasada: Proyecto", "Su mensaje aún no se ha entregado. Se seguirá "
     "intentando entregarlo."),
    ("Consegna ritardata: Progetto", "Il messaggio non è ancora stato recapitato. Verrà "
     "ritentata la consegna."),
    ("Entrega atrasada: Projeto", "A sua mensagem ainda não foi entregue. O servidor "
     "tentará novamente."),
    ("Bezorging vertraagd: Project", "Uw bericht is nog niet bezorgd. Het wordt opnieuw "
     "geprobeerd."),
    ("配信の遅延: プロジェクト", "メッセージの配信が遅延しています。再送を試みています。"),
]
FAILURES = [
    ("Undelivered Mail Returned to Sender", "<ana@example.com>: host mx.example.com said: "
     "550 5.1.1 User unknown"),
    ("Returned mail: Cannot send message for 5 days", "Message could not be delivered for "
     "5 days. Message will be deleted from queue."),
    ("Unzustellbar: Projekt", "Die Nachricht konnte nicht zugestellt werden."),
    ("Non remis : Projet", "Votre message n'a pas pu être remis."),
    ("No se puede entregar: Proyecto", "No se ha podido entregar el mensaje."),
    ("Non recapitabile: Progetto", "Impossibile recapitare il messaggio: 5.1.1"),
    ("Não_entregue: Projeto", "Não foi possível entregar a mensagem."),
    ("Onbestelbaar: Project", "Uw bericht kan niet worden bezorgd."),
    ("配信エラー", "メッセージを配信できませんでした。宛先不明"),
]


@pytest.mark.parametrize("subject, text", DELAYS, ids=[s for s, _ in DELAYS])
def test_a_delay_notice_is_no_failure(subject, text):
    assert notices.delay(subject, text)
    assert not notices.failure(subject, text)


@pytest.mark.parametrize("subject, text", FAILURES, ids=[s for s, _ in FAILURES])
def test_a_failure_notice_is_one(subject, text):
    assert not notices.delay(subject, text)
    assert notices.failure(subject, text)
