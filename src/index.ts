// The public API, at a glance. Everything else in src/ is internal.

export { IsolationForest, AUTO_THRESHOLD, type FitOptions, type LoadOptions } from './forest.js';
export { averagePathLength } from './path-length.js';
export type { Rows, Matrix } from './rows.js';
export type { EngineName } from './engine.js';
export { OptionError, InputError, ModelFormatError } from './errors.js';
