// The file piscina starts each worker with: CommonJS, loading the real worker (worker.ts, an ES
// module) with import(). piscina loads its worker file with require() first, and on Node 20.19+
// require() of an ES module goes through a facade that trips a Node assertion and aborts the whole
// process when the worker is terminated while loading: a run that fails at once (a JSON log with
// --format zeek) and destroys the pool as workers start did so in CI ("Assertion failed:
// facade->InstantiateModule", in ModuleWrap::CreateRequiredModuleFacade). A plain CommonJS entry
// never takes that path.

import type { ChunkTask } from './score-chunk.js';

type Handler = (task: ChunkTask) => unknown;

// Started at once, so the worker builds its scorer (WASM, model) before the first task arrives.
const handler: Promise<Handler> = import('./worker.js').then((m) => m.default);
// A failure to load is reported through the tasks that await it, not as an unhandled rejection.
handler.catch(() => undefined);

function runTask(task: ChunkTask): Promise<unknown> {
  return handler.then((run) => run(task));
}

export = runTask;
