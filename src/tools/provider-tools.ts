import { isInputRequiredResult } from '@modelcontextprotocol/server';
import { reachPerson } from '../approval/channels/person.js';
import { ProxycartError } from '../errors.js';
import { type MoneyArgs, type MoneyCall, runMoneyCall } from '../guard/money-path.js';
import { LIFECYCLE_OPERATIONS, type ProviderSpec } from '../providers/types.js';
import type { Runtime } from '../runtime.js';
import {
  CHANGE_WORDS,
  changeInput,
  changeOutput,
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
import { defineTool, identityKey, type ToolCall, type ToolDefinition } from './define.js';
import { orderHint, orderStatus } from './order-status.js';
import { vendorDeps } from './vendor-deps.js';

/** The `<provider>_<operation>` tools of one provider, generated from the contracts. */
export function providerTools(spec: ProviderSpec, runtime: Runtime): ToolDefinition[] {
  const { config } = runtime;
  const base = () => ({ provider: spec.id, sandbox: config.sandbox });
  /** Every money tool runs the same guard; only what the call is differs. */
  const money = async (call: ToolCall, args: MoneyArgs, made: (deps: Awaited<ReturnType<typeof vendorDeps>>) => MoneyCall) => {
    const [deps, store] = await Promise.all([vendorDeps(runtime, spec), runtime.store()]);
    const [environment, identity] = [runtime.environment(spec.id), identityKey(call.identity)];
    const result = await runMoneyCall(
      {
        ...deps,
        call: made(deps),
        provider: spec,
        environment,
        identity,
        store,
        limits: config,
        confirm: config.confirm,
        person: reachPerson({ confirm: config.confirm, pages: runtime.approvals, client: call, store, environment: environment.id, identity }),
        waiting: { signal: call.signal, progress: call.progress },
      },
      args,
    );
    // A question for the person, asked through the client (2026-07-28), is the call's whole answer.
    return isInputRequiredResult(result) ? result : { ...base(), ...result };
  };
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
        handler: (args, call) => money(call, args, ({ client }) => ({ prepare: (order, options) => client.prepareOrder(order, options) })),
      }),
    );
    // The lifecycle operations the vendor documents: each is the same money path, bound to its operation and order.
    for (const operation of LIFECYCLE_OPERATIONS) {
      const declared = spec.operations?.[operation];
      if (!declared) continue;
      tools.push(
        defineTool({
          name: `${spec.id}_${operation}`,
          title: `${spec.title}: ${CHANGE_WORDS[operation].title}`,
          description: CHANGE_WORDS[operation].description(spec),
          effect: 'spend',
          input: changeInput(spec, operation),
          output: changeOutput,
          handler: (args, call) =>
            money(call, args, ({ client, ledger }) => ({
              binding: { operation, target: String(args.order_id) },
              recover: { recover: declared.recover, ...(declared.replayWindowMs ? { replayWindowMs: declared.replayWindowMs } : {}) },
              async prepare(input, options) {
                if (!client.prepareChange) throw new ProxycartError('not_supported', `${spec.title} changes no orders.`);
                return client.prepareChange(operation, input, options, await orderHint(ledger, spec.id, String(input.order_id)));
              },
            })),
        }),
      );
    }
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
