/** Stats of the current login session; times are unix seconds, avg_call_time seconds. */
export interface RecipientStats {
  total_calls: number;
  missed_calls: number;
  avg_call_time: number;
  login_time: number;
  last_action_time: number;
  /** 0 until the first call of the session is delivered. */
  last_handled_time: number;
}
