// The sign-off as a BPMN process run by bpmn-engine 25 (signoff.bpmn): three sequential user
// tasks. Same contract as xstate.mjs. Each approval recovers an engine from the saved state,
// resumes it, signals the waiting user task, and saves engine.getState() once the next task
// waits (or the process ends) — bpmn-engine's documented way to pause and resume a process.
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';

const source = readFileSync(new URL('./signoff.bpmn', import.meta.url), 'utf8');
const roleOfTask = { head: 'head_of_comms', clinical: 'clinical_lead', director: 'director' };

export const libraries = ['bpmn-engine'];

// Runs `begin` on an engine with a listener that notes the user task now waiting.
async function run(engine, begin) {
  const listener = new EventEmitter();
  const seen = { waiting: null };
  listener.on('activity.wait', (api) => {
    seen.waiting = api.id;
  });
  await begin(listener);
  return seen;
}

async function save(engine, waiting) {
  const saved = JSON.stringify(await engine.getState());
  if (waiting) await engine.stop();
  return { state: waiting ?? 'approved', saved };
}

export async function start(ref) {
  const engine = new Engine({ name: ref, source });
  const seen = await run(engine, (listener) => engine.execute({ listener }));
  return save(engine, seen.waiting);
}

export async function approve(saved, approver) {
  const engine = new Engine().recover(JSON.parse(saved));
  const seen = await run(engine, (listener) => engine.resume({ listener }));
  const task = seen.waiting;
  if (roleOfTask[task] !== approver.role) {
    throw new Error(`approval by ${approver.actor} refused in ${task}`);
  }
  seen.waiting = null;
  engine.execution.signal({ id: task, by: approver.actor, decision: 'approved' });
  return save(engine, seen.waiting);
}
