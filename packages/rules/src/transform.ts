import { openSync, readSync } from 'node:fs';
import { checkPattern } from '@hookline/safe-pattern';
import jsonata from 'jsonata';

/**
 * Transformations: a JSONata expression evaluated on the event envelope `{id, type, timestamp,
 * tenant?, data}`; its result, as JSON, is the body a subscriber receives (and what is signed).
 *
 * JSONata runs in-process, so its reach and its cost are bounded here:
 * - reach: JSONata has no access to JavaScript globals; field lookups see own properties only
 *   (no `constructor`, no `__proto__`), and only the functions below are bound. Tests show that
 *   `process`, `require`, the file system and the network stay out of reach.
 * - time: every evaluation step is checked against TRANSFORM_TIMEOUT_MS of this thread's CPU time (and JSONata's
 *   `stack` guardrail against depth), so a recursive expression that never ends is stopped; CPU time,
 *   not wall time, so a busy machine never fails a quick expression as timed out. JSONata has no loop
 *   construct other than recursion and built-ins over finite sequences, and sequences (ranges
 *   included) are capped at TRANSFORM_MAX_SEQUENCE items, so no single step runs long.
 * - regular expressions: one native regex call cannot be interrupted, so every regex the expression
 *   builds (literals, and those `$eval` makes at run time) must pass the catastrophic-backtracking check.
 * - output: at most TRANSFORM_MAX_OUTPUT_BYTES of JSON.
 * A worker thread with a hard timeout would also bound a single slow built-in, at about a
 * structured-clone round trip per delivery; see the bench's transform scenario for the in-process cost.
 */
export const TRANSFORM_TIMEOUT_MS = 50;
export const TRANSFORM_MAX_OUTPUT_BYTES = 256 * 1024;
export const TRANSFORM_MAX_LENGTH = 10_000;
export const TRANSFORM_MAX_SEQUENCE = 100_000;
const TRANSFORM_MAX_STACK = 500;

export interface TransformError {
  message: string;
  /** Character offset in the expression, when JSONata knows it. */
  position?: number;
  code?: string;
}

export type TransformResult = { ok: true; body: string } | { ok: false; error: TransformError };

type Expression = ReturnType<typeof jsonata>;

// The safety check costs up to ~100 ms for a pattern it cannot prove safe: once per pattern, not per delivery.
const regexVerdicts = new Map<string, string | null>();
const REGEX_VERDICTS_MAX = 1000;

/** A RegExp that refuses patterns prone to catastrophic backtracking (JSONata builds regexes with `new`). */
class SafeRegExp extends RegExp {
  constructor(pattern: string | RegExp, flags?: string) {
    const source = typeof pattern === 'string' ? pattern : pattern.source;
    const allFlags = flags ?? (typeof pattern === 'string' ? '' : pattern.flags);
    const key = `${allFlags}/${source}`;
    let refusal = regexVerdicts.get(key);
    if (refusal === undefined) {
      // Analysed with the `u` flag (as ajv runs JSON Schema patterns): stricter than without it.
      const verdict = checkPattern(source);
      refusal = verdict.safe ? null : `the pattern ${JSON.stringify(source)} ${verdict.reason}`;
      if (regexVerdicts.size >= REGEX_VERDICTS_MAX) regexVerdicts.clear();
      regexVerdicts.set(key, refusal);
    }
    if (refusal !== null) throw { code: 'HL001', message: `regular expression refused: ${refusal}` };
    super(source, allFlags);
  }
}

/**
 * `$pad` builds its padding in one native step, so `$pad("x", 1e8)` would allocate 100 MB and block
 * for a second between two guardrail checks: widths beyond the output bound are refused instead.
 */
function boundedPad(str: string | undefined, width: number, char?: string): string | undefined {
  if (str === undefined) return undefined;
  if (Math.abs(width) > TRANSFORM_MAX_OUTPUT_BYTES)
    throw { code: 'HL002', message: `$pad width is over ${TRANSFORM_MAX_OUTPUT_BYTES}` };
  const fill = char === undefined || char === '' ? ' ' : char;
  const missing = Math.abs(width) - [...str].length;
  if (missing <= 0) return str;
  const padding = [...fill.repeat(Math.ceil(missing / [...fill].length))].slice(0, missing).join('');
  return width > 0 ? str + padding : padding + str;
}

