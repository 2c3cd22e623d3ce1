/**
 * ChatOpenAI whose structured-output requests are read by codeact, not by the OpenAI client.
 * Given `response_format: json_schema`, the client's own parse (chat.completions.parse) runs
 * JSON.parse on the reply: a reply with the right JSON inside a sentence throws there, is retried
 * as if the server had failed, and ends as an endpoint error. Sent with `create` instead, the same
 * request returns the reply's text, which askForJson extracts and, if need be, repairs
 * (nodes/models/structured.ts). The request on the wire is unchanged.
 */
import { ChatOpenAI, ChatOpenAICompletions, type ChatOpenAIFields, wrapOpenAIClientError } from "@langchain/openai";

type Plain = Parameters<ChatOpenAICompletions["completionWithRetry"]>[0];
type Request = Plain | (Omit<Plain, "stream"> & { stream: true });
type Options = Parameters<ChatOpenAICompletions["completionWithRetry"]>[1];

class TextCompletions extends ChatOpenAICompletions {
  // The overloads of the base method cannot be restated here; the stream case goes to it unchanged.
  override completionWithRetry(request: Request, requestOptions?: Options): Promise<never> {
    if (request.stream || request.response_format?.type !== "json_schema") return super.completionWithRetry(request as never, requestOptions) as never;
    const { maxRetries, ...sdkOptions } = requestOptions ?? {};
    const clientOptions = this._getClientOptions(sdkOptions);
    return this.caller.callWithOptions({ maxRetries }, async () => {
      try {
        return await this.client.chat.completions.create(request as Plain, clientOptions);
      } catch (e) {
        throw wrapOpenAIClientError(e);
      }
    }) as never;
  }
}

/**
 * A class, not a factory: code that copies a model by calling its constructor with its fields (e.g.
 * the paper loop's reply cap) gets a completions delegate made from the new fields, not the old one.
 */
class CodeActChatOpenAI extends ChatOpenAI {
  constructor(fields: ChatOpenAIFields = {}) {
    const { completions: _old, ...own } = fields as ChatOpenAIFields & { completions?: unknown };
    super({ ...own, completions: new TextCompletions(own) } as ChatOpenAIFields);
  }
}

export function openAIChat(fields: ChatOpenAIFields): ChatOpenAI {
  return new CodeActChatOpenAI(fields);
}
