// The built-in calendar, gmail and gdrive servers (api.md §7.5) against the fake Google (tests/fakes/google.mjs):
// every tool on its happy path, the answer to a user who has not authorized, and each misbehaviour of the
// one Google client: an expired token (401, refresh, retry), 429 with Retry-After, 500, a slow answer, a
// malformed body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeGoogle, decodeEncodedWords } from '../fakes/google.mjs';
import { googleHome, liveToken, startGoogleServer, text, SCOPES } from './google_helpers.mjs';

let fake;
let home;
const servers = {};
const env = () => ({ GOOGLE_API_BASE_URL: fake.url, GOOGLE_DEFAULT_USER_EMAIL: 'user@example.com', PARLEY_TIMEZONE: 'Europe/Berlin', PARLEY_GOOGLE_TIMEOUT_SECONDS: '3' });
const ok = (r) => { assert.equal(r.isError, false, text(r)); return r.structuredContent; };

before(async () => {
  fake = await startFakeGoogle();
  home = googleHome(fake, { 'user_at_example_com.json': liveToken(fake) });
  for (const name of ['calendar', 'gmail', 'gdrive']) servers[name] = await startGoogleServer(name, home.home, env());
});
after(async () => {
  for (const s of Object.values(servers)) await s.close();
  await fake.close();
  home.remove();
});

test('every tool of §7.5 is listed with its parameters', async () => {
  const names = async (s) => (await servers[s].tools()).map((t) => t.name);
  assert.deepEqual(await names('calendar'), ['calendar_auth_status', 'calendar_generate_auth_url', 'calendar_get_events',
    'calendar_create_event', 'calendar_update_event', 'calendar_delete_event', 'calendar_list_task_lists', 'list_tasks',
    'search_all_tasks', 'user_context_from_tasks', 'calendar_get_task', 'calendar_create_task', 'calendar_update_task',
    'calendar_delete_task', 'calendar_move_task', 'calendar_clear_completed_tasks', 'calendar_list_calendars']);
  assert.deepEqual(await names('gmail'), ['gmail_auth_status', 'gmail_generate_auth_url', 'search_gmail_messages',
    'get_gmail_message_content', 'list_gmail_message_attachments', 'download_gmail_attachment', 'debug_gmail_attachment_metadata',
    'read_gmail_attachment_text', 'extract_gmail_attachment_by_id', 'get_gmail_messages_content_batch', 'send_gmail_message',
    'draft_gmail_message', 'get_gmail_thread_content', 'get_gmail_threads_content_batch', 'list_gmail_labels', 'manage_gmail_label',
    'modify_gmail_message_labels', 'batch_modify_gmail_message_labels']);
  assert.deepEqual(await names('gdrive'), ['gdrive_auth_status', 'gdrive_generate_auth_url', 'gdrive_search_files',
    'gdrive_list_folder', 'gdrive_get_file_content', 'gdrive_download_file', 'gdrive_create_file', 'gdrive_delete_file',
    'gdrive_move_file', 'gdrive_copy_file', 'gdrive_rename_file', 'gdrive_create_folder', 'gdrive_file_permissions',
    'gdrive_check_public_access']);
  const params = Object.fromEntries((await servers.calendar.tools()).map((t) => [t.name, Object.keys(t.inputSchema.properties)]));
  assert.deepEqual(params.calendar_get_events, ['user_email', 'calendar_id', 'time_min', 'time_max', 'max_results', 'query', 'detailed']);
  assert.deepEqual(params.list_tasks, ['user_email', 'task_list_id', 'max_results', 'page_token', 'show_completed', 'show_deleted', 'show_hidden', 'due_min', 'due_max', 'task_filter']);
  const gmail = Object.fromEntries((await servers.gmail.tools()).map((t) => [t.name, Object.keys(t.inputSchema.properties)]));
  assert.deepEqual(gmail.send_gmail_message.sort(), ['bcc', 'body', 'body_format', 'cc', 'in_reply_to', 'references', 'subject', 'thread_id', 'to', 'user_email']);
  assert.deepEqual(gmail.read_gmail_attachment_text.sort(), ['attachment_id', 'filename_contains', 'force_ocr', 'message_id', 'prefer_mime', 'session_id', 'user_email']);
  const drive = Object.fromEntries((await servers.gdrive.tools()).map((t) => [t.name, Object.keys(t.inputSchema.properties)]));
  assert.deepEqual(drive.gdrive_create_file.sort(), ['content', 'file_name', 'file_url', 'folder_id', 'mime_type', 'user_email']);
});

