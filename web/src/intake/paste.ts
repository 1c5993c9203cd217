// A list pasted from a spreadsheet or a chat message for a collective dispute: one worker per line,
// a name and an ID number (a phone number may follow), separated by tabs, commas or spaces.

import { checkIdNumber, checkMobile, normalizeIdNumber } from "@/validators/identifiers";

export interface PastedWorker {
  name: string;
  id_number: string;
  phone: string;
}

export interface PasteProblem {
  line: number; // 1-based
  text: string;
  message: string;
}

export interface PasteResult {
  workers: PastedWorker[];
  problems: PasteProblem[];
}

const ID_LIKE = /^[0-9０-９]{17}[0-9０-９xXｘＸ]$/u;
const PHONE_LIKE = /^(\+?86)?1\d{10}$/;

export function parsePastedWorkers(text: string, today: Date = new Date()): PasteResult {
  const workers: PastedWorker[] = [];
  const problems: PasteProblem[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const tokens = line
      .split(/[\t,，;；、\s]+/u)
      .map((t) => t.trim())
      .filter(Boolean)
      // A header row or a numbering column ("1", "1.", "序号") is not a worker.
      .filter((t) => !/^\d{1,3}[.、]?$/.test(t));
    if (tokens.length && /^(姓名|序号|名字)$/.test(tokens[0])) return;
    const idToken = tokens.find((t) => ID_LIKE.test(t.normalize("NFKC")) || ID_LIKE.test(t));
    const phoneToken = tokens.find(
      (t) => t !== idToken && PHONE_LIKE.test(t.normalize("NFKC").replace(/-/g, "")),
    );
    const nameTokens = tokens.filter((t) => t !== idToken && t !== phoneToken);
    const name = nameTokens.join("");
    const where = { line: index + 1, text: line };
    if (!idToken) {
      problems.push({ ...where, message: "未找到18位公民身份号码" });
      return;
    }
    if (!name) {
      problems.push({ ...where, message: "未找到姓名" });
      return;
    }
    const id = checkIdNumber(idToken, today);
    if (!id.ok) {
      problems.push({ ...where, message: id.message });
      return;
    }
    const idNumber = normalizeIdNumber(idToken);
    if (seen.has(idNumber)) {
      problems.push({ ...where, message: `与第${seen.get(idNumber)}行的身份证号重复` });
      return;
    }
    seen.set(idNumber, index + 1);
    let phone = "";
    if (phoneToken) {
      const checked = checkMobile(phoneToken);
      if (checked.ok) phone = checked.value;
    }
    workers.push({ name, id_number: idNumber, phone });
  });
  return { workers, problems };
}
