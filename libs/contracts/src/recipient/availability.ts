/** The six availability states Qubicle reports. */
export const AVAILABILITY_STATES = [
  'Not-Logged-In',
  'Away',
  'Ready',
  'Call-Offer',
  'On-A-Call',
  'Wrapup-Time',
] as const;
export type AvailabilityState = (typeof AVAILABILITY_STATES)[number];

/** A state change asked for during an offer, a call or wrap-up, applied when that ends. */
export const NEXT_STATES = ['Ready', 'Away', 'Not-Logged-In'] as const;
export type NextState = (typeof NEXT_STATES)[number];

export const WIRETAP_MODES = ['eavesdrop', 'whisper', 'barge'] as const;
export type WiretapMode = (typeof WIRETAP_MODES)[number];
