import { describe, expect, it } from "vitest";
import {
  changeColour,
  classOf,
  DIVERGING,
  formatPct,
  legendLabels,
  linear,
  monthLabel,
  niceTicks,
  NO_DATA,
  quantileBreaks,
  sameArea,
  SEQUENTIAL,
  sequentialColour,
} from "./scales";

describe("chart scales", () => {
  it("maps linearly, including an inverted range for SVG y", () => {
    const y = linear(0, 100, 200, 0);
    expect(y(0)).toBe(200);
    expect(y(25)).toBe(150);
    expect(y(100)).toBe(0);
    expect(linear(5, 5, 10, 20)(5)).toBe(10);
  });

  it("picks round ticks that reach the maximum", () => {
    expect(niceTicks(7518, 4)).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(niceTicks(90, 4)).toEqual([0, 50, 100]);
    expect(niceTicks(1, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0)).toEqual([0]);
  });
});

describe("choropleth classes", () => {
  it("breaks at quantiles without repeats", () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantileBreaks(values, 5)).toEqual([2, 4, 6, 8, 10]);
    expect(quantileBreaks([3, 3, 3, 3, 9], 5)).toEqual([3, 9]);
    expect(quantileBreaks([], 5)).toEqual([]);
  });

  it("puts each value in the first class it does not exceed", () => {
    const breaks = [2, 4, 6, 8, 10];
    expect([1, 2, 3, 10, 11].map((v) => classOf(v, breaks))).toEqual([0, 0, 1, 4, 4]);
    expect(classOf(null, breaks)).toBe(-1);
    expect(classOf(Number.NaN, breaks)).toBe(-1);
  });

  it("colours the lowest and highest class at the palette's ends, missing values grey", () => {
    const breaks = [3, 9];
    expect(sequentialColour(1, breaks)).toBe(SEQUENTIAL[0]);
    expect(sequentialColour(9, breaks)).toBe(SEQUENTIAL[SEQUENTIAL.length - 1]);
    expect(sequentialColour(undefined, breaks)).toBe(NO_DATA);
  });

  it("colours change: falls blue, rises red", () => {
    expect(changeColour(-20)).toBe(DIVERGING[0]);
    expect(changeColour(-1)).toBe(DIVERGING[2]);
    expect(changeColour(1)).toBe(DIVERGING[3]);
    expect(changeColour(40)).toBe(DIVERGING[5]);
    expect(changeColour(null)).toBe(NO_DATA);
  });

  it("labels the legend from the lowest value", () => {
    expect(legendLabels([120, 180, 400])).toEqual(["0 – 120", "121 – 180", "181 – 400"]);
    expect(legendLabels([2.5, 7.25], 0)).toEqual(["0 – 2.5", "2.5 – 7.3"]);
  });
});

describe("labels", () => {
  it("shows months in London", () => {
    expect(monthLabel("2013-04")).toBe("Apr 2013");
    expect(monthLabel("2014-03", true)).toBe("Mar");
  });

  it("signs percentages with a true minus", () => {
    expect(formatPct(-14.99)).toBe("−15.0 %");
    expect(formatPct(3.2)).toBe("+3.2 %");
    expect(formatPct(null)).toBe("–");
  });

  it("forgives & for and, case and spacing", () => {
    expect(sameArea("Hammersmith & Fulham", "hammersmith and  fulham")).toBe(true);
    expect(sameArea("Camden", "Croydon")).toBe(false);
  });
});
