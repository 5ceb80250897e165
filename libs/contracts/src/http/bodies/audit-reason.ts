/**
 * `audit_reason`: the free text a person gives for a change of a recipient's state (a supervisor
 * setting someone Away, logging them out, ending their wrap-up), kept in the audit trail and the
 * change's events. Optional in the status set and the actions; bounded so that nobody can grow
 * the audit store or the events with it. Not the away reason (`reason` of an away: the catalogue's).
 */
export const AUDIT_REASON_MAX = 256;

export const auditReasonProperty = { audit_reason: { type: 'string', minLength: 1, maxLength: AUDIT_REASON_MAX } } as const;
