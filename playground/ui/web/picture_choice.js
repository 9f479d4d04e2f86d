/**
 * Pictures that choose among a radio group's options (the 2D page's datasets): a click on a picture clicks the
 * radio's option of the same place, so the choice goes through Streamlit's own widget (its state, its rerun) and
 * nothing can be lost on the way. For the mouse and touch only: the radio group is the control that keyboards and
 * screen readers use, so the pictures are no tab stops and hidden from assistive technology.
 */

/** The radio inputs of the group that ``selector`` finds, in their order. */
export function radioInputs(doc, selector) {
  const group = doc.querySelector(selector);
  return group ? [...group.querySelectorAll('input[type="radio"]')] : [];
}

export default function (component) {
  const { data, parentElement } = component;
  let strip = parentElement.querySelector(".pg-picture-choice");
  if (!strip) {
    strip = document.createElement("div");
    strip.className = "pg-picture-choice";
    strip.setAttribute("aria-hidden", "true");
    strip.setAttribute("data-testid", "pg-picture-choice");
    parentElement.appendChild(strip);
  }
  const options = data.options || [];
  while (strip.children.length > options.length) strip.lastChild.remove();
  options.forEach((option, index) => {
    let button = strip.children[index];
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.tabIndex = -1;
      button.appendChild(document.createElement("img"));
      strip.appendChild(button);
    }
    const image = button.firstChild;
    if (image.getAttribute("src") !== option.image) image.setAttribute("src", option.image);
    image.alt = "";
    button.title = option.label;
    button.dataset.value = option.value;
    button.disabled = !!data.disabled;
    button.setAttribute("aria-pressed", index === data.selected ? "true" : "false");
    button.onclick = () => {
      const input = radioInputs(document, data.radio)[index];
      if (input && !input.disabled && !input.checked) input.click();
    };
  });
}
