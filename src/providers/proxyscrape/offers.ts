import type { OfferList } from '../types.js';
import { DURATIONS, POOL_LOCATIONS } from './schemas.js';

// ProxyScrape publishes neither a catalog nor prices, only the order fields. This is that
// description, by hand. Only the datacenter type string is published; the other products are
// known from the field notes, so their ids carry an `unpublished:` prefix that prepareOrder
// refuses with an explanation instead of letting a guessed type reach the vendor.

export const UNPUBLISHED_PREFIX = 'unpublished:';

export const OFFERS: OfferList = {
  offers: [
    {
      id: 'new_datacenter_shared',
      name: 'Shared datacenter proxies',
      kind: 'datacenter',
      country: null,
      price_from_usd: null,
      type_published: true,
      fields: {
        required: ['type', 'country', 'proxies'],
        optional: ['is_subscription', 'days', 'duration', 'bandwidth', 'coupon_code'],
      },
      options: [
        { field: 'proxies', locations: [...POOL_LOCATIONS], value: 'IP-pool size per location' },
        { field: 'days', example: 30 },
        { field: 'bandwidth', values: { 0: 'unlimited' } },
        { field: 'is_subscription', values: [true, false] },
      ],
      example: { type: 'new_datacenter_shared', country: 'Belgium', is_subscription: true, days: 30, proxies: { mixed: 1000 }, bandwidth: 0 },
    },
    {
      id: `${UNPUBLISHED_PREFIX}residential`,
      name: 'Residential bandwidth pack',
      kind: 'residential',
      country: null,
      price_from_usd: null,
      type_published: false,
      fields: { required: ['type', 'country', 'bandwidth'], optional: ['duration', 'is_subscription', 'coupon_code'] },
      options: [
        { field: 'bandwidth', unit: 'GB' },
        { field: 'duration', values: [...DURATIONS], omit: 'pack that does not expire' },
      ],
    },
    {
      id: `${UNPUBLISHED_PREFIX}residential_unlimited`,
      name: 'Residential unlimited',
      kind: 'residential',
      country: null,
      price_from_usd: null,
      type_published: false,
      fields: { required: ['type', 'country', 'location'], optional: ['duration', 'is_subscription', 'coupon_code'] },
      options: [
        { field: 'location', value: 'id of a server location; see Residential Unlimited in the dashboard' },
        { field: 'duration', values: [...DURATIONS] },
      ],
    },
    {
      id: `${UNPUBLISHED_PREFIX}serp`,
      name: 'SERP package',
      kind: 'serp',
      country: null,
      price_from_usd: null,
      type_published: false,
      fields: { required: ['type', 'country'], optional: ['duration', 'is_subscription', 'coupon_code'] },
      options: [{ field: 'duration', values: [...DURATIONS], omit: 'package that does not expire' }],
    },
  ],
  notes: [
    'ProxyScrape has no catalog or price endpoint: these are its documented order types and fields, not live stock.',
    'Only new_datacenter_shared has a published type string; the residential, residential unlimited and SERP type strings are not published (the dashboard checkout shows them).',
    'Prices are known only after ordering: order_status shows the charged price.',
    'proxycart places such unpriced orders only when PROXYCART_ALLOW_UNPRICED=1 is set.',
    'Ordering and order reads need the account:api_ordering:write and :read permissions, which ProxyScrape support grants on request.',
  ],
};