test('calendar: events in the display zone, all-day and recurring instances, attendees; create/update/delete; calendars', async () => {
  const c = servers.calendar;
  ok(await c.call('calendar_auth_status', {}));
  const events = ok(await c.call('calendar_get_events', { time_min: '2030-05-01', time_max: '2030-05-04', detailed: true }));
  assert.equal(events.time_zone, 'Europe/Berlin');
  const byName = (n) => events.events.filter((e) => e.summary === n);
  assert.equal(byName('Dentist appointment')[0].start.date_time, '2030-05-01T11:00:00+02:00');  // 09:00Z in Berlin
  assert.deepEqual(byName('Dentist appointment')[0].attendees, [{ email: 'a@example.com', response_status: 'accepted' }]);
  assert.equal(byName('Dentist appointment')[0].description, 'Bring the card');
  assert.deepEqual(byName('Holiday')[0].start, { date: '2030-05-02' });
  assert.equal(byName('Holiday')[0].all_day, true);
  assert.equal(byName('Standup').length, 3);
  assert.ok(byName('Standup').every((e) => e.recurring && e.recurring_event_id === 'ev3'));
  const q = fake.requests.findLast((r) => r.path.endsWith('/events'));
  assert.match(q.query, /timeMin=2030-05-01T00%3A00%3A00%2B02%3A00/);
  assert.match(q.query, /singleEvents=true/);
  // Paged and capped with a note.
  const capped = ok(await c.call('calendar_get_events', { time_min: '2030-05-01', time_max: '2030-05-04', max_results: 2 }));
  assert.equal(capped.events.length, 2);
  assert.match(capped.note, /More events/);

  const created = ok(await c.call('calendar_create_event', { summary: 'Review', start_time: '2030-06-01T10:00', end_time: '2030-06-01T11:00', attendees: ['b@example.com'], location: 'Room 1' }));
  const stored = fake.state.events.get('primary').find((e) => e.summary === 'Review');
  assert.deepEqual(stored.start, { dateTime: '2030-06-01T10:00:00+02:00', timeZone: 'Europe/Berlin' });
  assert.deepEqual(stored.attendees, [{ email: 'b@example.com' }]);
  const allDay = ok(await c.call('calendar_create_event', { summary: 'Trip', start_time: '2030-06-05', end_time: '2030-06-05' }));
  assert.deepEqual(fake.state.events.get('primary').find((e) => e.summary === 'Trip').end, { date: '2030-06-06' });
  assert.equal(allDay.event.all_day, true);
  ok(await c.call('calendar_update_event', { event_id: created.event.id, summary: 'Review (moved)' }));
  assert.equal(stored.summary, 'Review (moved)');
  ok(await c.call('calendar_delete_event', { event_id: created.event.id }));
  assert.equal(fake.state.events.get('primary').some((e) => e.id === created.event.id), false);
  const missing = await c.call('calendar_delete_event', { event_id: 'nope' });
  assert.equal(missing.isError, true);
  assert.match(text(missing), /HTTP 404: Not Found/);
  const cals = ok(await c.call('calendar_list_calendars', {}));
  assert.deepEqual(cals.calendars.map((x) => [x.id, x.primary]), [['primary', true], ['team@group.calendar.google.com', false]]);
});

