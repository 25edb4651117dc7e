import { describe, expect, it } from 'vitest';
import type { ApprovalDetails } from '../../src/approval/approvals.js';
import { confirmationMessage, linkMessage } from '../../src/approval/channels/form.js';

// The words every client-side surface asks with: the confirmation form (2025 elicitation and
// 2026-07-28 input_required forms) and the link to the page (URL elicitation and URL input
// requests). A recurring charge comes first on each, before the total; a change says so.

const RENEWS = 'RENEWS AUTOMATICALLY: this charges the wallet again without asking, every 30 days, until it is turned off. To turn it off: x.';
const base: ApprovalDetails = {
  vendor: 'Vendor',
  sandbox: true,
  summary: '1 × thing, 30 days',
  total_usd: 3.5,
  price_source: 'vendor_quote',
  balance_usd: 100,
  balance_after_usd: 96.5,
  max_order_usd: 50,
  budget_left_usd: 200,
  warnings: [],
};

describe('approval words', () => {
  it('a new order: asked to place it, no renewal notice', () => {
    expect(confirmationMessage(base).split('\n').slice(0, 2)).toEqual(['Sandbox: play money.', 'Place this Vendor order, paid from the wallet?']);
    expect(linkMessage(base)).toBe('Approve or decline this Vendor order on the approval page: 1 × thing, 30 days');
  });

  it('a recurring charge is said first on the form and on the link, once, before the total', () => {
    const details = { ...base, renews: RENEWS, warnings: [RENEWS, 'another note'] };
    const form = confirmationMessage(details);
    expect(form.split('\n')[0]).toBe(RENEWS);
    expect(form.indexOf(RENEWS)).toBeLessThan(form.indexOf('Total:'));
    expect(form.split(RENEWS)).toHaveLength(2);
    expect(form).toContain('Note: another note');
    expect(linkMessage(details).startsWith(RENEWS)).toBe(true);
  });

  it('a change to an order says it is a change on both', () => {
    const details = { ...base, change: { order_id: 'o-1', expires_at: null, new_expires_at: null }, renews: RENEWS, warnings: [RENEWS] };
    expect(confirmationMessage(details)).toContain('Make this change to a Vendor order, paid from the wallet?');
    expect(linkMessage(details)).toBe(`${RENEWS} Approve or decline this change to a Vendor order on the approval page: 1 × thing, 30 days`);
  });
});
