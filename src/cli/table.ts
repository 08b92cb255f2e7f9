/** Plain-text output helpers shared by the CLI's list commands. */

/** Columns padded to the widest cell; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? "")))) ?? [];
  const pad = (c: string, w: number) => c + " ".repeat(Math.max(0, w - width(c)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i] ?? 0))).join("  ")).join("\n")}\n`;
}

/** Display width: CJK and other wide characters take two columns in a terminal. */
export function width(text: string): number {
  let n = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    n +=
      code >= 0x1100 &&
      /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u.test(
        ch,
      )
        ? 2
        : 1;
  }
  return n;
}

/** An ISO time for a table cell: `2026-11-23 09:00:00Z`, or "-". */
export const when = (v: string | null | undefined) =>
  v ? v.replace("T", " ").replace(/\.\d+Z$/, "Z") : "-";
