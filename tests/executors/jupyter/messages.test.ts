import { DELIMITER, Session } from "../../../executors/jupyter/messages";
import { endpoint, ipcConnection } from "../../../executors/jupyter/connection";

// Vector computed with Python's jupyter_client.session.Session (hmac-sha256) over the same frames.
const KEY = "a0436f6c-1916-498b-8eb9-e81ab9368e84";
const HEADER =
  '{"msg_id":"5b1c1ba5-1b7a-4a6b-a4e5-1e6d7a1b2c3d","msg_type":"execute_request","session":"2f2b61b8-3c6c-4c2b-9c7b-0d5e2a1f0e9a","username":"codeact","date":"2026-11-24T12:00:00.000Z","version":"5.3"}';
const CONTENT = '{"code":"x = 1","silent":false}';
const SIGNATURE = "2fefcccc5998ad74f54def5eab65ba4f2afd3ad852ba1477c8df5f8714b4ab1e";

const frames = (sig: string, content = CONTENT, ids: string[] = []) =>
  [...ids, DELIMITER, sig, HEADER, "{}", "{}", content].map((s) => Buffer.from(s));

describe("jupyter wire messages", () => {
  it("signs exactly as jupyter_client does", () => {
    expect(new Session(KEY).sign([HEADER, "{}", "{}", CONTENT])).toBe(SIGNATURE);
  });

  it("parses a correctly signed message, keeping routing identities and buffers", () => {
    const s = new Session(KEY);
    const msg = s.deserialize([...frames(SIGNATURE, CONTENT, ["peer-1"]), Buffer.from("buf")]);
    expect(msg?.header.msg_type).toBe("execute_request");
    expect(msg?.content).toEqual({ code: "x = 1", silent: false });
    expect(msg?.identities.map(String)).toEqual(["peer-1"]);
    expect(msg?.buffers.map(String)).toEqual(["buf"]);
    expect(s.rejectedCount).toBe(0);
  });

  it("drops and counts a message whose signature does not verify", () => {
    const s = new Session(KEY);
    expect(s.deserialize(frames(SIGNATURE.replace(/^2/, "3")))).toBeUndefined();
    expect(s.deserialize(frames(SIGNATURE, '{"code":"import os; os.system(\'rm -rf /\')"}'))).toBeUndefined();
    expect(s.deserialize(frames(""))).toBeUndefined();
    expect(new Session("another key").deserialize(frames(SIGNATURE))).toBeUndefined();
    expect(s.rejectedCount).toBe(3);
  });

  it("drops malformed frame layouts", () => {
    const s = new Session(KEY);
    expect(s.deserialize([Buffer.from(HEADER)])).toBeUndefined();
    expect(s.deserialize(frames(SIGNATURE).slice(0, 4))).toBeUndefined();
    expect(s.rejectedCount).toBe(2);
  });

  it("round-trips build → serialize → deserialize with a reply correlated to its parent", () => {
    const s = new Session(KEY);
    const req = s.build("kernel_info_request", {});
    const reply = s.build("kernel_info_reply", { status: "ok" }, req.header);
    const parsed = s.deserialize(s.serialize(reply));
    expect(parsed?.parent_header.msg_id).toBe(req.header.msg_id);
    expect(parsed?.header.version).toBe("5.3");
    expect(parsed?.header.session).toBe(s.id);
  });

  it("refuses signature schemes it cannot verify", () => {
    expect(() => new Session(KEY, "codeact", "hmac-md5")).toThrow(/hmac-sha256/);
  });

  it("builds ipc endpoints, rewritten for a bind-mounted socket directory", () => {
    const info = ipcConnection("/kernel/k");
    expect(endpoint(info, "shell")).toBe("ipc:///kernel/k-1");
    expect(endpoint(info, "hb", "/tmp/ca-x/k")).toBe("ipc:///tmp/ca-x/k-5");
    expect(info.key).toMatch(/^[0-9a-f]{64}$/);
  });
});
