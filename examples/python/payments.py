"""The tools of a payments agent. `faramesh extract python` turns the decorators into FPL."""

import faramesh
from faramesh.sdk import governed_tool


@faramesh.tool(
    name="stripe/refund",
    defer_above=500,
    deny_above=5000,
    reason="large refunds need a human",
    notify="finance",
)
def refund(amount: int, charge_id: str) -> None:
    ...


@faramesh.tool(name="stripe/charge", permit=True, when="amount < 100 and currency in ['usd', 'eur']")
def charge(amount: int, currency: str) -> None:
    ...


@faramesh.tool(deny=True, reason="customers are deleted by the back office only")
def delete_customer(customer_id: str) -> None:
    ...


@governed_tool(agent_id="payments-bot", tool="stripe", operation="payout")
def payout(amount: int) -> None:
    ...
