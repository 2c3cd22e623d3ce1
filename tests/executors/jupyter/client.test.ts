/**
 * KernelClient against a peer we control over real ZeroMQ IPC sockets, to prove what ipykernel
 * never sends us: replies with forged signatures must be dropped, counted and never resolve a request.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Publisher, Router } from "zeromq";
import { KernelClient } from "../../../executors/jupyter/client";
import { endpoint, ipcConnection } from "../../../executors/jupyter/connection";
import { Session } from "../../../executors/jupyter/messages";

describe("KernelClient over ZeroMQ", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ca-test-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("correlates replies by parent msg_id, routes iopub, and drops forged messages", async () => {
    const info = ipcConnection(join(dir, "k"));
    const shell = new Router({ linger: 0 });
    const iopub = new Publisher({ linger: 0 });
    await shell.bind(endpoint(info, "shell"));
    await iopub.bind(endpoint(info, "iopub"));
    const kernelSide = new Session(info.key);
    const forger = new Session("not the key");
    const client = new KernelClient(info);
    try {
      const seen: string[] = [];
      const first = client.request("shell", "kernel_info_request", {}, { iopub: (m) => seen.push(m.header.msg_type) });
      const second = client.request("shell", "kernel_info_request", {});
      const settled: string[] = [];
      void first.reply.then(() => settled.push("first"));
      void second.reply.then(() => settled.push("second"));

      const requests = [];
      for (let i = 0; i < 2; i++) requests.push(kernelSide.deserialize((await shell.receive()) as Buffer[])!);
      const [req1, req2] = requests as [NonNullable<(typeof requests)[0]>, NonNullable<(typeof requests)[0]>];
      const answer = (s: Session, to: typeof req1, type: string) => {
        const msg = s.build(type, { status: "ok" }, to.header);
        msg.identities = to.identities;
        return s.serialize(msg);
      };
      // A forged reply to the first request, then a genuine reply to the second one.
      await shell.send(answer(forger, req1, "kernel_info_reply"));
      await shell.send(answer(kernelSide, req2, "kernel_info_reply"));
      await second.reply;
      expect(settled).toEqual(["second"]);
      expect(client.rejectedMessages).toBe(1);

      await iopub.send(kernelSide.serialize(kernelSide.build("status", { execution_state: "busy" }, req1.header)));
      await shell.send(answer(kernelSide, req1, "kernel_info_reply"));
      const reply = await first.reply;
      expect(reply.parent_header.msg_id).toBe(first.msgId);
      expect(seen).toEqual(["status"]);
    } finally {
      client.close();
      shell.close();
      iopub.close();
    }
  });

  it("fails pending requests when closed", async () => {
    const client = new KernelClient(ipcConnection(join(dir, "nobody")));
    const { reply } = client.request("shell", "kernel_info_request", {});
    client.close("test over");
    await expect(reply).rejects.toThrow(/test over/);
    await expect(client.request("shell", "kernel_info_request", {}).reply).rejects.toThrow(/closed/);
  });
});
