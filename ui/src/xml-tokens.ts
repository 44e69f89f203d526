// Splits XML text into tokens for highlighting. The text comes from the archive (hostile): it is
// only ever cut into pieces here and later set as text content, never parsed as HTML. Every
// character of the input is in exactly one token, so joining the tokens gives the input back.

export type XmlTokenKind = "punct" | "tag" | "attr" | "value" | "text" | "comment" | "decl" | "entity";

export interface XmlToken {
  kind: XmlTokenKind;
  text: string;
}

/** Tokens of `xml`, in order. Malformed input still yields every character (as text). */
export function tokenizeXml(xml: string): XmlToken[] {
  const out: XmlToken[] = [];
  const push = (kind: XmlTokenKind, text: string) => {
    if (text === "") return;
    const last = out[out.length - 1];
    if (last && last.kind === kind && kind === "text") last.text += text;
    else out.push({ kind, text });
  };
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const textEnd = lt === -1 ? xml.length : lt;
    if (textEnd > i) pushText(xml.slice(i, textEnd), push);
    if (lt === -1) break;
    i = lt;
    if (xml.startsWith("<!--", i)) {
      const end = xml.indexOf("-->", i + 4);
      const stop = end === -1 ? xml.length : end + 3;
      push("comment", xml.slice(i, stop));
      i = stop;
    } else if (xml.startsWith("<?", i) || xml.startsWith("<!", i)) {
      const end = xml.indexOf(">", i);
      const stop = end === -1 ? xml.length : end + 1;
      push("decl", xml.slice(i, stop));
      i = stop;
    } else {
      i = tag(xml, i, push);
    }
  }
  return out;
}

/** One start or end tag from `<` at `start`; returns where it stopped. */
function tag(xml: string, start: number, push: (k: XmlTokenKind, t: string) => void): number {
  let i = start + 1;
  if (xml[i] === "/") i += 1;
  push("punct", xml.slice(start, i));
  const nameEnd = scan(xml, i, (c) => !/[\s/>=]/.test(c));
  if (nameEnd === i) {
    // A lone "<": not a tag (text).
    return i;
  }
  push("tag", xml.slice(i, nameEnd));
  i = nameEnd;
  while (i < xml.length) {
    const c = xml[i];
    if (c === ">") {
      push("punct", ">");
      return i + 1;
    }
    if (c === "/" && xml[i + 1] === ">") {
      push("punct", "/>");
      return i + 2;
    }
    if (/\s/.test(c)) {
      const end = scan(xml, i, (ch) => /\s/.test(ch));
      push("text", xml.slice(i, end));
      i = end;
    } else if (c === "=") {
      push("punct", "=");
      i += 1;
    } else if (c === '"' || c === "'") {
      const close = xml.indexOf(c, i + 1);
      const stop = close === -1 ? xml.length : close + 1;
      push("value", xml.slice(i, stop));
      i = stop;
    } else {
      const end = scan(xml, i, (ch) => !/[\s/>="']/.test(ch));
      push("attr", xml.slice(i, Math.max(end, i + 1)));
      i = Math.max(end, i + 1);
    }
  }
  return i;
}

/** Text with its entities (`&amp;`) as their own tokens. */
function pushText(text: string, push: (k: XmlTokenKind, t: string) => void): void {
  const entity = /&(?:#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);/gi;
  let at = 0;
  for (const m of text.matchAll(entity)) {
    const index = m.index ?? 0;
    push("text", text.slice(at, index));
    push("entity", m[0]);
    at = index + m[0].length;
  }
  push("text", text.slice(at));
}

function scan(s: string, from: number, ok: (c: string) => boolean): number {
  let i = from;
  while (i < s.length && ok(s[i])) i += 1;
  return i;
}
