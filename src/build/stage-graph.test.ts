import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstructions } from './parser/index.ts';
import { planStages, stageDependencies } from './stage-graph.ts';

const df = `ARG BASE=busybox
FROM $BASE AS a
RUN echo a
FROM busybox AS b
RUN echo b
FROM a AS c
COPY --from=b /x /x
FROM busybox AS d
COPY --from=0 /y /y
`;

describe('stage graph', () => {
  const stages = parseInstructions(df).stages;
  const expand = (w: string) => w.replace('$BASE', 'busybox');

  it('planStages() builds every stage the last one needs, in order', () => {
    assert.deepEqual(planStages(stages, { expand }), [0, 3]);
  });

  it('planStages() follows FROM and COPY --from of the target', () => {
    assert.deepEqual(planStages(stages, { target: 'c', expand }), [0, 1, 2]);
    assert.deepEqual(planStages(stages, { target: 'B', expand }), [1]);
  });

  it('planStages() rejects an unknown target with docker\'s message', () => {
    assert.throws(() => planStages(stages, { target: 'nope', expand }), /failed to reach build target nope in Dockerfile/);
  });

  it('stageDependencies() lists stage references by name and index', () => {
    assert.deepEqual(stageDependencies(stages, expand), [[], [], [0, 1], [0]]);
  });
});
