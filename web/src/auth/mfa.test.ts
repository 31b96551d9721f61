import { describe, expect, it } from "vitest";
import { describeOtpauth, groupSecret, londonTimesIn, normaliseCode, sentence } from "./mfa";

describe("MFA helpers", () => {
  it("groups a secret in fours, whatever spacing it came with", () => {
    expect(groupSecret("JBSWY3DPEHPK3PXPCITYWATCHDEMO234")).toBe("JBSW Y3DP EHPK 3PXP CITY WATC HDEM O234");
    expect(groupSecret("jbsw y3dp-ehp")).toBe("JBSW Y3DP EHP");
    expect(groupSecret("")).toBe("");
  });

  it("accepts six digits, with spaces people type, and nothing else", () => {
    expect(normaliseCode("123 456")).toBe("123456");
    expect(normaliseCode(" 012345 ")).toBe("012345");
    expect(normaliseCode("12345")).toBeNull();
    expect(normaliseCode("1234567")).toBeNull();
    expect(normaliseCode("12a456")).toBeNull();
  });

  it("reads the issuer and account of an otpauth URI", () => {
    expect(describeOtpauth("otpauth://totp/citywatch:pc.jones?secret=ABC&issuer=citywatch")).toEqual({
      issuer: "citywatch",
      account: "pc.jones",
    });
    expect(describeOtpauth("otpauth://totp/pc%40met?secret=ABC")).toEqual({ issuer: "", account: "pc@met" });
    expect(describeOtpauth("https://example.org")).toBeNull();
  });
});

describe("server messages", () => {
  it("shows UTC instants in the text as London time", () => {
    const fmt = (t: number) => `<${new Date(t).toISOString()}>`;
    expect(londonTimesIn("locked until 2026-07-01T10:00:00Z; ask", fmt)).toBe("locked until <2026-07-01T10:00:00.000Z>; ask");
    expect(londonTimesIn("no time here", fmt)).toBe("no time here");
    expect(sentence("wrong username or password")).toBe("Wrong username or password");
  });
});
