import { describe, expect, it } from "vitest";

import {
  blankApplicant,
  blankClaim,
  blankForm,
  blankRespondent,
  buildCase,
  equalShares,
  formErrors,
  mapServerErrors,
  missing,
  readyToSend,
  type IntakeForm,
} from "@/intake/form";
import { makeCreditCode, makeIdNumber } from "@/validators/identifiers";

function filled(): IntakeForm {
  const form = blankForm();
  form.applicants = [
    blankApplicant({
      name: "张三",
      id_number: makeIdNumber("440304", "19900101", 1),
      phone: "+86 138 0013 8000",
      monthly_wage: "6000",
    }),
    blankApplicant(),
    blankApplicant({ name: "李四", id_number: makeIdNumber("440304", "19910101", 2) }),
  ];
  form.respondents = [
    blankRespondent({
      name: "深圳市某某电子有限公司",
      credit_code: makeCreditCode("91440300MA5FABCDE").toLowerCase(),
    }),
  ];
  form.claims = [blankClaim({ category: "wage_arrears", amount: "12000.5" }), blankClaim()];
  form.facts = "  拖欠工资两个月  ";
  return form;
}

describe("the registration body", () => {
  it("leaves out empty rows, normalises identifiers and money, and maps rows to paths", () => {
    const form = filled();
    const { body, paths } = buildCase(form, "mediation");
    expect(body.applicants).toHaveLength(2);
    expect(body.applicants[0]).toMatchObject({ name: "张三", phone: "13800138000", monthly_wage: "6000.00" });
    expect(body.respondents[0].credit_code).toBe(makeCreditCode("91440300MA5FABCDE"));
    expect(body.claims).toEqual([
      {
        category: "wage_arrears",
        amount: "12000.50",
        period_start_on: null,
        period_end_on: null,
        description: null,
      },
    ]);
    expect(body.facts).toBe("拖欠工资两个月");
    expect(body.route).toEqual({ route: "mediation", reason: null });
    // The second applicant in the body is the third row of the form.
    expect(paths["applicants[1]"]).toBe(`applicants.${form.applicants[2].key}`);
  });

  it("sends the reason only when the clerk overrides the suggestion", () => {
    const form = filled();
    form.decision = { route: "legal_aid", reason: "申请人系农民工，需法律援助" };
    expect(buildCase(form, "mediation").body.route).toEqual({
      route: "legal_aid",
      reason: "申请人系农民工，需法律援助",
    });
    expect(buildCase(form, "legal_aid").body.route).toEqual({ route: "legal_aid", reason: null });
  });

  it("omits the route before any triage", () => {
    expect(buildCase(filled(), null).body.route).toBeUndefined();
  });
});

describe("live checks", () => {
  it("flags bad identifiers and duplicates by row", () => {
    const form = filled();
    const a = form.applicants[0];
    form.applicants[2].id_number = a.id_number;
    form.respondents[0].credit_code = "91440300MA5FABCDI0";
    const errors = formErrors(form);
    expect(errors[`applicants.${form.applicants[2].key}.id_number`]).toBe("与第1位申请人的身份证号重复");
    expect(errors[`respondents.${form.respondents[0].key}.credit_code`]).toContain("不使用字母I");
    expect(readyToSend(form)).toBe(false);
  });

  it("lists what is missing", () => {
    expect(missing(blankForm())).toEqual([
      "至少一名申请人",
      "被申请人（用人单位）",
      "至少一项请求事项",
      "事实与理由",
    ]);
    expect(missing(filled())).toEqual([]);
    expect(readyToSend(filled())).toBe(true);
  });
});

describe("server errors next to their field", () => {
  it("maps problem+json field paths to form rows", () => {
    const form = filled();
    const { paths } = buildCase(form, null);
    const mapped = mapServerErrors(
      {
        "applicants[1].id_number": "公民身份号码校验码不正确",
        facts: "不能为空",
        "route.reason": "改变建议去向须说明理由",
        "agents[0].represents": "被代理申请人序号不存在",
      },
      paths,
    );
    expect(mapped.fields).toEqual({
      [`applicants.${form.applicants[2].key}.id_number`]: "公民身份号码校验码不正确",
      facts: "不能为空",
      "decision.reason": "改变建议去向须说明理由",
    });
    expect(mapped.general).toEqual(["agents[0].represents：被代理申请人序号不存在"]);
  });
});

describe("每名申请人金额相同 (LDMAL 47 is judged per worker)", () => {
  it("splits the item into equal shares in fen", () => {
    expect(equalShares("240000", 12)).toEqual(Array(12).fill("20000.00"));
    expect(equalShares("100.00", 3)).toEqual(["33.34", "33.33", "33.33"]);
    expect(equalShares("100", 1)).toBeNull();
    expect(equalShares("abc", 3)).toBeNull();
  });

  it("sends the shares only when the clerk says so", () => {
    const form = blankForm();
    form.applicants = Array.from({ length: 12 }, (_, i) =>
      blankApplicant({ name: `工人${i}`, id_number: makeIdNumber("440304", "19900101", i + 1) }),
    );
    form.claims = [blankClaim({ category: "wage_arrears", amount: "240000", equal_shares: true })];
    expect(buildCase(form, null).body.claims[0].amounts_by_applicant).toEqual(Array(12).fill("20000.00"));
    form.claims[0].equal_shares = false;
    expect(buildCase(form, null).body.claims[0].amounts_by_applicant).toBeUndefined();
  });
});
