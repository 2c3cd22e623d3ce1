/** The terminal side of approval mode: show the code, then approve, edit or reject it. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pc from "picocolors";
import type { Approval, ApprovalRequest } from "../graphs/state";

function ask(rl: ReturnType<typeof createInterface>, question: string): Promise<string> {
  return new Promise((resolve) => rl.question(question, resolve));
}

async function editCode(rl: ReturnType<typeof createInterface>, code: string): Promise<string> {
  const editor = process.env.VISUAL ?? process.env.EDITOR;
  if (editor) {
    const dir = mkdtempSync(join(tmpdir(), "codeact-edit-"));
    const file = join(dir, "action.py");
    writeFileSync(file, code);
    try {
      spawnSync(editor, [file], { stdio: "inherit" });
      return readFileSync(file, "utf8");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stderr.write(pc.dim("Type the new code; end with a line holding only a dot (.)\n"));
  const lines: string[] = [];
  for (;;) {
    const line = await ask(rl, "");
    if (line === ".") break;
    lines.push(line);
  }
  return lines.join("\n");
}

export function terminalApprover(): (request: ApprovalRequest) => Promise<Approval> {
  return async (request) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      process.stderr.write(pc.bold(pc.yellow(`\nApproval needed — step ${request.step + 1}${request.attempt ? `, retry ${request.attempt}` : ""}:\n`)));
      process.stderr.write(`${request.code.split("\n").map((l) => `  │ ${l}`).join("\n")}\n`);
      for (;;) {
        const choice = (await ask(rl, pc.bold("[a]pprove, [e]dit, [r]eject? "))).trim().toLowerCase();
        if (choice === "a" || choice === "approve" || choice === "") return { action: "approve" };
        if (choice === "e" || choice === "edit") return { action: "edit", code: await editCode(rl, request.code) };
        if (choice === "r" || choice === "reject") return { action: "reject", feedback: (await ask(rl, "Why (sent to the agent)? ")).trim() };
      }
    } finally {
      rl.close();
    }
  };
}
