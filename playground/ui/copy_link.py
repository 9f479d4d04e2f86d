"""A "Copy link" button: puts the page's address, which always holds the whole setup, on the clipboard."""

from __future__ import annotations

import streamlit as st

_JS = r"""
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); return true; } catch (error) { /* fall through */ }
  }
  const area = document.createElement("textarea");  // older browsers and plain-http hosts
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let copied = false;
  try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
  area.remove();
  return copied;
}

export default function (component) {
  const { data, parentElement } = component;
  let button = parentElement.querySelector("button");
  if (!button) {
    button = document.createElement("button");
    button.type = "button";
    button.className = "pg-copy-link";
    button.setAttribute("data-testid", "pg-copy-link");
    parentElement.appendChild(button);
  }
  button.textContent = data.label;
  button.title = data.help;
  button.onclick = async () => {
    const url = window.location.href;
    const copied = await copyText(url);
    button.dataset.copied = copied ? "true" : "false";
    button.dataset.url = url;
    button.textContent = copied ? data.copied : data.failed;
    if (!copied) window.prompt(data.failed, url);
    setTimeout(() => { button.textContent = data.label; }, 2000);
  };
}
"""

_CSS = r"""
.pg-copy-link { font: inherit; font-size: 0.9rem; padding: 0.3rem 0.8rem; cursor: pointer;
  border-radius: var(--st-base-radius, 0.5rem); color: inherit;
  background: var(--st-secondary-background-color, #f0f2f6);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); }
.pg-copy-link:hover { border-color: var(--st-primary-color, #ff4b4b); }
"""

_component = st.components.v2.component("nn_playground_copy_link", js=_JS, css=_CSS, isolate_styles=False)


def copy_link_button(label: str, copied: str, failed: str, help_text: str, key: str) -> None:
    """Copy the current address (Streamlit keeps the setup in it) to the clipboard, with a fallback prompt."""
    _component(key=key, data={"label": label, "copied": copied, "failed": failed, "help": help_text}, height="content")
