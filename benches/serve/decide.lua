-- wrk script: POST /v1/decide, rotating four requests of the payments bot (a permitted charge
-- (soon rate-limited), a deferred large charge, a mandatory deny, and an `http/get` without
-- `args.host`, which the `host:` rule therefore does not match: a default deny).
local bodies = {
  '{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":120,"currency":"usd"},"session":"s-42"}',
  '{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":900,"currency":"usd"},"session":"s-42"}',
  '{"agent":"payments-bot","tool":"shell/exec","args":{"cmd":"ls"},"session":"s-42"}',
  '{"agent":"payments-bot","tool":"http/get","args":{"url":"https://api.stripe.com/v1/charges","method":"GET"},"session":"s-42"}',
}
local next_body = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, "/v1/decide", nil, bodies[next_body])
end
