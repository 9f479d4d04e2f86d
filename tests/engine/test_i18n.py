"""Translations: complete where we say so, and every key the pages use exists."""

import json
import re

from playground.i18n import I18N_DIR, LANGUAGES, table, translator
from playground.ui.live_view import LABEL_KEYS
from tests import ROOT


def used_keys() -> set[str]:
    """Keys passed as literals to t(...) in the pages and the UI package."""
    keys = set()
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("playground/ui/*.py"), ROOT / "app.py"]:
        keys |= set(re.findall(r"\bt\(\s*\"([a-z0-9_]+)\"", path.read_text(encoding="utf-8")))
        keys |= set(re.findall(r"\bt\(\s*f\"([a-z0-9_]+)_\{", path.read_text(encoding="utf-8")))
    return keys


def test_every_language_has_every_english_key():
    english = set(table("en"))
    for language in LANGUAGES:
        assert set(table(language)) == english, language
        assert all(value.strip() for value in table(language).values()), language


def test_chinese_is_really_translated():
    english, chinese = table("en"), table("zh")
    same = [key for key in english if english[key] == chinese[key] and re.search("[a-z]{4,}", english[key])]
    assert same == [key for key in same if key.startswith("optimizer_")]  # names like Adam stay as they are
    assert chinese["play"] == "播放"


def test_keys_used_by_the_pages_exist():
    english = set(table("en"))
    plain = {key for key in used_keys() if key in english or not any(k.startswith(key + "_") for k in english)}
    assert plain <= english, sorted(plain - english)
    assert set(LABEL_KEYS) <= english


def test_placeholders_are_the_same_in_every_language():
    for key, text in table("en").items():
        fields = set(re.findall(r"\{(\w+)\}", text))
        for language in LANGUAGES:
            assert set(re.findall(r"\{(\w+)\}", table(language)[key])) == fields, (language, key)


def test_translator_fills_fields_and_falls_back():
    t = translator("zh")
    assert t("neurons_in_layer", n=2) == "第 2 层神经元数"
    assert t("not_a_key") == "not_a_key"


def test_tables_are_valid_json_files():
    for path in I18N_DIR.glob("*.json"):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
