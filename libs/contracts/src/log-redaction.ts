/**
 * Fields that carry secrets anywhere in our messages (passwords, md5 credentials, api keys,
 * tokens, credential hashes, raw bodies and auth headers). Both services' loggers redact them
 * from these lists, so a new secret field is added here once. Pure data: no logger here.
 */
export const SECRET_LOG_KEYS = [
  'password',
  'credentials',
  'api_key',
  'auth_token',
  'token',
  'hash',
  'secret',
  'authorization',
  'cookie',
  '["x-auth-token"]',
  'body',
] as const;

/** pino `redact` paths for SECRET_LOG_KEYS at the top level and one or two levels down. */
export const LOG_REDACT_PATHS: string[] = SECRET_LOG_KEYS.flatMap((k) => {
  const child = k.startsWith('[') ? k : `.${k}`;
  return [k, `*${child}`, `*.*${child}`];
});
