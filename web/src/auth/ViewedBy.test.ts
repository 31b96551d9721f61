import { describe, expect, it } from "vitest";
import { otherViewers, viewersText } from "./ViewedBy";

const v = (username: string, organisation: string | null = "Council") => ({ username, organisation, since: "2026-11-26T04:00:00Z" });

describe("viewed by", () => {
  it("names each other person once, with their organisation", () => {
    const others = otherViewers([v("me"), v("pc.jones", "Met Police"), v("pc.jones", "Met Police"), v("sam", null)], "me");
    expect(others.map((o) => o.username)).toEqual(["pc.jones", "sam"]);
    expect(viewersText(others)).toBe("pc.jones (Met Police), sam");
  });

  it("is empty when only the caller watches", () => {
    expect(otherViewers([v("me"), v("me")], "me")).toEqual([]);
  });
});
