"""Assignment: a pure decision over a snapshot (engine), stored with its explanation."""
