/** The live view component's entry: Streamlit calls the default export on every mount and update. */
import { LiveView } from "./live_view.js";

// Mounted views by parent element. Global, so that a new version of this code (a new module, after the
// Python source changed) finds and replaces the views of the old one instead of stacking a second view.
const VIEWS = (globalThis.__pgLiveViews ||= new WeakMap());
const VERSION = {};  // one per evaluation of this module

export default function (component) {
  const { data, parentElement } = component;
  let view = VIEWS.get(parentElement);
  if (view && view.version !== VERSION) {
    view.destroy();
    view = undefined;
  }
  if (!view) {
    view = new LiveView(parentElement);
    view.version = VERSION;
    VIEWS.set(parentElement, view);
  }
  view.component = component;  // the latest setTriggerValue
  view.update(data);
  // Streamlit keeps only the latest cleanup and calls it once, when the element unmounts.
  return () => {
    if (VIEWS.get(parentElement) === view) VIEWS.delete(parentElement);
    view.destroy();
  };
}
