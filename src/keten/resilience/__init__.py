"""Supply-chain resilience: the supply network, critical raw materials, scenarios and the CRMA report."""
