// A piscina worker: one ChunkScorer (so one WASM instance and one copy of the model) per thread,
// built once from workerData; each task is one chunk, whose output buffer is moved back, not copied.

import Piscina from 'piscina';
import { OutputFormatError } from '../output/zeek-writer.js';
import { ZeekParseError } from '../zeek/errors.js';
import { ChunkScorer, type ChunkFailure, type ChunkTask, type ScoreSettings, type ScoredChunk } from './score-chunk.js';

const scorer = new ChunkScorer(Piscina.workerData as ScoreSettings);

export default function scoreChunk(task: ChunkTask): unknown {
  let result: ScoredChunk;
  try {
    result = scorer.score(task);
  } catch (error) {
    // An error crossing the thread boundary keeps its message but not its class or name, and the
    // CLI needs the class to tell the user's mistakes (a bad line in strict mode, a log scored
    // twice) from bugs. So these come back as data and are thrown again on the main thread.
    let failure: ChunkFailure | null = null;
    if (error instanceof ZeekParseError) failure = { failure: 'parse', rejection: { file: error.file, line: error.line, field: error.field, reason: error.reason } };
    else if (error instanceof OutputFormatError) failure = { failure: 'output', message: error.message };
    if (failure === null) throw error;
    return failure;
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
