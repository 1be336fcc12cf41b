/**
 * The API contract: every request/response method and every event (main → renderer), declared once.
 *
 * Schemas are zod 4: one declaration gives both the static type (for the IPC edge, the serve-mode edge
 * and the renderer client) and the runtime validator that every edge applies to untrusted payloads.
 */
import type { z } from 'zod';
import type { MethodSpec } from './api/define';
import { appMethods } from './api/app';
import { projectMethods } from './api/project';
import { systemMethods } from './api/system';
import { trainingEvents, trainingMethods } from './api/training';
import { weightsEvents, weightsMethods } from './api/weights';
import { eventSchemas } from './api/events';

export const methods = {
  ...systemMethods,
  ...appMethods,
  ...trainingMethods,
  ...projectMethods,
  ...weightsMethods,
} satisfies Record<string, MethodSpec>;

export const events = { ...eventSchemas, ...trainingEvents, ...weightsEvents };

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type EventName = keyof typeof events;

/** What a caller passes (before defaults are applied). */
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives (after validation and defaults). */
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/** A call's arguments: the input may be left out only when every field of it is optional. */
export type CallArgs<M extends MethodName> =
  Record<string, never> extends MethodInput<M> ? [input?: MethodInput<M>] : [input: MethodInput<M>];

export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/** Facts about one call, supplied by the transport (never by the payload). */
export interface CallInfo {
  transport: 'ipc' | 'serve' | 'direct';
}

/** The main side implements every method; a missing handler is a compile error where this is used. */
export type Handlers = {
  [M in MethodName]: (input: ParsedInput<M>, call: CallInfo) => Promise<MethodOutput<M>> | MethodOutput<M>;
};
