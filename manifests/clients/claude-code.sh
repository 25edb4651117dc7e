# Claude Code: add proxycart for your user (drop the -e lines you do not need; sandbox vendors when no key is set).
claude mcp add proxycart --scope user \
  -e PROXYJAM_API_KEY="$PROXYJAM_API_KEY" \
  -e PROXYSCRAPE_API_KEY="$PROXYSCRAPE_API_KEY" \
  -e PROXYSELLER_API_KEY="$PROXYSELLER_API_KEY" \
  -e NOVAPROXY_API_KEY="$NOVAPROXY_API_KEY" \
  -e NOVAPROXY_BASE_URL="$NOVAPROXY_BASE_URL" \
  -e PROXYCART_MAX_ORDER_USD=50 \
  -e PROXYCART_DAILY_BUDGET_USD=200 \
  -e PROXYCART_CONFIRM=auto \
  -e PROXYCART_APPROVAL_PIN="$PROXYCART_APPROVAL_PIN" \
  -- npx -y proxycart
