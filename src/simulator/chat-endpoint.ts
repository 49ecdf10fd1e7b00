import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChainStore } from './chains.js';
import { NO_FAULTS } from './fault-spec.js';
import {
  createFaultPicker,
  statusOfFault,
  type FaultPicker,
  type RandomSource,
} from './fault-picker.js';
import { MAX_BODY_BYTES, dropConnection, readBody, sendJson } from './http-io.js';
import { randomChars } from './ids.js';
import type { Script, SimulatorOptions } from './options.js';
import {
  chatBody,
  errorBody,
  faultMessage,
  malformedBody,
  replyContent,
  type ChatStatus,
  type Reply,
} from './reply.js';
import type { RequestLogEntry } from './request-log.js';
import { CAPACITY_RETRY_AFTER_SECONDS, CapacityGate } from './capacity.js';
import { isJsonContentType, validateChatRequest, type ChatRequest } from './validate.js';

/** Records a finished log entry (memory, file, counts). */
export type Recorder = (entry: RequestLogEntry) => void;
/** Runs `action` after `ms` milliseconds, cancelled if the simulator closes first. */
export type Scheduler = (ms: number, action: () => void) => void;

/** Ids of chats made by any SigmaMind deployment; the vendor issues both spellings. */
const CHAT_ID_PREFIX = /^chat[-_]/;

/**
 * `POST /v1/chats`: checks the request in the vendor's order (key, media type, size, body, the
 * previous chat), then answers with a chat or with the fault the mix or the script picked.
 * Every outcome is recorded when it is decided, before the latency wait, so the log already
 * holds a request whose answer is still pending.
 */
export class ChatEndpoint {
  readonly #apiKey: string | undefined;
  readonly #random: RandomSource;
  readonly #pickFault: FaultPicker;
  readonly #retryAfter: string;
  readonly #latencyMs: number;
  readonly #jitterMs: number;
  readonly #endAfterTurns: number | undefined;
  readonly #script: Script | undefined;
  readonly #alternate: boolean;
  readonly #chains: ChainStore | undefined;
  readonly #record: Recorder;
  readonly #later: Scheduler;
  readonly #gate: CapacityGate;
  /** Valid requests so far: its bits pick the alternate spellings. */
  #answered = 0;

  constructor(options: SimulatorOptions, record: Recorder, later: Scheduler) {
    const faults = options.faults ?? NO_FAULTS;
    this.#apiKey = options.apiKey;
    this.#random = options.random ?? Math.random;
    this.#pickFault = createFaultPicker(faults);
    this.#retryAfter = String(faults.retryAfterSeconds);
    this.#latencyMs = options.latencyMs ?? 0;
    this.#jitterMs = options.latencyJitterMs ?? 0;
    this.#endAfterTurns = options.endAfterTurns;
    this.#script = options.script;
    this.#alternate = options.alternateSuccessCodes === true;
    this.#chains =
      options.endAfterTurns !== undefined || options.script !== undefined
        ? new ChainStore()
        : undefined;
    this.#record = record;
    this.#later = later;
    this.#gate = new CapacityGate(options.capacity);
  }

  /** Accepted requests per sliding second before 429s (undefined: no limit). */
  get capacity(): number | undefined {
    return this.#gate.capacity;
  }

  set capacity(capacity: number | undefined) {
    this.#gate.capacity = capacity;
  }

  /** Whether this request carries the right key (always, when no key is configured). */
  keyMatches(req: IncomingMessage): boolean {
    return this.#apiKey === undefined || req.headers['x-api-key'] === this.#apiKey;
  }

  reset(): void {
    this.#answered = 0;
    this.#chains?.clear();
    this.#gate.reset();
  }

  /** Latency of one answer, in ms. */
  delay(): number {
    return this.#jitterMs > 0 ? this.#latencyMs + this.#random() * this.#jitterMs : this.#latencyMs;
  }

  /** Records an error answer and sends it after `ms`. */
  fail(
    res: ServerResponse,
    entry: RequestLogEntry,
    status: number,
    message: string,
    ms: number = this.delay(),
    headers?: Record<string, string>,
  ): void {
    entry.status = status;
    this.#record(entry);
    const body = errorBody(status, message);
    this.#later(ms, () => sendJson(res, status, body, headers));
  }

  handle(req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry): void {
    if (!entry.apiKeyOk) return this.fail(res, entry, 401, 'Missing or invalid X-API-Key');
    if (!isJsonContentType(req.headers['content-type'])) {
      return this.fail(res, entry, 415, 'Content-Type must be application/json');
    }
    readBody(req, MAX_BODY_BYTES, (text) => {
      if (text === undefined) {
        return this.fail(res, entry, 413, `body must be at most ${MAX_BODY_BYTES} bytes`);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return this.fail(res, entry, 422, 'body: not valid JSON');
      }
      copyLoggedFields(entry, body);
      const result = validateChatRequest(body);
      if (!result.ok) return this.fail(res, entry, 422, result.message);
      const previous = result.request.previousChatId;
      if (previous !== undefined && !this.#isKnownChat(previous)) {
        return this.fail(res, entry, 404, `previousChatId: no chat "${previous}"`);
      }
      if (!this.#gate.admit(Date.now())) {
        // Over the account's capacity: refused before any work, as a vendor's rate limiter does.
        entry.fault = 'capacity';
        return this.fail(
          res,
          entry,
          429,
          `more than ${this.#gate.capacity} requests per second`,
          undefined,
          { 'retry-after': String(CAPACITY_RETRY_AFTER_SECONDS) },
        );
      }
      this.#answer(res, entry, result.request);
    });
  }

