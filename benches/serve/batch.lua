-- wrk script: POST /v1/decide/batch with 1,000 requests a body (the four of decide.lua, repeated).
local bodies = {
  '{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":120,"currency":"usd"},"session":"s-42"}',
  '{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":900,"currency":"usd"},"session":"s-42"}',
  '{"agent":"payments-bot","tool":"shell/exec","args":{"cmd":"ls"},"session":"s-42"}',
  '{"agent":"payments-bot","tool":"http/get","args":{"url":"https://api.stripe.com/v1/charges","method":"GET"},"session":"s-42"}',
}
local batch = {}
for i = 1, 1000 do
  batch[i] = bodies[(i - 1) % #bodies + 1]
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "[" .. table.concat(batch, ",") .. "]"
wrk.path = "/v1/decide/batch"
