/** {"data":{"action":"monitor_stop"}}: end a monitor session started with "monitor". */
export interface MonitorStopAction {
  action: 'monitor_stop';
}
export const monitorStopActionSchema = {
  type: 'object',
  required: ['action'],
  properties: { action: { const: 'monitor_stop' } },
} as const;
