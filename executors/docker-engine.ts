/**
 * Reaching a Docker engine. Placeholder by the lead until the setup helper's fuller version lands:
 * connectDocker() pings the engine (DOCKER_HOST honoured by dockerode) and explains how to get one.
 */
import Docker from "dockerode";
import { ExecutorUnavailableError } from "./types";

export async function connectDocker(options: Docker.DockerOptions = {}): Promise<Docker> {
  const docker = new Docker(options);
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("no answer within 5 s")), 5000).unref()),
    ]);
    return docker;
  } catch (err) {
    throw new ExecutorUnavailableError(
      `No Docker engine answers at ${process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock"} (${(err as Error).message}).`,
      "Start one (`sudo systemctl start docker`, or as root `dockerd --iptables=false --storage-driver=overlay2 &`), run `npm run setup` (installs and starts it as root on Debian/Ubuntu), or set DOCKER_HOST to a reachable engine.",
    );
  }
}
