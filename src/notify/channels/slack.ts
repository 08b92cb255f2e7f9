/**
 * Slack through an incoming webhook: one attachment coloured by severity (green once
 * resolved) holding Block Kit blocks — a header, the text and details, labels as fields and
 * the links as buttons — and a plain `text` that Slack shows in notifications.
 *
 * The webhook URL is a secret (its path is the token), so errors name only its host. Slack
 * answers a bad URL or payload with a 4xx and a short code (`no_service`, `invalid_token`,
 * …); those are explained and not retried — retrying cannot bring a deleted webhook back.
 */
import type { Channel, SendContext, SendResult } from "../channel.ts";
import {
  headings,
  messageColour,
  type NotificationMessage,
  renderMessage,
  severityName,
} from "../render.ts";
import { checkHttpUrl, postJson } from "./http.ts";

export interface SlackChannelConfig {
  id: string;
  /** https://hooks.slack.com/services/… */
  webhookUrl: string;
  /** Per request, in ms (default 10 s). */
  timeoutMs?: number;
}

/** Slack's limits (Block Kit reference): longer text is cut, extra items dropped. */
const LIMITS = { header: 150, section: 3000, fields: 10, field: 2000, buttons: 5, button: 75 };

const SLACK_ERRORS: Record<string, string> = {
  no_service: "the webhook was removed or the URL is wrong",
  invalid_token: "the webhook URL's token is not valid",
  channel_not_found: "the webhook's channel no longer exists",
  channel_is_archived: "the webhook's channel is archived",
  action_prohibited: "an admin restricted posting to this channel",
  invalid_payload: "Slack could not read the message (a bug in Unyo: please report it)",
  posting_to_general_channel_denied: "only admins may post to this channel",
};

export function slackChannel(config: SlackChannelConfig): Channel {
  const checked = checkHttpUrl(config.webhookUrl);
  const timeoutMs = config.timeoutMs ?? 10_000;
  return {
    id: config.id,
    async send(message: NotificationMessage, ctx: SendContext): Promise<SendResult> {
      if ("error" in checked) {
        return {
          ok: false,
          retryable: false,
          error: `the Slack webhook URL ${checked.error}; expected https://hooks.slack.com/services/…`,
        };
      }
      const result = await postJson({
        url: checked.url.href,
        body: JSON.stringify(slackPayload(message)),
        timeoutMs,
        signal: ctx.signal,
      });
      const { reply, ...outcome } = result;
      if (!outcome.ok && outcome.status !== undefined && outcome.status < 500) {
        const code = (reply ?? "").trim();
        const why = SLACK_ERRORS[code];
        if (why) outcome.error = `Slack refused the message (${outcome.status} ${code}): ${why}`;
      }
      return outcome;
    },
  };
}

type Block = Record<string, unknown>;

/** The webhook body for a message (exported for tests and a future "preview" API). */
export function slackPayload(message: NotificationMessage): {
  text: string;
  attachments: Array<{ color: string; blocks: Block[] }>;
} {
  const { subject } = renderMessage(message);
  const h = headings(message.lang);
  const blocks: Block[] = [
    {
      type: "header",
      text: { type: "plain_text", text: cut(subject, LIMITS.header), emoji: true },
    },
  ];

  const lines = [escapeMrkdwn(message.text)];
  const annotations = Object.entries(message.annotations);
  if (annotations.length > 0) {
    lines.push("", `*${h.annotations}*`);
    for (const [k, v] of annotations) lines.push(`• *${escapeMrkdwn(k)}*: ${escapeMrkdwn(v)}`);
  }
  const text = lines.join("\n").trim();
  if (text !== "")
    blocks.push({ type: "section", text: { type: "mrkdwn", text: cut(text, LIMITS.section) } });

  const fields = [
    ["severity", severityName(message.severity, message.lang)],
    ...Object.entries(message.labels).filter(([k]) => k !== "severity"),
  ]
    .slice(0, LIMITS.fields)
    .map(([k, v]) => ({
      type: "mrkdwn",
      text: cut(`*${escapeMrkdwn(k ?? "")}*\n${escapeMrkdwn(v ?? "")}`, LIMITS.field),
    }));
  blocks.push({ type: "section", fields });

  const buttons = message.links
    .filter((l) => /^https?:\/\//i.test(l.url))
    .slice(0, LIMITS.buttons)
    .map((l) => ({
      type: "button",
      text: { type: "plain_text", text: cut(l.title, LIMITS.button), emoji: true },
      url: l.url,
    }));
  if (buttons.length > 0) blocks.push({ type: "actions", elements: buttons });

  return { text: subject, attachments: [{ color: messageColour(message), blocks }] };
}

/** Slack's mrkdwn needs only &, < and > escaped (the rest is formatting we allow). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
