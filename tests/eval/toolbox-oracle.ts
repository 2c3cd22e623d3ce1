/** Oracle replies for the toolbox suite, per format: the actions a good agent would take, then the answer. */
import type { BaseMessage } from "@langchain/core/messages";
import { ScriptedChatModel, type ScriptStep } from "../../nodes/models/scripted-model";
import type { ActionFormat } from "../../nodes/prompting/actions";

interface Oracle {
  /** Code that prints the answer. */
  code: string;
  /** Tool calls (name, args) a JSON/text agent makes before answering. */
  calls: [string, (string | number)[]][];
  answer: string;
}

export const TOOLBOX_ORACLES: Record<string, Oracle> = {
  order_total_usd: {
    code: "print(convert_currency(3 * get_price('widget') + 2 * get_price('gadget'), 'EUR', 'USD'))",
    calls: [["get_price", ["widget"]], ["get_price", ["gadget"]], ["convert_currency", [37.5, "EUR", "USD"]]],
    answer: "41.25",
  },
  cheapest_tool: {
    code: "print(min(list_items('tools'), key=get_price))",
    calls: [["list_items", ["tools"]], ["get_price", ["widget"]], ["get_price", ["gadget"]], ["get_price", ["spanner"]]],
    answer: "widget",
  },
  low_stock_kitchen: {
    code: "print([n for n in list_items('kitchen') if get_stock(n) < 5])",
    calls: [["list_items", ["kitchen"]], ["get_stock", ["kettle"]], ["get_stock", ["toaster"]], ["get_stock", ["whisk"]]],
    answer: "whisk, kettle",
  },
  ship_order_zone_b: {
    code: "print(shipping_cost(2 * item_weight('widget') + item_weight('kettle'), 'B'))",
    calls: [["item_weight", ["widget"]], ["item_weight", ["kettle"]], ["shipping_cost", [2.0, "B"]]],
    answer: "7.0",
  },
  kettle_sale_gbp: {
    code: "print(convert_currency(apply_discount(get_price('kettle'), 15), 'EUR', 'GBP'))",
    calls: [["get_price", ["kettle"]], ["apply_discount", [30.0, 15]], ["convert_currency", [25.5, "EUR", "GBP"]]],
    answer: "21.68",
  },
  words_intro_faq: {
    code: "print(word_count(get_document('intro')) + word_count(get_document('faq')))",
    calls: [["get_document", ["intro"]], ["get_document", ["faq"]]],
    answer: "22",
  },
  tools_stock_value: {
    code: "print(sum(get_price(n) * get_stock(n) for n in list_items('tools')))",
    calls: [["list_items", ["tools"]], ["get_price", ["widget"]], ["get_stock", ["widget"]], ["get_price", ["gadget"]], ["get_stock", ["gadget"]]],
    answer: "657.75",
  },
  heaviest_garden_in_stock: {
    code: "print(max((n for n in list_items('garden') if get_stock(n) > 0), key=item_weight))",
    calls: [["list_items", ["garden"]], ["get_stock", ["rake"]], ["item_weight", ["hose"]]],
    answer: "hose",
  },
  longest_document: {
    code: "print(max(list_documents(), key=lambda d: word_count(get_document(d))))",
    calls: [["list_documents", []], ["get_document", ["returns"]]],
    answer: "returns",
  },
};

const lastObservation = (messages: BaseMessage[]) => String(messages.at(-1)?.content ?? "").trim();

export function actionText(format: ActionFormat, tool: string, args: (string | number)[]): string {
  if (format === "json") return `Thought: I call ${tool}.\nAction: ${JSON.stringify({ tool, args })} End Action`;
  return `Action: ${[tool, ...args.map(String)].join(", ")} End Action`;
}

/** The oracle's script for one task: code answers from what its code printed. */
export function oracleScript(taskId: string, format: ActionFormat): ScriptStep[] {
  const o = TOOLBOX_ORACLES[taskId];
  if (!o) throw new Error(`no oracle for ${taskId}`);
  if (format === "code") return [`Thought: compute it.\nAction:\n${o.code}\nEnd Action`, (m) => `Answer: ${lastObservation(m)}`];
  return [...o.calls.map(([tool, args]) => actionText(format, tool, args)), `Answer: ${o.answer}`];
}

export const oracleModel = (taskId: string, format: ActionFormat) => new ScriptedChatModel({ script: oracleScript(taskId, format) });
