import type { ProviderId } from '../../src/providers/types.js';

/**
 * What the shared provider contract suite needs to know of one vendor. Each provider's
 * fixture lives in test/contract/fixtures/<id>.ts and is run against its simulator.
 */
export interface ContractFixture {
  id: ProviderId;
  /** list_offers input that returns at least one offer. */
  listInput: Record<string, unknown>;
  /** A valid place_order input (without confirmation_token) that the seeded sandbox wallet can afford. */
  order: Record<string, unknown>;
  /** Orders the vendor's rules reject; prepareOrder must refuse each with `invalid_input` and a message matching. */
  invalidOrders: Array<{ input: Record<string, unknown>; message: RegExp }>;
  /** A valid order costing more than the seeded sandbox wallet holds (insufficient funds at the vendor). */
  unaffordableOrder?: Record<string, unknown>;
}
