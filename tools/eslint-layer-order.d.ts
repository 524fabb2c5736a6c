export declare const LAYER_ORDER: readonly string[];
export declare const layerOrderRule: unknown;
