import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fillTemplate, messageDocument, renderMessage } from "../../src/notify/render.ts";
import { sampleMessage } from "./helpers.ts";

describe("renderMessage", () => {
  test("English, firing: subject with severity, text with details, labels and links", () => {
    const { subject, text } = renderMessage(sampleMessage());
    assert.equal(subject, "[FIRING] [CRITICAL] API health check is down");
    assert.equal(
      text,
      [
        "API health check is down",
        "Severity: CRITICAL",
        "",
        "GET https://example.com/api/health answered 503 three times in a row.",
        "",
        "Details:",
        "  runbook: Restart the API pods, then check the database.",
        "",
        "Labels:",
        "  service=api",
        "  environment=production",
        "  source=check",
        "",
        "Links:",
        "  Open in Unyo: https://unyo.example.com/checks/api-health",
      ].join("\n"),
    );
  });

  test("Japanese, firing and resolved", () => {
    const ja = sampleMessage({ lang: "ja", title: "APIヘルスチェック", severity: "warning" });
    assert.equal(renderMessage(ja).subject, "【発生】[警告] APIヘルスチェック");
    assert.match(renderMessage(ja).text, /^APIヘルスチェック\n重要度: 警告\n/);
    assert.match(renderMessage(ja).text, /\n詳細:\n.*\n\nラベル:\n.*\n\nリンク:\n/s);
    const resolved = { ...ja, status: "resolved" as const };
    assert.equal(renderMessage(resolved).subject, "【復旧】APIヘルスチェック");
    assert.match(renderMessage(resolved).text, /^復旧しました: APIヘルスチェック\n/);
    assert.equal(
      renderMessage({ ...sampleMessage(), status: "resolved" }).subject,
      "[RESOLVED] API health check is down",
    );
  });

  test("HTML escapes everything it is given and links only http(s)/mailto", () => {
    const { html } = renderMessage(
      sampleMessage({
        title: "<script>alert(1)</script>",
        text: "a & b\nc",
        labels: { "x<y": '"q"' },
        links: [
          { title: "ok", url: "https://a.example/?q=1&r=2" },
          { title: "evil", url: "javascript:alert(1)" },
        ],
      }),
    );
    assert.ok(!html.includes("<script>"));
    assert.match(
      html,
      /<h2>\[FIRING\] \[CRITICAL\] &lt;script&gt;alert\(1\)&lt;\/script&gt;<\/h2>/,
    );
    assert.match(html, /<br><br>a &amp; b<br>c<\/p>/);
    assert.match(html, /<th align="left">x&lt;y<\/th><td>&quot;q&quot;<\/td>/);
    assert.match(html, /<a href="https:\/\/a\.example\/\?q=1&amp;r=2">ok<\/a>/);
    assert.match(html, /<a href="#">evil<\/a>/);
    assert.match(html, /border-left:4px solid #E01E5A/);
  });

  test("a custom template; unknown placeholders stay as written", () => {
    const { subject, text } = renderMessage(sampleMessage(), {
      subject: "{{ status }}: {{title}} {{nope}}",
      body: "{{severity}}",
    });
    assert.equal(subject, "firing: API health check is down {{nope}}");
    assert.match(text, /^CRITICAL\n\nDetails:/);
    assert.equal(fillTemplate("{{text}}", { text: "$& {{title}}" }), "$& {{title}}");
  });

  test("the JSON document webhooks and commands receive", () => {
    const doc = messageDocument(sampleMessage(), "k1");
    assert.deepEqual(Object.keys(doc), [
      "version",
      "idempotency_key",
      "title",
      "text",
      "severity",
      "status",
      "labels",
      "annotations",
      "links",
      "lang",
      "subject",
      "rendered_text",
    ]);
  });
});
