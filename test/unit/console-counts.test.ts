import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONVERSATION_STATES,
  countColumns,
  stateLabel,
  TURN_STATES,
} from '../../src/console/counts.js';

const serverConversations = {
  total: 9,
  pending: 1,
  active: 0,
  completed: 4,
  ended: 0,
  failed: 1,
  cancelled: 0,
  expired: 0,
  suppressed: 3,
};

describe('the counts tables of a batch', () => {
  it('shows suppressed conversations and turns, in the life order, the total last', () => {
    const columns = countColumns(serverConversations, CONVERSATION_STATES);
    expect(columns.map((c) => `${c.label}=${c.value}`)).toEqual([
      'Pending=1',
      'Active=0',
      'Completed=4',
      'Ended=0',
      'Failed=1',
      'Cancelled=0',
      'Expired=0',
      'Suppressed=3',
      'Total=9',
    ]);
    const turns = { total: 5, pending: 0, completed: 2, failed: 0, skipped: 1, cancelled: 0 };
    expect(
      countColumns({ ...turns, expired: 0, suppressed: 2 }, TURN_STATES).map((c) => c.state),
    ).toEqual([
      'pending',
      'completed',
      'failed',
      'skipped',
      'cancelled',
      'expired',
      'suppressed',
      'total',
    ]);
  });

  it('shows a state the console does not know yet, after the known ones', () => {
    const columns = countColumns(
      { onHold: 2, ...serverConversations, awaiting_consent: 1 },
      CONVERSATION_STATES,
    );
    expect(columns.map((c) => c.label).slice(-4)).toEqual([
      'Suppressed',
      'On hold',
      'Awaiting consent',
      'Total',
    ]);
    expect(columns.find((c) => c.state === 'onHold')?.value).toBe(2);
  });

  it('leaves out a known state an older server does not send, and what is not a count', () => {
    const { suppressed: _suppressed, ...older } = serverConversations;
    const columns = countColumns({ ...older, note: 'x', nothing: null }, CONVERSATION_STATES);
    expect(columns.map((c) => c.state)).not.toContain('suppressed');
    expect(columns.map((c) => c.state)).not.toContain('note');
    expect(columns.map((c) => c.state)).not.toContain('nothing');
    expect(columns).toHaveLength(8);
  });

  it('never drops or repeats a count the server sent', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((key) => key !== 'total' && key !== '__proto__'),
          fc.nat(),
        ),
        fc.nat(),
        (extra, total) => {
          const counts = { ...serverConversations, ...extra, total };
          const states = countColumns(counts, CONVERSATION_STATES).map((c) => c.state);
          expect(new Set(states).size).toBe(states.length);
          expect([...states].sort()).toEqual(Object.keys(counts).sort());
          expect(states.at(-1)).toBe('total');
        },
      ),
    );
  });

  it('labels state keys for people', () => {
    expect(stateLabel('suppressed')).toBe('Suppressed');
    expect(stateLabel('on_hold')).toBe('On hold');
    expect(stateLabel('waitingForWindow')).toBe('Waiting for window');
  });
});
