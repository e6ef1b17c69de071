// Docker's wire shape of an engine event (GET /events): the legacy `status`,
// `id`, `from` fields for container and image events, `Type`, `Action`,
// `Actor`, and the time in seconds and in exact nanoseconds.
import type { EngineEvent } from '../engine/index.ts';

/** Docker's wire shape for one event message. */
export function eventJson(e: EngineEvent): Record<string, unknown> {
  const time = Number(e.timeNano / 1_000_000_000n);
  const legacy = e.type === 'container' || e.type === 'image' ? { status: e.action, id: e.id, ...(e.attributes['image'] !== undefined && e.type === 'container' ? { from: e.attributes['image'] } : {}) } : {};
  return { ...legacy, Type: e.type, Action: e.action, Actor: { ID: e.id, Attributes: { ...e.attributes } }, scope: 'local', time, timeNano: Number(e.timeNano) };
}

/** eventJson as one line of text, with timeNano exact (a JS number loses its last digits). */
export function eventJsonText(e: EngineEvent): string {
  return JSON.stringify({ ...eventJson(e), timeNano: 0 }).replace(/"timeNano":0}$/, `"timeNano":${e.timeNano.toString()}}`);
}

