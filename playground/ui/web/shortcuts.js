/**
 * The run buttons' keyboard shortcuts (playground/ui/run_controls.py). Space (Play/Pause) and the right arrow
 * (Step) are Streamlit's own button shortcuts; Streamlit refuses R as one, because R reruns the page, so this
 * script presses the Reset button on R and keeps that R from Streamlit: the rerun would race the press.
 *
 * It also keeps Space and the right arrow from the buttons where the focused control uses those keys itself (a
 * slider, a tab, a radio...): moving a slider with the arrow keys must not train an epoch too. And a held Space
 * presses Play once, not Play, Pause, Play as the key repeats.
 *
 * One listener for the whole document, on <body> while keys bubble up: after the page's widgets (React handles
 * their keys at its root element, inside <body>), before Streamlit's shortcut listeners on the document.
 */

import { firstShown, operatesControl, typingIn } from "./keys.js";

const SKIP_ID = "pg-skip-to-run";
const SKIP_STYLE = `#${SKIP_ID} { position: fixed; left: 0.5rem; top: -4rem; z-index: 1000000; padding: 0.5rem 0.9rem;
  border-radius: 0.5rem; background: #1e293b; color: #fff; font: 600 1rem sans-serif; text-decoration: none; }
#${SKIP_ID}:focus { top: 0.5rem; outline: 3px solid #f59e0b; }`;

/** The page's first tab stop, shown only while it has the focus: "Skip to Play/Pause" moves the focus to the run's
 *  Play/Pause button (``target``, a selector), past the sidebar and every control above it. One per document. */
export function skipLink(doc, label, target) {
  let link = doc.getElementById(SKIP_ID);
  if (!link) {
    const style = doc.createElement("style");
    style.textContent = SKIP_STYLE;
    doc.head.appendChild(style);
    link = doc.createElement("a");
    link.id = SKIP_ID;
    link.href = "#";
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const button = firstShown([...doc.querySelectorAll(link.dataset.target)]);
      if (!button) return;
      button.scrollIntoView({ block: "start" });  // the live picture under it in view too
      button.focus();
    });
    doc.body.insertBefore(link, doc.body.firstChild);
  }
  link.textContent = label;
  link.dataset.target = target;
  return link;
}

// One registry per page, also across new versions of this module (after the Python source changed).
const REGISTRY = (globalThis.__pgRunShortcuts ||= { selectors: new Map(), listener: null });

/** What a key press means here: "reset" (R), "keep" (keep it from the buttons' shortcuts) or null (let it be). */
export function keyAction(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typingIn(event)) return null;
  const key = event.key;
  if ((key === "r" || key === "R") && !event.shiftKey) return event.repeat ? "keep" : "reset";
  if (key === " " && event.repeat) return "keep";
  if ((key === " " || key === "ArrowRight") && operatesControl(event)) return "keep";
  return null;
}

/** The selectors of the Reset buttons of the run controls on the page now (none on a page without them). */
function resetSelectors() {
  return [...REGISTRY.selectors].filter(([parent]) => parent.isConnected).map(([, selector]) => selector);
}

function onKeyDown(event) {
  const selectors = resetSelectors();
  if (!selectors.length) return;
  const action = keyAction(event);
  if (action === "keep") {
    event.stopPropagation();
  } else if (action === "reset") {
    const button = selectors.map((selector) => firstShown([...document.querySelectorAll(selector)])).find(Boolean);
    if (!button) return;  // no Reset to press here: R keeps its Streamlit meaning (rerun)
    event.preventDefault();
    event.stopPropagation();
    button.click();
  }
}

export default function (component) {
  const { data, parentElement } = component;
  REGISTRY.selectors.set(parentElement, data.resetSelector);
  if (data.playSelector) skipLink(document, data.skipLabel, data.playSelector);
  if (REGISTRY.listener !== onKeyDown) {
    if (REGISTRY.listener) document.body.removeEventListener("keydown", REGISTRY.listener);
    document.body.addEventListener("keydown", onKeyDown);
    REGISTRY.listener = onKeyDown;
  }
  return () => {
    REGISTRY.selectors.delete(parentElement);
    if (!resetSelectors().length) document.getElementById(SKIP_ID)?.remove();  // no run buttons on this page
  };
}
