/** The "Copy link" button: the page's address, which holds the whole setup, onto the clipboard. */

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

/** The address to copy: the page's, with ``&hide=`` naming ``hide`` (a comma-separated list; none: no ``&hide=``)
 *  when it is given, as it is otherwise. */
export function linkToCopy(address, hide) {
  if (typeof hide !== "string") return address;
  const url = new URL(address);
  if (hide) url.searchParams.set("hide", hide);
  else url.searchParams.delete("hide");
  return url.href;
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
    const url = linkToCopy(window.location.href, data.hide);
    const copied = await copyText(url);
    button.dataset.copied = copied ? "true" : "false";
    button.dataset.url = url;
    button.textContent = copied ? data.copied : data.failed;
    if (!copied) window.prompt(data.failed, url);
    setTimeout(() => { button.textContent = data.label; }, 2000);
  };
}