test('calendar: Google Tasks lists, filters, search, create/update/move/delete/clear', async () => {
  const c = servers.calendar;
  assert.deepEqual(ok(await c.call('calendar_list_task_lists', {})).task_lists.map((l) => l.title), ['My Tasks', 'Work']);
  assert.deepEqual(ok(await c.call('list_tasks', {})).tasks.map((t) => t.title), ['Buy milk']);
  assert.deepEqual(ok(await c.call('list_tasks', { task_filter: 'completed' })).tasks.map((t) => t.title), ['File taxes']);
  const found = ok(await c.call('search_all_tasks', { query: 'milk' }));
  assert.deepEqual(found.tasks.map((t) => t.title).sort(), ['Buy milk', 'Quarterly report']);
  assert.deepEqual(ok(await c.call('search_all_tasks', { query: 'milk', search_notes: false })).tasks.map((t) => t.title), ['Buy milk']);
  const context = ok(await c.call('user_context_from_tasks', { query: 'milk' }));
  assert.match(context.context, /Buy milk \[needsAction\] due 2030-05-01: oat milk/);
  assert.equal(ok(await c.call('calendar_get_task', { task_id: 't1' })).task.notes, 'oat milk');
  const t = ok(await c.call('calendar_create_task', { title: 'Call mum', due: '2030-07-01', notes: 'Sunday' })).task;
  assert.equal(fake.state.tasks.get('list1').find((x) => x.id === t.id).due, '2030-06-30T22:00:00.000Z');
  assert.equal(ok(await c.call('calendar_update_task', { task_id: t.id, status: 'completed' })).task.status, 'completed');
  ok(await c.call('calendar_move_task', { task_id: t.id, destination_task_list: 'list2' }));
  assert.ok(fake.state.tasks.get('list2').some((x) => x.id === t.id));
  ok(await c.call('calendar_delete_task', { task_list_id: 'list2', task_id: t.id }));
  ok(await c.call('calendar_clear_completed_tasks', {}));
  assert.equal(fake.state.tasks.get('list1').find((x) => x.id === 't2').hidden, true);
});

test('gmail: search, read (encoded subject, HTML body), threads, batches, labels', async () => {
  const g = servers.gmail;
  const found = ok(await g.call('search_gmail_messages', { query: 'Köln' }));
  assert.deepEqual(found.messages.map((m) => m.id), ['m1', 'm2']);
  assert.equal(found.messages[0].subject, 'Grüße aus Köln');
  const m1 = ok(await g.call('get_gmail_message_content', { message_id: 'm1' }));
  assert.equal(m1.body, 'Hello from Cologne');
  assert.equal(m1.headers['Message-ID'], '<m1@example.com>');
  assert.deepEqual(m1.attachments.map((a) => a.filename), ['invoice.txt']);
  const m2 = ok(await g.call('get_gmail_message_content', { message_id: 'm2' }));
  assert.equal(m2.body, 'Only HTML & more');
  assert.equal(m2.body_format, 'html (converted to text)');
  const batch = ok(await g.call('get_gmail_messages_content_batch', { message_ids: ['m1', 'm2', 'nope'], format: 'metadata' }));
  assert.equal(batch.messages.length, 3);
  assert.match(batch.messages[2].error, /404/);
  assert.equal(ok(await g.call('get_gmail_thread_content', { thread_id: 'th1' })).message_count, 2);
  assert.equal(ok(await g.call('get_gmail_threads_content_batch', { thread_ids: ['th1'] })).threads.length, 1);
  assert.ok(ok(await g.call('list_gmail_labels', {})).labels.some((l) => l.name === 'Receipts'));
  const label = ok(await g.call('manage_gmail_label', { action: 'create', name: 'Parley' })).label;
  ok(await g.call('manage_gmail_label', { action: 'update', label_id: label.id, name: 'Parley 2', label_list_visibility: 'labelHide' }));
  assert.equal(fake.state.labels.find((l) => l.id === label.id).labelListVisibility, 'labelHide');
  ok(await g.call('manage_gmail_label', { action: 'delete', label_id: label.id }));
  assert.deepEqual(ok(await g.call('modify_gmail_message_labels', { message_id: 'm1', add_label_ids: ['Label_1'], remove_label_ids: ['INBOX'] })).label_ids, ['Label_1']);
  ok(await g.call('batch_modify_gmail_message_labels', { message_ids: ['m1', 'm2'], add_label_ids: ['INBOX'] }));
  assert.ok(fake.state.messages.every((m) => m.labelIds.includes('INBOX')));
});

