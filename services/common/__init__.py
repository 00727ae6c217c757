"""Code shared by every service: wire contracts and infrastructure, never domain rules."""
