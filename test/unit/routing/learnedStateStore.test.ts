import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { readLearnedState, restoreLearnedState, saveLearnedState } from '../../../daemon/routing/learnedStateStore';
import { makeRouter, ask } from './helpers';

test('learned state is written per model, survives reopening the store, and restores into a new router', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-learned-'));
  try {
    const router = makeRouter();
    const store = await Store.open({ dir });
    for (const score of [0, 0, 1]) {
      router.recordOutcome('gpt-4o-mini', ask('Write a short poem about rain.'), score);
      const state = router.onlineStateOf('gpt-4o-mini');
      assert.ok(state);
      await store.withWrite((tx) => saveLearnedState(tx, 'gpt-4o-mini', state, 1000));
    }
    assert.equal(store.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM routing_learned'))?.n, 1, 'one row per model');
    await store.close();

    const again = await Store.open({ dir });
    const fresh = makeRouter();
    assert.deepEqual(restoreLearnedState(again, fresh), { restored: ['gpt-4o-mini'], skipped: [] });
    assert.deepEqual(fresh.learnedState(), router.learnedState());
    const decide = (r: ReturnType<typeof makeRouter>) => r.decide({ request: ask('Write a short poem about rain.'), requestedModel: 'auto', candidates: ['gpt-4o-mini'] }).candidates[0]?.quality;
    assert.equal(decide(fresh), decide(router));

    // A damaged row is skipped, the rest still load.
    await again.withWrite((tx) => tx.run("INSERT INTO routing_learned (model_id, state, outcomes, updated_at) VALUES ('gpt-4.1', '{\"outcomes\":-1}', 0, 1)"));
    const read = again.read((tx) => readLearnedState(tx));
    assert.deepEqual(read.skipped, ['gpt-4.1']);
    assert.deepEqual(Object.keys(read.state), ['gpt-4o-mini']);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
