/**
 * The Monster UI KAZOO SDK's request building (2600hz/monster-ui `src/js/lib/jquery.kazoosdk.js`),
 * for the methods this service serves, without jQuery: the same method table (verb and URL per
 * method), and the same rules for turning a call into a request, which are the "SDK quirks" a
 * server must take:
 * - `{placeholders}` of the URL are filled from the call's settings (URI-encoded); for a POST whose
 *   last placeholder is not given, from `data.id` (how `update` is called with the document read);
 * - every non-GET sends `{"data": settings.data || {}}` (a DELETE too), with `ui_metadata` set on
 *   `data` when the SDK has uiMetadata (on a list it is dropped by JSON.stringify, as in the
 *   browser) and `accept_charges: true` when asked;
 * - a GET carries jQuery's cache buster `_=<ms>` (`cache: false`) and `filters` as a query string
 *   (`parametersToQueryString`: an array value repeats its key, except for `filter_any_*`,
 *   `filter_none_*`, `filter_array_intersect_*` and `fields`, which get one JSON array);
 * - `envelopeKeys` go beside `data` in the body (never `data` or `accept_charges`);
 * - `Content-Type: application/json`, `X-Auth-Token`;
 * - an error body is parsed only when the answer's Content-Type is exactly `application/json`,
 *   and gets `httpErrorStatus`.
 * The method table is copied as data (verbs and paths); no code of the SDK is. `npm run
 * check:kazoo-sdk -- <path to jquery.kazoosdk.js>` compares it with a real copy of the SDK
 * (scripts/check-kazoo-sdk.ts; docs/queues.md "Monster UI"). Left out on purpose (NOT_SERVED):
 * `qubicleRecipients.updateRoles` — the seed API has no per-recipient roles (a queue's managers are
 * the queue's roles, `qubicleQueues.updateRoles`); the gateway answers it 404 like any unknown route.
 */

interface MethodInfo {
  verb: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
}

export const KAZOO_SDK_METHODS = {
  qubicleQueues: {
    get: { verb: 'GET', url: 'accounts/{accountId}/qubicle_queues/{queueId}' },
    create: { verb: 'PUT', url: 'accounts/{accountId}/qubicle_queues' },
    update: { verb: 'POST', url: 'accounts/{accountId}/qubicle_queues/{queueId}' },
    patch: { verb: 'PATCH', url: 'accounts/{accountId}/qubicle_queues/{queueId}' },
    delete: { verb: 'DELETE', url: 'accounts/{accountId}/qubicle_queues/{queueId}' },
    list: { verb: 'GET', url: 'accounts/{accountId}/qubicle_queues' },
    listAllRecipients: { verb: 'GET', url: 'accounts/{accountId}/qubicle_queues/recipients' },
    listRecipients: { verb: 'GET', url: 'accounts/{accountId}/qubicle_queues/{queueId}/recipients' },
    updateRecipients: { verb: 'POST', url: 'accounts/{accountId}/qubicle_queues/{queueId}/recipients' },
    deleteRecipients: { verb: 'DELETE', url: 'accounts/{accountId}/qubicle_queues/{queueId}/recipients' },
    getStatus: { verb: 'GET', url: 'accounts/{accountId}/qubicle_queues/{queueId}/status' },
    listStatus: { verb: 'GET', url: 'accounts/{accountId}/qubicle_queues/status' },
    updateRoles: { verb: 'POST', url: 'accounts/{accountId}/qubicle_queues/{queueId}/roles' },
    updateSessions: { verb: 'POST', url: 'accounts/{accountId}/qubicle_queues/{queueId}/sessions/{sessionId}' },
    getEnsureStarted: { verb: 'GET', url: 'accounts/{accountId}/qubicle_queues/ensure_started' },
  },
  qubicleRecipients: {
    get: { verb: 'GET', url: 'accounts/{accountId}/qubicle_recipients/{userId}' },
    update: { verb: 'POST', url: 'accounts/{accountId}/qubicle_recipients/{userId}' },
    updateDisable: { verb: 'POST', url: 'accounts/{accountId}/qubicle_recipients/{userId}/disable' },
    updateEnable: { verb: 'POST', url: 'accounts/{accountId}/qubicle_recipients/{userId}/enable' },
    list: { verb: 'GET', url: 'accounts/{accountId}/qubicle_recipients' },
    getStatus: { verb: 'GET', url: 'accounts/{accountId}/qubicle_recipients/{userId}/status' },
    listStatus: { verb: 'POST', url: 'accounts/{accountId}/qubicle_recipients/status' },
    updateStatus: { verb: 'POST', url: 'accounts/{accountId}/qubicle_recipients/{userId}/status' },
    updateState: { verb: 'POST', url: 'accounts/{accountId}/qubicle_recipients/{userId}' },
    getQueueMembership: { verb: 'POST', url: 'accounts/{accountId}/qubicle_recipients/queue_membership' },
  },
} as const satisfies Record<string, Record<string, MethodInfo>>;

