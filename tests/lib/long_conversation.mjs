// A long conversation made through a running parley and the fake model, as a user would make it: `turns` chat
// turns whose answers are markdown with a list and a code block. Used by the P8 e2e test and bench/web_ui.mjs.
// Returns the session id.
export async function makeLongConversation(p, up, turns = 500) {
  const answer = ['Here is **some** markdown with `code`, a list:\n\n- one\n- two\n\n', '```js\nconst x = 1;\nconsole.log(x);\n```\n\nAnd a closing paragraph of ordinary text.'];
  await up.script(Array.from({ length: turns }, () => ({ content: answer })));
  let session = null;
  for (let i = 0; i < turns; i++) {
    const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...(session ? { session_id: session } : {}), messages: [{ role: 'user', content: `Question number ${i}`, client_message_id: `user_${i}` }],
        metadata: { client_assistant_message_id: `assistant_${i}`, client_parent_message_id: `user_${i}` } }) });
    const text = await res.text();
    session ??= JSON.parse(/event: session\ndata: (.*)/.exec(text)[1]).session_id;
  }
  return session;
}
