// A piscina worker: one ChunkScorer (so one WASM instance and one copy of the model) per thread,
// built once from workerData; each task is one chunk, whose output buffer is moved back, not copied.

import Piscina from 'piscina';
import { ZeekParseError } from '../zeek/errors.js';
import { ChunkScorer, type ChunkTask, type ScoreSettings, type ScoredChunk, type StrictStop } from './score-chunk.js';

const scorer = new ChunkScorer(Piscina.workerData as ScoreSettings);

export default function scoreChunk(task: ChunkTask): unknown {
  let result: ScoredChunk;
  try {
    result = scorer.score(task);
  } catch (error) {
    // An error crossing the thread boundary keeps its message but not its class or name, and the
    // CLI needs the class to tell a bad line (strict mode: the user's to fix) from a bug. So the
    // rejection comes back as data and is thrown again, as a ZeekParseError, on the main thread.
    if (error instanceof ZeekParseError) {
      const stop: StrictStop = { strictStop: { file: error.file, line: error.line, field: error.field, reason: error.reason } };
      return stop;
    }
    throw error;
  }
  return Piscina.move(transferable(result) as Parameters<typeof Piscina.move>[0]);
}

/** Wraps a result so piscina transfers its output buffer instead of cloning it. */
function transferable(result: ScoredChunk): object {
  return {
    get [Piscina.transferableSymbol]() {
      return [result.out.buffer];
    },
    get [Piscina.valueSymbol]() {
      return result;
    },
  };
}
