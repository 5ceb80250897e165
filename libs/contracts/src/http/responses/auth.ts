import type { PrivLevel } from '../../directory/user-doc.js';

/** `data` of PUT /v2/user_auth and /v2/api_auth (KAZOO shape; the token is in the envelope). */
export interface AuthData {
  account_id: string;
  account_name: string;
  /** The user the token acts for (absent for api_auth). */
  owner_id?: string;
  priv_level: PrivLevel;
  is_reseller: false;
  reseller_id?: string;
  language: string;
  apps: unknown[];
}
