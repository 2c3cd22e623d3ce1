/**
 * Kernel connection files. codeact prefers `transport: ipc`: the kernel binds unix sockets in a
 * directory we own, so no TCP port is opened anywhere and a container needs no network at all.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";

export const CHANNELS = ["shell", "iopub", "stdin", "control", "hb"] as const;
export type Channel = (typeof CHANNELS)[number];

export const ConnectionInfoSchema = z.object({
  transport: z.enum(["ipc", "tcp"]),
  /** For ipc: the socket path prefix; the kernel binds `<ip>-<port>`. For tcp: the host address. */
  ip: z.string(),
  shell_port: z.number().int(),
  iopub_port: z.number().int(),
  stdin_port: z.number().int(),
  control_port: z.number().int(),
  hb_port: z.number().int(),
  key: z.string(),
  signature_scheme: z.literal("hmac-sha256"),
  kernel_name: z.string().optional(),
});
export type ConnectionInfo = z.infer<typeof ConnectionInfoSchema>;

/** An IPC connection whose sockets are `<socketPrefix>-1` … `-5`. */
export function ipcConnection(socketPrefix: string): ConnectionInfo {
  return {
    transport: "ipc",
    ip: socketPrefix,
    shell_port: 1,
    iopub_port: 2,
    stdin_port: 3,
    control_port: 4,
    hb_port: 5,
    key: randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: "python3",
  };
}

/**
 * The ZMQ endpoint for a channel. `hostPrefix` rewrites the ipc path when the kernel sees the
 * socket directory under another name (a bind mount into a container).
 */
export function endpoint(info: ConnectionInfo, channel: Channel, hostPrefix?: string): string {
  const port = info[`${channel}_port`];
  if (info.transport === "ipc") return `ipc://${hostPrefix ?? info.ip}-${port}`;
  return `tcp://${info.ip}:${port}`;
}
