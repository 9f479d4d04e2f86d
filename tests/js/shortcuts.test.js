// The run buttons' keyboard shortcuts: which key presses reset, which are kept from the buttons, which pass.
import assert from "node:assert/strict";
import { test } from "node:test";

import { firstShown } from "../../playground/ui/web/keys.js";
import { keyAction } from "../../playground/ui/web/shortcuts.js";

function node(tagName, attributes = {}, isContentEditable = false) {
  return { tagName, isContentEditable, getAttribute: (name) => attributes[name] ?? null };
}

const BODY = node("BODY");

function key(name, { on = BODY, ...flags } = {}) {
  return { key: name, target: on, composedPath: () => [on, BODY], ...flags };
}

test("R presses Reset, once while held, and not with a modifier", () => {
  assert.equal(keyAction(key("r")), "reset");
  assert.equal(keyAction(key("R")), "reset");  // caps lock
  assert.equal(keyAction(key("r", { repeat: true })), "keep");
  for (const modifier of ["ctrlKey", "metaKey", "altKey", "shiftKey"]) {
    assert.equal(keyAction(key("r", { [modifier]: true })), null, modifier);
  }
  assert.equal(keyAction(key("r", { defaultPrevented: true })), null);
});

test("keys typed into a field, a select or an editable element are text", () => {
  for (const target of [node("INPUT"), node("TEXTAREA"), node("SELECT"), node("DIV", {}, true),
    node("DIV", { contenteditable: "true" })]) {
    assert.equal(keyAction(key("r", { on: target })), null, target.tagName);
    assert.equal(keyAction(key(" ", { on: target, repeat: true })), null, target.tagName);
  }
});

test("Space and the right arrow stay with a control that uses them, and a held Space presses once", () => {
  for (const role of ["slider", "tab", "radio"]) {
    assert.equal(keyAction(key("ArrowRight", { on: node("DIV", { role }) })), "keep", role);
    assert.equal(keyAction(key(" ", { on: node("DIV", { role }) })), "keep", role);
  }
  assert.equal(keyAction(key(" ", { repeat: true })), "keep");
  assert.equal(keyAction(key(" ")), null);  // Streamlit's shortcut presses Play
  assert.equal(keyAction(key("ArrowRight")), null);  // and Step
  assert.equal(keyAction(key("ArrowRight", { on: node("BUTTON") })), null);
  assert.equal(keyAction(key("ArrowLeft", { on: node("DIV", { role: "slider" }) })), null);
});

test("the button pressed is the first one shown and enabled", () => {
  const button = (shown, disabled = false, hiddenFromTree = false) => ({
    disabled, getClientRects: () => (shown ? [{}] : []), closest: () => (hiddenFromTree ? {} : null),
  });
  const old = button(false), greyed = button(true, true), aside = button(true, false, true), current = button(true);
  assert.equal(firstShown([old, greyed, aside, current]), current);
  assert.equal(firstShown([old, greyed]), null);
  assert.equal(firstShown([]), null);
});
