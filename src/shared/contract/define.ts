/**
 * How the contract is declared: each namespace (src/shared/contract/<namespace>.ts) is a table
 * of methods, each method a zod schema of its request — the ONLY declaration of the request:
 * its TypeScript type is `z.input`/`z.output` of the schema — and a typed marker of its result
 * ({@link result}: results are made by the main side and never parsed, so they stay TS
 * interfaces). From these tables src/shared/contract/index.ts derives the method and event
 * lists, `P1StudioApi`, the request validation ({@link parseRequest}) and the handler tables
 * ({@link Handlers}) that the main side's services must fill: a namespace whose handler table
 * lacks a method fails the typecheck.
 *
 * Pure: zod only, no I/O.
 */
import { z } from 'zod'
import { ApiError } from './errors'

declare const RESULT: unique symbol

/** Marker of a method's result type (no value at run time). */
export interface Result<R> {
  readonly [RESULT]?: R
}

/** The result marker of a method: `result<SessionStatus>()`. */
export const result = <R>(): Result<R> => ({})

/** One method: its request schema, how its request is named in errors, its result. */
export interface MethodSpec<S extends z.ZodType = z.ZodType, R = unknown> {
  /** The request (validated on the main side before any handler runs). */
  readonly request: S
  /** What a wrong request is called: "Invalid <what>: …". */
  readonly what: string
  /** Between the field and the problem: ': ' ("key: must be 32 hex digits") or ' ' ("id is not a profile id"). */
  readonly fieldSep: string
  readonly result: Result<R>
}

/** A namespace: its methods and the events it pushes. */
export interface Namespace<M extends Record<string, MethodSpec> = Record<string, MethodSpec>> {
  readonly methods: M
}

/** Declare a method. */
export function method<S extends z.ZodType, R>(request: S, what: string, res: Result<R>, opts: { fieldSep?: string } = {}): MethodSpec<S, R> {
  return { request, what, result: res, fieldSep: opts.fieldSep ?? ': ' }
}

/** Declare a namespace. */
export function namespace<M extends Record<string, MethodSpec>>(methods: M): Namespace<M> {
  return { methods }
}

/** The method names of a namespace, in declaration order. */
export function methodNames<M extends Record<string, MethodSpec>>(ns: Namespace<M>): (keyof M & string)[] {
  return Object.keys(ns.methods).filter((k): k is keyof M & string => k in ns.methods)
}

/** A method without parameters (a browser that sends some is refused). */
export const noParams = z.void()

// ---- bounded primitives: every number finite and bounded, every string bounded ----

/** A string of at most `max` characters (at least `min`). */
export const text = (max: number, min = 0) => z.string().min(min).max(max)
/** A finite number in [min, max]. */
export const finite = (min: number, max: number) => z.number().min(min).max(max)
/** An integer in [min, max]. */
export const int = (min: number, max: number) => z.number().int().min(min).max(max)
/** A path as the desktop window and the CLI give it, or (from a browser) a name in the app's folder. */
export const pathText = z.string().min(1).max(4096)
/** 32 hex digits (spaces allowed, removed), e.g. a P1 key: the value is never echoed in errors. */
export const hex32 = z
  .string()
  .max(64)
  .transform((s) => s.replace(/\s+/g, ''))
  .refine((s) => /^[0-9A-Fa-f]{32}$/.test(s), { message: 'must be 32 hex digits' })

// ---- derived types ----

/** The request a caller sends (before validation). */
export type RequestIn<S extends MethodSpec> = z.input<S['request']>
/** The request a handler receives (validated, defaults filled). */
export type RequestOut<S extends MethodSpec> = z.output<S['request']>
/** The result of a method. */
export type ResultOf<S extends MethodSpec> = S['result'] extends Result<infer R> ? R : never

/** A caller-facing function: parameterless methods take none. */
export type ApiFunction<S extends MethodSpec> =
  undefined extends RequestIn<S> ? (req?: RequestIn<S>) => Promise<ResultOf<S>> : (req: RequestIn<S>) => Promise<ResultOf<S>>

/** The caller-facing functions of a method table. */
export type ApiOf<M extends Record<string, MethodSpec>> = { [K in keyof M]: ApiFunction<M[K]> }

/**
 * The handler table of a namespace: one function per method, given the validated request and
 * who calls (`C`, the main side's caller context). A missing method fails the typecheck
 * ("Property '<method>' is missing…").
 */
export type Handlers<N extends Namespace, C> = {
  [K in keyof N['methods']]: (req: RequestOut<N['methods'][K]>, caller: C) => Promise<ResultOf<N['methods'][K]>>
}

/**
 * Validate a request against its method's schema.
 * @returns the parsed request (z.output).
 * @throws ApiError `invalid_request` with one plain sentence ("Invalid key: key: must be 32 hex
 *   digits"; never the value itself) and params {field}.
 */
export function parseRequest<O>(spec: { readonly request: z.ZodType<O>; readonly what: string; readonly fieldSep: string }, input: unknown): O {
  const r = spec.request.safeParse(input)
  if (r.success) return r.data
  const first = r.error.issues[0]
  const field = first?.path.length ? first.path.join('.') : ''
  const problem = first?.message ?? 'malformed'
  throw new ApiError('invalid_request', `Invalid ${spec.what}: ${field ? field + spec.fieldSep : ''}${problem}`, { field })
}
