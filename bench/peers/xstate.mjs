// The sign-off as an xstate 5 machine: head → clinical → director → approved. An approval is
// accepted only from the role the current step names (a guard), and is recorded in the context,
// as commsflow records each decision in the item.
//
// Contract (shared with bpmn.mjs, used by peer.mjs): start(ref) gives the first saved state;
// approve(saved, approver) rehydrates it, applies one approval and gives the new saved state.
// Each approval restores the actor from its persisted snapshot, the way a server that does not
// keep every item in memory would (xstate's documented persistence: getPersistedSnapshot, then
// createActor(machine, { snapshot })).
import { assign, createActor, setup } from 'xstate';

const step = (role, next) => ({
  on: {
    APPROVE: {
      guard: { type: 'holdsRole', params: { role } },
      target: next,
      actions: 'record',
    },
  },
});

const machine = setup({
  guards: {
    holdsRole: ({ event }, params) => event.role === params.role,
  },
  actions: {
    record: assign({
      decisions: ({ context, event }) => [
        ...context.decisions,
        { by: event.by, role: event.role, decision: 'approved', at: event.at },
      ],
    }),
  },
}).createMachine({
  id: 'signoff',
  initial: 'head',
  context: ({ input }) => ({ ref: input.ref, decisions: [] }),
  states: {
    head: step('head_of_comms', 'clinical'),
    clinical: step('clinical_lead', 'director'),
    director: step('director', 'approved'),
    approved: { type: 'final' },
  },
});

export const libraries = ['xstate'];

export async function start(ref) {
  const actor = createActor(machine, { input: { ref } }).start();
  const snapshot = actor.getPersistedSnapshot();
  actor.stop();
  return { state: snapshot.value, saved: JSON.stringify(snapshot) };
}

export async function approve(saved, approver) {
  const actor = createActor(machine, { snapshot: JSON.parse(saved) }).start();
  const from = actor.getSnapshot().value;
  const at = new Date().toISOString();
  actor.send({ type: 'APPROVE', by: approver.actor, role: approver.role, at });
  const snapshot = actor.getPersistedSnapshot();
  actor.stop();
  if (snapshot.value === from) throw new Error(`approval by ${approver.actor} refused in ${from}`);
  return { state: snapshot.value, saved: JSON.stringify(snapshot) };
}
