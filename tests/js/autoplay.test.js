// The race's autoplay: it presses the Play button only once the chart shows the figure it was sent with, in sight.
import assert from "node:assert/strict";
import { test } from "node:test";

import { playButtonOf } from "../../playground/ui/web/autoplay.js";

function plot(meta, frames, shown = true) {
  const button = { name: "play" };
  return {
    button,
    getClientRects: () => (shown ? [{}] : []),
    layout: { meta },
    _transitionData: { _frames: frames },
    querySelector: (selector) => (selector === ".updatemenu-button" ? button : null),
  };
}

test("the button of the chart that shows the figure with its frames", () => {
  const shown = plot("race-2", [{}, {}]);
  assert.equal(playButtonOf(shown, "race-2"), shown.button);
});

test("nothing while the chart is missing, shows an older figure, has no frames yet, or is out of sight", () => {
  assert.equal(playButtonOf(null, "race-2"), null);
  assert.equal(playButtonOf(plot("race-1", [{}]), "race-2"), null);
  assert.equal(playButtonOf(plot("race-2", []), "race-2"), null);
  assert.equal(playButtonOf({ layout: { meta: "race-2" } }, "race-2"), null);
  assert.equal(playButtonOf(plot("race-2", [{}], false), "race-2"), null);  // in a tab not chosen yet
});
