export declare function freePort(): Promise<number>;
//# sourceMappingURL=free-port.d.ts.map