"""The browser code of the playground's components: ES modules and stylesheets under ``playground/ui/web``.

Each component's JavaScript is a set of real ES modules with explicit imports, so that they can be linted and
unit-tested with node (``tests/js``). Streamlit takes one module's text per component, so :func:`bundle`
joins a module and everything it imports into one, at import time and without a build step: modules are
written in dependency order with their ``import`` lines dropped and ``export`` kept only for the entry's
``export default``. Top-level names therefore share one scope; a name defined in two modules is a syntax error
that ``tests/ui/test_web_assets.py`` catches with ``node --check``.
"""

from __future__ import annotations

import re
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent / "web"

_IMPORT = re.compile(r'^import\s*\{(?P<names>[^}]*)\}\s*from\s*"\./(?P<module>[\w-]+\.js)";[ \t]*\n?', re.M)
_EXPORT = re.compile(r"^export (?=(?:const|let|function|class|async function) )", re.M)
_OTHER_IMPORT = re.compile(r"^\s*import\b", re.M)
_OTHER_EXPORT = re.compile(r"^\s*export\b(?!\s+default\b)", re.M)
_DEFAULT_EXPORT = re.compile(r"^\s*export\s+default\b", re.M)


def _read(name: str) -> str:
    return (WEB_DIR / name).read_text(encoding="utf-8")


def _module_order(entry: str) -> list[str]:
    """The entry and the modules it imports, each after everything it imports (imports must not cycle)."""
    order: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise ValueError(f"web modules import each other in a cycle: {' -> '.join([*visiting, name])}")
        visiting.append(name)
        for match in _IMPORT.finditer(_read(name)):
            visit(match.group("module"))
        visiting.pop()
        order.append(name)

    visit(entry)
    return order


def _strip(name: str, text: str, *, entry: bool) -> str:
    body = _EXPORT.sub("", _IMPORT.sub("", text))
    if _OTHER_IMPORT.search(body):
        raise ValueError(f"{name}: only `import {{ ... }} from \"./module.js\";` lines can be bundled")
    if _OTHER_EXPORT.search(body):
        raise ValueError(f"{name}: only `export const/let/function/class` declarations can be bundled")
    if _DEFAULT_EXPORT.search(body) and not entry:
        raise ValueError(f"{name}: only the entry module may have an `export default`")
    return body


def bundle(entry: str) -> str:
    """One ES module: ``entry`` (a file name under ``web/``) with every module it imports, in dependency order."""
    parts = [f"// == module {name}\n{_strip(name, _read(name), entry=name == entry)}" for name in _module_order(entry)]
    return "\n".join(parts)


def stylesheet(*names: str) -> str:
    """The CSS files under ``web/``, joined in the order given."""
    return "\n".join(_read(name) for name in names)
