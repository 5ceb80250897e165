import { KAZOO_ID_PATTERN } from '../../ids.js';
import { WIRETAP_MODES, type WiretapMode } from '../../recipient/availability.js';

/** {"data":{"action":"monitor","target":"<recipient>","mode":"eavesdrop"}} (Pro only). */
export interface MonitorAction {
  action: 'monitor';
  target: string;
  /** default eavesdrop */
  mode?: WiretapMode;
}
export const monitorActionSchema = {
  type: 'object',
  required: ['action', 'target'],
  properties: {
    action: { const: 'monitor' },
    target: { type: 'string', pattern: KAZOO_ID_PATTERN },
    mode: { enum: [...WIRETAP_MODES] },
  },
} as const;