test('gmail: send and draft as RFC 2822 with encoded non-ASCII, replies in their thread', async () => {
  const g = servers.gmail;
  const sent = ok(await g.call('send_gmail_message', { to: 'Jürgen Müller <j@example.com>', subject: 'Grüße 🎉 — a long subject line that needs more than one encoded word to fit', body: 'Schöne Grüße\nZeile 2', cc: 'c@example.com' }));
  const msg = fake.state.sent.find((m) => m.id === sent.message_id);
  assert.match(msg.headers.Subject, /^=\?UTF-8\?B\?/);
  assert.equal(decodeEncodedWords(msg.headers.Subject), 'Grüße 🎉 — a long subject line that needs more than one encoded word to fit');
  assert.match(msg.headers.To, /^=\?UTF-8\?B\?.*\?= <j@example.com>$/);
  assert.equal(msg.body, 'Schöne Grüße\nZeile 2');
  assert.match(msg.headers['Content-Type'], /text\/plain; charset="UTF-8"/);
  // A reply naming only the thread: In-Reply-To/References from its last message, "Re:" added, threadId kept.
  const reply = ok(await g.call('send_gmail_message', { to: 'alice@example.com', subject: 'Thanks', body: '<b>Danke</b>', body_format: 'html', thread_id: 'th1' }));
  const r = fake.state.sent.find((m) => m.id === reply.message_id);
  assert.equal(r.threadId, 'th1');
  assert.equal(r.headers['In-Reply-To'], '<m2@example.com>');
  assert.equal(r.headers.References, '<m1@example.com> <m2@example.com>');
  assert.equal(r.headers.Subject, 'Re: Thanks');
  assert.match(r.headers['Content-Type'], /text\/html/);
  // Header injection through a value is flattened.
  ok(await g.call('send_gmail_message', { to: 'x@example.com\r\nBcc: evil@example.com', subject: 's', body: 'b' }));
  assert.equal(fake.state.sent.at(-1).headers.Bcc, undefined);
  const draft = ok(await g.call('draft_gmail_message', { subject: 'Entwurf', body: 'Text', thread_id: 'th1', in_reply_to: '<m1@example.com>' }));
  assert.ok(draft.draft_id);
  assert.equal(fake.state.drafts.at(-1).headers['In-Reply-To'], '<m1@example.com>');
});

test('gmail: attachments listed, stored in the attachment store with a signed URL, read as text', async () => {
  const g = servers.gmail;
  const list = ok(await g.call('list_gmail_message_attachments', { message_id: 'm1' }));
  assert.deepEqual(list.attachments.map((a) => [a.attachment_id, a.filename, a.mime_type]), [['att1', 'invoice.txt', 'text/plain']]);
  const saved = ok(await g.call('download_gmail_attachment', { message_id: 'm1', attachment_id: 'att1', session_id: 'sess-gmail' }));
  assert.match(saved.attachment_id, /^[0-9a-f]{32}$/);
  assert.match(saved.url, /\/api\/files\/sess-gmail\/[0-9a-f]{32}__invoice\.txt\?exp=\d+&sig=[0-9a-f]{64}$/);
  const blobs = readdirSync(join(home.home, 'data', 'blobs', 'sess-gmail'));
  assert.equal(readFileSync(join(home.home, 'data', 'blobs', 'sess-gmail', blobs[0]), 'utf8'), 'Invoice total: 42 EUR\n');
  const dbg = ok(await g.call('debug_gmail_attachment_metadata', { message_id: 'm1', attachment_id: 'att1' }));
  assert.equal(dbg.decoded_size, 22);
  const read = ok(await g.call('read_gmail_attachment_text', { message_id: 'm1', session_id: 'sess-gmail', filename_contains: 'INVOICE' }));
  assert.equal(read.content, 'Invoice total: 42 EUR\n');
  assert.equal(ok(await g.call('extract_gmail_attachment_by_id', { message_id: 'm1', attachment_id: 'att1', session_id: 's' })).content, 'Invoice total: 42 EUR\n');
  assert.equal((await g.call('read_gmail_attachment_text', { message_id: 'm2', session_id: 's' })).isError, true);
});

