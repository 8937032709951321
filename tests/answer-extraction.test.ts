/** Answer extraction and equivalence: GSM8K reference solutions, formats, numbers, letters, code, clusters. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { extractAnswer, normalizeNumber, sameAnswer } from "../src/strategies/answers.js";
import { tasksPath } from "../src/sim/task-world/tasks.js";
import { vote } from "../src/strategies/voting.js";

describe("answer extraction", () => {
  it("finds the #### answer of every GSM8K reference solution", () => {
    const lines = readFileSync(tasksPath(), "utf8").split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(7000);
    let mismatches = 0;
    for (const line of lines) {
      const { answer } = JSON.parse(line) as { answer: string };
      const final = answer.slice(answer.lastIndexOf("####") + 4).trim();
      if (extractAnswer(answer).key !== `number:${normalizeNumber(final)}`) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("treats 18, 18.0, \"18.00\", $18 and 18 dollars as one answer", () => {
    for (const t of ["#### 18", "The answer is 18.0", "\\boxed{18.00}", "So she pays $18.", "Answer: 18 dollars", "The answer is 1,8".replace(",8", "8")]) {
      expect(extractAnswer(t).key).toBe("number:18");
    }
    expect(sameAnswer("#### 1,200", "The answer is $1200.00.")).toBe(true);
    expect(sameAnswer("#### 12", "#### 21")).toBe(false);
    expect(extractAnswer("\\boxed{\\frac{1}{2}}").kind).toBe("number");
    expect(extractAnswer("The answer is 3/4").key).toBe("number:0.75");
  });

  it("prefers the marked answer over later numbers and uses the last number as a fallback", () => {
    expect(extractAnswer("The answer is 42. (I checked 3 times.)").key).toBe("number:42");
    expect(extractAnswer("First 3 apples, then 5 more, so 8").key).toBe("number:8");
    expect(extractAnswer("-7 degrees").key).toBe("number:-7");
  });

  it("recognises multiple-choice letters", () => {
    expect(extractAnswer("(B)").key).toBe("choice:B");
    expect(extractAnswer("Reasoning...\nThe answer is (C).").key).toBe("choice:C");
    expect(extractAnswer("Answer: D").key).toBe("choice:D");
  });

  it("compares code blocks ignoring comments and trailing whitespace", () => {
    const a = "Here:\n```python\ndef f(x):\n    return x + 1  # add one\n```";
    const b = "```python\ndef f(x):\n    return x + 1\n\n```";
    expect(extractAnswer(a).kind).toBe("code");
    expect(sameAnswer(a, b)).toBe(true);
  });

  it("clusters free text by similarity and returns the most central member", () => {
    const texts = ["Paris is the capital of France", "The capital of France is Paris", "the capital of france is paris indeed", "Berlin is lovely in spring"];
    const v = vote(texts);
    expect(v.keys[1]).toBe(v.keys[2]);
    expect(v.keys[3]).not.toBe(v.keys[1]);
    expect([1, 2]).toContain(v.winner);
  });

  it("breaks vote ties toward the answer seen first, and weights votes", () => {
    expect(vote(["#### 5", "#### 7"]).winner).toBe(0);
    expect(vote(["#### 5", "#### 7", "#### 7"]).winner).toBe(1);
    expect(vote(["#### 5", "#### 7", "#### 7"], [3, 1, 1]).winner).toBe(0);
  });
});
