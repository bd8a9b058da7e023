// Drives the running gateway with the official OpenAI Node SDK, unchanged.
// run.sh starts a mock upstream and the gateway and sets OPENCLAW_BASE_URL
// and OPENCLAW_TOKEN.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";

const baseURL = process.env.OPENCLAW_BASE_URL;
const apiKey = process.env.OPENCLAW_TOKEN;
assert.ok(baseURL && apiKey, "OPENCLAW_BASE_URL and OPENCLAW_TOKEN must be set (use run.sh)");
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

test("models.list lists the agent targets", async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes("openclaw/default"), ids.join(","));
  assert.ok(ids.includes("openclaw"), ids.join(","));
  const one = await client.models.retrieve("openclaw/default");
  assert.equal(one.id, "openclaw/default");
});

test("chat.completions.create without stream", async () => {
  const r = await client.chat.completions.create({
    model: "openclaw/default",
    messages: [{ role: "user", content: "hello" }],
  });
  assert.equal(r.object, "chat.completion");
  assert.equal(r.model, "openclaw/default");
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.choices[0].finish_reason, "stop");
  assert.match(r.choices[0].message.content, /word0/);
  assert.ok(r.usage.total_tokens > 0);
});

test("chat.completions.create with stream and include_usage", async () => {
  const stream = await client.chat.completions.create({
    model: "openclaw/default",
    messages: [{ role: "user", content: "hello" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = "";
  const ids = new Set();
  const created = new Set();
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    ids.add(chunk.id);
    created.add(chunk.created);
    if (chunk.choices.length > 0) {
      text += chunk.choices[0].delta.content ?? "";
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.match(text, /word0 word1/);
  assert.equal(finish, "stop");
  assert.equal(ids.size, 1, "every chunk shares the id");
  assert.equal(created.size, 1, "every chunk shares created");
  assert.ok(usage && usage.total_tokens > 0, "usage chunk");
});

test("tools round trip: tool call, then role tool follow-up", async () => {
  const first = await client.chat.completions.create({
    model: "openclaw/default",
    messages: [{ role: "user", content: "weather in Paris?" }],
    tools: [weatherTool],
  });
  const msg = first.choices[0].message;
  assert.equal(first.choices[0].finish_reason, "tool_calls");
  assert.equal(msg.tool_calls[0].function.name, "get_weather");
  assert.deepEqual(JSON.parse(msg.tool_calls[0].function.arguments), { city: "Paris" });
  const second = await client.chat.completions.create({
    model: "openclaw/default",
    messages: [
      { role: "user", content: "weather in Paris?" },
      msg,
      { role: "tool", tool_call_id: msg.tool_calls[0].id, content: "sunny" },
    ],
    tools: [weatherTool],
  });
  assert.equal(second.choices[0].finish_reason, "stop");
  assert.match(second.choices[0].message.content, /sunny/);
});

test("tools with stream: fragments reassemble", async () => {
  const stream = await client.chat.completions.create({
    model: "openclaw/default",
    messages: [{ role: "user", content: "weather?" }],
    tools: [weatherTool],
    stream: true,
  });
  let name = "";
  let args = "";
  let finish = null;
  for await (const chunk of stream) {
    const d = chunk.choices[0]?.delta;
    for (const tc of d?.tool_calls ?? []) {
      name += tc.function?.name ?? "";
      args += tc.function?.arguments ?? "";
    }
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(name, "get_weather");
  assert.deepEqual(JSON.parse(args), { city: "Paris" });
  assert.equal(finish, "tool_calls");
});

test("embeddings.create", async () => {
  const r = await client.embeddings.create({ model: "openclaw/default", input: ["a", "b"] });
  assert.equal(r.data.length, 2);
  assert.equal(r.data[1].index, 1);
  assert.ok(r.data[0].embedding.length > 0);
});

test("responses.create without stream", async () => {
  const r = await client.responses.create({ model: "openclaw/default", input: "hello" });
  assert.equal(r.status, "completed");
  assert.match(r.output_text, /word0/);
  const follow = await client.responses.create({
    model: "openclaw/default",
    input: "again",
    previous_response_id: r.id,
  });
  assert.equal(follow.status, "completed");
});

test("responses.create with stream", async () => {
  const stream = await client.responses.create({ model: "openclaw/default", input: "hello", stream: true });
  const types = [];
  let text = "";
  for await (const ev of stream) {
    types.push(ev.type);
    if (ev.type === "response.output_text.delta") text += ev.delta;
  }
  assert.equal(types[0], "response.created");
  assert.equal(types.at(-1), "response.completed");
  assert.match(text, /word0/);
});

test("a wrong key is an AuthenticationError with the gateway's code", async () => {
  const bad = new OpenAI({ baseURL, apiKey: "wrong", maxRetries: 0 });
  await assert.rejects(bad.models.list(), (err) => {
    assert.equal(err.status, 401);
    assert.equal(err.code, "gateway_token_mismatch");
    return true;
  });
});