test('gdrive: search (queries passed safely), folders by id/name/path, read, download, create, move, copy, rename, delete, permissions', async () => {
  const d = servers.gdrive;
  const words = ok(await d.call('gdrive_search_files', { query: "Q1 'numbers'" }));
  assert.equal(words.drive_query, "(name contains 'Q1 \\'numbers\\'' or fullText contains 'Q1 \\'numbers\\'') and trashed = false");
  assert.deepEqual(words.files.map((f) => f.id), ['sheet1']);
  const syntax = ok(await d.call('gdrive_search_files', { query: "mimeType = 'text/plain'" }));
  assert.deepEqual(syntax.files.map((f) => f.id), ['txt1']);
  const paged = ok(await d.call('gdrive_search_files', { query: 'trashed = false', page_size: 2 }));
  assert.equal(paged.files.length, 2);
  assert.match(paged.note, /More files match/);
  assert.deepEqual(ok(await d.call('gdrive_list_folder', {})).files.map((f) => f.name).sort(), ['Projects', "Q1 'numbers'", 'readme.txt']);
  assert.deepEqual(ok(await d.call('gdrive_list_folder', { folder_name: 'Projects' })).files.map((f) => f.name), ['2025']);
  const byPath = ok(await d.call('gdrive_list_folder', { folder_path: 'Projects/2025' }));
  assert.deepEqual([byPath.folder_id, byPath.files.map((f) => f.name)], ['f-2025', ['Budget notes']]);
  assert.equal((await d.call('gdrive_list_folder', { folder_path: 'Projects/none' })).isError, true);
  const doc = ok(await d.call('gdrive_get_file_content', { file_id: 'doc1' }));
  assert.deepEqual([doc.content, doc.exported_as], ['Budget is 100', 'text/plain']);
  assert.equal(ok(await d.call('gdrive_get_file_content', { file_id: 'sheet1' })).content, 'a,b\n1,2');
  assert.equal(ok(await d.call('gdrive_get_file_content', { file_id: 'txt1' })).content, 'plain text file');
  const dl = ok(await d.call('gdrive_download_file', { file_id: 'txt1' }));
  assert.equal(Buffer.from(dl.content_base64, 'base64').toString(), 'plain text file');
  assert.equal(ok(await d.call('gdrive_download_file', { file_id: 'doc1' })).mime_type, 'application/pdf');
  const created = ok(await d.call('gdrive_create_file', { file_name: 'notes.md', content: 'Grüße', mime_type: 'text/markdown', folder_id: 'f-projects' }));
  assert.equal(fake.state.files.find((f) => f.id === created.file.id).content, 'Grüße');
  assert.deepEqual(created.file.parents, ['f-projects']);
  // A URL is fetched under the address policy: the fake itself is on a loopback address and is refused.
  const refused = await d.call('gdrive_create_file', { file_name: 'x', file_url: `${fake.url}/secret` });
  assert.equal(refused.isError, true);
  assert.match(text(refused), /non-public address/);
  ok(await d.call('gdrive_move_file', { file_id: created.file.id, destination_folder_id: 'f-2025' }));
  assert.deepEqual(fake.state.files.find((f) => f.id === created.file.id).parents, ['f-2025']);
  const copy = ok(await d.call('gdrive_copy_file', { file_id: 'txt1', new_name: 'readme copy.txt' }));
  assert.equal(copy.file.name, 'readme copy.txt');
  ok(await d.call('gdrive_rename_file', { file_id: copy.file.id, new_name: 'renamed.txt' }));
  const folder = ok(await d.call('gdrive_create_folder', { folder_name: 'Archive' }));
  assert.equal(folder.folder.is_folder, true);
  ok(await d.call('gdrive_delete_file', { file_id: copy.file.id }));
  assert.equal(fake.state.files.find((f) => f.id === copy.file.id).trashed, true);
  ok(await d.call('gdrive_delete_file', { file_id: copy.file.id, permanent: true }));
  assert.equal(fake.state.files.some((f) => f.id === copy.file.id), false);
  assert.equal(ok(await d.call('gdrive_file_permissions', { file_id: 'txt1' })).is_public, true);
  const pub = ok(await d.call('gdrive_check_public_access', { file_name: 'Budget notes' }));
  assert.equal(pub.files[0].is_public, false);
});

