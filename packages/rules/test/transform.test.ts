import { checkTransform, runTransform, TRANSFORM_TIMEOUT_MS } from '../src';

const envelope = {
  id: 'evt_1',
  type: 'order.paid',
  timestamp: '2026-11-28T10:00:00.000Z',
  data: { amount: 150, currency: 'EUR', s: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' },
};

describe('runTransform', () => {
  it('reshapes the envelope into the body', async () => {
    const r = await runTransform(
      '{"kind": type, "cents": data.amount * 100, "cur": $lowercase(data.currency)}',
      envelope,
    );
    expect(r).toEqual({ ok: true, body: '{"kind":"order.paid","cents":15000,"cur":"eur"}' });
  });

  it('fails on undefined, a run-time error and an oversized result', async () => {
    expect(await runTransform('data.nothing', envelope)).toEqual({
      ok: false,
      error: { message: expect.stringMatching(/undefined/) },
    });
    const err = await runTransform('data.amount + "x"', envelope);
    expect(err.ok).toBe(false);
    expect(!err.ok && err.error.code).toBe('T2002');
    expect(await runTransform('$string([1..99999])', envelope)).toEqual({
      ok: false,
      error: { message: expect.stringMatching(/over 256 KB/) },
    });
  });

  it('stops an expression that loops forever within the time bound', async () => {
    const started = Date.now();
    const r = await runTransform('($loop := function($n){ $loop($n + 1) }; $loop(0))', envelope);
    const took = Date.now() - started;
    expect(r).toEqual({
      ok: false,
      error: expect.objectContaining({ message: `timed out after ${TRANSFORM_TIMEOUT_MS} ms of CPU`, code: 'D1012' }),
    });
    // The bound is CPU time; on a loaded machine the wall time around it can be several times more.
    expect(took).toBeLessThan(2000);
    // A loop that does not recurse deeper (tail position) is stopped the same way.
    const flat = await runTransform('($f := function(){ $f() }; $f())', envelope);
    expect(!flat.ok && flat.error.code).toBe('D1012');
  });

  it("does not count other deliveries' transformations against one under load", async () => {
    // Each takes about a millisecond; together far more than the bound, as when many deliveries
    // transform at once.
    const expression = '$sum([1..300].($ * 2))';
    expect((await runTransform(expression, envelope)).ok).toBe(true);
    const results = await Promise.all(Array.from({ length: 200 }, () => runTransform(expression, envelope)));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results[0]).toEqual({ ok: true, body: '90300' });
  });

  /** Data whose `slow` field holds the thread for `ms` at every read, counting the reads. */
  function holdingData(ms: number) {
    const data = {
      reads: 0,
      get slow() {
        data.reads += 1;
        const until = performance.now() + ms;
        while (performance.now() < until) {}
        return 1;
      },
    };
    return data;
  }

  it('does not time out a quick expression whose runs are held up (pauses that were not its own work)', async () => {
    // Every read of `data.slow` holds the thread for 70 ms, as a garbage collection pause or a virtual
    // machine's stolen time would, during an expression of about 1,200 steps that takes a millisecond.
    const data = holdingData(70);
    const r = await runTransform('data.slow + $sum([1..300].($ * 2))', { ...envelope, data });
    expect(r).toEqual({ ok: true, body: '90301' });
    expect(data.reads).toBe(1);
  });

  it('stops an expression of few steps that each take long, at ten times the bound', async () => {
    // Three reads per run, each holding the thread 300 ms: 900 ms of CPU a few hundred steps in (an
    // unbounded run would answer 90303).
    const data = holdingData(300);
    const r = await runTransform('data.slow + data.slow + data.slow + $sum([1..300].($ * 2))', { ...envelope, data });
    expect(!r.ok && r.error.code).toBe('D1012');
    expect(!r.ok && r.error.message).toBe(`timed out after ${10 * TRANSFORM_TIMEOUT_MS} ms of CPU`);
  });

  it('cannot reach process, require, the file system, the network or prototypes', async () => {
    const tries = [
      'process',
      '$process.env',
      'require("fs")',
      '$require("child_process")',
      '$eval("process.exit(1)")',
      '$eval("require(\\"fs\\").readFileSync(\\"/etc/passwd\\")")',
      'constructor',
      '{}.constructor',
      '$string.constructor',
      '$lookup($, "constructor")',
      '$lookup($, "__proto__")',
      '$.__proto__',
      'globalThis',
      '$globalThis',
      '$fetch("http://127.0.0.1/")',
      '$import("node:fs")',
    ];
    for (const expression of tries) {
      const r = await runTransform(expression, envelope);
      // Either nothing (an unknown name is undefined in JSONata) or "not a function": never a value.
      expect({ expression, ok: r.ok }).toEqual({ expression, ok: false });
    }
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('refuses a regex prone to catastrophic backtracking, also one built at run time', async () => {
    const r = await runTransform('$match(data.s, /(a+)+$/)', envelope);
    expect(!r.ok && r.error.message).toMatch(/regular expression refused/);
    const dyn = await runTransform('$eval("$match(data.s, /(a|a)*$/)")', envelope);
    expect(!dyn.ok && dyn.error.message).toMatch(/regular expression refused/);
    expect(await runTransform('$match(data.currency, /^[A-Z]{3}$/).match', envelope)).toEqual({
      ok: true,
      body: '"EUR"',
    });
  });

  it('bounds $pad, whose padding is one native allocation', async () => {
    const started = Date.now();
    const r = await runTransform('$pad("x", 100000000)', envelope);
    expect(!r.ok && r.error.message).toMatch(/\$pad width/);
    expect(Date.now() - started).toBeLessThan(50);
    expect(await runTransform('$pad("7", -3, "0")', envelope)).toEqual({ ok: true, body: '"007"' });
  });
});

describe('checkTransform', () => {
  it('gives a syntax error with its position', () => {
    expect(checkTransform('{"a": data.amount')).toEqual(
      expect.objectContaining({ position: expect.any(Number), message: expect.any(String) }),
    );
    expect(checkTransform('data.amount')).toBeNull();
    expect(checkTransform('$match(data.s, /(a+)+$/)')?.message).toMatch(/regular expression refused/);
    expect(checkTransform('x'.repeat(10_001))?.message).toMatch(/at most/);
  });
});
