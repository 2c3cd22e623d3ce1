/**
 * Planner and critic JSON through OpenAI structured output (`response_format: json_schema`), with the
 * real ChatOpenAI client against a local fake OpenAI-compatible server: a chatty reply (right JSON
 * inside a sentence) is still read, a bad one gets the repair round, and a reply that is no JSON at
 * all ends in an error that names the role and shows the reply, not the endpoint's URL.
 */
import { HumanMessage } from "@langchain/core/messages";
import { z } from "zod";
import { createRoleModels } from "../../nodes/models/models";
import { askForJson } from "../../nodes/models/structured";
import { startFakeOpenAI } from "../helpers/fake-openai";

const schema = z.object({ verdict: z.enum(["done", "next"]), answer: z.string().default("") });
const fallback = () => ({ verdict: "next" as const, answer: "" });

async function ask(replies: string[], role: "critic" | "planner" = "critic") {
  const fake = await startFakeOpenAI(replies);
  try {
    const models = createRoleModels({ model: "gpt-x", baseUrl: fake.baseUrl, apiKey: "k", maxRetries: 2 });
    const result = await askForJson(models[role], [new HumanMessage("judge")], schema, fallback, undefined, undefined, "verdict", role).catch((e: unknown) => e);
    return { result, requests: fake.requests };
  } finally {
    await fake.close();
  }
}

describe("structured output (ChatOpenAI, response_format json_schema)", () => {
  it("reads valid JSON wrapped in a sentence, in one request", async () => {
    const { result, requests } = await ask(['Sure! Here is my verdict: {"verdict": "done", "answer": "42"} Hope that helps.']);
    expect(result).toMatchObject({ value: { verdict: "done", answer: "42" }, structured: true, fellBack: false, repaired: false, calls: 1 });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.response_format?.type).toBe("json_schema");
  });

  it("a reply that breaks the schema gets one repair round, then is used", async () => {
    const { result, requests } = await ask(['{"verdict": "maybe"}', 'Fixed: {"verdict": "next"}']);
    expect(result).toMatchObject({ value: { verdict: "next" }, repaired: true, fellBack: false, calls: 2 });
    expect(requests).toHaveLength(2);
    expect(JSON.stringify(requests[1]!.messages)).toMatch(/could not be used/);
  });

  it("a reply that is not JSON at all: one repair round, then the fallback; never an endpoint error", async () => {
    const { result, requests } = await ask(["I think the step is done, well done!", "Still no JSON, sorry."]);
    expect(result).toMatchObject({ value: fallback(), fellBack: true, calls: 2 });
    expect(requests).toHaveLength(2);
    expect((result as { problem?: string }).problem).toMatch(/^The critic's reply could not be read as its JSON verdict after one repair request \(no JSON object in the response\); it began: "Still no JSON, sorry\."$/);
    expect((result as { problem?: string }).problem).not.toMatch(/\/v1/);
  });
});
