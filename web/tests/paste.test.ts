import { describe, expect, it } from "vitest";

import { parsePastedWorkers } from "@/intake/paste";
import { makeIdNumber } from "@/validators/identifiers";

const id = (n: number) => makeIdNumber("440304", "19900101", n);

describe("pasting a list of workers", () => {
  it("reads tab, comma and space separated lines, with a header and numbering", () => {
    const text = [
      "序号\t姓名\t身份证号\t电话",
      `1\t张三\t${id(1)}\t13800138000`,
      `2，李四，${id(2)}`,
      `王 五 ${id(3).toLowerCase()}`,
      "",
    ].join("\n");
    const { workers, problems } = parsePastedWorkers(text);
    expect(problems).toEqual([]);
    expect(workers).toEqual([
      { name: "张三", id_number: id(1), phone: "13800138000" },
      { name: "李四", id_number: id(2), phone: "" },
      { name: "王五", id_number: id(3).toUpperCase(), phone: "" },
    ]);
  });

  it("reports each bad line with its number and the reason", () => {
    const bad = id(4).slice(0, 17) + (id(4)[17] === "1" ? "2" : "1");
    const text = [`赵六 ${bad}`, "孙七", `${id(5)}`, `周八 ${id(6)}`, `吴九 ${id(6)}`].join("\n");
    const { workers, problems } = parsePastedWorkers(text);
    expect(workers.map((w) => w.name)).toEqual(["周八"]);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [1, "公民身份号码校验码不正确，请核对号码是否录入有误"],
      [2, "未找到18位公民身份号码"],
      [3, "未找到姓名"],
      [5, "与第4行的身份证号重复"],
    ]);
  });

  it("takes a collective dispute of many workers at once", () => {
    const text = Array.from({ length: 40 }, (_, i) => `工人${i + 1}\t${id(i + 10)}`).join("\n");
    expect(parsePastedWorkers(text).workers).toHaveLength(40);
  });
});
