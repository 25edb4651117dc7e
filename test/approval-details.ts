import type { ApprovalDetails } from '../src/approval/approvals.js';
import { EXAMPLE } from './example.js';

/** What a sandbox quote of the example vendor puts on the approval page, for the approval tests. */
export const DETAILS: ApprovalDetails = {
  vendor: EXAMPLE.title,
  sandbox: true,
  summary: '5 GB residential, US',
  total_usd: 12.5,
  price_source: 'vendor_quote',
  balance_usd: 100,
  balance_after_usd: 87.5,
  max_order_usd: 50,
  budget_left_usd: 200,
  warnings: [],
};
