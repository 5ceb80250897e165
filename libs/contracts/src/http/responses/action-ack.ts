/** `data` echoed by the POST actions and POST /status, as the seed shows. */
export interface ActionAck {
  action: string;
}
export interface StatusSetAck {
  status: string;
  queue_id?: string;
}
