"""Wire contracts: what crosses the bus (event payloads, RPC requests and answers)."""
