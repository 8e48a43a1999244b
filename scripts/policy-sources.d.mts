// Types of policy-sources.mjs, for the tests that share it.
export declare const OPA_VERSION: string
export declare const OPA_MODULE: string
export declare const ENTRYPOINTS: string[]
export declare const DECISION_CONTRACT_VERSION: string
export declare const INPUT_SCHEMA_VERSION: string
export declare const WASM_FILE: string
export declare const CASES_TEST_FILE: string
export interface PolicySource {
  path: string
  sha256: string
}
export declare function regoSources(policiesDir: string): string[]
export declare function policySources(policiesDir: string): PolicySource[]
export declare function sourcesDigest(sources: PolicySource[]): string
export declare function fileSha256(path: string): string
export declare function readPolicyCases(fixturesDir: string): Array<{ id: string } & Record<string, unknown>>
export declare function renderCasesTest(cases: Array<{ id: string } & Record<string, unknown>>): string
