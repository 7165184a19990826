// The npm @anthropic-ai/sdk package against wasmgate's /v1/messages: the
// same pipeline answers it from an OpenAI-format upstream (gpt-mock) and an
// Anthropic-format one (claude-mock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({ baseURL: process.env.WASMGATE_URL, apiKey: 'sk-client', maxRetries: 0 });
const models = ['gpt-mock', 'claude-mock'];
const tools = [{ name: 'get_weather', description: 'Current weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];

test('messages', async () => {
  for (const model of models) {
    const m = await client.messages.create({ model, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hello there' }] });
    assert.equal(m.type, 'message', model);
    assert.equal(m.role, 'assistant', model);
    assert.equal(m.content[0].type, 'text', model);
    assert.equal(m.content[0].text, 'Mock reply to: hello there', model);
    assert.equal(m.stop_reason, 'end_turn', model);
    assert.equal(m.usage.output_tokens, 5, model);
  }
});

test('streamed answer', async () => {
  for (const model of models) {
    const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'stream this please' }] });
    let text = '';
    const events = [];
    stream.on('text', (t) => { text += t; });
    stream.on('streamEvent', (e) => { if (events.at(-1) !== e.type) events.push(e.type); });
    const m = await stream.finalMessage();
    assert.equal(text, 'Mock reply to: stream this please', model);
    assert.equal(m.content[0].text, 'Mock reply to: stream this please', model);
    assert.equal(m.stop_reason, 'end_turn', model);
    assert.equal(m.usage.output_tokens, 6, model);
    assert.deepEqual(events, ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'], model);
  }
});

test('tool use, streamed, and its result', async () => {
  for (const model of models) {
    const stream = client.messages.stream({ model, max_tokens: 100, tools, messages: [{ role: 'user', content: 'Paris' }] });
    let partial = '';
    stream.on('inputJson', (delta) => { partial += delta; });
    const m = await stream.finalMessage();
    const use = m.content.find((b) => b.type === 'tool_use');
    assert.ok(use, model);
    assert.equal(use.name, 'get_weather', model);
    assert.deepEqual(use.input, { city: 'Paris' }, model);
    assert.equal(partial, '{"city":"Paris"}', model);
    assert.equal(m.stop_reason, 'tool_use', model);

    const r = await client.messages.create({ model, max_tokens: 100, tools, messages: [
      { role: 'user', content: 'Paris' }, { role: 'assistant', content: m.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18 degrees, clear' }] }] });
    assert.equal(r.content[0].text, 'Mock reply to: Paris', model);
  }
});

test('upstream errors in Anthropic shape', async () => {
  const types = { 401: 'authentication_error', 404: 'not_found_error', 429: 'rate_limit_error', 500: 'api_error' };
  for (const prefix of ['gpt', 'claude']) {
    for (const status of [401, 404, 429, 500]) {
      const model = `${prefix}-fail-${status}`;
      await assert.rejects(client.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (err) => {
        assert.ok(err instanceof Anthropic.APIError, model);
        assert.equal(err.status, status, model);
        assert.equal(err.error?.type, 'error', model);
        assert.equal(err.error?.error?.type, types[status], model);
        if (status === 429) assert.equal(err.headers.get('retry-after'), '1', model);
        return true;
      });
    }
  }
});
