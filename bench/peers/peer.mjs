// Times one peer workflow library on figure 1's three-step sign-off, for scripts/bench.
//
//   node peer.mjs xstate|bpmn --db FILE --sync NORMAL|FULL --items N [--serve]
//
// Creates FILE (SQLite, WAL, the given synchronous) with N items, each started in the sign-off
// and saved; that setup is not timed. Then each approval is one BEGIN IMMEDIATE ... COMMIT
// transaction: read the item's saved state, let the library apply the approval (peer modules:
// xstate.mjs, bpmn.mjs), write the item's new state and one event row. Only approvals are timed,
// each on its own, and nothing is batched.
//
// Without --serve it approves every item through the three steps, 20 items at a time as
// figure 1 does, and prints one JSON line: {"peer" (libraries and versions), "sync",
// "approvals", "seconds"}. With --serve (used by commsflow_bench, which alternates the peers
// with the engine) it prints {"ready":N,"label"} after setup, then for each stdin line
// "approve FIRST LAST" takes items FIRST..LAST through the three steps (every item's first
// step, then second, then third, the engine's order) and prints {"approvals","seconds"}; it
// exits at the end of stdin.
// Any failure prints one line "peer.mjs: MESSAGE" on stderr and exits 1.
import { createInterface } from 'node:readline';
import { readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';

process.on('uncaughtException', (e) => {
  console.error(`peer.mjs: ${String(e?.message ?? e).split('\n')[0]}`);
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  throw e;
});

const approvers = [
  { actor: 'hannah.head', role: 'head_of_comms' },
  { actor: 'clara.clinical', role: 'clinical_lead' },
  { actor: 'dan.director', role: 'director' },
];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    sync: { type: 'string', default: 'FULL' },
    items: { type: 'string', default: '100' },
    serve: { type: 'boolean', default: false },
  },
});
const peers = { xstate: './xstate.mjs', bpmn: './bpmn.mjs' };
const peerName = positionals[0];
if (!peers[peerName] || !values.db || !['NORMAL', 'FULL'].includes(values.sync)) {
  console.error('usage: node peer.mjs xstate|bpmn --db FILE --sync NORMAL|FULL --items N '
                + '[--serve]');
  process.exit(2);
}
// Imported here, not above, so that a module that cannot load (better-sqlite3 not built, say)
// is reported as one line like any other failure.
const { default: Database } = await import('better-sqlite3');
const peer = await import(peers[peerName]);
const version = (name) =>
  JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url))).version;
const label = [...peer.libraries, 'better-sqlite3'].map((n) => `${n} ${version(n)}`).join(' + ');
const items = Number(values.items);
const refOf = (i) => `BSO-2026-${String(i).padStart(4, '0')}`;

for (const suffix of ['', '-wal', '-shm']) rmSync(values.db + suffix, { force: true });
const db = new Database(values.db);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${values.sync}`);
db.exec(`
  CREATE TABLE items(id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE, state TEXT NOT NULL,
                     saved TEXT NOT NULL, revision INTEGER NOT NULL, updated_at TEXT NOT NULL);
  CREATE TABLE events(seq INTEGER PRIMARY KEY, ref TEXT NOT NULL, at TEXT NOT NULL,
                      actor TEXT NOT NULL, action TEXT NOT NULL, from_state TEXT NOT NULL,
                      to_state TEXT NOT NULL)`);
const insertItem = db.prepare(
  'INSERT INTO items(ref, state, saved, revision, updated_at) VALUES (?, ?, ?, 1, ?)');
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
const rollback = db.prepare('ROLLBACK');
const readItem = db.prepare('SELECT id, state, saved, revision FROM items WHERE ref = ?');
const updateItem = db.prepare('UPDATE items SET state = ?, saved = ?, revision = ?, '
                              + 'updated_at = ? WHERE id = ? AND revision = ?');
const insertEvent = db.prepare(
  'INSERT INTO events(ref, at, actor, action, from_state, to_state) VALUES (?, ?, ?, ?, ?, ?)');

// Setup, untimed: every item started and saved at its first step.
for (let i = 1; i <= items; ++i) {
  const started = await peer.start(refOf(i));
  insertItem.run(refOf(i), started.state, started.saved, new Date().toISOString());
}

// One approval in one transaction; returns its seconds.
async function approveOne(ref, approver) {
  const t0 = process.hrtime.bigint();
  begin.run();
  try {
    const item = readItem.get(ref);
    const next = await peer.approve(item.saved, approver);
    const at = new Date().toISOString();
    const changed = updateItem.run(next.state, next.saved, item.revision + 1, at, item.id,
                                   item.revision).changes;
    if (changed !== 1) throw new Error(`${ref} changed underneath`);
    insertEvent.run(ref, at, approver.actor, 'approve', item.state, next.state);
    commit.run();
  } catch (e) {
    if (db.inTransaction) rollback.run();
    throw e;
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function approveRange(first, last) {
  let seconds = 0;
  for (const approver of approvers) {
    for (let i = first; i <= last; ++i) seconds += await approveOne(refOf(i), approver);
  }
  return { approvals: 3 * (last - first + 1), seconds };
}

if (values.serve) {
  console.log(JSON.stringify({ ready: items, label }));
  for await (const line of createInterface({ input: process.stdin })) {
    const [word, first, last] = line.trim().split(/\s+/);
    if (word !== 'approve') throw new Error(`unknown request: ${line}`);
    console.log(JSON.stringify(await approveRange(Number(first), Number(last))));
  }
} else {
  let approvals = 0, seconds = 0;
  for (let first = 1; first <= items; first += 20) {
    const r = await approveRange(first, Math.min(items, first + 19));
    approvals += r.approvals;
    seconds += r.seconds;
  }
  console.log(JSON.stringify({ peer: label, sync: values.sync, approvals, seconds }));
}
db.close();