  #isKnownChat(chatId: string): boolean {
    // Ids this process made always carry the prefix; the map only matters when it is kept.
    return CHAT_ID_PREFIX.test(chatId) || this.#chains?.has(chatId) === true;
  }

  #answer(res: ServerResponse, entry: RequestLogEntry, request: ChatRequest): void {
    const n = this.#answered++;
    const alt = this.#alternate;
    const turn = this.#chains
      ? this.#chains.lengthAfter(request.previousChatId)
      : request.previousChatId === undefined
        ? 1
        : 2;
    const ended = this.#endAfterTurns !== undefined && turn >= this.#endAfterTurns;
    const drawn = this.#pickFault(this.#random);
    let reply: Reply = {
      fault: drawn,
      httpStatus: alt && (n & 1) !== 0 ? 201 : 200,
      chatStatus: ended ? 'ended' : alt && (n & 4) !== 0 ? 'in_progress' : 'in-progress',
      content: replyContent(request.input),
      // NaN = not decided yet: the jitter is drawn after the script, only if it set no latency.
      latencyMs: NaN,
    };
    const forced = this.#script?.({ ...request, seq: entry.seq, turn });
    if (forced) {
      reply = {
        fault: forced.fault === undefined ? reply.fault : forced.fault,
        httpStatus: forced.httpStatus ?? reply.httpStatus,
        chatStatus: forced.chatStatus ?? reply.chatStatus,
        content: forced.content ?? reply.content,
        latencyMs: forced.latencyMs ?? reply.latencyMs,
      };
    }
    const ms = Number.isNaN(reply.latencyMs) ? this.delay() : reply.latencyMs;
    const idPrefix = alt && (n & 2) !== 0 ? 'chat_' : 'chat-';
    const newChat = (): string => {
      const chatId = idPrefix + randomChars();
      this.#chains?.add(chatId, turn);
      entry.chatId = chatId;
      return chatId;
    };
    const body = (chatId: string, chatStatus: ChatStatus): string =>
      chatBody({
        chatId,
        chatStatus,
        content: reply.content,
        agentId: request.agentId,
      });

    const fault = reply.fault;
    if (fault !== null) entry.fault = fault;
    switch (fault) {
      case null: {
        const status = reply.httpStatus;
        if (status < 200 || status > 299) {
          return this.fail(
            res,
            entry,
            status,
            faultMessage(status),
            ms,
            this.#retryHeaders(status),
          );
        }
        const text = body(newChat(), reply.chatStatus);
        return this.#send(res, entry, reply.httpStatus, text, ms);
      }
      case 'reset':
      case 'lost': {
        if (fault === 'lost') newChat();
        entry.status = fault;
        this.#record(entry);
        return this.#later(ms, () => dropConnection(res));
      }
      case 'malformed': {
        const text = malformedBody(body(idPrefix + randomChars(), reply.chatStatus), this.#random);
        return this.#send(res, entry, 200, text, ms);
      }
      case 'error':
        return this.#send(res, entry, 200, body(newChat(), 'error'), ms);
      default: {
        const status = statusOfFault(fault, this.#random) ?? 500;
        return this.fail(res, entry, status, faultMessage(status), ms, this.#retryHeaders(status));
      }
    }
  }

  /** Every 429, drawn or scripted, says when to come back, as the client must honour it. */
  #retryHeaders(status: number): Record<string, string> | undefined {
    return status === 429 ? { 'retry-after': this.#retryAfter } : undefined;
  }

  #send(res: ServerResponse, entry: RequestLogEntry, status: number, text: string, ms: number) {
    entry.status = status;
    this.#record(entry);
    this.#later(ms, () => sendJson(res, status, text));
  }
}

/** Copies the request fields of a parsed body into the log entry, when their type is right. */
function copyLoggedFields(entry: RequestLogEntry, body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const b = body as Record<string, unknown>;
  if (typeof b.agentId === 'string') entry.agentId = b.agentId;
  if (typeof b.input === 'string') entry.input = b.input;
  if (typeof b.previousChatId === 'string') entry.previousChatId = b.previousChatId;
  const vars = b.dynamicVariables;
  if (typeof vars === 'object' && vars !== null && !Array.isArray(vars)) {
    entry.dynamicVariables = vars as Record<string, unknown>;
  }
}
