// A scriptable fake of Google's REST APIs for parley's Google client and built-in servers, written from
// Google's documented wire formats: the OAuth 2.0 endpoints (authorization redirect; the token endpoint's
// authorization_code and refresh_token grants, with `invalid_grant`), Calendar v3 (calendarList, events with
// singleEvents expansion of recurring events), Tasks v1 (lists, tasks, move, clear), Gmail v1 (messages,
// threads, labels, attachments, send, drafts; raw RFC 2822 messages in base64url) and Drive v3 (files with
// the query language, export, media, multipart upload, copy, permissions). Every API call needs a live
// bearer token. It can misbehave: expire the access tokens (401, then parley refreshes), answer 429 with
// Retry-After, 500, slowly, or with a malformed body.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

const GOOGLE_ERROR = (res, status, message, reason = 'backendError') => {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }], status: reason } }));
};
const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
};
const b64url = (s) => Buffer.from(s).toString('base64url');
const newId = (p = '') => p + randomBytes(8).toString('hex');

// ---- Drive query language (https://developers.google.com/drive/api/guides/search-files) ----
function tokenizeQuery(q) {
  const out = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { out.push({ t: c }); i++; continue; }
    if (c === "'") {
      let s = '';
      i++;
      while (i < q.length && q[i] !== "'") {
        if (q[i] === '\\') { s += q[i + 1]; i += 2; } else s += q[i++];
      }
      if (i >= q.length) throw new Error('unterminated string');
      i++;
      out.push({ t: 'str', v: s });
      continue;
    }
    if (c === '!' && q[i + 1] === '=') { out.push({ t: 'op', v: '!=' }); i += 2; continue; }
    if ('=<>'.includes(c)) { const two = q.slice(i, i + 2); if (two === '<=' || two === '>=') { out.push({ t: 'op', v: two }); i += 2; } else { out.push({ t: 'op', v: c }); i++; } continue; }
    let w = '';
    while (i < q.length && /[A-Za-z0-9_.]/.test(q[i])) w += q[i++];
    if (!w) throw new Error(`unexpected '${c}'`);
    out.push({ t: 'word', v: w });
  }
  return out;
}

function parseQuery(q) {
  const toks = tokenizeQuery(q);
  let p = 0;
  const peek = () => toks[p];
  const word = (w) => peek()?.t === 'word' && peek().v.toLowerCase() === w;
  function expr() {
    let left = term();
    while (word('and') || word('or')) {
      const op = toks[p++].v.toLowerCase();
      const right = term();
      const l = left;
      left = op === 'and' ? (f) => l(f) && right(f) : (f) => l(f) || right(f);
    }
    return left;
  }
  function term() {
    if (word('not')) { p++; const t = term(); return (f) => !t(f); }
    if (peek()?.t === '(') { p++; const e = expr(); if (peek()?.t !== ')') throw new Error('missing )'); p++; return e; }
    if (peek()?.t === 'str') {
      const v = toks[p++].v;
      if (!word('in')) throw new Error('expected in');
      p++;
      const field = toks[p++]?.v;
      if (field === 'parents') return (f) => f.parents.includes(v);
      if (field === 'owners') return () => true;
      throw new Error(`unknown collection ${field}`);
    }
    const field = toks[p++]?.v;
    if (!field) throw new Error('unexpected end');
    let op;
    if (word('contains')) { p++; op = 'contains'; } else if (peek()?.t === 'op') op = toks[p++].v; else throw new Error(`expected operator after ${field}`);
    const valTok = toks[p++];
    const value = valTok?.t === 'str' ? valTok.v : valTok?.v;
    const get = (f) => ({ name: f.name, mimeType: f.mimeType, trashed: String(f.trashed), fullText: `${f.name} ${f.content ?? ''}`, modifiedTime: f.modifiedTime, starred: 'false', sharedWithMe: 'false' })[field];
    if (get({ parents: [] }) === undefined && !['name', 'mimeType', 'trashed', 'fullText', 'modifiedTime', 'starred', 'sharedWithMe'].includes(field)) throw new Error(`unknown field ${field}`);
    return (f) => {
      const a = get(f) ?? '';
      if (op === 'contains') return String(a).toLowerCase().includes(String(value).toLowerCase());
      if (op === '=') return String(a) === String(value);
      if (op === '!=') return String(a) !== String(value);
      if (op === '>') return String(a) > String(value);
      if (op === '<') return String(a) < String(value);
      if (op === '>=') return String(a) >= String(value);
      return String(a) <= String(value);
    };
  }
  const e = expr();
  if (p !== toks.length) throw new Error('trailing input');
  return e;
}

