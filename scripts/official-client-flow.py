"""Drives a CLOB with Polymarket's official Python client (py-clob-client-v2) through its normal flows.

Usage: official-client-flow.py HOST PRIVATE_KEY TOKEN_ID [SIGNATURE_TYPE FUNDER]

Prints one JSON object with every answer, for the caller (polymarket-sim's test) to check against the venue's state.
Any exception the client raises ends the run with exit status 1 and the error on stderr.
"""

import json
import sys

from py_clob_client_v2 import (
    AssetType,
    BalanceAllowanceParams,
    BookParams,
    ClobClient,
    MarketOrderArgs,
    OrderArgs,
    OrderPayload,
    OrderScoringParams,
    OrderType,
    PricesHistoryParams,
    Side,
)


def main() -> None:
    host, key, token = sys.argv[1], sys.argv[2], sys.argv[3]
    sig_type = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    funder = sys.argv[5] if len(sys.argv) > 5 else None
    out = {}

    # L1: keys from the wallet signature, then a fully authenticated client.
    creds = ClobClient(host=host, chain_id=137, key=key).create_or_derive_api_key()
    client = ClobClient(
        host=host, chain_id=137, key=key, creds=creds, signature_type=sig_type, funder=funder
    )
    out["api_key"] = creds.api_key
    out["api_keys"] = client.get_api_keys()
    out["version"] = client.get_version()
    out["balance_before"] = client.get_balance_allowance(
        BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
    )
    client.update_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL))

    # Public market data.
    out["book"] = client.get_order_book(token)
    out["price_buy"] = client.get_price(token, "BUY")
    out["price_sell"] = client.get_price(token, "SELL")
    out["midpoint"] = client.get_midpoint(token)
    out["spread"] = client.get_spread(token)
    out["last_trade_price"] = client.get_last_trade_price(token)
    params = [BookParams(token_id=token, side="BUY"), BookParams(token_id=token, side="SELL")]
    out["prices"] = client.get_prices(params)
    out["midpoints"] = client.get_midpoints([BookParams(token_id=token)])
    out["spreads"] = client.get_spreads([BookParams(token_id=token)])
    out["last_trades_prices"] = client.get_last_trades_prices([BookParams(token_id=token)])
    out["prices_history"] = client.get_prices_history(PricesHistoryParams(market=token, interval="max"))
    out["tick_size"] = client.get_tick_size(token)
    out["neg_risk"] = client.get_neg_risk(token)
    out["fee_rate_bps"] = client.get_fee_rate_bps(token)

    # A resting limit order: placed, looked up, scored, cancelled.
    tick = float(out["tick_size"])
    bid = float(out["price_buy"]["price"])
    rest_price = round(max(tick, bid - 5 * tick), 4)
    placed = client.create_and_post_order(
        OrderArgs(token_id=token, price=rest_price, size=10, side=Side.BUY), order_type=OrderType.GTC
    )
    out["limit"] = placed
    order_id = placed["orderID"]
    out["limit_lookup"] = client.get_order(order_id)
    out["limit_scoring"] = client.is_order_scoring(OrderScoringParams(orderId=order_id))
    out["open_orders"] = client.get_open_orders()
    out["cancel"] = client.cancel_order(OrderPayload(orderID=order_id))

    # A market order: the client prices it from the book, the CLOB fills it at once.
    out["market"] = client.create_and_post_market_order(
        MarketOrderArgs(token_id=token, amount=5, side=Side.BUY), order_type=OrderType.FOK
    )
    out["trades"] = client.get_trades()
    out["balance_after"] = client.get_balance_allowance(
        BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
    )
    out["holding_after"] = client.get_balance_allowance(
        BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=token)
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
