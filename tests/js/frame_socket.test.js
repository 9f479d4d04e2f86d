// Frames over one WebSocket: a request at a time, answered in order; a socket that never opens falls back to HTTP.
import assert from "node:assert/strict";
import { test } from "node:test";

import { FrameSocket, OPEN_TIMEOUT_MS, socketAddress } from "../../playground/ui/web/frame_socket.js";

/** A WebSocket stand-in the test drives: it opens, answers or closes when told to. */
class FakeSocket {
  static OPEN = 1;
  static made = [];

  constructor(address) {
    this.address = address;
    this.readyState = 0;
    this.sent = [];
    this.closed = false;
    FakeSocket.made.push(this);
  }

  send(text) { this.sent.push(text); }

  close() { this.closed = true; this.readyState = 3; }

  open() { this.readyState = 1; this.onopen(); }

  answer(message) { this.onmessage({ data: JSON.stringify(message) }); }

  drop() { this.readyState = 3; this.onclose(); }
}

test("the socket's address is the frame route's, over ws or wss", () => {
  assert.equal(socketAddress("/_playground/frame/t", "http://host:8501/playground_2d"),
    "ws://host:8501/_playground/frame/t/socket");
  assert.equal(socketAddress("/app/_playground/frame/t", "https://school.example/app/"),
    "wss://school.example/app/_playground/frame/t/socket");
});

test("a request sent before the socket opens goes out when it opens; answers come in order", async () => {
  FakeSocket.made = [];
  const frames = new FrameSocket("/_playground/frame/t", "http://host/", FakeSocket);
  const first = frames.request("since=-1");
  const socket = FakeSocket.made[0];
  assert.deepEqual(socket.sent, []);
  socket.open();
  assert.deepEqual(socket.sent, ["since=-1"]);
  socket.answer({ code: 200, body: { epoch: 1 } });
  assert.deepEqual(await first, { code: 200, body: { epoch: 1 } });
  const second = frames.request("since=1");
  assert.deepEqual(socket.sent, ["since=-1", "since=1"]);   // the same connection
  await assert.rejects(frames.request("since=1"), /already waiting/);
  socket.answer({ code: 404, body: { error: "unknown token" } });
  assert.equal((await second).code, 404);
  assert.equal(FakeSocket.made.length, 1);
  assert.equal(frames.opened, true);
});

test("a connection that closes fails its request, and the next request opens a new one", async () => {
  FakeSocket.made = [];
  const frames = new FrameSocket("/_playground/frame/t", "http://host/", FakeSocket);
  const waiting = frames.request("since=-1");
  FakeSocket.made[0].drop();                                  // never opened: a proxy without WebSockets
  await assert.rejects(waiting, /closed/);
  assert.equal(frames.opened, false);
  const next = frames.request("since=-1");
  assert.equal(FakeSocket.made.length, 2);
  frames.close();                                             // as an aborted request does
  await assert.rejects(next, /closed/);
  assert.equal(FakeSocket.made[1].closed, true);
});

test("a connection that does not open in time is given up: its request fails as one that never opened", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  FakeSocket.made = [];
  const frames = new FrameSocket("/_playground/frame/t", "http://host/", FakeSocket);
  const waiting = frames.request("since=-1");
  t.mock.timers.tick(OPEN_TIMEOUT_MS - 1);
  assert.equal(FakeSocket.made[0].closed, false);
  t.mock.timers.tick(1);                                      // a proxy that holds the upgrade without answering
  assert.equal(FakeSocket.made[0].closed, true);
  await assert.rejects(waiting, /closed/);
  assert.equal(frames.opened, false);
});

test("after the answer to an unknown token the server closes: the next request opens a new connection", async () => {
  FakeSocket.made = [];
  const frames = new FrameSocket("/_playground/frame/t", "http://host/", FakeSocket);
  const first = frames.request("since=-1");
  const old = FakeSocket.made[0];
  old.open();
  old.answer({ code: 404, body: { error: "unknown token" } });
  assert.equal((await first).code, 404);
  old.readyState = 2;                                         // closing, its close event not there yet
  const next = frames.request("since=-1");
  assert.equal(FakeSocket.made.length, 2);
  assert.equal(old.onclose, null);                            // its close event, when it comes, fails nothing
  FakeSocket.made[1].open();
  FakeSocket.made[1].answer({ code: 404, body: { error: "unknown token" } });
  assert.equal((await next).code, 404);
});

test("the live view asks over HTTP once its socket failed to open twice for that route", async () => {
  globalThis.document ??= { createElement: () => ({ getContext: () => null }) };
  globalThis.location ??= { href: "http://host/playground_2d" };
  const { LiveView } = await import("../../playground/ui/web/live_view.js");
  const { newBatches } = await import("../../playground/ui/web/batches.js");
  const view = Object.create(LiveView.prototype);
  const holding = (key) => ({ key: () => key });
  Object.assign(view, {
    url: "/_playground/frame/t", since: -1, batches: newBatches(), data: null, version: null,
    pictures: holding(null), panelA: holding(null), panelB: holding(null), net: holding(null),
    state: { status: "paused" }, cmp: null, generation: 0,
  });
  const fetched = [];
  globalThis.fetch = async (url) => {
    fetched.push(url);
    return { status: 200, ok: true, json: async () => ({ epoch: fetched.length }) };
  };
  FakeSocket.made = [];
  globalThis.WebSocket = FakeSocket;
  try {
    // over the socket while it opens
    let asked = view.fetchFrame();
    FakeSocket.made[0].open();
    FakeSocket.made[0].answer({ code: 200, body: { epoch: 7 } });
    assert.deepEqual((await asked).frame, { epoch: 7 });
    assert.deepEqual(fetched, []);
    // another route whose socket never opens: each of two tries ends in an HTTP request, then HTTP alone
    view.url = "/_playground/frame/u";                       // as a new route's ``resetRun`` leaves it
    view.socket.close();
    view.socket = null;
    for (const tries of [1, 2]) {
      asked = view.fetchFrame();
      FakeSocket.made.at(-1).drop();
      assert.deepEqual((await asked).frame, { epoch: tries });
      assert.equal(view.socket.misses, tries);
    }
    const sockets = FakeSocket.made.length;
    assert.deepEqual((await view.fetchFrame()).frame, { epoch: 3 });
    assert.equal(FakeSocket.made.length, sockets);            // no third socket
    assert.equal(fetched.length, 3);
    assert.match(fetched[2], /^\/_playground\/frame\/u\?since=-1&since_step=-1$/);
  } finally {
    delete globalThis.WebSocket;
    delete globalThis.fetch;
  }
});
