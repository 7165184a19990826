// The npm openai package against wasmgate: chat, stream, tools (streamed
// through both adapters), embeddings and upstream errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.WASMGATE_URL + '/v1', apiKey: 'sk-client', maxRetries: 0 });
const models = ['gpt-mock', 'claude-mock'];
const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];

test('chat', async () => {
  for (const model of models) {
    const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello there' }] });
    assert.equal(r.choices[0].message.content, 'Mock reply to: hello there', model);
    assert.equal(r.choices[0].finish_reason, 'stop', model);
    assert.equal(r.usage.completion_tokens, 5, model);
  }
});

test('stream', async () => {
  for (const model of models) {
    const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'stream this please' }] });
    let text = '', usage = null, chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Mock reply to: stream this please', model);
    assert.ok(chunks >= 5, model);
    assert.equal(usage?.completion_tokens, 6, model); // reported though not asked for
  }
});

test('tools, streamed', async () => {
  for (const model of models) {
    const runner = client.chat.completions.stream({ model, tools, messages: [{ role: 'user', content: 'Paris' }] });
    const final = await runner.finalChatCompletion();
    const calls = final.choices[0].message.tool_calls;
    assert.equal(calls.length, 1, model);
    assert.equal(calls[0].function.name, 'get_weather', model);
    assert.deepEqual(JSON.parse(calls[0].function.arguments), { city: 'Paris' }, model);
    assert.equal(final.choices[0].finish_reason, 'tool_calls', model);

    const r = await client.chat.completions.create({ model, tools, messages: [
      { role: 'user', content: 'Paris' }, final.choices[0].message,
      { role: 'tool', tool_call_id: calls[0].id, content: '18 degrees, clear' }] });
    assert.equal(r.choices[0].message.content, 'Mock reply to: Paris', model);
  }
});

test('embeddings', async () => {
  const r = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b', 'c'], dimensions: 8 });
  assert.equal(r.data.length, 3);
  assert.equal(r.data[2].embedding.length, 8);
});

test('upstream errors keep their status', async () => {
  for (const prefix of ['gpt', 'claude']) {
    for (const status of [401, 404, 429, 500]) {
      const model = `${prefix}-fail-${status}`;
      await assert.rejects(client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }), (err) => {
        assert.ok(err instanceof OpenAI.APIError, model);
        assert.equal(err.status, status, model);
        assert.ok(err.message.length > 0, model);
        if (status === 429) assert.equal(err.headers.get('retry-after'), '1', model);
        return true;
      });
    }
  }
});