// No `timeout` here: JSONata's own is wall-clock; see chargeStep.
const OPTIONS = {
  stack: TRANSFORM_MAX_STACK,
  sequence: TRANSFORM_MAX_SEQUENCE,
  RegexEngine: SafeRegExp,
};

/** JSONata's timeout error, which chargeStep throws (see TRANSFORM_TIMEOUT_MS). */
function isTimeout(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'D1012';
}

function toError(err: unknown): TransformError {
  const e = err as { message?: unknown; position?: unknown; code?: unknown; value?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return {
    // The bound it passed (chargeStep's `value`): TRANSFORM_TIMEOUT_MS, or TIMEOUT_FEW_STEPS_MS for a few slow steps.
    message: isTimeout(err) ? `timed out after ${Number(e.value ?? TRANSFORM_TIMEOUT_MS)} ms of CPU` : message,
    ...(typeof e?.position === 'number' ? { position: e.position } : {}),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

/** Parses an expression: null when it is valid, else the error with its position. */
export function checkTransform(expression: string): TransformError | null {
  if (expression.length > TRANSFORM_MAX_LENGTH)
    return { message: `must be at most ${TRANSFORM_MAX_LENGTH} characters` };
  try {
    const regexes: RegExp[] = [];
    collectRegexes(compile(expression).ast(), regexes, 0);
    // Refused at save time too, not only when a delivery meets it.
    for (const re of regexes) new SafeRegExp(re);
    return null;
  } catch (err) {
    return toError(err);
  }
}

function collectRegexes(node: unknown, out: RegExp[], depth: number): void {
  if (depth > 200 || typeof node !== 'object' || node === null) return;
  if (node instanceof RegExp) {
    out.push(node);
    return;
  }
  for (const value of Object.values(node)) collectRegexes(value, out, depth + 1);
}

// Parsed expressions by text: the dispatcher meets the same few expressions on every delivery.
const cache = new Map<string, Expression>();
const CACHE_MAX = 1000;

function compile(expression: string): Expression {
  let compiled = cache.get(expression);
  if (compiled) return compiled;
  compiled = jsonata(expression, OPTIONS as never);
  compiled.registerFunction('pad', boundedPad, '<s-ns?:s>');
  // JSONata calls this before every evaluation step.
  compiled.assign(Symbol.for('jsonata.__evaluate_entry') as unknown as string, chargeStep);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(expression, compiled);
  return compiled;
}

/**
 * Evaluations run one at a time. JSONata's time bound is wall-clock from the start of `evaluate`, and
 * evaluations in progress together interleave their steps (JSONata awaits between steps), so under
 * load a quick expression would be charged the others' time and fail as timed out. Evaluation is work
 * on this one thread either way: taking turns costs no throughput, and each is timed alone.
 */
let turn: Promise<unknown> = Promise.resolve();
function inTurn<T>(work: () => Promise<T>): Promise<T> {
  const run = turn.then(work, work);
  turn = run.catch(() => {});
  return run;
}

/**
 * An evaluation of fewer steps than this is never stopped at TRANSFORM_TIMEOUT_MS. Each step is about a
 * microsecond, so a runaway passes it long before its 50 ms are up, while a quick expression (hundreds
 * to a few thousand steps) can still be charged a pause that was not its own work: under a loaded test
 * run here, a 1,200-step expression read over 50 ms of this thread's CPU twice in a row and failed as
 * timed out. A few steps that are each expensive (a built-in over a long sequence) are stopped at
 * TIMEOUT_FEW_STEPS_MS instead.
 */
const TIMEOUT_MIN_STEPS = 10_000;
const TIMEOUT_FEW_STEPS_MS = 10 * TRANSFORM_TIMEOUT_MS;

/** When the evaluation in turn began: wall clock (ms) and this thread's CPU time (µs). */
let turnStartedWall = 0;
let turnStartedCpu = 0;
let turnSteps = 0;
const CPU_CHECK_EVERY = 32;

/**
 * This thread's CPU time in microseconds. The bound is on the evaluation's own work: the process's
 * CPU time also counts the garbage collector's and compiler's background threads, which on a busy
 * machine added tens of milliseconds to a one-millisecond expression and failed it as timed out.
 * Linux gives a thread's time in /proc/thread-self/schedstat (nanoseconds, first field); the file
 * opened once by this thread keeps naming it. Elsewhere, Node's own per-thread reading where it has
 * one (Node 23.9+), else the process's (an overcount, never an undercount).
 */
let schedstatFd: number | null | undefined;
const schedstatBuffer = Buffer.alloc(128);
function threadCpuMicros(): number {
  if (schedstatFd === undefined) {
    try {
      schedstatFd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      schedstatFd = null;
    }
  }
  if (schedstatFd !== null) {
    const n = readSync(schedstatFd, schedstatBuffer, 0, schedstatBuffer.length, 0);
    const nanos = Number(schedstatBuffer.toString('latin1', 0, n).split(' ', 1)[0]);
    if (Number.isFinite(nanos)) return nanos / 1000;
  }
  const perThread = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage;
  const { user, system } = perThread ? perThread.call(process) : process.cpuUsage();
  return user + system;
}

/**
 * Charged on every step of the evaluation in turn; every CPU_CHECK_EVERY steps it stops an evaluation
 * that has used more than TRANSFORM_TIMEOUT_MS of this thread's CPU (TIMEOUT_FEW_STEPS_MS while it has
 * taken fewer than TIMEOUT_MIN_STEPS steps), with JSONata's own timeout error. Wall time is never less
 * than CPU time and costs no system call, so the CPU clock is read only once the wall clock has passed
 * the bound (a quick expression on a quiet machine never reads it).
 */
function chargeStep(): void {
  if (++turnSteps % CPU_CHECK_EVERY !== 0) return;
  if (performance.now() - turnStartedWall <= TRANSFORM_TIMEOUT_MS) return;
  const boundMs = turnSteps >= TIMEOUT_MIN_STEPS ? TRANSFORM_TIMEOUT_MS : TIMEOUT_FEW_STEPS_MS;
  if (threadCpuMicros() - turnStartedCpu > boundMs * 1000) throw { code: 'D1012', value: boundMs };
}

/**
 * Evaluates an expression on an envelope. Never throws: a parse error, a run-time error, a timeout,
 * an undefined result or an oversized one is a `{ok: false, error}` (the delivery fails with it).
 */
export async function runTransform(expression: string, envelope: unknown): Promise<TransformResult> {
  let result: unknown;
  try {
    const compiled = compile(expression);
    const evaluate = () =>
      inTurn(() => {
        turnStartedWall = performance.now();
        turnStartedCpu = threadCpuMicros();
        turnSteps = 0;
        return compiled.evaluate(envelope);
      });
    // A timeout is confirmed by a second run before it fails the delivery (for good: the same
    // expression would time out on every retry). The thread's CPU clock can count time that was not
    // the evaluation's (a garbage collection pause, or, in a virtual machine, time the host took
    // away), which failed a one-millisecond expression under load; an expression that really runs
    // away does so twice.
    result = await evaluate().catch((err: unknown) => (isTimeout(err) ? evaluate() : Promise.reject(err)));
  } catch (err) {
    return { ok: false, error: toError(err) };
  }
  if (result === undefined) return { ok: false, error: { message: 'the transformation returned nothing (undefined)' } };
  let body: string | undefined;
  try {
    body = JSON.stringify(result);
  } catch (err) {
    return { ok: false, error: { message: `the result is not JSON: ${(err as Error).message}` } };
  }
  if (body === undefined) return { ok: false, error: { message: 'the result is not JSON (a function?)' } };
  if (Buffer.byteLength(body) > TRANSFORM_MAX_OUTPUT_BYTES)
    return { ok: false, error: { message: `the result is over ${TRANSFORM_MAX_OUTPUT_BYTES / 1024} KB` } };
  return { ok: true, body };
}
