"""Presets: JSON RunConfigs in ``assets/presets``, addressable by name, plus loading a config from anywhere."""

from __future__ import annotations

from pathlib import Path

from playground.config import ConfigError, RunConfig

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
PRESETS_DIR = ASSETS_DIR / "presets"


def preset_names() -> list[str]:
    return sorted(path.stem for path in PRESETS_DIR.glob("*.json"))


def load_preset(name: str) -> RunConfig:
    path = PRESETS_DIR / f"{name}.json"
    if not path.is_file():
        raise ConfigError(f"no preset named {name!r}; known presets: {', '.join(preset_names())}")
    try:
        return RunConfig.from_json(path.read_text(encoding="utf-8"))
    except ConfigError as error:
        raise ConfigError(f"preset {name!r} is invalid: {error}") from None


def load_config(name_or_json: str) -> RunConfig:
    """A preset name, a path to a JSON file, or inline JSON text; ConfigError with one readable line if bad."""
    text = name_or_json.strip()
    if text.startswith("{"):
        return RunConfig.from_json(text)
    path = Path(text)
    if path.suffix == ".json" or path.is_file():
        if not path.is_file():
            raise ConfigError(f"no such config file: {text}")
        return RunConfig.from_json(path.read_text(encoding="utf-8"))
    return load_preset(text)
