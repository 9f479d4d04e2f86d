/** The live view component's entry: Streamlit calls the default export on every mount and update. */
import { LiveView } from "./live_view.js";

// Mounted views by parent element, each with the evaluation of this module that made it. Global, so that a new
// version of this code (a new module, after the Python source changed) finds and replaces the views of the old
// one instead of stacking a second view. The module's tag is kept beside the view, not on it: a property of the
// view's own (its frame ``version``) once shadowed it, and every update after the first frame mounted the view
// afresh, dropping the clicks it had not yet had acknowledged.
const MOUNTED = (globalThis.__pgLiveViewMounts ||= new WeakMap());
const MODULE = Symbol("live view module");  // one per evaluation of this module

export default function (component) {
  const { data, parentElement } = component;
  let mounted = MOUNTED.get(parentElement);
  if (mounted && mounted.module !== MODULE) {
    mounted.view.destroy();
    mounted = undefined;
  }
  if (!mounted) {
    mounted = { view: new LiveView(parentElement), module: MODULE };
    MOUNTED.set(parentElement, mounted);
  }
  const { view } = mounted;
  view.component = component;  // the latest setTriggerValue
  view.update(data);
  // Streamlit keeps only the latest cleanup and calls it once, when the element unmounts.
  return () => {
    if (MOUNTED.get(parentElement) === mounted) MOUNTED.delete(parentElement);
    view.destroy();
  };
}
