// What the receipt screen says for each route. The PDF receipt's wording lives in
// libs/documents/src/onewindow_documents/templates/receipt.typ; this is the screen's short form of
// the same text (keep them saying the same thing).

export interface ReceiptWording {
  /** What was received. */
  what: string;
  /** What happens next, with the statutory clock. */
  next: string;
  /** The label of the deadline row. */
  deadline: string;
}

const WORDING: Record<string, ReceiptWording> = {
  mediation: {
    what: "劳动争议调解申请",
    next: "本中心将指派调解员组织调解，调解自受理之日起十五日内结束，经双方同意可以延长；期满未达成协议的，当事人可以依法申请仲裁（《劳动争议调解仲裁法》第十四条）。申请调解的，仲裁时效中断（第二十七条）。",
    deadline: "调解期限届满日",
  },
  arbitration: {
    what: "劳动争议仲裁申请（转劳动人事争议仲裁委员会）",
    next: "您选择不经调解直接申请仲裁，本中心将申请材料移送劳动人事争议仲裁委员会，仲裁委员会自收到申请之日起五个工作日内决定是否受理（《劳动争议调解仲裁法》第二十九条）。",
    deadline: "仲裁委员会受理决定期限",
  },
  inspection: {
    what: "劳动保障监察投诉",
    next: "本中心已将您的投诉交劳动保障监察机构办理，监察机构自收到投诉之日起五个工作日内决定是否立案。",
    deadline: "立案决定期限",
  },
  legal_aid: {
    what: "法律援助申请",
    next: "本中心已将您的申请交法律援助机构审查，法律援助机构自收到申请之日起七日内作出是否给予法律援助的决定（《法律援助法》第四十三条）。",
    deadline: "审查决定期限",
  },
  petition: {
    what: "信访事项",
    next: "本中心已将您反映的事项交信访工作机构办理，信访工作机构自收到之日起十五日内决定是否受理。",
    deadline: "受理决定期限",
  },
  negotiation: {
    what: "集体协商（三方协调）请求",
    next: "本中心已将您的请求交三方协调机构（人社部门、工会、企业代表组织）组织协商；利益争议不适用劳动争议仲裁。",
    deadline: "办理期限",
  },
};

/** The receipt's wording for a route (mediation's for an unknown one). */
export function receiptWording(route: string): ReceiptWording {
  return WORDING[route] ?? WORDING.mediation;
}
