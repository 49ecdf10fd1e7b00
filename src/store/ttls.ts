/**
 * How long the store's short-lived keys live, named once (the Lua scripts interpolate them).
 * The long-lived ones live for CHATBATCH_RETENTION_DAYS (Config.retentionSeconds).
 */

/** An ingest run that has not said it is alive for this long is dead (its liveness key). */
export const STAGING_ALIVE_SECONDS = 300;

/** Staged rows never outlive this (nor the batch retention). */
export const STAGING_MAX_SECONDS = 86_400;

/**
 * A running batch's retention is refreshed by the record step at most this often (ms), and when
 * it finishes: the TTL is counted in days, the EXPIREs were a tenth of the hot path's Redis work.
 */
export const RETENTION_REFRESH_MS = 60_000;
