import type { DecisionChannel } from './decision.js';

// PROXYCART_CONFIRM=token: the person delegated approval to the agent, within the caps. A new
// quote hands the agent the token; the agent's confirmation with it is the decision.
export const tokenChannel: DecisionChannel = {
  async decide(request) {
    if (request.asking === 'token') return { state: 'approved' };
    return {
      state: 'pending',
      status: 'confirmation_required',
      next_step:
        'Confirm with the token when your instructions allow this purchase: call this tool again with exactly the same arguments plus confirmation_token. The caps still apply.',
    };
  },
};
