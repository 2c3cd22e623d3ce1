/**
 * The stored format of CompactSqliteSaver's deflated rows, apart from the saver so that light
 * readers (`codeact threads`) can decode a checkpoint without loading LangGraph.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";

/** Below this many bytes deflate saves too little to pay for itself. */
export const MIN_BYTES = 384;
/**
 * Writes are read back through `CAST(value AS TEXT)` inside SQLite's JSON functions, so their
 * compressed form must be text: base64, under a type of its own.
 */
export const WRITE_TYPE = "json+deflate64-d1";
/** A checkpoint blob is read as a BLOB; JSON text never starts with a NUL byte, so it marks deflate. */
export const BLOB_MARK = 0;
/**
 * A preset deflate dictionary: the JSON skeleton of a CodeAct checkpoint and cell. A checkpoint
 * row is ~1 KB of mostly these keys, so the dictionary more than halves what deflate alone leaves.
 * It is part of the stored format ("-d1"): never edit it; add a new one under a new mark.
 */
const DICTIONARY = Buffer.from(
  '{"id":"","step":0,"attempt":0,"code":"","result":{"status":"ok","stdout":"","stderr":"","results":[],"toolCalls":[],"durationMs":0,"truncated":false},"startedAt":"2026-01-01T00:00:00.000Z"}' +
    '{"v":4,"id":"1f000000-0000-6000-8000-000000000000","ts":"2026-01-01T00:00:00.000Z","channel_values":{"task":"","plan":[{"description":"","doneCriterion":""}],"currentStep":1,' +
    '"pendingAction":{"kind":"code","code":"","thought":""},"observation":"","debugAttempts":0,"iterations":0,"invalidOutputs":0,"replans":0,"feedback":"","tokens":0,"startedAt":0,' +
    '"status":"running","statusDetail":"","answer":null,"rejected":false,"__pregel_tasks":[],"branch:to:executor":"coder"},"channel_versions":{"__start__":2,"task":2,' +
    '"branch:to:planner":3,"plan":3,"tokens":1,"startedAt":3,"branch:to:coder":1,"pendingAction":1,"iterations":1,"branch:to:executor":1,"cells":1,"branch:to:critic":1,' +
    '"critiques":1,"currentStep":6,"observation":1},"versions_seen":{"__input__":{},"__start__":{"__start__":1},"planner":{"branch:to:planner":2},"coder":{"branch:to:coder":1},' +
    '"executor":{"branch:to:executor":1},"critic":{"branch:to:critic":1}}}',
);
export const deflate = (data: Uint8Array) => deflateRawSync(data, { dictionary: DICTIONARY });
export const inflate = (data: Uint8Array) => inflateRawSync(data, { dictionary: DICTIONARY });
