"""The reply commands as each language's emails show them. Replies are read in every one of
these languages (and in English, with its synonyms: commands.py), whatever the reader's."""
from __future__ import annotations

from .language import DEFAULT, spoken

# command → the words shown for it, per language. `topic` and `share` are followed by a
# colon, `swap` by an address, `pause` by a date, `away` by a number of `weeks`,
# `language` by a colon and a code.
SHOWN: dict[str, dict[str, str]] = {
    "en": {"topic": "topic", "share": "share", "skip": "skip", "swap": "swap with",
           "volunteer": "volunteer", "pause": "pause until", "away": "away",
           "weeks": "weeks", "in": "in", "out": "out", "help": "help", "accept": "accept",
           "decline": "decline", "language": "language"},
    "de": {"topic": "thema", "share": "teilen", "skip": "aussetzen", "swap": "tauschen mit",
           "volunteer": "übernehmen", "pause": "pause bis", "away": "weg",
           "weeks": "Wochen", "in": "anmelden", "out": "abmelden", "help": "hilfe",
           "accept": "annehmen", "decline": "ablehnen", "language": "sprache"},
    "fr": {"topic": "sujet", "share": "partager", "skip": "passer", "swap": "échanger avec",
           "volunteer": "je présente", "pause": "pause jusqu'au", "away": "absent",
           "weeks": "semaines", "in": "inscrire", "out": "désinscrire", "help": "aide",
           "accept": "accepter", "decline": "refuser", "language": "langue"},
    "es": {"topic": "tema", "share": "compartir", "skip": "saltar", "swap": "cambiar con",
           "volunteer": "me ofrezco", "pause": "pausa hasta", "away": "ausente",
           "weeks": "semanas", "in": "alta", "out": "baja", "help": "ayuda",
           "accept": "aceptar", "decline": "rechazar", "language": "idioma"},
    "pt": {"topic": "tema", "share": "compartilhar", "skip": "pular", "swap": "trocar com",
           "volunteer": "eu apresento", "pause": "pausa até", "away": "ausente",
           "weeks": "semanas", "in": "entrar", "out": "sair", "help": "ajuda",
           "accept": "aceitar", "decline": "recusar", "language": "idioma"},
    "ja": {"topic": "テーマ", "share": "共有", "skip": "スキップ", "swap": "交代",
           "volunteer": "立候補", "pause": "休止", "away": "不在", "weeks": "週間",
           "in": "参加", "out": "退会", "help": "ヘルプ", "accept": "承諾", "decline": "辞退",
           "language": "言語"},
}


def verb(command: str) -> str:
    """How the emails of the language spoken name `command` ("skip" → "aussetzen")."""
    return SHOWN.get(spoken(), SHOWN[DEFAULT])[command]


def spellings(command: str) -> set[str]:
    """Every language's word for `command`."""
    return {shown[command] for shown in SHOWN.values() if command in shown}
