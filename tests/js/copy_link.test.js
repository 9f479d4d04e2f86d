// The Copy link button's address: the page's own, or with the lesson's hidden controls in ``&hide=``.
import assert from "node:assert/strict";
import { test } from "node:test";

import { linkToCopy } from "../../playground/ui/web/copy_link.js";

const PAGE = "http://school:8501/playground_2d?config=abc&view=test";

test("without a choice of hidden controls the address is copied as it is", () => {
  assert.equal(linkToCopy(PAGE, undefined), PAGE);
  assert.equal(linkToCopy(`${PAGE}&hide=noise`, undefined), `${PAGE}&hide=noise`);
});

test("a lesson link names the chosen controls, replacing those the address hid", () => {
  const url = new URL(linkToCopy(`${PAGE}&hide=noise`, "learning_rate,problem"));
  assert.equal(url.searchParams.get("hide"), "learning_rate,problem");
  assert.equal(url.searchParams.get("config"), "abc");
  assert.equal(url.searchParams.get("view"), "test");
  assert.equal(url.pathname, "/playground_2d");
});

test("a lesson link that hides nothing has no hide parameter", () => {
  assert.equal(new URL(linkToCopy(`${PAGE}&hide=noise`, "")).searchParams.has("hide"), false);
});
