/**
 * Status badges (shields.io style): `label | value` in two boxes, the value's colour by
 * state or uptime. Text widths are estimated per character (no font files needed); every
 * piece of text is XML-escaped.
 */
const COLORS = {
  green: "#2ea44f",
  yellow: "#dbab09",
  orange: "#e36209",
  red: "#cb2431",
  grey: "#6a737d",
  blue: "#0366d6",
} as const;

export type BadgeColor = keyof typeof COLORS;

export function stateColor(state: string): BadgeColor {
  if (state === "up") return "green";
  if (state === "degraded" || state === "late") return "yellow";
  if (state === "down") return "red";
  if (state === "maintenance") return "blue";
  return "grey";
}

export function uptimeColor(percent: number | null): BadgeColor {
  if (percent === null) return "grey";
  if (percent >= 99.9) return "green";
  if (percent >= 99) return "yellow";
  if (percent >= 95) return "orange";
  return "red";
}

/** Approximate width in px of text in 11px Verdana-like fonts; wide glyphs count double. */
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text)
    width += (ch.codePointAt(0) ?? 0) > 0x2e80 ? 11 : /[mwMW@%]/.test(ch) ? 9 : 7;
  return width;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderBadge(label: string, value: string, color: BadgeColor): string {
  const lw = textWidth(label) + 12;
  const vw = textWidth(value) + 12;
  const w = lw + vw;
  const l = escapeXml(label);
  const v = escapeXml(value);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${l}: ${v}">
<title>${l}: ${v}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${vw}" height="20" fill="${COLORS[color]}"/><rect width="${w}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${lw / 2}" y="14">${l}</text><text x="${lw + vw / 2}" y="14">${v}</text></g>
</svg>`;
}
