/**
 * The message every channel delivers, and how it reads to people in Japanese and English.
 *
 * Channels never phrase anything themselves: they take the subject, text and HTML made here
 * (or, for Slack, the same pieces in its own markup), so a wording change or a new language
 * is made once. The built-in templates are deliberately small — one line of subject and a
 * few lines of body per status and language — with `{{name}}` placeholders; a channel can be
 * given other templates later without touching the channels.
 */

export type Severity = "critical" | "warning" | "info";
export type AlertStatus = "firing" | "resolved";
export type Lang = "ja" | "en";

export interface MessageLink {
  title: string;
  url: string;
}

/** What the alerting pipeline hands to the outbox; stored as JSON in its payload column. */
export interface NotificationMessage {
  title: string;
  text: string;
  severity: Severity;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  links: MessageLink[];
  lang: Lang;
}

/** A subject line and a plain-text body, with `{{placeholder}}`s (see `templateValues`). */
export interface Template {
  subject: string;
  body: string;
}

export const TEMPLATES: Record<Lang, Record<AlertStatus, Template>> = {
  en: {
    firing: {
      subject: "[FIRING] [{{severity}}] {{title}}",
      body: "{{title}}\nSeverity: {{severity}}\n\n{{text}}",
    },
    resolved: {
      subject: "[RESOLVED] {{title}}",
      body: "Resolved: {{title}}\n\n{{text}}",
    },
  },
  ja: {
    firing: {
      subject: "【発生】[{{severity}}] {{title}}",
      body: "{{title}}\n重要度: {{severity}}\n\n{{text}}",
    },
    resolved: {
      subject: "【復旧】{{title}}",
      body: "復旧しました: {{title}}\n\n{{text}}",
    },
  },
};

const SEVERITY_NAMES: Record<Lang, Record<Severity, string>> = {
  en: { critical: "CRITICAL", warning: "WARNING", info: "INFO" },
  ja: { critical: "重大", warning: "警告", info: "情報" },
};

const HEADINGS: Record<Lang, { labels: string; annotations: string; links: string }> = {
  en: { labels: "Labels", annotations: "Details", links: "Links" },
  ja: { labels: "ラベル", annotations: "詳細", links: "リンク" },
};

/** Colours for channels that show one (Slack attachments, the HTML mail's bar). */
export const SEVERITY_COLOURS: Record<Severity | "resolved", string> = {
  critical: "#E01E5A",
  warning: "#ECB22E",
  info: "#36C5F0",
  resolved: "#2EB67D",
};

export function severityName(severity: Severity, lang: Lang): string {
  return SEVERITY_NAMES[lang][severity];
}

export function headings(lang: Lang): { labels: string; annotations: string; links: string } {
  return HEADINGS[lang];
}

/** The colour of a message: green once resolved, otherwise its severity's. */
export function messageColour(message: NotificationMessage): string {
  return SEVERITY_COLOURS[message.status === "resolved" ? "resolved" : message.severity];
}

/** The placeholders a template may use. Unknown `{{names}}` are left as written. */
export function templateValues(message: NotificationMessage): Record<string, string> {
  return {
    title: message.title,
    text: message.text,
    severity: severityName(message.severity, message.lang),
    status: message.status,
  };
}

export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : whole,
  );
}

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

/** Subject, plain text (with labels, details and links) and HTML of a message. */
export function renderMessage(message: NotificationMessage, template?: Template): Rendered {
  const chosen = template ?? TEMPLATES[message.lang][message.status];
  const values = templateValues(message);
  const subject = fillTemplate(chosen.subject, values).replace(/\s+/g, " ").trim();
  const body = fillTemplate(chosen.body, values).trimEnd();
  const h = headings(message.lang);

  const textParts = [body];
  const labels = Object.entries(message.labels);
  const annotations = Object.entries(message.annotations);
  if (annotations.length > 0)
    textParts.push(`${h.annotations}:\n${annotations.map(([k, v]) => `  ${k}: ${v}`).join("\n")}`);
  if (labels.length > 0)
    textParts.push(`${h.labels}:\n${labels.map(([k, v]) => `  ${k}=${v}`).join("\n")}`);
  if (message.links.length > 0)
    textParts.push(`${h.links}:\n${message.links.map((l) => `  ${l.title}: ${l.url}`).join("\n")}`);

  const htmlParts = [
    `<div style="border-left:4px solid ${messageColour(message)};padding-left:12px">`,
    `<h2>${escapeHtml(subject)}</h2>`,
    `<p>${escapeHtml(body).replace(/\n/g, "<br>")}</p>`,
  ];
  if (annotations.length > 0) htmlParts.push(htmlTable(h.annotations, annotations));
  if (labels.length > 0) htmlParts.push(htmlTable(h.labels, labels));
  if (message.links.length > 0) {
    const items = message.links.map(
      (l) => `<li><a href="${escapeHtml(safeUrl(l.url))}">${escapeHtml(l.title)}</a></li>`,
    );
    htmlParts.push(`<h3>${escapeHtml(h.links)}</h3><ul>${items.join("")}</ul>`);
  }
  htmlParts.push("</div>");
  const lang = message.lang === "ja" ? "ja" : "en";
  const html = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>${htmlParts.join("\n")}</body></html>`;

  return { subject, text: textParts.join("\n\n"), html };
}

function htmlTable(heading: string, rows: Array<[string, string]>): string {
  const cells = rows.map(
    ([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`,
  );
  return `<h3>${escapeHtml(heading)}</h3><table>${cells.join("")}</table>`;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Only http(s) and mailto links become clickable; anything else (javascript:) becomes "#". */
export function safeUrl(url: string): string {
  return /^(https?:|mailto:)/i.test(url) ? url : "#";
}

/** The JSON body webhook and command channels send: the message plus its rendered text. */
export function messageDocument(
  message: NotificationMessage,
  idempotencyKey: string,
): Record<string, unknown> {
  const { subject, text } = renderMessage(message);
  return { version: 1, idempotency_key: idempotencyKey, ...message, subject, rendered_text: text };
}
