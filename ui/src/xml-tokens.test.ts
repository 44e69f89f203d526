import { describe, expect, it } from "vitest";
import { tokenizeXml } from "./xml-tokens";

const join = (xml: string) =>
  tokenizeXml(xml)
    .map((t) => t.text)
    .join("");

describe("tokenizeXml", () => {
  it("splits tags, attributes, values, text and entities", () => {
    const tokens = tokenizeXml('<mods version="3.8"><title>Mill &amp; deeds</title></mods>');
    expect(tokens.map((t) => `${t.kind}:${t.text}`)).toEqual([
      "punct:<",
      "tag:mods",
      "text: ",
      "attr:version",
      "punct:=",
      'value:"3.8"',
      "punct:>",
      "punct:<",
      "tag:title",
      "punct:>",
      "text:Mill ",
      "entity:&amp;",
      "text: deeds",
      "punct:</",
      "tag:title",
      "punct:>",
      "punct:</",
      "tag:mods",
      "punct:>",
    ]);
  });

  it("keeps every character of any input, malformed or hostile", () => {
    for (const xml of [
      "<?xml version=\"1.0\"?>\n<!-- note --><a b='c' d/><e/>",
      '<a x="unclosed',
      "< lone < signs > & &bogus",
      "<!--unterminated",
      "<script>alert(1)</script><img src=x onerror=alert(1)>",
      "",
    ]) {
      expect(join(xml)).toBe(xml);
    }
    expect(tokenizeXml("<!-- c -->")[0].kind).toBe("comment");
    expect(tokenizeXml('<?xml version="1.0"?>')[0].kind).toBe("decl");
  });
});
