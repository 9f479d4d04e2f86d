"""Translation tables: every user-facing string comes from ``assets/i18n/<lang>.json``.

Missing keys fall back to English, then to the key itself, so a half-translated page still works; the tests
check that the languages we call complete really are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache

from playground.presets import ASSETS_DIR

I18N_DIR = ASSETS_DIR / "i18n"
LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}
DEFAULT_LANGUAGE = "en"

Translator = Callable[..., str]


@cache
def table(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    with open(I18N_DIR / f"{language}.json", encoding="utf-8") as handle:
        return json.load(handle)


@cache
def translator(language: str) -> Translator:
    """``t(key, **values)``: the string for key in the language, with ``{name}`` fields filled in. One function per
    language, so a spec that holds it (a page's live pictures) compares equal from one page run to the next."""
    own, english = table(language), table(DEFAULT_LANGUAGE)

    def t(key: str, **values: object) -> str:
        text = own.get(key) or english.get(key) or key
        return text.format(**values) if values else text

    return t
