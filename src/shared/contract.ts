/**
 * The API contract (one module per namespace in ./contract/, derived lists and types in
 * ./contract/index.ts). Import from here.
 */
export * from './contract/index'
export { contractMethods, MAX_REQUESTS_IN_FLIGHT, type Requester } from './contract/client'
