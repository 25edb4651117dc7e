import { isInputRequiredResult } from '@modelcontextprotocol/server';
import { reachPerson } from '../approval/channels/person.js';
import { ProxycartError } from '../errors.js';
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
import { defineTool, identityKey, type ToolDefinition } from './define.js';
import { orderStatus } from './order-status.js';
import { vendorDeps } from './vendor-deps.js';

/** The `<provider>_<operation>` tools of one provider, generated from the contracts. */
export function providerTools(spec: ProviderSpec, runtime: Runtime): ToolDefinition[] {
  const { config } = runtime;
  const base = () => ({ provider: spec.id, sandbox: config.sandbox });
  const tools: ToolDefinition[] = [
    defineTool({
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
    }),
  ];
  if (!config.readOnly) {
    tools.push(
      defineTool({
        name: `${spec.id}_place_order`,
        title: `${spec.title}: place order`,
        description: DESCRIPTIONS.place_order(spec),
        effect: 'spend',
        input: placeOrderInput(spec),
        output: placeOrderOutput,
        async handler(args, call) {
          const [deps, store] = await Promise.all([vendorDeps(runtime, spec), runtime.store()]);
          const result = await placeOrder(
            {
              ...deps,
              provider: spec,
              environment: runtime.environment(spec.id),
              identity: identityKey(call.identity),
              store,
              limits: config,
              confirm: config.confirm,
              person: reachPerson({
                confirm: config.confirm,
                pages: runtime.approvals,
                client: call,
                store,
                environment: runtime.environment(spec.id).id,
                identity: identityKey(call.identity),
              }),
              waiting: { signal: call.signal, progress: call.progress },
            },
            args,
          );
          // A question for the person, asked through the client (2026-07-28), is the call's whole answer.
          return isInputRequiredResult(result) ? result : { ...base(), ...result };
        },
      }),
    );
  }
  tools.push(
    defineTool({
      name: `${spec.id}_order_status`,
      title: `${spec.title}: order status`,
      description: DESCRIPTIONS.order_status(spec),
      effect: 'read',
      input: orderStatusInput,
      output: orderStatusOutput,
      async handler(args, call) {
        return { ...base(), ...(await orderStatus(await vendorDeps(runtime, spec), args, call)) };
      },
    }),
  );
  if (spec.capabilities.balance) {
    tools.push(
      defineTool({
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
      }),
    );
  }
  return tools;
}
