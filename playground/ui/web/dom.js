/** Writes to the DOM that happen only when the value changes.
 *
 * The live view paints 30 or more frames a second. Writing a node's text, even the same
 * text, replaces its text node and makes the browser lay out and paint the page again; with software rendering
 * that cost about 3.5 ms of the renderer's time per frame on the 2D page. Comparing first costs a read. */

/** Sets ``node.textContent`` to ``text`` unless it is that already. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Sets ``node.hidden`` unless it is that already. */
export function setHidden(node, hidden) {
  if (node.hidden !== hidden) node.hidden = hidden;
}

/** Sets the attribute ``name`` (a ``data-*`` one included) unless it has that value already; ``null`` removes it. */
export function setAttr(node, name, value) {
  if (value === null) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== value) {
    node.setAttribute(name, value);
  }
}
