import { describe, expect, it } from "vitest";
import type { RecordInfo } from "./records";
import { TitleCache } from "./title-cache";

const found = (pi: string): RecordInfo => ({
  pi,
  status: "found",
  title: `Title of ${pi}`,
  kind: "item",
  children_count: 0,
  date: null,
  version: "1",
});

/** A lookup the test answers by hand: every call waits until `answer` (or `fail`) releases it. */
function manualLookup() {
  const calls: { pis: string[]; resolve: (r: RecordInfo[]) => void; reject: (e: unknown) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const lookup = (pis: string[]) =>
    new Promise<RecordInfo[]>((resolve, reject) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done = () => {
        inFlight -= 1;
      };
      calls.push({
        pis,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
    });
  return { lookup, calls, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const ids = (n: number, prefix = "P") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("TitleCache", () => {
  it("batches at most 200 IDs per call, with a few calls in flight", async () => {
    const m = manualLookup();
    const cache = new TitleCache(m.lookup, { inFlight: 3 });
    cache.want(ids(1000), false);
    await tick();
    expect(m.calls.map((c) => c.pis.length)).toEqual([200, 200, 200]);
    expect(cache.callsInFlight).toBe(3);
    // Results stream in per call; the next batch goes out as one comes back.
    m.calls[0].resolve(m.calls[0].pis.map(found));
    await tick();
    expect(cache.get("P0")?.title).toBe("Title of P0");
    expect(cache.get("P200")).toBeUndefined();
    expect(m.calls.length).toBe(4);
    for (let i = 1; i < 10 && i < m.calls.length; i++) {
      m.calls[i].resolve(m.calls[i].pis.map(found));
      await tick();
    }
    expect(m.calls.map((c) => c.pis.length)).toEqual([200, 200, 200, 200, 200]);
    expect(m.maxInFlight()).toBe(3);
    expect(cache.get("P999")?.status).toBe("found");
  });

  it("coalesces the wants of one tick and never asks twice for the same ID", async () => {
    const m = manualLookup();
    const cache = new TitleCache(m.lookup);
    cache.want(["A", "B"]);
    cache.want(["B", "C"]);
    await tick();
    expect(m.calls.map((c) => c.pis)).toEqual([["B", "C", "A"]]);
    cache.want(["A", "B", "C"]); // in flight: not asked again
    m.calls[0].resolve(["A", "B", "C"].map(found));
    await tick();
    cache.want(["A", "B", "C"]); // known: not asked again
    await tick();
    expect(m.calls.length).toBe(1);
  });

  it("asks for the rows on screen before the rest of a long list", async () => {
    const m = manualLookup();
    const cache = new TitleCache(m.lookup, { inFlight: 1, batchSize: 2 });
    cache.want(["B1", "B2", "B3", "B4"], false);
    await tick();
    expect(m.calls[0].pis).toEqual(["B1", "B2"]);
    cache.want(["S1"]);
    cache.want(["S2"]);
    m.calls[0].resolve([]);
    await tick();
    // The latest screen first, then the background list in order.
    expect(m.calls[1].pis).toEqual(["S2", "S1"]);
    m.calls[1].resolve([]);
    await tick();
    expect(m.calls[2].pis).toEqual(["B3", "B4"]);
  });

  it("marks a failed call's IDs unavailable and asks again only after a while", async () => {
    const m = manualLookup();
    let now = 0;
    const cache = new TitleCache(m.lookup, { retryMs: 1000, now: () => now });
    const heard: string[][] = [];
    cache.subscribe((changed) => heard.push(changed));
    cache.want(["A", "B"]);
    await tick();
    m.calls[0].reject(new Error("offline"));
    await tick();
    expect(cache.get("A")?.status).toBe("unavailable");
    expect(heard).toEqual([["A", "B"]]);
    cache.want(["A"]);
    await tick();
    expect(m.calls.length).toBe(1);
    now = 1500;
    cache.want(["A"]);
    await tick();
    expect(m.calls.length).toBe(2);
  });

  it("keeps only answers to what it asked, and an unanswered ID is unavailable", async () => {
    const m = manualLookup();
    const cache = new TitleCache(m.lookup);
    cache.want(["A", "B"]);
    await tick();
    m.calls[0].resolve([found("A"), found("INTRUDER")]);
    await tick();
    expect(cache.get("INTRUDER")).toBeUndefined();
    expect(cache.get("B")?.status).toBe("unavailable");
    expect(cache.pending("A")).toBe(false);
  });

  it("finds known records by title, exact matches first", () => {
    const cache = new TitleCache(async () => []);
    cache.put([
      { ...found("A"), title: "Harbour letters, extra" },
      { ...found("B"), title: "Harbour letters" },
      { ...found("C"), title: "Mill deeds" },
    ]);
    expect(cache.findByTitle("harbour letters").map((r) => r.pi)).toEqual(["B", "A"]);
    expect(cache.findByTitle("  ")).toEqual([]);
  });
});