test('misbehaviours: 401 then refresh, 429 with Retry-After, 500, slow, malformed, and giving up', async () => {
  const c = servers.calendar;
  const refreshesBefore = fake.state.tokenCalls.filter((t) => t.grant_type === 'refresh_token').length;
  fake.misbehave({ kind: 'expire', path: '/calendar/' });
  ok(await c.call('calendar_list_calendars', {}));
  assert.equal(fake.state.tokenCalls.filter((t) => t.grant_type === 'refresh_token').length, refreshesBefore + 1);
  const file = JSON.parse(readFileSync(join(home.home, 'data', 'tokens', 'user_at_example_com.json'), 'utf8'));
  assert.ok(fake.state.access.has(file.token), 'the refreshed token is stored');

  fake.misbehave({ kind: '429', path: '/gmail/', retryAfter: 1 });
  const t0 = Date.now();
  ok(await servers.gmail.call('list_gmail_labels', {}));
  const labelCalls = fake.requests.filter((r) => r.path.endsWith('/labels') && r.at >= t0);
  assert.equal(labelCalls.length, 2);
  assert.ok(labelCalls[1].at - labelCalls[0].at >= 950, 'waited for Retry-After');

  fake.misbehave({ kind: '500', path: '/drive/' });
  ok(await servers.gdrive.call('gdrive_file_permissions', { file_id: 'txt1' }));
  fake.misbehave({ kind: '500', path: '/drive/', times: 4 });
  const failed = await servers.gdrive.call('gdrive_file_permissions', { file_id: 'txt1' });
  assert.equal(failed.isError, true);
  assert.match(text(failed), /HTTP 500 after 4 attempts: Backend Error/);

  fake.misbehave({ kind: 'slow', path: '/tasks/', delayMs: 4500 });
  ok(await c.call('calendar_list_task_lists', {}));  // the first attempt times out after 3 s; the retry answers

  fake.misbehave({ kind: 'malformed', path: '/calendar/' });
  const bad = await c.call('calendar_list_calendars', {});
  assert.equal(bad.isError, true);
  assert.match(text(bad), /not the JSON object/);
});

// A request the fake answered slowly was sent again, unchanged, once the 3 s timeout had passed.
function assertRetriedAfterTimeout(requests) {
  const slow = requests.findIndex((r) => r.misbehaved === 'slow');
  assert.ok(slow >= 0, 'a request was slowed');
  const again = requests.slice(slow + 1).find((r) => r.path === requests[slow].path && r.query === requests[slow].query);
  assert.ok(again && !again.misbehaved, 'the timed-out request is sent again and answered');
  assert.ok(again.at - requests[slow].at >= 2950, `after the 3 s timeout (${again.at - requests[slow].at} ms)`);
}

