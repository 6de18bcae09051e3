// A piscina worker: one ChunkScorer (so one WASM instance and one copy of the model) per thread,
// built once from workerData; each task is one chunk, whose output buffer is moved back, not copied,
// with the task's own buffers for the main thread to reuse.

import Piscina from 'piscina';
import { ChunkScorer, scoreOrFailure, type ChunkTask, type ScoreSettings, type ScoredChunk } from './score-chunk.js';

const scorer = new ChunkScorer(Piscina.workerData as ScoreSettings);

export default function scoreChunk(task: ChunkTask): unknown {
  const result = scoreOrFailure(scorer, task);
  return 'failure' in result ? result : Piscina.move(transferable(result) as Parameters<typeof Piscina.move>[0]);
}

/** Wraps a result so piscina transfers its buffers instead of cloning them. */
function transferable(result: ScoredChunk): object {
  return {
    get [Piscina.transferableSymbol]() {
      // A buffer listed twice is a DataCloneError.
      return [...new Set([result.out.buffer, ...result.returned])];
    },
    get [Piscina.valueSymbol]() {
      return result;
    },
  };
}