// ---- RFC 2822 parsing of sent messages (enough for what parley writes) ----
function parseRaw(raw) {
  const text = Buffer.from(raw, 'base64url').toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split).replace(/\r\n[ \t]/g, ' ');
  const headers = {};
  for (const line of head.split('\r\n')) {
    const c = line.indexOf(':');
    headers[line.slice(0, c)] = line.slice(c + 1).trim();
  }
  let body = text.slice(split + 4);
  if (/base64/i.test(headers['Content-Transfer-Encoding'] ?? '')) body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { headers, body, text };
}
export function decodeEncodedWords(s) {
  return s.replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/gi, (_, b) => Buffer.from(b, 'base64').toString('utf8')).trim();
}

/** startFakeGoogle() -> { url, authUri, tokenUri, state, requests, misbehave({kind, path, times, retryAfter, delayMs}), close() } */
export async function startFakeGoogle() {
  const state = {
    clientId: 'legacy-client.apps.googleusercontent.com',
    clientSecret: 'legacy-client-secret-0001',
    codes: new Map(),          // code -> { redirect_uri, scope }
    access: new Map(),         // access token -> refresh token
    refresh: new Set(['1//legacy-refresh-token-0001', '1//scope-string-refresh-0002', '1//calendar-only-refresh-0003']),
    expiresIn: 3599,
    grantScope: null,          // override of the granted scope string
    tokenCalls: [],            // { grant_type, ... }
    // Calendar
    calendars: [{ id: 'primary', summary: 'user@example.com', timeZone: 'Europe/Berlin', primary: true, accessRole: 'owner' },
      { id: 'team@group.calendar.google.com', summary: 'Team', timeZone: 'UTC', accessRole: 'reader' }],
    events: new Map([['primary', []], ['team@group.calendar.google.com', []]]),
    // Tasks
    taskLists: [{ id: 'list1', title: 'My Tasks', updated: '2025-01-01T00:00:00.000Z' }, { id: 'list2', title: 'Work', updated: '2025-01-01T00:00:00.000Z' }],
    tasks: new Map([['list1', []], ['list2', []]]),
    // Gmail
    messages: [], labels: [
      { id: 'INBOX', name: 'INBOX', type: 'system' }, { id: 'SENT', name: 'SENT', type: 'system' },
      { id: 'Label_1', name: 'Receipts', type: 'user', labelListVisibility: 'labelShow', messageListVisibility: 'show' }],
    drafts: [], sent: [], attachments: new Map(),
    // Drive
    files: [], permissions: new Map(),
  };
  const requests = [];
  const misbehaviours = [];  // { kind, path (prefix), times, retryAfter, delayMs }

  function seed() {
    const ev = state.events.get('primary');
    ev.push({ id: 'ev1', status: 'confirmed', summary: 'Dentist appointment', location: 'Main St 1', description: 'Bring the card',
      start: { dateTime: '2030-05-01T09:00:00Z' }, end: { dateTime: '2030-05-01T10:00:00Z' }, attendees: [{ email: 'a@example.com', responseStatus: 'accepted' }],
      organizer: { email: 'user@example.com' }, htmlLink: 'https://calendar.google.com/event?eid=ev1' });
    ev.push({ id: 'ev2', status: 'confirmed', summary: 'Holiday', start: { date: '2030-05-02' }, end: { date: '2030-05-03' } });
    ev.push({ id: 'ev3', status: 'confirmed', summary: 'Standup', start: { dateTime: '2030-05-01T08:00:00Z' }, end: { dateTime: '2030-05-01T08:15:00Z' }, recurrence: ['RRULE:FREQ=DAILY;COUNT=3'] });
    state.tasks.get('list1').push({ id: 't1', title: 'Buy milk', notes: 'oat milk', status: 'needsAction', due: '2030-05-01T00:00:00.000Z', updated: '2025-01-01T00:00:00.000Z', position: '00000000000000000001' });
    state.tasks.get('list1').push({ id: 't2', title: 'File taxes', status: 'completed', completed: '2025-01-02T00:00:00.000Z', updated: '2025-01-02T00:00:00.000Z', position: '00000000000000000002' });
    state.tasks.get('list2').push({ id: 't3', title: 'Quarterly report', notes: 'milk the numbers', status: 'needsAction', updated: '2025-01-01T00:00:00.000Z', position: '00000000000000000001' });
    const pdf = '%PDF-1.4 fake';
    state.attachments.set('att1', Buffer.from('Invoice total: 42 EUR\n'));
    state.attachments.set('att2', Buffer.from(pdf));
    addMessage({ id: 'm1', threadId: 'th1', labelIds: ['INBOX'], from: 'Alice <alice@example.com>', to: 'user@example.com', subject: '=?UTF-8?B?' + Buffer.from('Grüße aus Köln').toString('base64') + '?=',
      date: 'Mon, 05 May 2025 10:00:00 +0000', messageId: '<m1@example.com>', plain: 'Hello from Cologne', html: '<p>Hello <b>from</b> Cologne</p>',
      attachments: [{ id: 'att1', filename: 'invoice.txt', mimeType: 'text/plain' }] });
    addMessage({ id: 'm2', threadId: 'th1', labelIds: ['INBOX'], from: 'user@example.com', to: 'alice@example.com', subject: 'Re: Grüße aus Köln',
      date: 'Mon, 05 May 2025 11:00:00 +0000', messageId: '<m2@example.com>', references: '<m1@example.com>', html: '<div>Only HTML &amp; more</div><script>x()</script>' });
    state.files.push({ id: 'root', name: 'My Drive', mimeType: 'application/vnd.google-apps.folder', parents: [], trashed: false, modifiedTime: '2025-01-01T00:00:00.000Z' });
    state.files.push({ id: 'f-projects', name: 'Projects', mimeType: 'application/vnd.google-apps.folder', parents: ['root'], trashed: false, modifiedTime: '2025-01-01T00:00:00.000Z' });
    state.files.push({ id: 'f-2025', name: '2025', mimeType: 'application/vnd.google-apps.folder', parents: ['f-projects'], trashed: false, modifiedTime: '2025-01-01T00:00:00.000Z' });
    state.files.push({ id: 'doc1', name: 'Budget notes', mimeType: 'application/vnd.google-apps.document', parents: ['f-2025'], trashed: false, content: 'Budget is 100', modifiedTime: '2025-02-01T00:00:00.000Z' });
    state.files.push({ id: 'sheet1', name: "Q1 'numbers'", mimeType: 'application/vnd.google-apps.spreadsheet', parents: ['root'], trashed: false, content: 'a,b\n1,2', modifiedTime: '2025-02-02T00:00:00.000Z' });
    state.files.push({ id: 'txt1', name: 'readme.txt', mimeType: 'text/plain', parents: ['root'], trashed: false, content: 'plain text file', modifiedTime: '2025-02-03T00:00:00.000Z' });
    state.permissions.set('txt1', [{ id: 'p1', type: 'user', role: 'owner', emailAddress: 'user@example.com' }, { id: 'anyoneWithLink', type: 'anyone', role: 'reader' }]);
    state.permissions.set('doc1', [{ id: 'p1', type: 'user', role: 'owner', emailAddress: 'user@example.com' }]);
  }

  function addMessage(m) {
    const parts = [];
    if (m.plain !== undefined) parts.push({ partId: String(parts.length), mimeType: 'text/plain', filename: '', headers: [], body: { size: m.plain.length, data: b64url(m.plain) } });
    if (m.html !== undefined) parts.push({ partId: String(parts.length), mimeType: 'text/html', filename: '', headers: [], body: { size: m.html.length, data: b64url(m.html) } });
    for (const a of m.attachments ?? []) parts.push({ partId: String(parts.length), mimeType: a.mimeType, filename: a.filename, headers: [], body: { size: state.attachments.get(a.id).length, attachmentId: a.id } });
    const headers = [{ name: 'From', value: m.from }, { name: 'To', value: m.to }, { name: 'Subject', value: m.subject }, { name: 'Date', value: m.date }, { name: 'Message-ID', value: m.messageId }];
    if (m.references) headers.push({ name: 'References', value: m.references }, { name: 'In-Reply-To', value: m.references.split(' ').pop() });
    state.messages.push({ id: m.id, threadId: m.threadId, labelIds: m.labelIds, snippet: (m.plain ?? m.html ?? '').slice(0, 50),
      sizeEstimate: 100, internalDate: String(Date.parse(m.date)), payload: { partId: '', mimeType: 'multipart/mixed', filename: '', headers, body: { size: 0 }, parts } });
  }
  seed();

  function expandEvents(list) {
    const out = [];
    for (const e of list) {
      const rule = (e.recurrence ?? [])[0];
      if (!rule) { out.push(e); continue; }
      const count = Number(/COUNT=(\d+)/.exec(rule)?.[1] ?? 1);
      const start = Date.parse(e.start.dateTime);
      const dur = Date.parse(e.end.dateTime) - start;
      for (let i = 0; i < count; i++) {
        const s = new Date(start + i * 86400000);
        const { recurrence, ...rest } = e;
        out.push({ ...rest, id: `${e.id}_${s.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`, recurringEventId: e.id,
          start: { dateTime: s.toISOString().replace('.000', '') }, end: { dateTime: new Date(s.getTime() + dur).toISOString().replace('.000', '') } });
      }
    }
    return out;
  }
  const eventStart = (e) => Date.parse(e.start.dateTime ?? e.start.date + 'T00:00:00Z');
  const eventEnd = (e) => Date.parse(e.end.dateTime ?? e.end.date + 'T00:00:00Z');

  function messageView(m, format, metadataHeaders) {
    if (format === 'metadata') {
      const wanted = (metadataHeaders ?? []).map((h) => h.toLowerCase());
      const headers = m.payload.headers.filter((h) => !wanted.length || wanted.includes(h.name.toLowerCase()));
      return { id: m.id, threadId: m.threadId, labelIds: m.labelIds, snippet: m.snippet, payload: { mimeType: m.payload.mimeType, headers } };
    }
    if (format === 'minimal') return { id: m.id, threadId: m.threadId, labelIds: m.labelIds, snippet: m.snippet };
    return m;
  }
  const msgText = (m) => JSON.stringify(m.payload.headers) + ' ' + m.snippet;

  async function readBody(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    return Buffer.concat(chunks);
  }

  function paginate(items, query, defaultSize, max) {
    const size = Math.min(Number(query.get('maxResults') ?? query.get('pageSize') ?? defaultSize), max);
    const start = Number(query.get('pageToken') ?? 0);
    const page = items.slice(start, start + size);
    return { page, next: start + size < items.length ? String(start + size) : undefined };
  }

  async function api(req, res, url, body) {
    const p = url.pathname;
    const q = url.searchParams;
    const m = req.method;
    let r;
    // Calendar v3
    if (p === '/calendar/v3/users/me/calendarList' && m === 'GET') {
      const { page, next } = paginate(state.calendars, q, 100, 250);
      return json(res, 200, { kind: 'calendar#calendarList', items: page, nextPageToken: next });
    }
    if ((r = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(p))) {
      const cal = decodeURIComponent(r[1]);
      const list = state.events.get(cal);
      if (!list) return GOOGLE_ERROR(res, 404, 'Not Found', 'notFound');
      if (!r[2] && m === 'GET') {
        if (q.get('singleEvents') !== 'true') return GOOGLE_ERROR(res, 400, 'parley always expands recurring events');
        let items = expandEvents(list).filter((e) => e.status !== 'cancelled');
        const min = q.get('timeMin') ? Date.parse(q.get('timeMin')) : -Infinity;
        const max = q.get('timeMax') ? Date.parse(q.get('timeMax')) : Infinity;
        if (Number.isNaN(min) || Number.isNaN(max)) return GOOGLE_ERROR(res, 400, 'Bad Request', 'badRequest');
        items = items.filter((e) => eventEnd(e) > min && eventStart(e) < max);
        if (q.get('q')) items = items.filter((e) => JSON.stringify(e).toLowerCase().includes(q.get('q').toLowerCase()));
        items.sort((a, b) => eventStart(a) - eventStart(b));
        const { page, next } = paginate(items, q, 250, 2500);
        return json(res, 200, { kind: 'calendar#events', summary: cal, timeZone: q.get('timeZone') ?? 'UTC', items: page, nextPageToken: next });
      }
      if (!r[2] && m === 'POST') {
        const e = JSON.parse(body);
        if (!e.start || !e.end) return GOOGLE_ERROR(res, 400, 'Missing end time.', 'required');
        const ev = { id: newId('ev'), status: 'confirmed', htmlLink: 'https://calendar.google.com/x', ...e };
        list.push(ev);
        return json(res, 200, ev);
      }
      const idx = list.findIndex((e) => e.id === decodeURIComponent(r[2]));
      if (idx < 0) return GOOGLE_ERROR(res, 404, 'Not Found', 'notFound');
      if (m === 'PATCH') { Object.assign(list[idx], JSON.parse(body)); return json(res, 200, list[idx]); }
      if (m === 'DELETE') { list.splice(idx, 1); res.writeHead(204); return res.end(); }
      if (m === 'GET') return json(res, 200, list[idx]);
    }
    // Tasks v1
    if (p === '/tasks/v1/users/@me/lists' && m === 'GET') {
      const { page, next } = paginate(state.taskLists, q, 20, 100);
      return json(res, 200, { kind: 'tasks#taskLists', items: page, nextPageToken: next });
    }
    if ((r = /^\/tasks\/v1\/lists\/([^/]+)\/(clear|tasks)(?:\/([^/]+))?(\/move)?$/.exec(p))) {
      const listId = decodeURIComponent(r[1]) === '@default' ? 'list1' : decodeURIComponent(r[1]);
      const tasks = state.tasks.get(listId);
      if (!tasks) return GOOGLE_ERROR(res, 404, 'Not Found', 'notFound');
      if (r[2] === 'clear' && m === 'POST') { for (const t of tasks) if (t.status === 'completed') t.hidden = true; res.writeHead(204); return res.end(); }
      if (!r[3] && m === 'GET') {
        let items = tasks.filter((t) => (q.get('showCompleted') !== 'false' || t.status !== 'completed') && (q.get('showDeleted') === 'true' || !t.deleted) && (q.get('showHidden') === 'true' || !t.hidden));
        if (q.get('dueMin')) items = items.filter((t) => t.due && t.due >= new Date(q.get('dueMin')).toISOString());
        if (q.get('dueMax')) items = items.filter((t) => t.due && t.due < new Date(q.get('dueMax')).toISOString());
        const { page, next } = paginate(items, q, 20, 100);
        return json(res, 200, { kind: 'tasks#tasks', items: page, nextPageToken: next });
      }
      if (!r[3] && m === 'POST') {
        const t = { id: newId('t'), status: 'needsAction', updated: new Date().toISOString(), ...JSON.parse(body) };
        if (q.get('parent')) t.parent = q.get('parent');
        tasks.push(t);
        return json(res, 200, t);
      }
      const idx = tasks.findIndex((t) => t.id === decodeURIComponent(r[3]));
      if (idx < 0) return GOOGLE_ERROR(res, 404, 'Not Found', 'notFound');
      if (r[4] && m === 'POST') {
        const t = tasks[idx];
        if (q.get('parent')) t.parent = q.get('parent');
        if (q.get('destinationTasklist')) { tasks.splice(idx, 1); state.tasks.get(q.get('destinationTasklist')).push(t); }
        return json(res, 200, t);
      }
      if (m === 'GET') return json(res, 200, tasks[idx]);
      if (m === 'PATCH') { Object.assign(tasks[idx], JSON.parse(body)); if (tasks[idx].completed === null) delete tasks[idx].completed; return json(res, 200, tasks[idx]); }
      if (m === 'DELETE') { tasks.splice(idx, 1); res.writeHead(204); return res.end(); }
    }
    // Gmail v1
    if (p === '/gmail/v1/users/me/messages' && m === 'GET') {
      const words = (q.get('q') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      const items = state.messages.filter((x) => words.every((w) => decodeEncodedWords(msgText(x)).toLowerCase().includes(w.replace(/^\w+:/, ''))));
      const { page, next } = paginate(items, q, 100, 500);
      return json(res, 200, { messages: page.map((x) => ({ id: x.id, threadId: x.threadId })), nextPageToken: next, resultSizeEstimate: items.length });
    }
    if ((r = /^\/gmail\/v1\/users\/me\/messages\/([^/]+)\/attachments\/([^/]+)$/.exec(p)) && m === 'GET') {
      const a = state.attachments.get(decodeURIComponent(r[2]));
      if (!a) return GOOGLE_ERROR(res, 404, 'Requested entity was not found.', 'notFound');
      return json(res, 200, { size: a.length, data: a.toString('base64url') });
    }
    if (p === '/gmail/v1/users/me/messages/send' && m === 'POST') {
      const b = JSON.parse(body);
      const parsed = parseRaw(b.raw);
      const id = newId('sent');
      const threadId = b.threadId ?? newId('th');
      state.sent.push({ id, threadId, raw: b.raw, ...parsed });
      return json(res, 200, { id, threadId, labelIds: ['SENT'] });
    }
    if (p === '/gmail/v1/users/me/messages/batchModify' && m === 'POST') {
      const b = JSON.parse(body);
      for (const id of b.ids) { const x = state.messages.find((y) => y.id === id); if (x) x.labelIds = [...new Set([...x.labelIds, ...(b.addLabelIds ?? [])])].filter((l) => !(b.removeLabelIds ?? []).includes(l)); }
      res.writeHead(204); return res.end();
    }
    if ((r = /^\/gmail\/v1\/users\/me\/messages\/([^/]+)(\/modify)?$/.exec(p))) {
      const x = state.messages.find((y) => y.id === decodeURIComponent(r[1]));
      if (!x) return GOOGLE_ERROR(res, 404, 'Requested entity was not found.', 'notFound');
      if (r[2] && m === 'POST') {
        const b = JSON.parse(body);
        x.labelIds = [...new Set([...x.labelIds, ...(b.addLabelIds ?? [])])].filter((l) => !(b.removeLabelIds ?? []).includes(l));
        return json(res, 200, { id: x.id, threadId: x.threadId, labelIds: x.labelIds });
      }
      return json(res, 200, messageView(x, q.get('format') ?? 'full', q.getAll('metadataHeaders')));
    }
    if ((r = /^\/gmail\/v1\/users\/me\/threads\/([^/]+)$/.exec(p)) && m === 'GET') {
      const id = decodeURIComponent(r[1]);
      const msgs = state.messages.filter((x) => x.threadId === id);
      if (!msgs.length) return GOOGLE_ERROR(res, 404, 'Requested entity was not found.', 'notFound');
      return json(res, 200, { id, messages: msgs.map((x) => messageView(x, q.get('format') ?? 'full', q.getAll('metadataHeaders'))) });
    }
    if (p === '/gmail/v1/users/me/drafts' && m === 'POST') {
      const b = JSON.parse(body);
      const parsed = parseRaw(b.message.raw);
      const d = { id: newId('r'), message: { id: newId('dm'), threadId: b.message.threadId ?? newId('th'), labelIds: ['DRAFT'] } };
      state.drafts.push({ ...d, ...parsed });
      return json(res, 200, d);
    }
    if (p === '/gmail/v1/users/me/labels') {
      if (m === 'GET') return json(res, 200, { labels: state.labels });
      if (m === 'POST') { const l = { id: newId('Label_'), type: 'user', ...JSON.parse(body) }; state.labels.push(l); return json(res, 200, l); }
    }
    if ((r = /^\/gmail\/v1\/users\/me\/labels\/([^/]+)$/.exec(p))) {
      const idx = state.labels.findIndex((l) => l.id === decodeURIComponent(r[1]));
      if (idx < 0) return GOOGLE_ERROR(res, 404, 'Not Found', 'notFound');
      if (m === 'PATCH') { Object.assign(state.labels[idx], JSON.parse(body)); return json(res, 200, state.labels[idx]); }
      if (m === 'DELETE') { state.labels.splice(idx, 1); res.writeHead(204); return res.end(); }
    }
    // Drive v3
    const fileView = (f) => { const { content, ...rest } = f; return { kind: 'drive#file', ...rest, size: f.mimeType.startsWith('application/vnd.google-apps') ? undefined : String(Buffer.byteLength(content ?? '')), webViewLink: `https://drive.google.com/file/d/${f.id}/view` }; };
    if (p === '/drive/v3/files' && m === 'GET') {
      let pred;
      try { pred = parseQuery(q.get('q') ?? 'trashed = false'); } catch (e) { return GOOGLE_ERROR(res, 400, `Invalid Value: ${e.message}`, 'invalid'); }
      const items = state.files.filter((f) => f.id !== 'root' && pred(f));
      const { page, next } = paginate(items, q, 100, 1000);
      return json(res, 200, { kind: 'drive#fileList', files: page.map(fileView), nextPageToken: next });
    }
    if ((p === '/drive/v3/files' || p === '/upload/drive/v3/files') && m === 'POST') {
      let meta;
      let content = '';
      if (p.startsWith('/upload')) {
        const boundary = /boundary=(.+)$/.exec(req.headers['content-type'] ?? '')?.[1];
        if (!boundary || q.get('uploadType') !== 'multipart') return GOOGLE_ERROR(res, 400, 'Bad multipart upload');
        const parts = body.toString('latin1').split(`--${boundary}`).slice(1, -1).map((s) => s.slice(s.indexOf('\r\n\r\n') + 4, -2));
        meta = JSON.parse(Buffer.from(parts[0], 'latin1').toString('utf8'));
        content = Buffer.from(parts[1], 'latin1').toString('utf8');
      } else meta = JSON.parse(body);
      const f = { id: newId('f'), trashed: false, modifiedTime: new Date().toISOString(), parents: ['root'], mimeType: 'application/octet-stream', ...meta, content };
      state.files.push(f);
      return json(res, 200, fileView(f));
    }
    if ((r = /^\/drive\/v3\/files\/([^/]+)(\/export|\/copy|\/permissions)?$/.exec(p))) {
      const f = state.files.find((x) => x.id === decodeURIComponent(r[1]));
      if (!f) return GOOGLE_ERROR(res, 404, `File not found: ${decodeURIComponent(r[1])}.`, 'notFound');
      if (r[2] === '/export') {
        if (!f.mimeType.startsWith('application/vnd.google-apps')) return GOOGLE_ERROR(res, 403, 'Export only supports Docs Editors files.', 'fileNotExportable');
        res.writeHead(200, { 'Content-Type': q.get('mimeType') });
        return res.end(q.get('mimeType') === 'application/pdf' ? `%PDF-export of ${f.name}` : f.content);
      }
      if (r[2] === '/copy' && m === 'POST') { const c = { ...f, id: newId('f'), name: `Copy of ${f.name}`, ...JSON.parse(body || '{}') }; state.files.push(c); return json(res, 200, fileView(c)); }
      if (r[2] === '/permissions') return json(res, 200, { permissions: state.permissions.get(f.id) ?? [] });
      if (m === 'GET' && q.get('alt') === 'media') {
        if (f.mimeType.startsWith('application/vnd.google-apps')) return GOOGLE_ERROR(res, 403, 'Only files with binary content can be downloaded. Use Export with Docs Editors files.', 'fileNotDownloadable');
        res.writeHead(200, { 'Content-Type': f.mimeType });
        return res.end(f.content);
      }
      if (m === 'GET') return json(res, 200, fileView(f));
      if (m === 'PATCH') {
        Object.assign(f, JSON.parse(body || '{}'));
        if (q.get('addParents')) f.parents = [...f.parents.filter((x) => !(q.get('removeParents') ?? '').split(',').includes(x)), ...q.get('addParents').split(',')];
        return json(res, 200, fileView(f));
      }
      if (m === 'DELETE') { state.files.splice(state.files.indexOf(f), 1); res.writeHead(204); return res.end(); }
    }
    return GOOGLE_ERROR(res, 404, `fake Google has no route ${m} ${p}`, 'notFound');
  }

  function issue(scope) {
    const access = 'ya29.' + newId();
    const refresh = '1//' + newId();
    state.access.set(access, refresh);
    state.refresh.add(refresh);
    return { access, refresh };
  }

  function tokenEndpoint(req, res, body) {
    const f = new URLSearchParams(body.toString());
    state.tokenCalls.push(Object.fromEntries(f));
    if (f.get('client_id') !== state.clientId || f.get('client_secret') !== state.clientSecret) return json(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
    if (f.get('grant_type') === 'authorization_code') {
      const c = state.codes.get(f.get('code'));
      state.codes.delete(f.get('code'));
      if (!c || c.redirect_uri !== f.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
      const t = issue();
      return json(res, 200, { access_token: t.access, expires_in: state.expiresIn, refresh_token: t.refresh, scope: state.grantScope ?? c.scope, token_type: 'Bearer', id_token: 'eyJhbGciOi.fake.id' });
    }
    if (f.get('grant_type') === 'refresh_token') {
      if (!state.refresh.has(f.get('refresh_token'))) return json(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      const access = 'ya29.' + newId();
      state.access.set(access, f.get('refresh_token'));
      return json(res, 200, { access_token: access, expires_in: state.expiresIn, scope: 'https://www.googleapis.com/auth/calendar', token_type: 'Bearer' });
    }
    return json(res, 400, { error: 'unsupported_grant_type' });
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const body = await readBody(req);
    const entry = { method: req.method, path: url.pathname, query: url.search, authorization: req.headers.authorization ?? null, at: Date.now(), body: body.toString() };
    requests.push(entry);
    if (url.pathname === '/o/oauth2/auth') {
      // The consent screen, answered at once: back to redirect_uri with a code (or ?deny=1 for access_denied).
      const redirect = url.searchParams.get('redirect_uri');
      const st = url.searchParams.get('state');
      const target = new URL(redirect);
      if (state.deny) target.searchParams.set('error', 'access_denied');
      else {
        const code = '4/' + newId();
        state.codes.set(code, { redirect_uri: redirect, scope: url.searchParams.get('scope') });
        target.searchParams.set('code', code);
        target.searchParams.set('scope', url.searchParams.get('scope'));
      }
      target.searchParams.set('state', st);
      state.lastAuthRequest = Object.fromEntries(url.searchParams);
      res.writeHead(302, { Location: target.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') return tokenEndpoint(req, res, body);
    const mis = misbehaviours.find((x) => x.times > 0 && url.pathname.startsWith(x.path ?? '/'));
    if (mis) {
      mis.times--;
      entry.misbehaved = mis.kind;
      if (mis.kind === 'expire') { state.access.clear(); }
      else if (mis.kind === '429') { res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': String(mis.retryAfter ?? 1) }); return res.end(JSON.stringify({ error: { code: 429, message: 'Rate Limit Exceeded', status: 'RESOURCE_EXHAUSTED' } })); }
      else if (mis.kind === '500') return GOOGLE_ERROR(res, 500, 'Backend Error');
      else if (mis.kind === 'malformed') { res.writeHead(200, { 'Content-Type': 'application/json' }); return res.end('{"items": [ {"id": '); }
      else if (mis.kind === 'slow') { await new Promise((r) => setTimeout(r, mis.delayMs ?? 3000)); }
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!auth || !state.access.has(auth)) return GOOGLE_ERROR(res, 401, 'Request had invalid authentication credentials.', 'authError');
    try {
      await api(req, res, url, body);
    } catch (e) {
      GOOGLE_ERROR(res, 400, `fake Google: ${e.message}`, 'badRequest');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url, authUri: `${url}/o/oauth2/auth`, tokenUri: `${url}/token`, state, requests,
    // Makes an access token parley's stored token can use (a token file written by a test).
    grantAccess(token) { state.access.set(token, 'test'); },
    misbehave(m) { misbehaviours.push({ times: 1, ...m }); },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