test('gdrive misbehaves: 429 with Retry-After is waited for, a slow answer is retried after the timeout', async () => {
  const d = servers.gdrive;
  fake.misbehave({ kind: '429', path: '/drive/', retryAfter: 1 });
  const t0 = Date.now();
  const found = ok(await d.call('gdrive_search_files', { query: 'Budget' }));
  assert.ok(found.files.some((f) => f.name === 'Budget notes'));
  const searches = fake.requests.filter((r) => r.path === '/drive/v3/files' && r.at >= t0);
  assert.deepEqual(searches.map((r) => r.misbehaved ?? 'answered'), ['429', 'answered']);
  assert.ok(searches[1].at - searches[0].at >= 950, `waited for Retry-After (${searches[1].at - searches[0].at} ms)`);

  fake.misbehave({ kind: 'slow', path: '/drive/', delayMs: 4500 });
  const t1 = Date.now();
  const content = ok(await d.call('gdrive_get_file_content', { file_id: 'txt1' }));
  assert.equal(content.content, 'plain text file');
  // The slowed request and its retry (other requests of the call may come before or between them).
  assertRetriedAfterTimeout(fake.requests.filter((r) => r.path.startsWith('/drive/') && r.at >= t1));

  // Slow on every attempt: the tool gives up with an error that says so, it does not hang.
  fake.misbehave({ kind: 'slow', path: '/drive/', delayMs: 4500, times: 4 });
  const gaveUp = await d.call('gdrive_file_permissions', { file_id: 'txt1' });
  assert.equal(gaveUp.isError, true);
  assert.match(text(gaveUp), /did not answer after 4 attempts: no answer within 3000 ms/);
});

test('gmail misbehaves: a slow answer is retried; 429 on every attempt gives up with Google\'s message', async () => {
  const g = servers.gmail;
  fake.misbehave({ kind: 'slow', path: '/gmail/', delayMs: 4500 });
  const t0 = Date.now();
  const m1 = ok(await g.call('get_gmail_message_content', { message_id: 'm1' }));
  assert.equal(m1.subject, 'Grüße aus Köln');
  assertRetriedAfterTimeout(fake.requests.filter((r) => r.path.startsWith('/gmail/') && r.at >= t0));

  fake.misbehave({ kind: '429', path: '/gmail/', retryAfter: 0, times: 4 });
  const t1 = Date.now();
  const limited = await g.call('search_gmail_messages', { query: 'Köln' });
  assert.equal(limited.isError, true);
  assert.match(text(limited), /HTTP 429 after 4 attempts: Rate Limit Exceeded/);
  assert.equal(fake.requests.filter((r) => r.path.startsWith('/gmail/') && r.at >= t1 && r.misbehaved === '429').length, 4);
  // The limit lifted, the next call answers.
  assert.deepEqual(ok(await g.call('search_gmail_messages', { query: 'Köln' })).messages.map((m) => m.id), ['m1', 'm2']);
});

test('a user who has not authorized gets an isError that says how; the auth URL tool makes a signed URL', async () => {
  for (const [server, tool, prefix] of [['calendar', 'calendar_get_events', 'calendar'], ['gmail', 'list_gmail_labels', 'gmail'], ['gdrive', 'gdrive_list_folder', 'gdrive']]) {
    const r = await servers[server].call(tool, { user_email: 'stranger@example.com' });
    assert.equal(r.isError, true);
    assert.match(text(r), new RegExp(`has not authorized parley.*call ${prefix}_generate_auth_url.*Settings → Google → Connect`));
  }
  const status = ok(await servers.gmail.call('gmail_auth_status', { user_email: 'stranger@example.com' }));
  assert.equal(status.authorized, false);
  const url = new URL(ok(await servers.gdrive.call('gdrive_generate_auth_url', { user_email: 'stranger@example.com' })).auth_url);
  assert.equal(url.origin + url.pathname, fake.authUri);
  assert.equal(url.searchParams.get('scope'), SCOPES.join(' '));
  assert.equal(url.searchParams.get('access_type'), 'offline');
  assert.equal(url.searchParams.get('prompt'), 'consent');
  assert.match(url.searchParams.get('state'), /^[A-Za-z0-9_-]+\.\d+\.[0-9a-f]{64}$/);
  const already = ok(await servers.gdrive.call('gdrive_generate_auth_url', {}));
  assert.equal(already.authorized, true);
  assert.ok(ok(await servers.gdrive.call('gdrive_generate_auth_url', { force: true })).auth_url);
});

test('no token in any server output', async () => {
  const secrets = [...fake.state.access.keys(), ...fake.state.refresh, fake.state.clientSecret];
  for (const s of Object.values(servers)) {
    for (const secret of secrets) assert.ok(!s.stderr().includes(secret), `a token in the stderr of a server`);
  }
});
