import { ProxycartError } from '../../errors.js';
import { log } from '../../log.js';
import type { ApprovalDetails } from '../approvals.js';
import type { DecisionChannel } from './decision.js';

// A confirmation form in the client (2025-11-25 form elicitation): the person approves or
// declines there. Cancelled, failed or unanswered in time, the next channel asks, unless
// forms are the only channel allowed (PROXYCART_CONFIRM=elicit), where that is a decline.

/** The person's answer to a confirmation form; `unanswered` covers errors and time-outs. */
export type ElicitAnswer = 'accept' | 'decline' | 'cancel' | 'unanswered';

/** What is asked, in the words of every surface: a new order, or a change to one (`change`). */
function what(details: ApprovalDetails): string {
  return details.change ? `change to a ${details.vendor} order` : `${details.vendor} order`;
}

/** A recurring charge is said before anything else, the total included. */
function renewsFirst(details: ApprovalDetails): string[] {
  return details.renews ? [details.renews] : [];
}

/** What a person is asked in the client's confirmation form: what the approval page says, badge included. */
export function confirmationMessage(details: ApprovalDetails): string {
  const lines = [
    ...renewsFirst(details),
    details.sandbox ? 'Sandbox: play money.' : 'Live: real money.',
    details.change ? `Make this ${what(details)}, paid from the wallet?` : `Place this ${what(details)}, paid from the wallet?`,
    details.summary,
  ];
  lines.push(
    details.total_usd === null
      ? 'Total: not known until the order is placed.'
      : `Total: ${details.total_usd.toFixed(2)} USD (${details.price_source.replace('_', ' ')}).`,
  );
  if (details.balance_usd !== null) {
    lines.push(
      `Wallet: ${details.balance_usd.toFixed(2)} USD${details.balance_after_usd !== null ? `, ${details.balance_after_usd.toFixed(2)} USD after` : ''}.`,
    );
  }
  for (const warning of details.warnings) if (warning !== details.renews) lines.push(`Note: ${warning}`);
  return lines.join('\n');
}

/** What a person is asked where the client shows the approval page's link (URL elicitation, a URL input request). */
export function linkMessage(details: ApprovalDetails): string {
  return [...renewsFirst(details), `Approve or decline this ${what(details)} on the approval page: ${details.summary}`].join(' ');
}

/** `only`: forms are the only channel (PROXYCART_CONFIRM=elicit), so no answer is a decline. */
export function formChannel(elicit: (message: string) => Promise<ElicitAnswer>, only: boolean): DecisionChannel {
  return {
    async decide(request) {
      if (request.asking !== 'quote') return undefined;
      const details = await request.details();
      const answer = await elicit(confirmationMessage(details));
      if (answer === 'accept') return { state: 'approved' };
      if (answer === 'decline' || only) return { state: 'declined', why: 'The person did not approve this order.' };
      log('info', `${details.vendor}: confirmation form ${answer}; the approval page takes over`);
      return undefined;
    },
  };
}

/** PROXYCART_CONFIRM=elicit where a passkey is required: no form may approve, and nothing else is allowed. */
export const formsRefused: DecisionChannel = {
  async decide() {
    return {
      state: 'closed',
      forget: true,
      error: new ProxycartError(
        'policy',
        'Approving needs a passkey (PROXYCART_APPROVAL_PASSKEY), which only the approval page asks for, and PROXYCART_CONFIRM=elicit allows forms only. Nothing was sent.',
        { advice: 'A person can set PROXYCART_CONFIRM=auto or page, or PROXYCART_APPROVAL_PASSKEY=off.' },
      ),
    };
  },
};
