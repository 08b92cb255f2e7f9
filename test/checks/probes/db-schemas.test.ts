/**
 * The settings of the postgres, mysql and redis probes: what each accepts, what it refuses
 * and with which message — and that a URL given as { file: … } is read relative to the
 * config file's folder, and never echoed in a message.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { z } from "zod";
import { mysqlProbeSchema } from "../../../src/checks/probes/mysql.ts";
import { postgresProbeSchema } from "../../../src/checks/probes/postgres.ts";
import { redisProbeSchema } from "../../../src/checks/probes/redis.ts";
import type { SchemaContext } from "../../../src/config/secret.ts";

const dir = mkdtempSync(join(tmpdir(), "unyo-db-schemas-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const ctx: SchemaContext = { baseDir: dir };

type Schema = z.ZodType;
const kinds: { name: string; schema: (c: SchemaContext) => Schema; url: string; wrong: string }[] =
  [
    {
      name: "postgres",
      schema: postgresProbeSchema,
      url: "postgres://monitor:s3cret@db.example.com:5432/app",
      wrong: "mysql://monitor:s3cret@db.example.com/app",
    },
    {
      name: "mysql",
      schema: mysqlProbeSchema,
      url: "mysql://monitor:s3cret@db.example.com:3306/app",
      wrong: "postgres://monitor:s3cret@db.example.com/app",
    },
    {
      name: "redis",
      schema: redisProbeSchema,
      url: "redis://default:s3cret@cache.example.com:6379/0",
      wrong: "http://default:s3cret@cache.example.com:6379",
    },
  ];

/** The problems of a value as "path: message" lines. */
function problems(schema: Schema, value: unknown): string[] {
  const result = schema.safeParse(value);
  assert.equal(result.success, false, `expected problems with ${JSON.stringify(value)}`);
  return (result.error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);
}

for (const kind of kinds) {
  describe(`${kind.name} probe settings`, () => {
    test("a URL string is accepted as is", () => {
      const parsed = kind.schema(ctx).parse({ url: kind.url }) as { url: string };
      assert.equal(parsed.url, kind.url);
    });

    test("url is required", () => {
      const found = problems(kind.schema(ctx), {});
      assert.equal(found.length, 1);
      assert.match(found[0] ?? "", /^url: expected a string or \{ file: /);
    });

    test("unknown keys are refused", () => {
      const found = problems(kind.schema(ctx), { url: kind.url, host: "db" });
      assert.ok(
        found.some((p) => /host/.test(p)),
        found.join("; "),
      );
    });

    test("another scheme is refused with an example, without echoing the password", () => {
      const found = problems(kind.schema(ctx), { url: kind.wrong });
      assert.equal(found.length, 1);
      assert.match(found[0] ?? "", new RegExp(`^url: expected a ${kind.name}:// `));
      assert.ok(!(found[0] ?? "").includes("s3cret"));
      assert.match(problems(kind.schema(ctx), { url: "not a url" })[0] ?? "", /^url: expected/);
    });

    test("{ file: … } is read relative to the config file's folder, without the final newline", () => {
      writeFileSync(join(dir, `${kind.name}-url`), `${kind.url}\n`);
      const parsed = kind.schema(ctx).parse({ url: { file: `${kind.name}-url` } }) as {
        url: string;
      };
      assert.equal(parsed.url, kind.url);
    });

    test("a missing secret file names the file; a file with another scheme is refused", () => {
      const missing = problems(kind.schema(ctx), { url: { file: "nope" } });
      assert.match(missing[0] ?? "", /cannot read secret file .*nope: ENOENT/);
      writeFileSync(join(dir, `${kind.name}-wrong`), kind.wrong);
      const wrong = problems(kind.schema(ctx), { url: { file: `${kind.name}-wrong` } });
      assert.ok(!(wrong[0] ?? "").includes("s3cret"));
    });

    test("without reading secrets (unyo schema), a { file } URL is accepted unread", () => {
      const parsed = kind
        .schema({ baseDir: dir, readSecrets: false })
        .parse({ url: { file: "never-read" } }) as { url: string };
      assert.equal(parsed.url, "");
    });
  });
}

describe("postgres and mysql probe settings: query and params", () => {
  test("postgres: query and params are optional; params are scalars", () => {
    const schema = postgresProbeSchema(ctx);
    const url = "postgres://u@db/app";
    assert.deepEqual(schema.parse({ url }), { url });
    const full = { url, query: "select $1::int as n, $2, $3, $4", params: [1, "a", true, null] };
    assert.deepEqual(schema.parse(full), full);
    assert.match(problems(schema, { url, query: "" })[0] ?? "", /^query: expected SQL text/);
    assert.match(
      problems(schema, { url, params: [{ a: 1 }] })[0] ?? "",
      /^params\.0: expected a string, number, true\/false or null/,
    );
    assert.match(problems(schema, { url, params: "1" })[0] ?? "", /^params: expected a list/);
  });

  test("mysql: query and params are optional; params are scalars; mariadb:// is accepted", () => {
    const schema = mysqlProbeSchema(ctx);
    const url = "mysql://u@db/app";
    assert.deepEqual(schema.parse({ url }), { url });
    const full = { url, query: "select ? as n", params: [1] };
    assert.deepEqual(schema.parse(full), full);
    assert.equal(
      (schema.parse({ url: "mariadb://u@db/app" }) as { url: string }).url,
      "mariadb://u@db/app",
    );
    assert.match(problems(schema, { url, params: [[1]] })[0] ?? "", /^params\.0: expected/);
  });
});

describe("redis probe settings: command", () => {
  const schema = redisProbeSchema(ctx);
  const url = "redis://cache:6379";

  test('the command defaults to ["PING"]', () => {
    assert.deepEqual(schema.parse({ url }), { url, command: ["PING"] });
  });

  test("argv style; numbers become words", () => {
    assert.deepEqual(schema.parse({ url, command: ["BLPOP", "jobs", 5] }), {
      url,
      command: ["BLPOP", "jobs", "5"],
    });
    assert.deepEqual(schema.parse({ url, command: ["INFO", "replication"] }).command, [
      "INFO",
      "replication",
    ]);
  });

  test("an empty command, a string, or a non-name first word is refused", () => {
    assert.match(problems(schema, { url, command: [] })[0] ?? "", /^command: expected a command/);
    assert.match(
      problems(schema, { url, command: "PING" })[0] ?? "",
      /^command: expected a command/,
    );
    assert.match(problems(schema, { url, command: ["", "x"] })[0] ?? "", /command name first/);
  });

  test("commands that never give one answer (SUBSCRIBE, MONITOR, …) are refused", () => {
    assert.match(
      problems(schema, { url, command: ["subscribe", "news"] })[0] ?? "",
      /^command: subscribe does not give one answer/,
    );
    assert.match(problems(schema, { url, command: ["MONITOR"] })[0] ?? "", /MONITOR does not/);
  });

  test("rediss:// (TLS) is accepted", () => {
    assert.equal(schema.parse({ url: "rediss://cache:6380" }).url, "rediss://cache:6380");
  });
});
