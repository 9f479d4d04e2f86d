// The boundary and the network a view holds are named by their keys; a frame that carries the key alone keeps them.
import assert from "node:assert/strict";
import { test } from "node:test";

globalThis.document ??= { createElement: () => ({ getContext: () => null }) };
const { HeatPanel } = await import("../../playground/ui/web/heat_panel.js");
const { NetworkPanel } = await import("../../playground/ui/web/network_panel.js");

const bytes = (values) => Buffer.from(Uint8Array.from(values)).toString("base64");
const boundary = (key, values) => ({ key, resolution: 2, extent: 6, encoding: "u8", lo: 0, hi: 1, values });

test("a boundary is held under its key until a frame brings new values", () => {
  const panel = new HeatPanel(null, null, null);
  assert.equal(panel.key(), null);
  assert.equal(panel.setBoundary(boundary("k1", bytes([0, 64, 128, 255]))), 2);  // the first: a new extent too
  assert.equal(panel.key(), "k1");
  assert.equal(panel.setBoundary({ key: "k1" }), 0);                              // the key alone: kept
  assert.deepEqual(Array.from(panel.boundary.values), [0, 64, 128, 255]);
  assert.equal(panel.setBoundary(boundary("k2", bytes([0, 64, 128, 255]))), 0);  // same values, new snapshot
  assert.equal(panel.key(), "k2");
  assert.equal(panel.setBoundary(boundary("k3", bytes([255, 0, 0, 0]))), 1);
  assert.equal(panel.key(), "k3");
  panel.clear();
  assert.equal(panel.key(), null);                                                // nothing held: ask for all
});

test("a network is held under its key; the key alone changes nothing", () => {
  const panel = Object.create(NetworkPanel.prototype);
  Object.assign(panel, { columns: [], resolution: 0, shapeKey: "", wireKey: null, dirty: { maps: false, links: false } });
  const network = {
    key: "n1", resolution: 1, extent: 6,
    columns: [{ title: "x", layer: null, units: 1, shown: 1, lo: -1, hi: 1, maps: bytes([128]), names: ["x"] }],
  };
  assert.equal(panel.setNetwork(network), true);
  assert.equal(panel.key(), "n1");
  assert.equal(panel.setNetwork({ key: "n1" }), false);
  assert.equal(panel.key(), "n1");
  assert.equal(panel.columns.length, 1);
  assert.equal(panel.setNetwork({ ...network, key: "n2" }), false);                // same content, new snapshot
  assert.equal(panel.key(), "n2");
});

test("a training view names the parts it holds and the version it painted; a paused one does not wait", async () => {
  const { LiveView } = await import("../../playground/ui/web/live_view.js");
  const { newBatches } = await import("../../playground/ui/web/batches.js");
  const view = Object.create(LiveView.prototype);
  const holding = (key) => ({ key: () => key });
  Object.assign(view, {
    url: "/_playground/frame/t", since: 4, batches: newBatches(), data: { network: true, compare: false },
    pictures: holding("17"), panelA: holding("wab1"), panelB: holding("wab2"), net: holding("wab3"),
    version: "3-120", state: { status: "running" }, cmp: null,
  });
  const query = (url) => new URLSearchParams(url.split("?")[1]);
  let asked = query(view.frameUrl());
  assert.equal(asked.get("since"), "4");
  assert.equal(asked.get("have"), "17,wab1,wab3");        // run B's boundary only while comparing
  assert.equal(asked.get("after"), "3-120");
  view.data.compare = true;
  view.cmp = { state: { status: "paused" } };
  assert.equal(query(view.frameUrl()).get("have"), "17,wab1,wab2,wab3");
  view.state.status = "paused";                              // nothing trains: answered at once
  asked = query(view.frameUrl());
  assert.equal(asked.get("after"), null);
  view.pictures = holding(null);
  view.net = holding(null);
  view.data = { network: false, compare: false };
  assert.equal(query(view.frameUrl()).get("have"), "wab1");
});
