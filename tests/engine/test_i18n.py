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


def translated_texts() -> dict[str, dict[str, str]]:
    """Every text with its translations: the tables' keys, and each ``{"en": ..., "zh": ...}`` of the lessons."""
    texts = {key: {language: table(language)[key] for language in LANGUAGES} for key in table("en")}

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            if set(LANGUAGES) <= set(node) and all(isinstance(node[language], str) for language in LANGUAGES):
                texts[where] = {language: node[language] for language in LANGUAGES}
            for name, child in node.items():
                walk(child, f"{where}.{name}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{where}[{index}]")

    for path in sorted((ROOT / "assets" / "lessons").glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")), f"lesson {path.stem}")
    return texts


def test_each_term_has_one_word_in_every_translation():
    """The glossary's word for a term wherever the English uses it (placeholders aside), and none of the words it
    replaced: "epoch" was 轮次 on one page and 周期 on another. In the tables and in the lessons."""
    glossary = json.loads((ROOT / "assets" / "i18n" / "glossary.json").read_text(encoding="utf-8"))
    texts = translated_texts()
    assert len(texts) > len(table("en"))  # the lessons' texts are read too
    breaches = []
    for term in glossary["terms"]:
        pattern = re.compile(rf"\b{term['en']}s?\b", re.IGNORECASE)
        for where, text in texts.items():
            if not pattern.search(re.sub(r"\{\w+\}", "", text["en"])):
                continue
            for language in LANGUAGES.keys() - {"en"}:
                word, replaced = term[language], term[f"not_{language}"]
                translated = text[language]
                for other in term.get(f"false_friends_{language}", []):  # 轮廓 (an outline) holds 轮 (an epoch)
                    translated = translated.replace(other, "")
                if word.lower() not in translated.lower() or any(old in text[language] for old in replaced):
                    breaches.append(f"{language} {where} ({term['en']} -> {word}): {text[language]}")
    assert breaches == []
