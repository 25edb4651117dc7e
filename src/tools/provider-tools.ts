import { ProxycartError } from '../errors.js';
import { moneyTimeoutMs } from '../timeouts.js';
import { placeOrder } from '../guard/place-order.js';
import type { ProviderSpec } from '../providers/types.js';
import type { Runtime } from '../runtime.js';
import {
  DESCRIPTIONS,
  listOffersInput,
  listOffersOutput,
  orderStatusInput,
  orderStatusOutput,
  placeOrderInput,
  placeOrderOutput,
  walletBalanceInput,
  walletBalanceOutput,
} from './contracts.js';
import { identityKey, type ToolDefinition } from './define.js';
import { orderStatus, type OrderStatusArgs } from './order-status.js';

/** The `<provider>_<operation>` tools of one provider, generated from the contracts. */
export function providerTools(spec: ProviderSpec, runtime: Runtime): ToolDefinition[] {
  const { config } = runtime;
  const moneyLimitMs = moneyTimeoutMs(config.timeoutMs);
  const base = () => ({ provider: spec.id, sandbox: config.sandbox });
  const tools: ToolDefinition[] = [
    {
      name: `${spec.id}_list_offers`,
      title: `${spec.title}: list offers`,
      description: DESCRIPTIONS.list_offers(spec),
      effect: 'read',
      input: listOffersInput(spec),
      output: listOffersOutput,
      async handler(args) {
        const list = await (await runtime.client(spec.id)).listOffers(args);
        return { ...base(), ...list };
      },
    },
  ];
  if (!config.readOnly) {
    tools.push({
      name: `${spec.id}_place_order`,
      title: `${spec.title}: place order`,
      description: DESCRIPTIONS.place_order(spec),
      effect: 'spend',
      input: placeOrderInput(spec),
      output: placeOrderOutput,
      async handler(args, call) {
        const [client, store, ledger] = await Promise.all([runtime.client(spec.id), runtime.store(), runtime.ledger()]);
        const result = await placeOrder(
          {
            provider: spec,
            client,
            environment: runtime.environment(spec.id),
            identity: identityKey(call.identity),
            store,
            ledger,
            limits: config,
            confirm: config.confirm,
            elicit: call.elicit,
            urlElicitation: call.urlElicitation,
            approvals: runtime.approvals,
            waitMs: (typeof args.wait_seconds === 'number' ? args.wait_seconds : 0) * 1000,
            waiting: { signal: call.signal, progress: call.progress },
            moneyTimeoutMs: moneyLimitMs,
          },
          args,
        );
        return { ...base(), ...result };
      },
    });
  }
  tools.push({
    name: `${spec.id}_order_status`,
    title: `${spec.title}: order status`,
    description: DESCRIPTIONS.order_status(spec),
    effect: 'read',
    input: orderStatusInput,
    output: orderStatusOutput,
    async handler(args, call) {
      const [client, ledger] = await Promise.all([runtime.client(spec.id), runtime.ledger()]);
      const deps = { client, ledger, vendor: spec.title, capabilities: spec.capabilities, moneyTimeoutMs: moneyLimitMs, providerId: spec.id };
      return { ...base(), ...(await orderStatus(deps, args as unknown as OrderStatusArgs, call)) };
    },
  });
  if (spec.capabilities.balance) {
    tools.push({
      name: `${spec.id}_wallet_balance`,
      title: `${spec.title}: wallet balance`,
      description: DESCRIPTIONS.wallet_balance(spec),
      effect: 'read',
      input: walletBalanceInput,
      output: walletBalanceOutput,
      async handler() {
        const client = await runtime.client(spec.id);
        if (!client.walletBalance) throw new ProxycartError('not_supported', `${spec.title} publishes no wallet balance.`);
        return { ...base(), ...(await client.walletBalance()) };
      },
    });
  }
  return tools;
}
