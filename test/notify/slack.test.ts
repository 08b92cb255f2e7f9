import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { slackChannel, slackPayload } from "../../src/notify/channels/slack.ts";
import { receiver, sampleMessage } from "./helpers.ts";

const ctx = { signal: new AbortController().signal, idempotencyKey: "k1" };

describe("slack channel", () => {
  test("posts readable blocks in an attachment coloured by severity, with link buttons", async () => {
    const hook = await receiver();
    const channel = slackChannel({ id: "slack-ops", webhookUrl: `${hook.url}/services/T0/B0/XYZ` });
    const result = await channel.send(sampleMessage(), ctx);
    assert.deepEqual(result, { ok: true, status: 200 });

    const req = hook.received[0];
    assert.ok(req);
    assert.equal(req.url, "/hook/services/T0/B0/XYZ");
    const payload = JSON.parse(req.body);
    assert.equal(payload.text, "[FIRING] [CRITICAL] API health check is down");
    assert.equal(payload.attachments.length, 1);
    const [attachment] = payload.attachments;
    assert.equal(attachment.color, "#E01E5A");
    assert.deepEqual(
      attachment.blocks.map((b: { type: string }) => b.type),
      ["header", "section", "section", "actions"],
    );
    const [header, body, fields, actions] = attachment.blocks;
    assert.deepEqual(header.text, {
      type: "plain_text",
      text: "[FIRING] [CRITICAL] API health check is down",
      emoji: true,
    });
    assert.equal(body.text.type, "mrkdwn");
    assert.match(body.text.text, /answered 503 three times/);
    assert.match(body.text.text, /\*runbook\*: Restart the API pods/);
    assert.deepEqual(
      fields.fields.map((f: { text: string }) => f.text),
      ["*severity*\nCRITICAL", "*service*\napi", "*environment*\nproduction", "*source*\ncheck"],
    );
    assert.deepEqual(actions.elements, [
      {
        type: "button",
        text: { type: "plain_text", text: "Open in Unyo", emoji: true },
        url: "https://unyo.example.com/checks/api-health",
      },
    ]);
  });

  test("resolved is green; Japanese text; mrkdwn control characters are escaped", () => {
    const payload = slackPayload(
      sampleMessage({
        status: "resolved",
        lang: "ja",
        severity: "warning",
        title: "CPU使用率",
        text: "a <b> & c",
        links: [{ title: "bad", url: "javascript:alert(1)" }],
      }),
    );
    assert.equal(payload.text, "【復旧】CPU使用率");
    const [attachment] = payload.attachments;
    assert.equal(attachment?.color, "#2EB67D");
    const section = attachment?.blocks[1] as { text: { text: string } };
    assert.match(section.text.text, /^a &lt;b&gt; &amp; c/);
    assert.match(section.text.text, /\*詳細\*/);
    assert.ok(
      !attachment?.blocks.some((b) => b.type === "actions"),
      "no button for a javascript: link",
    );
    const fields = attachment?.blocks[2] as { fields: Array<{ text: string }> };
    assert.equal(fields.fields[0]?.text, "*severity*\n警告");
  });

  test("an invalid webhook URL is a clear, non-retryable error", async () => {
    for (const url of ["hooks.slack.com/services/T0/B0/X", "ftp://hooks.slack.com/x", ""]) {
      const result = await slackChannel({ id: "s", webhookUrl: url }).send(sampleMessage(), ctx);
      assert.equal(result.ok, false);
      assert.equal(result.retryable, false);
      assert.match(
        result.error ?? "",
        /^the Slack webhook URL (is not a valid URL|must be an http:\/\/ or https:\/\/ URL, not ftp:); expected https:\/\/hooks\.slack\.com\/services\/…$/,
      );
    }
  });

  test("Slack's error codes are explained, not retried, and the secret path is not shown", async () => {
    const hook = await receiver((_req, _n, res) => res.writeHead(404).end("no_service"));
    const result = await slackChannel({
      id: "s",
      webhookUrl: `${hook.url}/services/T0/B0/SECRET`,
    }).send(sampleMessage(), ctx);
    assert.equal(result.retryable, false);
    assert.equal(result.status, 404);
    assert.equal(
      result.error,
      "Slack refused the message (404 no_service): the webhook was removed or the URL is wrong",
    );

    const down = await receiver((_req, _n, res) => res.writeHead(503).end("rollup_error"));
    const retry = await slackChannel({ id: "s", webhookUrl: `${down.url}/SECRET` }).send(
      sampleMessage(),
      ctx,
    );
    assert.equal(retry.retryable, true);
    assert.ok(!(retry.error ?? "").includes("SECRET"), retry.error);
  });
});
