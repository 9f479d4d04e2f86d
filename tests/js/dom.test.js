// Writes to the DOM only when the value changes: the live view rewrites its read-outs on every frame, and a write
// of the same text still makes the browser lay out and paint the page again.
import assert from "node:assert/strict";
import { test } from "node:test";

import { setAttr, setHidden, setText } from "../../playground/ui/web/dom.js";

/** A node that counts the writes it gets. */
function countingNode() {
  const attributes = new Map();
  const node = { writes: [], text: "", isHidden: false };
  Object.defineProperty(node, "textContent", {
    get: () => node.text,
    set: (value) => { node.writes.push(["text", value]); node.text = value; },
  });
  Object.defineProperty(node, "hidden", {
    get: () => node.isHidden,
    set: (value) => { node.writes.push(["hidden", value]); node.isHidden = value; },
  });
  node.getAttribute = (name) => (attributes.has(name) ? attributes.get(name) : null);
  node.hasAttribute = (name) => attributes.has(name);
  node.setAttribute = (name, value) => { node.writes.push(["set", name, value]); attributes.set(name, value); };
  node.removeAttribute = (name) => { node.writes.push(["remove", name]); attributes.delete(name); };
  return node;
}

test("setText writes a new text once and the same text never again", () => {
  const node = countingNode();
  setText(node, "12");
  setText(node, "12");
  setText(node, "13");
  assert.deepEqual(node.writes, [["text", "12"], ["text", "13"]]);
  assert.equal(node.textContent, "13");
});

test("setHidden writes only a change of visibility", () => {
  const node = countingNode();
  setHidden(node, false);
  setHidden(node, true);
  setHidden(node, true);
  assert.deepEqual(node.writes, [["hidden", true]]);
});

test("setAttr sets a changed value, leaves an equal one, and removes the attribute for null only once", () => {
  const node = countingNode();
  setAttr(node, "data-epoch", "3");
  setAttr(node, "data-epoch", "3");
  setAttr(node, "data-epoch", "4");
  setAttr(node, "data-epoch", null);
  setAttr(node, "data-epoch", null);
  assert.deepEqual(node.writes, [["set", "data-epoch", "3"], ["set", "data-epoch", "4"], ["remove", "data-epoch"]]);
  assert.equal(node.getAttribute("data-epoch"), null);
  setAttr(node, "data-epoch", "");  // an empty value is a value, not a removal
  assert.equal(node.getAttribute("data-epoch"), "");
});
