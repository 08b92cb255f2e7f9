import assert from "node:assert/strict";
import { test } from "node:test";
import { matches } from "../../src/alerting/matchers.ts";
import { type NewSilence, SilenceService } from "../../src/alerting/silences.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { isUnyoError } from "../../src/core/errors.ts";
import { forEachStore } from "../helpers/stores.ts";

const T0 = Date.parse("2026-12-13T00:00:00+09:00");
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function silence(overrides: Partial<NewSilence> = {}): NewSilence {
  return {
    matchers: 'service="web"',
    endsAt: T0 + 2 * HOUR,
    createdBy: "tanaka",
    comment: "DB migration, ticket OPS-12",
    ...overrides,
  };
}

/** The UnyoError a promise rejects with. */
async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; field?: unknown }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isUnyoError(error), `not a UnyoError: ${error}`);
    return {
      code: error.code,
      message: error.message,
      field: (error.details as { field?: unknown })?.field,
    };
  }
  assert.fail("did not reject");
}

forEachStore("silences", (stores) => {
  async function open(clock = new ManualClock(T0)) {
    const store = await stores.open();
    return { store, clock, service: await SilenceService.open(store.db, { clock }) };
  }

  test("create stores a silence with a 12-hex id; get and list read it back", async () => {
    const { service } = await open();
    const created = await service.create(
      silence({ matchers: '{service="web", env=~"prod|stg"}', comment: "  メンテナンス  " }),
    );
    assert.match(created.id, /^[0-9a-f]{12}$/);
    assert.deepEqual(created.matchers, [
      { name: "service", op: "=", value: "web" },
      { name: "env", op: "=~", value: "prod|stg" },
    ]);
    assert.equal(created.startsAt, T0);
    assert.equal(created.endsAt, T0 + 2 * HOUR);
    assert.equal(created.comment, "メンテナンス");
    assert.equal(created.createdAt, T0);
    assert.deepEqual(await service.get(created.id), created);
    assert.deepEqual(await service.list(), [{ ...created, state: "active" }]);
    assert.equal(await service.get("000000000000"), null);
  });

  test("matchers may be a map or a list too", async () => {
    const { service } = await open();
    const a = await service.create(silence({ matchers: { alertname: "web-cpu" } }));
    const b = await service.create(
      silence({
        matchers: [
          { name: "job", op: "!~", value: "x|y" },
          { name: "a", op: "=", value: "b" },
        ],
      }),
    );
    assert.deepEqual(a.matchers, [{ name: "alertname", op: "=", value: "web-cpu" }]);
    assert.equal(b.matchers.length, 2);
  });

  test("a start in the past means now; a start in the future makes it pending", async () => {
    const { service, clock } = await open();
    const past = await service.create(silence({ startsAt: T0 - HOUR }));
    assert.equal(past.startsAt, T0);
    const future = await service.create(silence({ startsAt: T0 + HOUR, endsAt: T0 + 3 * HOUR }));
    assert.equal(future.startsAt, T0 + HOUR);
    const states = async () =>
      Object.fromEntries((await service.list()).map((s) => [s.id, s.state]));
    assert.deepEqual(await states(), { [past.id]: "active", [future.id]: "pending" });
    clock.advance(2 * HOUR);
    assert.deepEqual(await states(), { [past.id]: "expired", [future.id]: "active" });
    assert.deepEqual(
      (await service.list({ state: "active" })).map((s) => s.id),
      [future.id],
    );
    assert.deepEqual(
      (await service.list({ state: ["expired", "pending"] })).map((s) => s.id),
      [past.id],
    );
  });

  test("create refuses what would be a mistake, saying which field and why", async () => {
    const { service } = await open();
    const cases: [Partial<NewSilence>, string, RegExp][] = [
      [{ matchers: "" }, "matchers", /at least one matcher/],
      [{ matchers: {} }, "matchers", /at least one matcher/],
      [{ matchers: 'env!="prod"' }, "matchers", /also matches alerts without these labels/],
      [{ matchers: 'env=~".*", team=""' }, "matchers", /would silence nearly everything/],
      [{ matchers: 'service=~"web|(api"' }, "matchers", /column 10 .*bad regular expression/],
      [{ matchers: 'service="web' }, "matchers", /column 9 .*not closed/],
      [{ matchers: 'a="x", a="y"' }, "matchers", /twice/],
      [{ matchers: '="x"' }, "matchers", /expected a label name/],
      [{ endsAt: T0 }, "endsAt", /endsAt must be after the start/],
      [{ endsAt: T0 - HOUR }, "endsAt", /must be after the start/],
      [{ startsAt: T0 + 2 * HOUR, endsAt: T0 + HOUR }, "endsAt", /must be after the start/],
      [{ endsAt: T0 + 366 * DAY }, "endsAt", /at most 365d; this one would last 366d/],
      [{ endsAt: Number.NaN }, "endsAt", /must be a time/],
      [{ createdBy: "  " }, "createdBy", /createdBy is required/],
      [{ comment: "" }, "comment", /comment is required/],
      [{ comment: "x".repeat(2001) }, "comment", /longer than 2000/],
    ];
    for (const [overrides, field, message] of cases) {
      const error = await rejection(service.create(silence(overrides)));
      assert.equal(error.code, "UNYO_E_VALIDATION", JSON.stringify(overrides));
      assert.equal(error.field, field, error.message);
      assert.match(error.message, message);
    }
    assert.deepEqual(await service.list(), [], "nothing was stored");
    // Exactly the maximum is fine.
    await service.create(silence({ endsAt: T0 + 365 * DAY }));
  });

  test("the maximum duration is an option", async () => {
    const store = await stores.open();
    const service = await SilenceService.open(store.db, {
      clock: new ManualClock(T0),
      maxDurationMs: 7 * DAY,
    });
    const error = await rejection(service.create(silence({ endsAt: T0 + 8 * DAY })));
    assert.match(error.message, /at most 1w/);
  });

  test("silencedBy: active silences whose matchers all match, over time", async () => {
    const { service, clock } = await open();
    const web = await service.create(silence({ matchers: 'service="web"' }));
    const later = await service.create(
      silence({ matchers: 'severity=~"warning|info"', startsAt: T0 + HOUR, endsAt: T0 + 3 * HOUR }),
    );
    const both = await service.create(silence({ matchers: 'service="web", instance="web-1"' }));
    const warning = { service: "web", instance: "web-1", severity: "warning" };

    assert.deepEqual(service.silencedBy(warning), [web.id, both.id].sort());
    assert.deepEqual(service.silencedBy({ service: "web", instance: "web-2" }), [web.id]);
    assert.deepEqual(service.silencedBy({ service: "api", severity: "critical" }), []);
    assert.deepEqual(service.silencedBy({ service: "api", severity: "info" }), []);

    // `at` can be given: the pending one applies from its start, the others end at T0+2h.
    assert.deepEqual(service.silencedBy(warning, T0 + HOUR), [web.id, later.id, both.id].sort());
    assert.deepEqual(service.silencedBy(warning, T0 + 2 * HOUR), [later.id]);
    clock.advance(HOUR);
    assert.deepEqual(service.silencedBy({ service: "api", severity: "info" }), [later.id]);
    clock.advance(2 * HOUR);
    assert.deepEqual(service.silencedBy(warning), []);
  });

  test("expire ends a silence now, records who, and is seen by silencedBy at once", async () => {
    const { service, clock } = await open();
    const s = await service.create(silence());
    clock.advance(10 * MIN);
    const expired = await service.expire(s.id, " suzuki ");
    assert.equal(expired.expiredAt, T0 + 10 * MIN);
    assert.equal(expired.expiredBy, "suzuki");
    assert.equal(expired.endsAt, T0 + 2 * HOUR, "the asked-for end is kept");
    assert.deepEqual(service.silencedBy({ service: "web" }), []);
    assert.deepEqual(
      service.silencedBy({ service: "web" }, T0 + 5 * MIN),
      [s.id],
      "history stays exact",
    );
    assert.equal((await service.list())[0]?.state, "expired");

    const again = await rejection(service.expire(s.id, "suzuki"));
    assert.equal(again.code, "UNYO_E_CONFLICT");
    assert.match(again.message, /has already ended/);
    const missing = await rejection(service.expire("ffffffffffff", "suzuki"));
    assert.equal(missing.code, "UNYO_E_NOT_FOUND");
    const nobody = await rejection(service.expire(s.id, ""));
    assert.equal(nobody.field, "by");
  });

  test("a pending silence can be expired before it starts; an ended one cannot", async () => {
    const { service, clock } = await open();
    const pending = await service.create(silence({ startsAt: T0 + HOUR }));
    await service.expire(pending.id, "suzuki");
    assert.deepEqual(service.silencedBy({ service: "web" }, T0 + HOUR), []);
    const ended = await service.create(silence({ endsAt: T0 + HOUR }));
    clock.advance(HOUR);
    assert.equal((await rejection(service.expire(ended.id, "suzuki"))).code, "UNYO_E_CONFLICT");
  });

  test("a second service on the same database sees changes after refresh", async () => {
    const { store, clock, service } = await open();
    const other = await SilenceService.open(store.db, { clock });
    const s = await service.create(silence());
    assert.deepEqual(other.silencedBy({ service: "web" }), []);
    await other.refresh();
    assert.deepEqual(other.silencedBy({ service: "web" }), [s.id]);
    await service.expire(s.id, "suzuki");
    await other.refresh();
    assert.deepEqual(other.silencedBy({ service: "web" }), []);
    // A restart (a new service) loads what has not ended.
    const kept = await service.create(silence({ matchers: 'service="api"' }));
    const restarted = await SilenceService.open(store.db, { clock });
    assert.deepEqual(restarted.silencedBy({ service: "api" }), [kept.id]);
  });

  test("deleteEndedBefore removes silences that ended (or were expired) before a time", async () => {
    const { service, clock } = await open();
    const a = await service.create(silence({ endsAt: T0 + HOUR }));
    const b = await service.create(silence({ endsAt: T0 + 5 * HOUR }));
    const c = await service.create(silence({ endsAt: T0 + 5 * HOUR }));
    await service.expire(b.id, "suzuki");
    clock.advance(2 * HOUR);
    assert.equal(await service.deleteEndedBefore(T0 + 30 * MIN), 1, "only b ended before T0+30m");
    assert.equal(await service.deleteEndedBefore(T0 + 2 * HOUR), 1, "then a");
    assert.deepEqual(
      (await service.list()).map((s) => s.id),
      [c.id],
    );
    assert.equal(await service.get(a.id), null);
  });

  test("checking 10,000 alerts against 300 silences is fast", async () => {
    const { service } = await open();
    for (let i = 0; i < 300; i++) {
      const matchers =
        i % 10 === 0
          ? `instance=~"host-${i}-.*", env!="dev"` // no equality: tested against every alert
          : `alertname="rule-${i}", service="svc-${i % 7}"`;
      await service.create(silence({ matchers }));
    }
    const alerts = Array.from({ length: 10_000 }, (_, i) => ({
      alertname: `rule-${i % 400}`,
      service: `svc-${i % 7}`,
      instance: `host-${i % 300}-a`,
      env: i % 2 === 0 ? "prod" : "dev",
      severity: "warning",
    }));
    const started = performance.now();
    let silenced = 0;
    for (const labels of alerts) if (service.silencedBy(labels).length > 0) silenced += 1;
    const ms = performance.now() - started;
    assert.ok(silenced > 0 && silenced < alerts.length);
    // Typically a few ms; the bound leaves room for a slow CI machine.
    assert.ok(ms < 250, `10,000 alerts took ${ms.toFixed(1)} ms`);
    // Cross-check a sample against a plain scan.
    const all = await service.list({ state: "active" });
    for (const labels of alerts.slice(0, 500)) {
      const expected = all
        .filter((s) => matches(s.matchers, labels))
        .map((s) => s.id)
        .sort();
      assert.deepEqual(service.silencedBy(labels), expected);
    }
  });
});
