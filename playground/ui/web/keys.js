/** What a key press goes to on the page: text being typed, a control that uses the key itself, or the buttons. */

const TYPING_TAGS = new Set(["INPUT", "TEXTAREA", "SELECT"]);
/** Roles of controls that Space or the arrow keys operate. */
const KEY_ROLES = new Set([
  "slider", "spinbutton", "tab", "radio", "option", "listbox", "combobox", "menuitem", "menuitemradio", "switch",
]);

/** The elements a key event passes on its way up (the target first). */
function pathOf(event) {
  const path = event.composedPath ? event.composedPath() : [];
  return path.length ? path : [event.target];
}

/** Whether the key goes into a text field, a select or an editable element, where it is text. */
export function typingIn(event) {
  return pathOf(event).some((node) => Boolean(node && node.tagName
    && (TYPING_TAGS.has(node.tagName) || node.isContentEditable || node.getAttribute?.("contenteditable") === "true")));
}

/** Whether the key reaches a control that Space or the arrow keys operate. */
export function operatesControl(event) {
  return pathOf(event).some((node) => Boolean(node && node.getAttribute && KEY_ROLES.has(node.getAttribute("role"))));
}

/** The first button that is shown and enabled: Streamlit keeps an old copy of a re-keyed button, hidden. */
export function firstShown(buttons) {
  return buttons.find((button) => !button.disabled && button.getClientRects().length > 0
    && !button.closest("[aria-hidden='true']")) || null;
}
