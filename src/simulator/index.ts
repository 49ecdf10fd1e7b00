/** Local simulator of SigmaMind's "Create a Chat" endpoint, for tests, benchmarks and the demo. */
export { createSimulator, CHATS_PATH, HEALTH_PATH, LOG_PATH } from './server.js';
export { CAPACITY_PATH } from './capacity-route.js';
export { CAPACITY_RETRY_AFTER_SECONDS } from './capacity.js';
export type { Simulator, SimulatorOptions, Script, ScriptRequest } from './options.js';
export {
  parseFaultSpec,
  FAULT_KINDS,
  NO_FAULTS,
  DEFAULT_RETRY_AFTER_SECONDS,
  type FaultKind,
  type FaultMix,
} from './fault-spec.js';
export type { RandomSource } from './fault-picker.js';
export type { Reply, ChatStatus } from './reply.js';
export { AGENT_NAME } from './reply.js';
export type { RequestLogEntry } from './request-log.js';
export type { SimulatorStats } from './stats.js';
export {
  MAX_AGENT_ID_CHARS,
  MAX_INPUT_CHARS,
  MAX_PREVIOUS_CHAT_ID_CHARS,
  validateChatRequest,
  type ChatRequest,
  type DynamicValue,
  type ValidationResult,
} from './validate.js';
export { MAX_BODY_BYTES } from './http-io.js';