/** Methods of the real SDK's groups above that this service does not serve (see the header). */
export const NOT_SERVED: Record<keyof typeof KAZOO_SDK_METHODS, readonly string[]> = {
  qubicleQueues: [],
  qubicleRecipients: ['updateRoles'],
};

export interface SdkCall {
  accountId?: string;
  queueId?: string;
  data?: unknown;
  filters?: Record<string, string | number | boolean | ReadonlyArray<string | number | boolean>>;
  envelopeKeys?: Record<string, unknown>;
  acceptCharges?: boolean;
  [placeholder: string]: unknown;
}

export interface SdkSuccess {
  data: any;
  status: string;
  revision?: string;
  page_size?: number;
  request_id?: string;
  [k: string]: unknown;
}

/** What `error` gets: the parsed Crossbar error with httpErrorStatus (or, for a non-JSON answer, the raw status and text). */
export interface SdkError {
  httpErrorStatus: number;
  [k: string]: any;
}

export interface KazooSdkSettings {
  /** e.g. http://127.0.0.1:8000/v2/ (ends with a slash, as Monster UI's apiUrl) */
  apiRoot: string;
  authToken: string;
  uiMetadata?: Record<string, unknown>;
}

type Group = keyof typeof KAZOO_SDK_METHODS;
export type KazooSdk = { [G in Group]: { [M in keyof (typeof KAZOO_SDK_METHODS)[G]]: (settings: SdkCall) => Promise<SdkSuccess> } };

/** The error a call must end in (the SDK's error callback); fails the test when it succeeds. */
export async function sdkRefusal(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the SDK error callback, the call succeeded');
}

/** The SDK's methods, promise-returning (the SDK's success callback → resolve, error → reject with SdkError). */
export function kazooSdk(settings: KazooSdkSettings): KazooSdk {
  const out: Record<string, Record<string, (s: SdkCall) => Promise<SdkSuccess>>> = {};
  for (const [group, methods] of Object.entries(KAZOO_SDK_METHODS)) {
    out[group] = {};
    for (const [name, info] of Object.entries(methods as Record<string, MethodInfo>)) {
      out[group]![name] = (call) => request(settings, info, call);
    }
  }
  return out as KazooSdk;
}

async function request(settings: KazooSdkSettings, info: MethodInfo, call: SdkCall): Promise<SdkSuccess> {
  const verb = info.verb;
  const hasBody = verb !== 'GET';
  const payloadData: any = hasBody ? (call.data ?? {}) : undefined;
  const ids = [...info.url.matchAll(/{([^}]+)}/g)].map((m) => m[1]!);
  const values: Record<string, unknown> = {};
  ids.forEach((id, i) => {
    values[id] = verb === 'POST' && i === ids.length - 1 && !(id in call) ? (payloadData as { id?: unknown } | undefined)?.id : call[id];
  });
  let url = settings.apiRoot + info.url.replace(/{([^}]+)}/g, (_m, key: string) => encodeURIComponent(String(values[key])));
  const query: string[] = [];
  if (call.filters) query.push(...queryOf(call.filters));
  if (!hasBody) query.push(`_=${Date.now()}`); // jQuery's cache: false
  if (query.length) url += (url.includes('?') ? '&' : '?') + query.join('&');
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Auth-Token': settings.authToken, Accept: 'application/json, text/javascript, */*; q=0.01' };
  let body: string | undefined;
  if (hasBody) {
    const envelope = Object.fromEntries(Object.entries(call.envelopeKeys ?? {}).filter(([k]) => k !== 'data' && k !== 'accept_charges'));
    const payload: any = { data: payloadData, ...envelope };
    if (settings.uiMetadata) payload.data.ui_metadata = settings.uiMetadata;
    if (call.acceptCharges === true) payload.accept_charges = true;
    body = JSON.stringify(payload);
  }
  const res = await fetch(url, { method: verb, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  if (res.status >= 200 && res.status < 300) return JSON.parse(text) as SdkSuccess; // dataType: 'json'
  if (text && res.headers.get('content-type') === 'application/json') throw Object.assign(JSON.parse(text) as object, { httpErrorStatus: res.status }) as SdkError;
  throw { httpErrorStatus: res.status, responseText: text } satisfies SdkError;
}

/** The SDK's `parametersToQueryString`: arrays repeat their key, except the keys that take a JSON array. */
const JSON_ARRAY_KEYS = /(?:^filter_(?:any|array_intersect_(?:any|none|all)|none)_.+)|^fields$/;
function queryOf(filters: NonNullable<SdkCall['filters']>): string[] {
  return Object.entries(filters).map(([key, value]) => {
    const values = ([] as Array<string | number | boolean>).concat(value);
    const formatted = JSON_ARRAY_KEYS.test(key) ? [JSON.stringify(values)] : values;
    return formatted.map((v) => `${key}=${encodeURIComponent(String(v))}`).join('&');
  });
}
